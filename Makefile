# Two entry points, both create .venv on first use:
#   make demo   today's action list on the example policy and a seeded SQLite demo ledger
#   make test   lint, type checks, policy validation and the whole test suite
# Both install exactly the versions pinned in requirements.lock; `make lock` refreshes it on purpose.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: install demo test lint lock lock-upgrade clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "dunning-as-code needs Python 3.11 or newer (found %s); set PYTHON=python3.11" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet -r requirements.lock
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/dunning demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/dunning validate .
	$(BIN)/pytest -n 2 --dist loadgroup

# requirements.lock pins every package `make` installs. `make lock` brings it in line with
# pyproject.toml (adds and drops what changed, keeps every other pin); `make lock-upgrade` moves
# every pin to today's newest release. Run one on purpose, then `make test`, and commit both files.
LOCK := $(BIN)/uv pip compile pyproject.toml --extra dev --group build --universal \
        --python-version 3.11 --custom-compile-command "make lock" --quiet -o requirements.lock

lock: $(STAMP)
	$(LOCK)

lock-upgrade: $(STAMP)
	$(LOCK) --upgrade

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis dunning-demo.db
