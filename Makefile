# Two commands: `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench sample-data clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/hltui open sample_data/

test: $(STAMP)
	$(BIN)/ruff check hltui tests bench scripts
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check hltui tests bench scripts
	$(BIN)/ruff format --check hltui tests bench scripts

bench: $(STAMP)
	$(BIN)/python -m bench.index 100000

sample-data: $(STAMP)
	$(BIN)/python scripts/make_sample_data.py sample_data

clean:
	rm -rf $(VENV) .pytest_cache build dist
