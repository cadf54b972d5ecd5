from services.allocation.main import run

run()
