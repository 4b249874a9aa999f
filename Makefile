# Every target creates .venv itself; only Python 3.10+, git and make are needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := demo-feature
PYTEST_ARGS ?=

.PHONY: demo test test-deps lint bench fuzz clean backstage-test-backend rules-index

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

## make test-deps: Debian packages some tests use (headless chromium for the cost dashboard, prometheus and
## promtool for the alert rules). Installed only when missing and when we may (root, or sudo without a
## password); otherwise those tests skip with a reason locally (and fail in CI, where CI is set).
TEST_DEBS := chromium prometheus
test-deps:
	@missing=""; for pkg in $(TEST_DEBS); do dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then echo "test-deps: no apt-get; tests needing$$missing will skip"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then as=""; elif sudo -n true 2>/dev/null; then as="sudo -n"; \
	else echo "test-deps: not root and no sudo; tests needing$$missing will skip"; exit 0; fi; \
	echo "test-deps: installing$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	( $$as apt-get update -qq && $$as apt-get install -y -qq --no-install-recommends $$missing ) >/dev/null 2>&1 \
	  || echo "test-deps: could not install$$missing; tests needing them will skip (fail in CI)"

## make test: install with test extras (test-deps, the test Backstage backend) and run the whole suite with
## branch coverage; a total below the floor in .ci/coverage-floor fails (only when no PYTEST_ARGS narrow it)
COVERAGE := $(if $(PYTEST_ARGS),,--cov --cov-report= --cov-report=json:coverage.json)
test: $(STAMP) test-deps backstage-test-backend
	PLATFORM_BACKSTAGE_TEST_DIR="$$($(BIN)/python tests/backstage_backend/install.py --print-dir)" \
		$(BIN)/python -m pytest -n auto $(COVERAGE) $(PYTEST_ARGS)
	$(if $(PYTEST_ARGS),,$(BIN)/python .ci/coverage_floor.py coverage.json)

## make backstage-test-backend: npm-install the real Backstage catalog backend the tests start, into
## ~/.cache/platform-cli-tests/backstage/<hash of its pins> (once; skipped with a note without node/npm)
backstage-test-backend: $(STAMP)
	$(BIN)/python tests/backstage_backend/install.py

## make fuzz: the loader property tests (tests/fuzz/) with a large budget, in one process so the summary
## counts every input: inputs tried per loader, accepted, refused (exit 2, located), internal errors (0)
FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP)
	PLATFORM_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -p no:xdist -q tests/fuzz

## make lint: ruff, ruff format and mypy (strict for platform_cli/); .ci/run runs it before make test
lint: $(STAMP)
	$(BIN)/ruff check platform_cli tests bench
	$(BIN)/ruff format --check platform_cli tests bench
	$(BIN)/mypy

## make rules-index: validate the shipped rule pack (policies/readiness/) and write its index
## (policies/readiness.index.json), which lets a machine with no user cache skip validating and parsing it;
## run it after editing a shipped rule (a test fails while the index and the pack disagree)
rules-index: $(STAMP)
	$(BIN)/python -c "from platform_cli.readiness.rules import write_shipped_index as w; print(w())"

## make bench: benchmarks printed as ratios against a reference measured in the same run
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(DEMO) build dist *.egg-info
