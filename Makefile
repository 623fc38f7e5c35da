# Two commands on a fresh clone: `make run` (the ladder demo) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev

.PHONY: install run test lint format bench notebooks clean

# Create .venv and install the kit with its dev extra; redone when pyproject.toml changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/rnn-lessons ladder

# The test suite, then every solution notebook run end to end in CI mode by nbval
# (outputs compared only in cells marked `# NBVAL_CHECK_OUTPUT`).
test: install lint
	$(PY) -m pytest
	CI=true $(PY) -m pytest --nbval-lax --sanitize-with nbval_sanitize.cfg \
		--nbval-cell-timeout=300 --durations=5 -p no:cacheprovider solutions

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) benchmarks/cells.py

# Rebuild the student notebooks, and re-run the solutions so their stored outputs are current.
notebooks: install
	$(VENV)/bin/rnn-lessons build --execute all

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache ladder.png
