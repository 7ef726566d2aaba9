# Two commands for a fresh machine: `make run` (the web application) and `make test`.
# Both install the exact versions of uv.lock; after a change to pyproject.toml's dependencies,
# `make lock` refreshes it (an install refuses a lock that no longer matches pyproject.toml).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed-stamp
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never

.PHONY: install lock browser run chat test lint format bench clean

# uv itself comes from PyPI through pip, at a fixed version, into the project's venv.
$(UV):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv==$(UV_VERSION)

# --inexact: packages installed by hand (and pip, uv) stay; those of the lock are exact.
# --compile-bytecode, as pip does: with PYTHONDONTWRITEBYTECODE set, a venv without .pyc files
# compiles every module at each start (`serve` took twice as long to start).
$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --inexact --compile-bytecode --extra test
	touch $(STAMP)

install: $(STAMP)

lock: $(UV)
	$(UV) lock

# The browser tests drive Debian's Chromium (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests (needs root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

run: install
	$(PY) bot.py db upgrade
	$(PY) bot.py serve

chat: install
	$(PY) bot.py db upgrade
	$(PY) bot.py chat

# The whole suite runs twice: on SQLite (the embedded default) and on PostgreSQL (a server of
# Debian's package that .ci/postgres.sh installs and starts on loopback).
test: install browser
	$(PY) bot.py content check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest
	TEST_POSTGRES_URL="$$(bash .ci/postgres.sh)" $(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) data/*.db* .pytest_cache .ruff_cache
