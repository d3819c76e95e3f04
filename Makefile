# Fallteam: `make run` serves the demo instance, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
INSTANCE := instance
# the suite runs in one process per core (pytest-xdist); TEST_WORKERS=0 runs it in this one
TEST_WORKERS ?= auto

.PHONY: run test install install-dev translations messages lint bench bench-pages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d fallteam/translations

# After changing user-facing text: refresh the catalogue, then translate the new entries.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o fallteam/translations/messages.pot .
	$(BIN)/pybabel update -i fallteam/translations/messages.pot -d fallteam/translations --no-fuzzy-matching --ignore-obsolete

# The demo instance: development mode with demo data, keys made explicitly by `keys init`.
$(INSTANCE)/fallteam.toml:
	mkdir -p $(INSTANCE)
	printf '# Demo-Instanz (von make run angelegt)\nFALLTEAM_ENV = "development"\nFALLTEAM_DEMO = true\n' > $@

run: install $(INSTANCE)/fallteam.toml
	$(FLASK) keys init
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) demo logins
	@echo "Fallteam läuft auf http://127.0.0.1:5000 (Beenden mit Strg+C)"
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install-dev
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check fallteam tests bench
	$(BIN)/lint-imports
	$(BIN)/bandit -r fallteam -q -lll  # no high-severity finding

bench: install-dev
	$(BIN)/python bench/crypto_audit.py
	$(BIN)/python bench/case_list.py

# The most-opened pages under gunicorn against their plaintext, no-audit baseline (small size;
# `$(BIN)/python bench/pages.py` for the full one, --database-url for PostgreSQL).
bench-pages: install-dev
	$(BIN)/python bench/pages.py --quick

clean:
	rm -rf $(VENV) build *.egg-info
