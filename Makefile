# Two commands on a fresh clone: `make run` (the ladder demo) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev

.PHONY: install run test test-jax test-torch test-oldest lint format bench notebooks release site clean

# Create .venv and install the kit with its dev extra; redone when pyproject.toml changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Also, where apt-get can install them (as root), Debian packages the kit uses if present:
# `$(call apt,COMMAND,PACKAGES,WHAT IS LOST WITHOUT THEM)`. Never fails the install.
apt = @$(1) || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	{ DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) || { apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2); }; } >/dev/null 2>&1; } || \
	echo "$(2) not installed: $(3)"

# The grader's sandbox, bubblewrap; a font with Chinese characters for the figures (lessons
# 03 and 09) and the site; Chromium and its driver for the site's browser tests.
install: $(STAMP)
	$(call apt,command -v bwrap >/dev/null,bubblewrap,rnn-lessons grade uses a weaker sandbox.)
	$(call apt,fc-list :lang=zh 2>/dev/null | grep -q .,fonts-wqy-zenhei,Chinese shows as boxes.)
	$(call apt,command -v chromedriver >/dev/null,chromium chromium-driver,browser tests skip.)

run: install
	$(VENV)/bin/rnn-lessons ladder

# pytest-xdist: one worker a core, at most four (each one a TensorFlow process of 1-2 GB); a
# file's tests, or a notebook's cells, stay on one worker (tests/conftest.py keeps the grading
# runs together too). PyTorch's run gains nothing from it: its ops use every core already.
WORKERS := $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$((n < 4 ? n : 4)))
XDIST   := -n $(WORKERS) --dist loadfile

# The test suite, the backend-neutral tests again on JAX and PyTorch, then every solution
# notebook run end to end in CI mode by nbval (outputs compared only in `# NBVAL_CHECK_OUTPUT`).
test: install lint
	$(PY) -m pytest $(XDIST)
	$(MAKE) --no-print-directory test-jax
	@if $(TORCH_READY); then $(MAKE) --no-print-directory test-torch; else \
		echo "PyTorch: no CPU-only wheel ($(TORCH_CPU)) to install here; its run skipped."; fi
	$(MAKE) --no-print-directory test-oldest
	CI=true $(PY) -m pytest $(XDIST) --nbval-lax --sanitize-with nbval_sanitize.cfg \
		--nbval-cell-timeout=300 --durations=5 -p no:cacheprovider solutions

# The kit's cells, stacks, regularizers, interop, gates, seq2seq and batches, whose tests use
# only keras.ops and tests/backend.py: run on every backend. The notebooks need TensorFlow.
BACKEND_TESTS := tests/test_cells.py tests/test_deep.py tests/test_regularize.py \
	tests/test_interop.py tests/test_gates.py tests/test_seq2seq.py tests/test_per_step_noise.py \
	tests/test_checks_lesson06.py tests/test_backends.py \
	tests/test_bidirectional_saving.py
test-jax: install
	KERAS_BACKEND=jax $(PY) -m pytest $(XDIST) -q -p no:cacheprovider $(BACKEND_TESTS)

# PyTorch's CPU-only build: the "+cpu" version is never the multi-GB CUDA wheel of the index,
# so where it cannot be had the install fails instead of downloading gigabytes.
TORCH_CPU   := torch==2.13.0+cpu
TORCH_READY := $(PY) -c "import torch" 2>/dev/null || \
	$(PY) -m pip install --quiet "$(TORCH_CPU)" >/dev/null 2>&1
test-torch: install
	@$(TORCH_READY) || $(PY) -m pip install "$(TORCH_CPU)"
	KERAS_BACKEND=torch $(PY) -m pytest -q -p no:cacheprovider $(BACKEND_TESTS)

# The oldest supported TensorFlow/Keras pair (the lower bounds in lessons/versions.py and
# pyproject.toml): the cells', interop, stacks' and seq2seq tests run again in a venv of its
# own, kept outside the clone and named by the pair, so later runs on this machine reuse it.
OLDEST_VERSION = $(shell $(PYTHON) -c "import runpy; \
	print(runpy.run_path('lessons/versions.py')['SUPPORTED']['$(1)'][0])")
OLDEST_TF    := $(call OLDEST_VERSION,tensorflow)
OLDEST_KERAS := $(call OLDEST_VERSION,keras)
OLDEST_PY    := $(shell $(PYTHON) -c "import sys; print('%d.%d' % sys.version_info[:2])")
OLDEST_VENV  := $(HOME)/.cache/rnn-lessons/venv-py$(OLDEST_PY)-tf$(OLDEST_TF)-keras$(OLDEST_KERAS)
OLDEST_TESTS := tests/test_cells.py tests/test_interop.py tests/test_deep.py \
	tests/test_seq2seq.py tests/test_fastpath.py
# (The stamp's name changed when pytest-xdist joined: a venv made before gets it added.)
$(OLDEST_VENV)/.installed-xdist:
	$(PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_VENV)/bin/python -m pip install --quiet "tensorflow==$(OLDEST_TF)" \
		"keras==$(OLDEST_KERAS)" matplotlib tqdm "rapidfuzz>=3" pytest pytest-xdist
	touch $@
test-oldest: $(OLDEST_VENV)/.installed-xdist
	cd $(CURDIR) && PYTHONPATH=$(CURDIR) $(OLDEST_VENV)/bin/python -m pytest $(XDIST) -q \
		-p no:cacheprovider $(OLDEST_TESTS)

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

# The course as a static site (README, "The course as a website"): the executed lessons as
# students get them. Nothing runs; a site built there before is replaced.
SITE_DIR ?= build/site
site: install
	$(VENV)/bin/rnn-lessons site $(SITE_DIR)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache ladder.png
