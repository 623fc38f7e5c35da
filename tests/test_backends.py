"""What runs on every Keras backend beyond the cells: the tf.data batches, read by fit.

Run on TensorFlow and again on JAX in `make test` (PyTorch: `make test-torch`).
"""

import sys

import keras
import numpy as np
import pytest
from backend import assert_close

from lessons.text import bucketed_batches, window_arrays, windows


def _language_model(vocab, seed):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(vocab, 4),
            keras.layers.GRU(6, return_sequences=True),
            keras.layers.Dense(vocab),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(0.5),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def test_fit_reads_the_windows_dataset_as_it_reads_the_arrays():
    """Same weights, same batches in the same order: the same losses, epoch by epoch."""
    ids = np.random.default_rng(0).integers(0, 7, size=401)
    from_dataset = _language_model(7, seed=3)
    from_arrays = _language_model(7, seed=3)
    history = from_dataset.fit(windows(ids, 10, batch_size=8), epochs=3, verbose=0)
    x, y = window_arrays(ids, 10)
    reference = from_arrays.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    assert_close(history.history["loss"], reference.history["loss"], rtol=1e-5)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_fit_reads_bucketed_batches():
    rng = np.random.default_rng(1)
    inputs = [rng.integers(1, 7, size=n) for n in rng.integers(2, 9, size=30)]
    data = bucketed_batches(inputs, inputs, batch_size=8)
    model = _language_model(7, seed=4)
    history = model.fit(data, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.all(np.isfinite(history.history["loss"]))
    # evaluate over the batches is the mean of the per-batch losses weighted by batch size
    losses = [model.evaluate(x, y, verbose=0) * len(x) for x, y in data.as_numpy_iterator()]
    assert_close(model.evaluate(data, verbose=0), sum(losses) / 30, rtol=1e-5)


@pytest.mark.parametrize(
    "make", [lambda: windows(np.arange(9), 4), lambda: bucketed_batches([[1]], [[1]])]
)
def test_without_tensorflow_the_batches_say_what_to_install(make, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # import tensorflow now fails
    with pytest.raises(ImportError, match="needs TensorFlow"):
        make()
