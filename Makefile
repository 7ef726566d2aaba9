# Two commands for a fresh machine: `make run` (the web application) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install browser run chat test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

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
