# Legami: `make run` (the embedded default) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SOURCES := legami app surveys company_portal community civic pacts integrations worker

.PHONY: run test test-deps test-sqlite test-postgres lint bench messages clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/legami migrate
	$(BIN)/legami seed-demo
	@echo ""
	@echo "  Legami is starting on $${BASE_URL:-http://127.0.0.1:$${PORT:-8000}}"
	@echo "  Sign in as the demo admin: open /signin, enter admin@farelegami.example;"
	@echo "  the sign-in link appears in this console and at /dev/mail."
	@echo ""
	$(BIN)/legami serve

# SQLite and PostgreSQL at the same time, one pytest process on each core. Each log is
# printed when its run is over (SQLite first); the target fails if either run fails.
test: $(STAMP) test-deps
	@mkdir -p var
	@$(BIN)/pytest -q -p no:cacheprovider > var/test-sqlite.log 2>&1 & sqlite=$$!; \
	LEGAMI_TEST_DB=postgres $(BIN)/pytest -q -p no:cacheprovider > var/test-postgres.log 2>&1 & \
	postgres=$$!; trap 'kill $$sqlite $$postgres 2>/dev/null' INT TERM; \
	wait $$sqlite; sqlite_status=$$?; echo "== SQLite (var/test-sqlite.log)"; \
	cat var/test-sqlite.log; \
	wait $$postgres; postgres_status=$$?; echo "== PostgreSQL (var/test-postgres.log)"; \
	cat var/test-postgres.log; \
	test $$sqlite_status = 0 && test $$postgres_status = 0

test-deps:
	@./.ci/test-deps

test-sqlite: $(STAMP)
	$(BIN)/pytest -q

test-postgres: $(STAMP)
	LEGAMI_TEST_DB=postgres $(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES) tests bench
	$(BIN)/mypy $(SOURCES)

bench: $(STAMP)
	@for b in bench/*.py; do [ -f "$$b" ] && $(BIN)/python "$$b"; done; true

messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _ -k ngettext:1,2 -k pgettext:1c,2 \
		--no-location --sort-output -o app/locale/messages.pot $(SOURCES)
	$(BIN)/pybabel -q update --no-fuzzy-matching -i app/locale/messages.pot -d app/locale -D messages
	$(BIN)/python app/locale/complete_en.py

clean:
	rm -rf $(VENV) var
