from services.reporting.main import run

run()
