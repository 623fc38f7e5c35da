import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lessons.checks import tripwire  # noqa: E402

# The tests build wrong answers from the checks' references: that is not a student's
# delegation. Code a test runs as a notebook cell (compiled as "<cell N>") is watched.
tripwire.AUTHORITY.append(os.path.dirname(os.path.abspath(__file__)))


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
