# certdesk — make run (a local instance on http://127.0.0.1:8000) and make test (the whole suite).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.13 (3.12 at least): on PATH, or in pyenv's versions folder.
PYTHON ?= $(shell for p in python3.13 python3.12; do \
	  v=$$(command -v $$p 2>/dev/null) && $$v -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null && { echo $$v; exit; }; \
	done; \
	for d in $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3.13 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3.12; do \
	  [ -x $$d ] && { echo $$d; exit; }; \
	done)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
CHROMIUM := /usr/bin/chromium

# The suite runs on the real stack: PostgreSQL and Redis on this machine unless told otherwise.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/certdesk
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1
BENCH ?=

.PHONY: help install run test lint bench screenshots constraints clean chromium pdf-libs

help:
	@echo "make run    build .venv, migrate, load standards and demo data, serve http://127.0.0.1:8000 with a worker"
	@echo "make test   install what the suite needs and run it (PostgreSQL and Redis on 127.0.0.1)"
	@echo "make bench  run the benchmarks under bench/ (BENCH=name for one)"
	@echo "make lint   ruff and the migrations check"
	@echo "make screenshots  drive Chromium through the candidate's path and save docs/screenshots/*.png"

$(VENV)/.installed: pyproject.toml constraints.txt
	@if [ -z "$(PYTHON)" ]; then \
	  echo "certdesk needs Python 3.13 (or 3.12): none found on PATH or in pyenv (~/.pyenv/versions)."; \
	  echo "Install one (e.g. 'pyenv install 3.13') or run: make PYTHON=/path/to/python3.13 ..."; exit 1; fi
	@[ -x $(PY) ] || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

run: install pdf-libs
	$(MANAGE) migrate --noinput
	$(MANAGE) load_standards
	$(MANAGE) load_demo
	@echo "Starting a Celery worker with beat, then the server on http://127.0.0.1:8000"
	@nice -n 10 $(VENV)/bin/celery -A certdesk worker -B --loglevel=INFO --concurrency=2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver 127.0.0.1:8000

# Debian packages the suite drives: Chromium (browser tests), poppler (PDF to PNG) and zbar (reads the QR code back).
TEST_TOOLS := $(CHROMIUM) /usr/bin/pdftoppm /usr/bin/zbarimg
APT_INSTALL = SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq
chromium:
	@missing=""; for t in $(TEST_TOOLS); do [ -x $$t ] || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages for the test tools:$$missing"; \
	  $(APT_INSTALL) chromium poppler-utils zbar-tools >/dev/null; \
	fi

# HarfBuzz's font subsetter: without it WeasyPrint subsets the fonts it embeds with fontTools, and a
# certificate costs 0.41 s of CPU instead of 0.08 s (measured here). WeasyPrint still works without
# it, so where it cannot be installed `make run` goes on and says what that costs.
pdf-libs:
	@/sbin/ldconfig -p | grep -q libharfbuzz-subset.so.0 || { \
	  echo "Installing Debian's libharfbuzz-subset0 (WeasyPrint's font subsetter)"; \
	  $(APT_INSTALL) libharfbuzz-subset0 >/dev/null \
	  || echo "libharfbuzz-subset0 could not be installed: PDFs render with fontTools, about five times slower."; }

test: install chromium pdf-libs
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	  $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(MANAGE) makemigrations --check --dry-run

bench: install pdf-libs
	@if ! ls bench/[!_]*.py >/dev/null 2>&1; then echo "No benchmarks under bench/ yet."; exit 0; fi; \
	for b in $(if $(BENCH),bench/$(BENCH).py,bench/[!_]*.py); do \
	  echo "== $$b"; $(PY) $$b || echo "$$b exited with an error"; \
	done

screenshots: install chromium pdf-libs
	$(PY) tools/screenshots.py

constraints: install
	(echo "# Exact versions that install together (Python 3.12/3.13). Regenerate: make constraints"; \
	 $(PY) -m pip freeze --exclude-editable) > constraints.txt

clean:
	rm -rf $(VENV) var db.sqlite3
