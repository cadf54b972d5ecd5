from services.antrag.main import run

run()
