"""lessons.regularize: per-step dropout by statistics, AR/TAR against NumPy, inside models."""

import keras
import numpy as np
import pytest
from backend import allclose, assert_close, assert_equal, to_numpy
from keras import ops

import lessons
from lessons.regularize import ActivationRegularization, PerStepDropout, ar_tar_penalty


# --- cells that show what they were given ----------------------------------------------------
class EchoInput(keras.layers.Layer):
    """A cell whose output is the X_t it received (its state is that X_t)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.state_size = units
        self.output_size = units

    def call(self, inputs, states, training=False):
        return inputs, [inputs]


class EchoState(EchoInput):
    """A cell whose output is the H_{t-1} it received; its next state is all ones."""

    def call(self, inputs, states, training=False):
        H_prev = states[0] if isinstance(states, (list, tuple)) else states
        return H_prev, [ops.ones_like(H_prev)]


def run(cell, X, training):
    layer = keras.layers.RNN(cell, return_sequences=True)
    return to_numpy(ops.convert_to_numpy(layer(X, training=training)), np.float64)


def within(observed, p, n, sigmas=5.0):
    return abs(observed - p) <= sigmas * np.sqrt(p * (1 - p) / n)


# --- PerStepDropout ---------------------------------------------------------------------------
@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_input_masks_are_fresh_at_every_step_and_scaled(rate):
    X = np.ones((64, 30, 16), "float32")
    seen = run(PerStepDropout(EchoInput(16), dropout=rate, seed=1), X, training=True)
    assert set(np.unique(seen.round(5))) == {0.0, round(1 / (1 - rate), 5)}
    dropped = seen == 0
    assert within(dropped.mean(), rate, dropped.size)
    # independent masks: a unit agrees with itself at the step before as often as two coins do
    agree = (dropped[:, 1:] == dropped[:, :-1]).mean()
    assert within(agree, rate**2 + (1 - rate) ** 2, dropped[:, 1:].size)


def test_recurrent_masks_drop_the_previous_state_afresh_at_every_step():
    X = np.zeros((64, 30, 3), "float32")
    seen = run(PerStepDropout(EchoState(16), recurrent_dropout=0.3, seed=2), X, training=True)
    after_first = seen[:, 1:]  # step 0 sees the zero initial state
    dropped = after_first == 0
    assert set(np.unique(after_first.round(5))) == {0.0, round(1 / 0.7, 5)}
    assert within(dropped.mean(), 0.3, dropped.size)
    agree = (dropped[:, 1:] == dropped[:, :-1]).mean()
    assert within(agree, 0.3**2 + 0.7**2, dropped[:, 1:].size)


def test_variational_masks_differ_from_per_step_ones_only_in_how_they_are_drawn():
    """The cell's own recurrent_dropout repeats one mask; PerStepDropout does not."""
    X = np.random.default_rng(0).normal(size=(32, 20, 4)).astype("float32")
    cell = lessons.LSTMCell(8, seed=1)
    cell.build((None, 4))
    per_step = run(PerStepDropout(cell, 0.4, 0.4, seed=3), X, training=True)
    plain = run(cell, X, training=False)
    assert not allclose(per_step, plain)  # training drops something
    assert_close(run(PerStepDropout(cell, 0.4, 0.4), X, training=False), plain)


def test_at_inference_and_at_rate_zero_the_wrapped_cell_is_unchanged():
    X = np.random.default_rng(1).normal(size=(4, 7, 3)).astype("float32")
    cell = lessons.GRUCell(5, seed=2)
    cell.build((None, 3))
    plain = run(cell, X, training=False)
    assert_close(run(PerStepDropout(cell, 0.5, 0.5), X, training=False), plain)
    assert_close(run(PerStepDropout(cell, 0.0, 0.0), X, training=True), plain)


def test_per_step_dropout_masks_padding_and_saves(tmp_path):
    ids = np.array([[4, 5, 6, 0, 0], [7, 8, 9, 10, 11]], "int32")
    model = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(12, 3, mask_zero=True),
            keras.layers.RNN(PerStepDropout(lessons.LSTMCell(4), 0.3, 0.3, seed=4)),
            keras.layers.Dense(1),
        ]
    )
    out = ops.convert_to_numpy(model(ids))
    short = ops.convert_to_numpy(model(ids[:1, :3]))
    assert_close(out[:1], short, atol=1e-6)  # padding changes nothing
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert_close(ops.convert_to_numpy(loaded(ids)), out, atol=1e-6)
    cell = loaded.layers[1].cell
    assert isinstance(cell, PerStepDropout) and (cell.dropout, cell.recurrent_dropout) == (0.3, 0.3)


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: PerStepDropout("lstm"), TypeError, ["`cell`"]),
        (lambda: PerStepDropout(lessons.LSTMCell(3), dropout=1.0), ValueError, ["`dropout`"]),
        (
            lambda: PerStepDropout(lessons.LSTMCell(3), recurrent_dropout=-0.1),
            ValueError,
            ["`recurrent_dropout`"],
        ),
        (lambda: PerStepDropout(lessons.LSTMCell(3), dropout="0.2"), TypeError, ["`dropout`"]),
    ],
)
def test_per_step_dropout_refuses_bad_arguments(make, error, words):
    with pytest.raises(error) as raised:
        make()
    assert all(word in str(raised.value) for word in words)


# --- AR and TAR -----------------------------------------------------------------------------
def numpy_ar_tar(H, mask, alpha, beta):
    """The equations, one sequence and one step at a time."""
    squares, changes = [], []
    for b in range(H.shape[0]):
        steps = [t for t in range(H.shape[1]) if mask is None or mask[b, t]]
        squares += [np.mean(H[b, t] ** 2) for t in steps]
        changes += [np.mean((H[b, t] - H[b, t - 1]) ** 2) for t in steps if t - 1 in steps]
    return alpha * (np.mean(squares) if squares else 0) + beta * (
        np.mean(changes) if changes else 0
    )


@pytest.mark.parametrize("alpha, beta", [(2.0, 1.0), (1.0, 0.0), (0.0, 3.0)])
def test_ar_tar_matches_the_equations_with_and_without_padding(alpha, beta):
    rng = np.random.default_rng(5)
    H = rng.normal(size=(4, 6, 5)).astype("float32")
    mask = np.arange(6)[None, :] < np.array([6, 4, 1, 2])[:, None]
    for m in (None, mask):
        got = float(ar_tar_penalty(H, m, alpha, beta))
        assert np.isclose(got, numpy_ar_tar(H.astype(np.float64), m, alpha, beta), rtol=1e-5)
    junk = np.where(mask[..., None], H, 100.0).astype("float32")
    assert np.isclose(
        float(ar_tar_penalty(junk, mask, alpha, beta)),
        float(ar_tar_penalty(H, mask, alpha, beta)),
        rtol=1e-6,
    )


def test_ar_tar_is_zero_without_anything_to_average():
    H = np.ones((2, 3, 4), "float32")
    assert float(ar_tar_penalty(H, np.zeros((2, 3), bool), 2.0, 1.0)) == 0.0
    assert float(ar_tar_penalty(H[:, :1], None, 0.0, 1.0)) == 0.0  # no pairs of steps


def test_the_layer_adds_the_penalty_in_training_only_and_passes_h_through():
    H = np.random.default_rng(6).normal(size=(2, 5, 3)).astype("float32")
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]], bool)
    layer = ActivationRegularization(alpha=2.0, beta=1.0)
    out = layer(H, mask=mask, training=True)
    assert_equal(ops.convert_to_numpy(out), H)
    assert len(layer.losses) == 1
    assert np.isclose(float(layer.losses[0]), numpy_ar_tar(H.astype(np.float64), mask, 2, 1))
    fresh = ActivationRegularization(alpha=2.0, beta=1.0)
    fresh(H, mask=mask, training=False)
    assert fresh.losses == []


def test_the_layer_trains_inside_a_masked_model_and_saves(tmp_path):
    lessons.set_seed(7)
    rng = np.random.default_rng(7)
    ids = rng.integers(1, 20, (32, 9)).astype("int32")
    ids[::2, 5:] = 0  # padding of varying length
    tags = rng.integers(0, 3, (32, 9)).astype("int32")
    model = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(20, 4, mask_zero=True),
            keras.layers.RNN(lessons.LSTMCell(6), return_sequences=True),
            ActivationRegularization(alpha=2.0, beta=1.0),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy")
    # On the same weights, the training loss is the inference loss plus AR/TAR of the RNN's
    # outputs over the real steps (no dropout here, so the outputs are the same).
    embedding, rnn, regularizer, dense = model.layers
    mask = ids != 0
    H = rnn(embedding(ids), mask=mask)
    loss = keras.losses.SparseCategoricalCrossentropy()
    inference = float(loss(tags, model(ids, training=False), sample_weight=mask))
    training = float(loss(tags, model(ids, training=True), sample_weight=mask))
    penalty = numpy_ar_tar(keras.ops.convert_to_numpy(H).astype(np.float64), mask, 2.0, 1.0)
    assert penalty > 0  # small (the embedding starts small), but there
    assert [float(x) for x in model.losses] == pytest.approx([penalty], rel=1e-5)
    assert training == pytest.approx(inference, rel=1e-6)  # the penalty is not in the output
    history = model.fit(ids, tags, epochs=2, batch_size=8, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    path = tmp_path / "tagger.keras"
    model.save(path)
    layer = keras.saving.load_model(path).layers[2]
    assert isinstance(layer, ActivationRegularization) and (layer.alpha, layer.beta) == (2.0, 1.0)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (
            lambda: ar_tar_penalty(np.ones((2, 3)), None),
            ValueError,
            ["`H`", "(batch, time, units)"],
        ),
        (
            lambda: ar_tar_penalty(np.ones((2, 3, 4)), np.ones((2, 4), bool)),
            ValueError,
            ["`mask`", "(2, 3)"],
        ),
        (lambda: ar_tar_penalty(np.ones((2, 3, 4)), None, alpha=-1.0), ValueError, ["`alpha`"]),
        (lambda: ar_tar_penalty(np.ones((2, 3, 4)), None, beta="1"), TypeError, ["`beta`"]),
        (lambda: ActivationRegularization(alpha=float("nan")), ValueError, ["`alpha`"]),
    ],
)
def test_ar_tar_refuses_bad_arguments(call, error, words):
    with pytest.raises(error) as raised:
        call()
    assert all(word in str(raised.value) for word in words)
