# Two commands on a fresh machine with Python 3.11+ and make:
#   make run    virtualenv, dependencies, database, demo data, then server on
#               127.0.0.1:8000, a Celery worker and beat (Procfile.dev)
#   make test   lint and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The suite's processes (pytest-xdist): CI machines have two cores.
TEST_PROCESSES ?= 2

.PHONY: run test install lint format lock worker beat messages

$(INSTALLED): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	touch $(INSTALLED)

install: $(INSTALLED)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/honcho -f Procfile.dev start -p 8000

test: install lint
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist loadgroup

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# `make run` starts both; these are for a server started some other way.
worker: install
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install
	mkdir -p var
	$(BIN)/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

# Regenerate the pinned, hashed lock file after editing pyproject.toml.
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --generate-hashes \
		--python-version 3.11 -o requirements.lock

# Translations (needs GNU gettext): collect every translatable string into
# locale/{de,es}/LC_MESSAGES/django.po, then compile the .mo files, which are
# committed so that `make run` works without gettext. Translate each new
# msgid in the .po files between the two steps (run it again to compile);
# tests/i18n fails on an untranslated or fuzzy entry.
MAKEMESSAGES_IGNORE := --ignore='.venv/*' --ignore='tests/*' --ignore='bench/*' --ignore='static/*'
messages: install
	$(BIN)/python manage.py makemessages -l de -l es --no-location $(MAKEMESSAGES_IGNORE)
	$(BIN)/python manage.py compilemessages --ignore='.venv/*'
