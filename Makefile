# Reciprocal — two commands: `make run` (try it with the demo LMS) and `make test` (whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
SMTP_PORT ?= 8025
export FLASK_APP := lti_tool
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test setup migrate seed lint test-sqlite test-postgres browser nginx services bench soak \
	clean translations compile-translations

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) compile-translations

# Catalogues: the .po files are committed; the .mo files are built from them.
LOCALES_DIR := lti_tool/translations
POT := $(LOCALES_DIR)/messages.pot
PO_FILES := $(wildcard $(LOCALES_DIR)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

compile-translations: $(MO_FILES)

# After marking strings: extract them all, merge into every language's .po, then compile.
# Translate the new entries of lti_tool/translations/<lang>/LC_MESSAGES/messages.po and run
# `make compile-translations` (tests/test_i18n.py names the learner pages that must be complete).
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k lazy_gettext -k lazy_ngettext:1,2 \
	  --no-location --sort-output --project=Reciprocal -o $(POT) lti_tool templates
	$(BIN)/pybabel update -i $(POT) -d $(LOCALES_DIR) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(LOCALES_DIR)

migrate: setup
	@mkdir -p -m 700 var
	$(BIN)/flask db upgrade
	$(BIN)/flask keys ensure

seed: migrate
	$(BIN)/flask demo seed --tool-url http://$(HOST):$(PORT) --lms-url http://localhost:$(PORT)

run: seed
	@echo
	@echo "  Reciprocal is starting. Open the demo LMS:  http://localhost:$(PORT)/"
	@echo "  (the tool itself answers on http://$(HOST):$(PORT)/ ; admin: http://$(HOST):$(PORT)/admin/ ,"
	@echo "   admin secret in development: demo-admin ; mail the tool sends: http://localhost:$(PORT)/mail)"
	@echo
	@# The background worker (roster syncs, matching runs, email) and the demo LMS's mail
	@# server live as long as the web server; the tool sends its email to that server.
	export SMTP_HOST=$${SMTP_HOST:-127.0.0.1} SMTP_PORT=$${SMTP_PORT:-$(SMTP_PORT)} \
	  SMTP_STARTTLS=$${SMTP_STARTTLS:-false}; \
	$(BIN)/flask demo mail-server --port $(SMTP_PORT) & mail=$$!; \
	$(BIN)/flask worker & worker=$$!; trap 'kill $$worker $$mail 2>/dev/null' EXIT INT TERM; \
	TOOL_URL=http://$(HOST):$(PORT) LMS_URL=http://localhost:$(PORT) \
	  $(BIN)/gunicorn -c config/gunicorn.conf.py --bind $(HOST):$(PORT) 'lti_tool:create_app()'

# Debian's Chromium for the Playwright tests (Playwright cannot download browsers here).
browser:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation; }

# Debian's nginx for the HTTPS proxy and two-server tests (each test runs its own, unprivileged).
nginx:
	@test -x /usr/sbin/nginx || { \
	  echo "Installing Debian's nginx for the proxy tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; }

# PostgreSQL and Redis are expected on loopback; start them if they are down.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test-sqlite: setup browser nginx services
	$(BIN)/pytest

test-postgres: setup browser nginx services
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest

test: lint test-sqlite test-postgres

bench: setup
	$(BIN)/python bench/launch.py

soak: setup nginx services
	$(BIN)/python bench/soak.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
