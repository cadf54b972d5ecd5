from services.caseplan.main import run

run()
