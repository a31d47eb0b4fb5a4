# Two commands work on a fresh clone with nothing installed: `make demo` and `make test`.
# Both install the exact versions in constraints.txt, so a new release of a tool or library
# cannot change a run without a commit here (`make constraints` updates them on purpose).
PYTHON      ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
PIP         := $(PY) -m pip --disable-pip-version-check -q
CONSTRAINTS := constraints.txt

.PHONY: demo test lint typecheck bench clean constraints

$(VENV)/.base: pyproject.toml $(CONSTRAINTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.dev: pyproject.toml $(CONSTRAINTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -c $(CONSTRAINTS) -e '.[dev]'
	touch $(VENV)/.base $@

demo: $(VENV)/.base
	$(VENV)/bin/warmline demo

lint: $(VENV)/.dev
	$(PY) -m ruff check bot adapters tests bench

typecheck: $(VENV)/.dev
	$(PY) -m mypy bot adapters

test: $(VENV)/.dev lint typecheck
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: $(VENV)/.dev
	$(PY) bench/run_all.py

# The newest releases within pyproject's ranges, written to constraints.txt (its comment header
# kept). Run `make test` afterwards and commit the file if it passes.
constraints: $(VENV)/.dev
	$(PIP) install --upgrade --upgrade-strategy eager -e '.[dev]'
	{ grep '^#' $(CONSTRAINTS); $(PY) -m pip freeze --exclude-editable; } > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)
	touch $(VENV)/.base $(VENV)/.dev

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
