# Two commands work on a fresh clone with nothing installed: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo test lint typecheck bench clean

$(VENV)/.base: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e .
	touch $@

$(VENV)/.dev: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e '.[dev]'
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

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
