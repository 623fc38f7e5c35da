"""Zoneout and PerStepDropout draw fresh noise at every step, on every backend.

`make test` runs this file under TensorFlow and again under JAX, whose
`keras.layers.RNN` is a `lax.scan`: a seed drawn inside the loop without the
wrappers' step count would repeat one mask at every step. The cells here are
probes, not models: a counter (S_t = S_{t-1} + 1) shows which units zoneout
kept, and a cell that returns the H_{t-1} it was handed shows the dropout mask.
Every statistic is over thousands of seeded draws, far inside its bound.
"""

import keras
import numpy as np
import pytest
from backend import assert_close, to_numpy
from keras import ops

from lessons import GRUCell, LSTMCell, PerStepDropout, StackedRNN, Zoneout

T, BATCH, UNITS = 20, 400, 3


class Counter(keras.layers.Layer):
    """S_t = S_{t-1} + 1 for each of `n` states of width UNITS."""

    def __init__(self, n=1, **kwargs):
        super().__init__(**kwargs)
        self.state_size = [UNITS] * n
        self.output_size = UNITS

    def call(self, inputs, states, training=False):
        new = [s + 1.0 for s in states]
        return new[0], new


class Echo(keras.layers.Layer):
    """Returns the (dropped) X_t and H_{t-1} it receives; its next state is ones."""

    state_size = UNITS
    output_size = 2 * UNITS

    def call(self, inputs, states, training=False):
        h = states[0] if isinstance(states, (list, tuple)) else states
        return ops.concatenate([inputs, h], axis=-1), [ops.ones_like(h)]


def as_numpy(x):
    return to_numpy(ops.convert_to_numpy(x))


def run(cell, x, training=True, **kwargs):
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True, **kwargs)
    out, *states = layer(x, training=training)
    return as_numpy(out), [as_numpy(s) for s in states]


def kept_by_zoneout(counts):
    """Which units kept S_{t-1} at each step: the counter did not move, (batch, T, units)."""
    steps = np.diff(np.concatenate([np.zeros_like(counts[:, :1]), counts], axis=1), axis=1)
    return np.isclose(steps, 0.0)


def assert_fresh(events, rate):
    """Bernoulli(rate) events, (batch, T, units): the rate at each step, no repeats."""
    per_step = events.mean(axis=(0, 2))
    bound = 5 * np.sqrt(rate * (1 - rate) / (events.shape[0] * events.shape[2]))
    assert np.all(np.abs(per_step - rate) < bound), f"rate per step {per_step}, wanted {rate}"
    a, b = events[:, :-1].ravel().astype(float), events[:, 1:].ravel().astype(float)
    correlation = np.corrcoef(a, b)[0, 1]
    assert abs(correlation) < 0.05, f"consecutive steps' masks correlate: {correlation:.3f}"


ONES = np.ones((BATCH, T, 1), "float32")


def test_zoneout_draws_a_fresh_mask_at_every_step():
    keras.utils.set_random_seed(0)
    counts, _ = run(Zoneout(Counter(), rate=0.3, seed=1), ONES)
    assert_fresh(kept_by_zoneout(counts), 0.3)
    # Each unit moves T − Binomial(T, p) times: variance T p (1 − p), not T² p (1 − p).
    final = counts[:, -1].ravel()
    assert abs(final.mean() - T * 0.7) < 0.2
    assert abs(final.var() - T * 0.3 * 0.7) < 1.0


def test_zoneout_gives_each_state_its_own_mask_and_rate():
    keras.utils.set_random_seed(0)
    _, states = run(Zoneout(Counter(2), rate=[0.05, 0.5], seed=2), ONES)
    h, c = states[0], states[1]
    assert abs(h.mean() - T * 0.95) < 0.1 and abs(c.mean() - T * 0.5) < 0.2
    assert abs(np.corrcoef(h.ravel(), c.ravel())[0, 1]) < 0.05


def test_zoneout_at_inference_is_the_expected_value():
    counts, _ = run(Zoneout(Counter(), rate=0.3, seed=1), ONES, training=False)
    # S_t = p S_{t-1} + (1 − p)(S_{t-1} + 1) = S_{t-1} + (1 − p)
    assert_close(counts[0, :, 0], 0.7 * np.arange(1, T + 1), rtol=1e-5)


def test_zoneout_leaves_padded_steps_alone_and_fresh_after_them():
    keras.utils.set_random_seed(0)
    x = ONES.copy()
    x[: BATCH // 2, :5] = 0.0  # half the batch padded at the start, the rest at the end
    x[BATCH // 2 :, -5:] = 0.0
    layer = keras.layers.RNN(Zoneout(Counter(), rate=0.5, seed=3), return_sequences=True)
    counts = as_numpy(layer(keras.layers.Masking()(x), training=True))
    real = x[:, :, 0] > 0
    kept = kept_by_zoneout(counts)
    front, back = kept[: BATCH // 2, 5:], kept[BATCH // 2 :, :-5]
    assert kept[~real].all()  # a padded step keeps every state
    assert_fresh(front, 0.5)
    assert_fresh(back, 0.5)


def test_per_step_dropout_draws_fresh_input_and_recurrent_masks():
    keras.utils.set_random_seed(0)
    out, _ = run(PerStepDropout(Echo(), dropout=0.25, recurrent_dropout=0.4, seed=4), ONES)
    x, h = out[..., :1], out[:, 1:, 1:]  # H_0 is zeros: the recurrent mask shows from t = 2
    assert np.all(np.isclose(x, 0.0) | np.isclose(x, 1 / 0.75))  # kept units scaled by 1/(1 − p)
    assert np.all(np.isclose(h, 0.0) | np.isclose(h, 1 / 0.6))
    assert_fresh(np.isclose(x, 0.0), 0.25)
    assert_fresh(np.isclose(h, 0.0), 0.4)


def test_two_sequences_get_different_masks():
    keras.utils.set_random_seed(0)
    layer = keras.layers.RNN(Zoneout(Counter(), rate=0.5, seed=5), return_sequences=True)
    first, second = (kept_by_zoneout(as_numpy(layer(ONES, training=True))) for _ in range(2))
    assert np.mean(first == second) < 0.6  # about 0.5 for independent masks, 1.0 if repeated


def test_inside_fit_the_masks_are_fresh():
    # The loss is E[(mean of 3 counts)²] = Var + mean² = T p (1 − p) / 3 + (T (1 − p))²:
    # 100 + 5/3 with fresh masks at p = 0.5, 100 + 100/3 with one mask for all steps.
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((T, 1)),
            keras.layers.RNN(Zoneout(Counter(), rate=0.5, seed=6)),
            keras.layers.Dense(
                1, use_bias=False, kernel_initializer=keras.initializers.Constant(1 / 3)
            ),
        ]
    )
    model.compile(keras.optimizers.SGD(learning_rate=0.0), "mse")
    x = np.ones((2000, T, 1), "float32")
    loss = model.fit(x, np.zeros((2000, 1)), batch_size=200, verbose=0).history["loss"][0]
    assert abs(loss - (100 + 5 / 3)) < 3, loss


@pytest.mark.parametrize("wrap", ["zoneout", "per_step"])
def test_a_model_with_the_wrapper_trains_and_saves(tmp_path, wrap):
    keras.utils.set_random_seed(0)
    cell = (
        Zoneout(LSTMCell(8), rate=[0.05, 0.3], seed=7)
        if wrap == "zoneout"
        else PerStepDropout(GRUCell(8), 0.2, 0.2, seed=7)
    )
    model = keras.Sequential([keras.Input((12, 3)), keras.layers.RNN(cell), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 12, 3)).astype("float32"), rng.normal(size=(64, 1))
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0).history["loss"]
    assert np.all(np.isfinite(history))
    path = tmp_path / "model.keras"
    model.save(path)
    again = keras.models.load_model(path)
    assert_close(as_numpy(again(x)), as_numpy(model(x)), rtol=1e-5, atol=1e-6)


def test_a_stack_with_zoneout_draws_fresh_masks_inside_fit():
    keras.utils.set_random_seed(0)
    stack = StackedRNN([6, 6], cell="gru", zoneout=0.3, seed=8)
    model = keras.Sequential([keras.Input((10, 2)), stack, keras.layers.Dense(1)])
    model.compile("adam", "mse")
    x = np.random.default_rng(1).normal(size=(32, 10, 2)).astype("float32")
    history = model.fit(x, x[:, -1, :1], epochs=2, batch_size=8, verbose=0).history["loss"]
    assert np.all(np.isfinite(history))
