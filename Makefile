# Set-up and everyday targets. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench validate fit-dq clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dask]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/autoimmunity demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

validate: $(STAMP)
	for f in validation/validate_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

fit-dq: $(STAMP)
	$(BIN)/python scripts/fit_dq_matrices.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache
