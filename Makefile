PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab test lint bench screenshot clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/cqrs-lab

test: $(STAMP)
	$(BIN)/ruff check cqrs_lab tests
	$(BIN)/cqrs-lab lessons validate
	$(BIN)/pytest -n 2

bench: $(STAMP)
	$(BIN)/cqrs-lab bench

screenshot: $(STAMP)
	$(BIN)/python -m cqrs_lab.tui.screenshot assets/lab.svg

clean:
	rm -rf $(VENV) build *.egg-info
