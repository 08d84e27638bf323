# The two commands of the README: `make run` and `make test`. Both set up .venv from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint audit catalogs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/usar run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q --durations=15

# Known vulnerabilities in what .venv holds (pip-audit); passes, saying so, when its database is out of reach.
audit: $(STAMP)
	$(BIN)/python .ci/audit.py

# After changing user-visible text: refresh the template and both catalogs, then translate the new entries.
catalogs: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 -k npgettext:1c,2,3 --add-comments=Translators: \
		--no-location --sort-output -o locales/messages.pot .
	$(BIN)/pybabel update --ignore-obsolete -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --no-wrap
