# DonThu: two commands are enough. `make run` serves the demo, `make test` runs the suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint bench bench-scale bench-sweep load faults clean i18n

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/donthu migrate
	$(BIN)/donthu seed-demo --if-empty
	DONTHU_DEMO=1 $(BIN)/donthu serve --with-scheduler

test: $(STAMP)
	$(BIN)/python -m pytest tests
	@if [ -n "$$DONTHU_TEST_POSTGRES_URL" ]; then \
	  echo "== the same suite on PostgreSQL: $$DONTHU_TEST_POSTGRES_URL"; \
	  DONTHU_TEST_DATABASE_URL="$$DONTHU_TEST_POSTGRES_URL" $(BIN)/python -m pytest tests; \
	else \
	  echo "== DONTHU_TEST_POSTGRES_URL is not set: the PostgreSQL half was skipped"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy api models workflows
	DONTHU_DATABASE_URL=sqlite:///var/lint-check.db $(BIN)/alembic upgrade head
	DONTHU_DATABASE_URL=sqlite:///var/lint-check.db $(BIN)/alembic check

bench: $(STAMP)
	$(BIN)/python -m bench.run

# 1,000,000 cases: inbox, lists, dashboard and yearly report latency, server memory.
bench-scale: $(STAMP)
	$(BIN)/python -m bench.scale

# 64 clients posting petitions for 30 s, then the same with a SIGKILL half-way (SQLite; set
# LOAD_DB=postgresql+psycopg://... for PostgreSQL).
load: $(STAMP)
	$(BIN)/python -m bench.load $(if $(LOAD_DB),--database-url $(LOAD_DB))
	$(BIN)/python -m bench.load --kill $(if $(LOAD_DB),--database-url $(LOAD_DB))

# Disk full and read-only storage (root: mounts a small tmpfs).
faults: $(STAMP)
	$(BIN)/python -m bench.faults

bench-sweep: $(STAMP)
	$(BIN)/python -m bench.sweep

# Extract every `_()` / `N_()` string (templates, api, workflows) and merge it into the English
# catalogue; msgids are the Vietnamese texts. tests/test_i18n.py fails until each one is translated.
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-wrap --sort-by-file --omit-header --project DonThu \
	  -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -l en --no-wrap --no-fuzzy-matching \
	  --ignore-obsolete
	@echo "== now translate every empty msgstr in translations/en/LC_MESSAGES/messages.po"

clean:
	rm -rf $(VENV) var/*.db var/*.db-* var/attachments
