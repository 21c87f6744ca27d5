# Jishi — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export PYTHONPATH := src
export DJANGO_SETTINGS_MODULE := jishi.config.settings
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test fuzz lint openapi bench bench-search bench-serving install install-dev clean

$(PY):
	@PY=$$(scripts/find-python) && echo "Creating $(VENV) with $$PY" && "$$PY" -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: $(PY) requirements/base.lock pyproject.toml
	$(PY) -m pip install --quiet -r requirements/base.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements/dev.lock
	$(PY) -m pip install --quiet -r requirements/dev.lock
	@touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

PORT ?= 8000

## demo: install, migrate, load the demo market and serve it on SQLite at http://127.0.0.1:8000
##       (with a task worker and the scheduler beside the web server; PORT=8001 make demo for another port)
demo: export JISHI_DEMO = 1
demo: export PORT := $(PORT)
demo: install
	@echo "Using the development SECRET_KEY, as expected for the demo (production sets SECRET_KEY)."
	$(PY) manage.py compiletranslations
	@echo "Migrating the database (about ten seconds)…"
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py load_demo
	scripts/serve-demo $(PY) $(PORT)

## test: the whole suite (SQLite by default; DATABASE_URL=postgres://... for PostgreSQL)
test: install-dev
	@command -v chromium >/dev/null 2>&1 || echo "NOTE: Chromium is not installed, so the browser tests will be SKIPPED (apt-get install chromium fonts-wqy-microhei)."
	$(PY) manage.py compiletranslations
	$(BIN)/pytest

## fuzz: the property and fuzz tests with JISHI_FUZZ (default 20) times the examples, from a random seed;
##       failures are saved in tests/hypothesis-examples, which every test run replays (commit them)
fuzz: install-dev
	$(PY) manage.py compiletranslations
	JISHI_FUZZ=$${JISHI_FUZZ:-20} $(BIN)/pytest -m fuzz

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src
	$(BIN)/lint-imports
	$(PY) manage.py makemigrations --check --dry-run -v1

## openapi: record the API document after a deliberate change (tests/openapi.json; commit it with the change)
openapi: install-dev
	JISHI_OPENAPI_WRITE=1 $(BIN)/pytest -q tests/test_openapi_snapshot.py

## bench: 100,000 products in PostgreSQL, measured against gunicorn at 8 and 32 clients
bench: install-dev
	$(PY) manage.py compiletranslations
	$(PY) bench/run.py

## bench-search: the filtered keyword search at 1,000,000 products, in a database of its own
bench-search: install-dev
	$(PY) manage.py compiletranslations
	BENCH_PRODUCTS=1000000 BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/jishi_bench_1m $(PY) bench/run.py search

## bench-serving: gunicorn sync, gunicorn gthread and granian side by side (README's serving figures)
bench-serving: install-dev
	$(PY) manage.py compiletranslations
	$(PY) bench/run.py serving

clean:
	rm -rf $(VENV) var/test*.sqlite3*
