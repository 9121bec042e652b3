# The two commands: `make run` and `make test`. Both create .venv when missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Production-like environment for `make check` (throwaway values, never used to serve).
CHECK_ENV = DEBUG=0 HTTPS=1 ALLOWED_HOSTS=pensero.example.com \
	SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	FIELD_ENCRYPTION_KEYS=$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')

.PHONY: run test lint check bench install clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

## make run: the app on http://127.0.0.1:8000 with one background worker (SQLite, ORM broker),
## plus the Jira simulator and a demo workspace unless DEMO=0. The demo has its own
## database file (db-demo.sqlite3); DEMO=0 uses db.sqlite3.
DEMO ?= 1
run: $(STAMP)
	DEMO=$(DEMO) DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEMO=$(DEMO) DEBUG=$${DEBUG:-1} $(PY) manage.py devserver $(if $(filter 1,$(DEMO)),--demo,)

## make test: the whole test suite (PostgreSQL when DATABASE_URL points at one, SQLite otherwise).
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: $(STAMP)
	$(CHECK_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	$(CHECK_ENV) $(PY) manage.py makemigrations --check --dry-run

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
