import atexit
import collections
import os
import shutil
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lessons.checks import tripwire  # noqa: E402

# The tests build wrong answers from the checks' references: that is not a student's
# delegation. Code a test runs as a notebook cell (compiled as "<cell N>") is watched.
tripwire.AUTHORITY.append(os.path.dirname(os.path.abspath(__file__)))

# Eager JAX compiles every `lax.scan` a layer runs anew (Keras builds a fresh closure per
# call), the same programs again and again: its compilation cache, in a folder of this run's
# own, hands back the executable XLA built the first time (byte-identical results).
if keras.backend.backend() == "jax":
    import jax

    _jax_cache = tempfile.mkdtemp(prefix="rnn-lessons-jax-cache-")
    atexit.register(shutil.rmtree, _jax_cache, ignore_errors=True)
    jax.config.update("jax_compilation_cache_dir", _jax_cache)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)

# `make test` runs the tests on one worker a core (pytest-xdist, --dist loadfile): a file's
# tests stay on one worker, so its module-scoped fixtures run once. The grading files count as
# one file: each grading run already keeps both cores busy (--jobs 2), and its per-notebook
# timeouts leave no room for a second one beside it.
GRADING = ["test_grade.py", "test_autograder.py", "test_shards.py", "test_sandbox.py"]
# The files with a test of 20 s or more on two cores (TensorFlow's run or JAX's) start first,
# longest first, so that no long file starts last while the other worker has nothing left;
# then the rest, most tests first. Out of date, this list costs balance, never a test.
LONG_FIRST = [
    *GRADING,
    "test_seq2seq.py",
    "test_site.py",
    "test_ladder.py",
    "test_unfinished.py",
    "test_numpy_cells.py",
    "test_checks_lesson04.py",
    "test_bidirectional_saving.py",
    "test_gpu_script.py",
    "test_checks_lesson05.py",
]


class _XdistScheduling:
    @pytest.hookimpl(tryfirst=True)  # before xdist's own scheduler
    def pytest_xdist_make_scheduler(self, config, log):
        from xdist.scheduler import LoadFileScheduling

        class Scheduling(LoadFileScheduling):
            def _split_scope(self, nodeid):
                path = super()._split_scope(nodeid)
                return "grading" if path.rsplit("/", 1)[-1] in GRADING else path

        if config.getvalue("dist") != "loadfile":
            return None
        config.option.loadscopereorder = False  # the workers' collection order below is kept
        return Scheduling(config, log)


def pytest_configure(config):
    if config.pluginmanager.hasplugin("xdist"):  # not in the oldest pair's environment
        config.pluginmanager.register(_XdistScheduling())


def pytest_collection_modifyitems(items):
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return  # run alone, the tests keep their files' order
    count = collections.Counter(item.path.name for item in items)
    rank = {name: k for k, name in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: (rank.get(item.path.name, len(rank)), -count[item.path.name]))


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def randomize_weights(layer, rng, scale=0.5):
    """Replace every weight with random values, so no default hides a bug."""
    for w in layer.weights:
        w.assign(rng.normal(0.0, scale, size=w.shape).astype("float32"))


def ragged_mask(rng, batch, steps):
    """A right-padded mask with lengths from 1 to `steps`, all different if possible."""
    lengths = rng.integers(1, steps + 1, size=batch)
    lengths[0] = steps
    return np.arange(steps)[None, :] < lengths[:, None]


@pytest.fixture(autouse=True)
def _fresh_keras_names():
    # free_memory=False skips a full garbage collection (half a second a test on a busy CPU).
    keras.backend.clear_session(free_memory=False)
    yield
