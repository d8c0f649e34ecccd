# The two commands: `make demo` and `make test`. Everything else is a step they use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_URL ?= postgres://postgres@127.0.0.1:5432/consular
PYTEST_ARGS ?=
BENCH ?=

.PHONY: install messages messages-extract demo test lint typecheck test-sqlite test-postgres pytest-sqlite pytest-postgres browser-deps postgres schema bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## install: create .venv with the application, its tests and tools; compile the translations
install: $(STAMP) messages

messages: $(STAMP)
	$(BIN)/pybabel compile -d consular/locale -D django --statistics

## messages-extract: collect new translatable strings into django.po (then translate them and `make messages`)
messages-extract: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/django-admin makemessages -l zh_Hans --add-location=file --no-wrap --no-obsolete \
		--ignore='tests/*' --ignore='bench/*' --ignore='var/*' --ignore='docs/*' --ignore='.venv/*'

## demo: SQLite under var/, migrations, reference and demo data, web server and task worker
demo: install
	$(BIN)/consular demo

## test: lint, type-check, and the whole suite on SQLite and on PostgreSQL (the PostgreSQL run leaves out the
## tests that reach no database: they answer the same on either run)
test: install browser-deps postgres lint typecheck
	$(MAKE) --no-print-directory pytest-sqlite pytest-postgres

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy consular config tests bench scripts

test-sqlite: install browser-deps
	$(MAKE) --no-print-directory pytest-sqlite

test-postgres: install browser-deps postgres
	$(MAKE) --no-print-directory pytest-postgres

# The bare runs, without their prerequisites (which `test` has made once, before running both side by side).
pytest-sqlite:
	@echo "== the suite on SQLite"
	$(BIN)/pytest -q $(PYTEST_ARGS)

pytest-postgres:
	@echo "== the suite on PostgreSQL"
	CONSULAR_DATABASE_URL=$(PG_URL) $(BIN)/pytest -q $(PYTEST_ARGS)

## browser-deps: Debian's chromium and a CJK font for the Playwright tests (never `playwright install`)
browser-deps:
	@if ! test -x /usr/bin/chromium || ! fc-list 2>/dev/null | grep -qi 'wqy'; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	fi

## postgres: start the local PostgreSQL server if it is not answering
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n 1) main start && \
		for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }

## schema: write the OpenAPI document to docs/openapi.yaml
schema: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/consular spectacular --file docs/openapi.yaml --validate --fail-on-warn

## bench: run the benchmarks (all, or BENCH="name ...") and update their sections of docs/benchmarks.md
bench: install
	$(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
