# Probatio: the whole set-up is `make run` (demo server) and `make test` (test suite).
# Every target installs what is missing first, and only what is missing.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
VENDOR := probatio/static/vendor
VENDOR_FILES := $(VENDOR)/htmx.min.js $(VENDOR)/axe.min.js

HOST ?= 127.0.0.1
PORT ?= 8000
# PostgreSQL used by `make test-postgres` unless DATABASE_URL is already set.
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/probatio
# Extra pytest arguments for both runs of the suite, e.g. `PYTEST_ARGS="-k notes"`; the number
# of workers of the first run: `PROBATIO_TEST_WORKERS=1 make test`.
PYTEST_ARGS ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install vendor chromium run backup-demo test test-postgres bench bench-national load-test lint quality clean

help:
	@echo "make run            installe, migre, charge la démo et lance le serveur (http://$(HOST):$(PORT)/)"
	@echo "make backup-demo    sauvegarde la base de démonstration de make run et ses fichiers dans var/backups/"
	@echo "make test           suite de tests complète sur SQLite (tests PostgreSQL désélectionnés)"
	@echo "make test-postgres  suite complète sur PostgreSQL (DATABASE_URL, par défaut $(POSTGRES_URL))"
	@echo "make bench          mesure les pages principales (1 puis 10 services) et le lot de rappels"
	@echo "make bench-national mesure les mêmes pages sur une base PostgreSQL nationale (NATIONAL_SCALE=1)"
	@echo "make load-test      test de charge : 200 utilisateurs simulés sur la base nationale (LOAD_USERS, LOAD_RUN_TIME)"
	@echo "make lint           ruff check + ruff format --check"
	@echo "make quality        lint + migrations à jour + manage.py check"
	@echo "make clean          supprime var/, .venv/, node_modules/ et probatio/static/vendor/"

# --- Python ------------------------------------------------------------------------------

$(BIN)/pip:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Probatio demande Python 3.11 ou plus récent ($(PYTHON) est trop ancien)." >&2; exit 1; }
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null \
		|| PYTHON=$(PYTHON) scripts/ensure-debian-package.sh --python-module ensurepip python3-venv
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }

# Reinstalled only when pyproject.toml changed since the last install.
$(PY_STAMP): pyproject.toml | $(BIN)/pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# --- Front-end files (npm registry, copied into the static folder, not committed) ---------

$(NPM_STAMP): package.json package-lock.json
	@scripts/ensure-debian-package.sh npm nodejs npm
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(VENDOR)/htmx.min.js: $(NPM_STAMP)
	@mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $@

$(VENDOR)/axe.min.js: $(NPM_STAMP)
	@mkdir -p $(VENDOR)
	cp node_modules/axe-core/axe.min.js $@

vendor: $(VENDOR_FILES)

install: $(PY_STAMP) vendor

# --- Debian's Chromium for the browser tests ----------------------------------------------

chromium:
	@if [ -n "$${PROBATIO_CHROMIUM:-}" ]; then \
		command -v "$$PROBATIO_CHROMIUM" >/dev/null \
			|| { echo "PROBATIO_CHROMIUM=$$PROBATIO_CHROMIUM n'est pas un exécutable." >&2; exit 1; }; \
	else \
		scripts/ensure-debian-package.sh chromium chromium; \
	fi

# --- Targets -------------------------------------------------------------------------------

# Local demo: SQLite under var/ (or DATABASE_URL), DEBUG off (the French error pages; static files
# served by WhiteNoise from the project folders), background worker alongside the
# development server (it also sweeps due messages every minute: docs/messaging.md); the worker
# stops with the server (Ctrl-C).
run: install
	@export DEBUG=false PROBATIO_SERVE_STATIC=true; \
	set -e; \
	$(PY) manage.py migrate --noinput; \
	$(PY) manage.py load_demo; \
	echo; \
	echo "Probatio : http://$(HOST):$(PORT)/  (Ctrl-C pour arrêter)"; \
	echo; \
	set +e; \
	$(PY) manage.py run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# A backup of the demo of `make run` (its database, SQLite under var/ or DATABASE_URL, and its
# private files) into var/backups/, encrypted when BACKUP_KEY is set; the demo is loaded first
# if it is not there yet. Restore: `manage.py restore ARCHIVE` (docs/deployment.md).
backup-demo: $(PY_STAMP)
	@set -e; \
	$(PY) manage.py migrate --noinput --verbosity 0; \
	echo "Démonstration : chargement si elle manque (environ une minute la première fois)..."; \
	$(PY) manage.py load_demo >/dev/null; \
	$(PY) manage.py backup

# The whole suite on SQLite; tests marked `postgres` are deselected (pytest counts them). Two
# runs (scripts/run-tests.sh): the suite on two workers, then the browser journeys (two workers too).
test: install chromium
	@echo "Tests sur SQLite ; les tests marqués « postgres » sont désélectionnés (make test-postgres)."
	env -u DATABASE_URL PROBATIO_TEST_MARKERS="not postgres" scripts/run-tests.sh $(PYTEST_ARGS)

# The whole suite, PostgreSQL-only tests included (see scripts/ensure-postgres.sh).
test-postgres: install chromium
	DATABASE_URL="$${DATABASE_URL:-$(POSTGRES_URL)}" scripts/run-tests.sh $(PYTEST_ARGS)

bench: install
	$(PY) bench/run_bench.py

# The main pages at national scale (PostgreSQL; docs/performance.md). NATIONAL_SCALE=0.01 for a
# quick run; the databases are rebuilt only when the code that shapes them changed.
bench-national: install
	scripts/ensure-postgres.sh postgres
	$(PY) bench/run_national.py --scale $${NATIONAL_SCALE:-1}

# A Monday morning on the national database: Locust headless against gunicorn on loopback
# (docs/performance.md). Locust and gunicorn come from the `load` extra, installed here only;
# HTML pages only, so no front-end files are needed.
# A short run: `NATIONAL_SCALE=0.01 LOAD_USERS=30 LOAD_RUN_TIME=2m make load-test`.
LOAD_STAMP := $(VENV)/.installed-load
$(LOAD_STAMP): pyproject.toml $(PY_STAMP)
	$(BIN)/pip install --quiet -e '.[dev,load]'
	@touch $@

load-test: $(LOAD_STAMP)
	scripts/ensure-postgres.sh postgres
	$(PY) bench/run_load.py --scale $${NATIONAL_SCALE:-1}

lint: $(PY_STAMP)
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	exit $$status

quality: lint
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

clean:
	rm -rf var $(VENV) node_modules $(VENDOR)
