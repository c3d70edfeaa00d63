# SiJaga — two commands: `make demo` and `make test` (`make test-fast` for the inner loop).
# Django 6.1 needs Python >= 3.12: we take the newest 3.12+ interpreter on the machine (PATH, then pyenv).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Official boundaries a Pemda holds (GeoJSON, feature id = Kemendagri code); empty: the boundaries packaged with SiJaga
GEO_DIR ?=

.PHONY: demo test test-fast venv lint format messages bench clean serve demo-data

define find_python
for c in $${PYTHON:-} python3.14 python3.13 python3.12 python3 \
         $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
  [ -n "$$c" ] || continue; \
  if command -v "$$c" >/dev/null 2>&1 && "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
    command -v "$$c"; exit 0; fi; \
done; echo "SiJaga needs Python >= 3.12 (Django 6.1); none found" >&2; exit 1
endef

$(VENV)/.installed: pyproject.toml
	@if [ ! -x $(PY) ]; then py=$$($(find_python)) || exit 1; echo "Python: $$py"; "$$py" -m venv $(VENV); fi
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed

# SiJaga fails closed (DEBUG off, HTTPS only); the demo is the development profile, for it and its db_worker.
demo: export SIJAGA_DEBUG = 1
demo: venv
	$(VENV)/bin/sijaga migrate --no-input
	$(VENV)/bin/sijaga load_regions
	$(VENV)/bin/sijaga load_rates
	$(VENV)/bin/sijaga load_benefit_rules
	$(VENV)/bin/sijaga load_boundaries $(GEO_DIR)
	$(VENV)/bin/sijaga demo_data
	@echo "SiJaga is served at http://$(HOST):$(PORT)/ (Ctrl+C to stop); background tasks run in 'sijaga db_worker'"
	@$(VENV)/bin/sijaga db_worker --no-startup-delay --no-reload >var/worker.log 2>&1 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(VENV)/bin/sijaga runserver $(HOST):$(PORT)

# The suite runs on every core (pytest-xdist, one test database per worker); `--dist load` hands tests out in
# collection order, so every worker runs pytest-django's transactional tests (which flush the regions) after the rest.
# `make test PYTEST_WORKERS=0` runs it in one process.
PYTEST_WORKERS ?= auto
XDIST = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist load)

test: venv
	$(VENV)/bin/ruff check src bench tests
	$(VENV)/bin/ruff format --check src bench tests
	$(VENV)/bin/lint-imports
	$(VENV)/bin/sijaga makemigrations --check --dry-run
	$(VENV)/bin/pytest $(XDIST) $(PYTEST_ARGS)

# The inner loop: lint, then the suite without the slow, browser and PostgreSQL-subprocess tests (CI runs `make test`).
test-fast: venv
	$(VENV)/bin/ruff check src bench tests
	$(VENV)/bin/ruff format --check src bench tests
	$(VENV)/bin/pytest $(XDIST) -m "not slow and not browser and not subprocess" $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check --fix src bench tests
	$(VENV)/bin/ruff format src bench tests

messages: venv
	cd src/sijaga && ../../$(VENV)/bin/sijaga makemessages -l en --no-obsolete --no-wrap -i "*/migrations/*" -i "*/tests/*" -i conftest.py && ../../$(VENV)/bin/sijaga compilemessages

bench: venv
	$(PY) bench/nik.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
