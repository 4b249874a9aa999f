# Every target creates .venv itself; only Python 3.10+, git and make are needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := demo-feature
PYTEST_ARGS ?=

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $(STAMP)

## make demo: install, scaffold ./demo-feature with defaults, run its own tests, print next steps
demo: $(STAMP)
	rm -rf $(DEMO)
	$(BIN)/platform scaffold new-ai-feature $(DEMO) --defaults --quiet \
		--data name="Demo Feature" --data eval_owner="$$(git config user.email || echo demo.owner@example.com)"
	cd $(DEMO) && ../$(BIN)/python -m pytest -q -p no:cacheprovider
	cd $(DEMO) && ../$(BIN)/platform readiness check
	@echo
	@echo "The demo feature is in ./$(DEMO) (cd $(DEMO); the venv is ../.venv)."
	@cat $(DEMO)/NEXT_STEPS.txt

## make test: install with test extras and run the whole suite
test: $(STAMP)
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

## make lint: ruff and mypy (strict for platform_cli/)
lint: $(STAMP)
	$(BIN)/ruff check platform_cli tests bench
	$(BIN)/ruff format --check platform_cli tests bench
	$(BIN)/mypy

## make bench: benchmarks printed as ratios against a reference measured in the same run
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(DEMO) build dist *.egg-info
