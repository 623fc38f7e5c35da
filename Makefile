# Two commands on a fresh clone: `make run` (the ladder demo) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev

.PHONY: install run test lint format bench notebooks release clean

# Create .venv and install the kit with its dev extra; redone when pyproject.toml changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Also the grader's sandbox, bubblewrap, where it is missing and apt-get can install it (as
# root); without it `rnn-lessons grade` falls back to a weaker isolation, so this never fails.
install: $(STAMP)
	@command -v bwrap >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ apt-get install -y -qq bubblewrap || { apt-get update -qq && \
		apt-get install -y -qq bubblewrap; }; } >/dev/null 2>&1; } || \
		echo "bubblewrap (bwrap) not installed: rnn-lessons grade uses a weaker sandbox."

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

# The student course, ready to push as a repository of its own (README, "For instructors").
RELEASE_DIR ?= ../rnn-lessons-course
release: install
	$(VENV)/bin/rnn-lessons release $(RELEASE_DIR)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache ladder.png
