# The two commands: `make run` starts the whole local stack, `make test` runs every test.
# Both create .venv and install the project on first use, as does `make bench`, the benchmark
# suite (BENCH_DB=postgres: on PostgreSQL; docs/performance.md).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO ?= 1

.PHONY: run test bench proto lint clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/pakt up $(if $(filter 0,$(DEMO)),--no-demo,)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run.py $(if $(filter postgres,$(BENCH_DB)),--db postgres,) $(BENCH_ARGS)

# Regenerate the committed Python code of proto/ after changing a contract.
proto: $(STAMP)
	$(BIN)/python scripts/gen_proto.py

lint: $(STAMP)
	cd proto && ../$(BIN)/buf lint

clean:
	rm -rf $(VENV) .pakt-data
