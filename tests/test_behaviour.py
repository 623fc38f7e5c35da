"""Saving, variational dropout, and clear errors for bad input."""

import keras
import numpy as np
import pytest
from conftest import ragged_mask, randomize_weights

import lessons

MAKERS = {
    "SimpleRNNCell": lambda **kw: lessons.SimpleRNNCell(4, **kw),
    "GRUCell": lambda **kw: lessons.GRUCell(4, **kw),
    "GRUCell(reset_after)": lambda **kw: lessons.GRUCell(4, reset_after=True, **kw),
    "LSTMCell": lambda **kw: lessons.LSTMCell(4, **kw),
    "PeepholeLSTMCell": lambda **kw: lessons.PeepholeLSTMCell(4, **kw),
    "CoupledLSTMCell": lambda **kw: lessons.CoupledLSTMCell(4, **kw),
}


# --- save and load ---------------------------------------------------------------
def _round_trip(model, tmp_path, x, rng):
    randomize_weights(model, rng)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    return loaded


@pytest.mark.parametrize("name", MAKERS)
def test_save_and_load(name, tmp_path, rng):
    make = MAKERS[name]
    cell = make(dropout=0.1, recurrent_dropout=0.2, seed=3)
    model = keras.Sequential(
        [keras.Input((6, 3)), keras.layers.RNN(cell, return_sequences=True), keras.layers.Dense(2)]
    )
    loaded = _round_trip(model, tmp_path, rng.normal(size=(5, 6, 3)).astype("float32"), rng)
    loaded_cell = loaded.layers[0].cell
    assert type(loaded_cell) is type(cell)
    assert loaded_cell.get_config() == cell.get_config()


def test_save_and_load_bidirectional_and_stacked(tmp_path, rng):
    cells = keras.layers.StackedRNNCells([lessons.GRUCell(4), lessons.PeepholeLSTMCell(3)])
    model = keras.Sequential(
        [
            keras.Input((6, 3)),
            keras.layers.Masking(0.0),
            keras.layers.Bidirectional(
                keras.layers.RNN(lessons.LSTMCell(4), return_sequences=True)
            ),
            keras.layers.RNN(cells),
            keras.layers.Dense(1),
        ]
    )
    x = rng.normal(size=(5, 6, 3)).astype("float32")
    x[~ragged_mask(rng, 5, 6)] = 0.0
    _round_trip(model, tmp_path, x, rng)


# --- variational dropout ---------------------------------------------------------
def _identity_rnn(**kwargs):
    """H_t = tanh(X_t + H_{t-1}) with W_xh = W_hh = I and b_h = 0, in an RNN."""
    cell = lessons.SimpleRNNCell(
        200, kernel_initializer="identity", recurrent_initializer="identity", seed=7, **kwargs
    )
    return keras.layers.RNN(cell, return_sequences=True)


def test_input_dropout_uses_one_mask_for_every_step():
    rnn = _identity_rnn(dropout=0.5)
    x = np.ones((8, 10, 200), dtype="float32")
    h = np.asarray(rnn(x, training=True))
    dropped = h[:, 0] == 0.0  # at step 0, H_0 = tanh(m ⊙ X_0): zero where dropped
    assert 0.4 < dropped.mean() < 0.6  # about half of 1600 units
    # Units dropped at step 0 see no input at any step: their state stays 0.
    assert np.all(h[:, :, :][np.broadcast_to(dropped[:, None], h.shape)] == 0.0)
    # The kept units get the input scaled by 1 / (1 − p) = 2 at every step.
    np.testing.assert_allclose(h[:, 0][~dropped], np.tanh(2.0), rtol=1e-6)
    # A new sequence (a new call) draws a new mask.
    assert not np.array_equal(np.asarray(rnn(x, training=True))[:, 0] == 0.0, dropped)


def test_recurrent_dropout_uses_one_mask_for_every_step():
    rnn = _identity_rnn(recurrent_dropout=0.3)
    x = np.zeros((8, 10, 200), dtype="float32")
    h0 = np.ones((8, 200), dtype="float32")
    h = np.asarray(rnn(x, initial_state=[h0], training=True))
    zeros = h == 0.0
    assert 0.2 < zeros[:, 0].mean() < 0.4
    # With a fresh mask per step the zeros would spread; with one mask they stay put.
    assert np.all(zeros == zeros[:, :1])


def test_no_dropout_at_inference():
    x = np.random.default_rng(0).normal(size=(4, 5, 200)).astype("float32")
    plain = _identity_rnn()
    dropping = _identity_rnn(dropout=0.5, recurrent_dropout=0.5)
    np.testing.assert_allclose(dropping(x, training=False), plain(x), atol=1e-6)
    assert not np.allclose(dropping(x, training=True), plain(x), atol=1e-3)


@pytest.mark.parametrize("name", MAKERS)
def test_every_cell_drops_in_training_only(name, rng):
    rnn = keras.layers.RNN(MAKERS[name](dropout=0.5, recurrent_dropout=0.5, seed=1))
    x = rng.normal(size=(16, 5, 3)).astype("float32")
    inference = np.asarray(rnn(x, training=False))
    np.testing.assert_array_equal(inference, np.asarray(rnn(x)))
    assert not np.allclose(np.asarray(rnn(x, training=True)), inference)


# --- bad input ----------------------------------------------------------------------
@pytest.mark.parametrize("units", [0, -3])
def test_units_must_be_positive(units):
    with pytest.raises(ValueError, match="`units`.*positive integer"):
        lessons.LSTMCell(units)


@pytest.mark.parametrize("units", [2.5, "8", None, True])
def test_units_must_be_an_integer(units):
    with pytest.raises(TypeError, match="`units`.*positive integer"):
        lessons.GRUCell(units)


@pytest.mark.parametrize("name", MAKERS)
@pytest.mark.parametrize("arg", ["dropout", "recurrent_dropout"])
@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5])
def test_rates_must_lie_in_0_1(name, arg, rate):
    with pytest.raises(ValueError, match=f"`{arg}`.*\\[0, 1\\)"):
        MAKERS[name](**{arg: rate})


def test_rate_must_be_a_number():
    with pytest.raises(TypeError, match="`dropout`"):
        lessons.SimpleRNNCell(3, dropout="0.2")


def test_reset_after_must_be_a_bool():
    with pytest.raises(TypeError, match="`reset_after`"):
        lessons.GRUCell(3, reset_after="yes")


@pytest.mark.parametrize("shape", [(4, 7), (4, 7, 3, 2)])
def test_rnn_input_must_be_rank_3(shape):
    rnn = keras.layers.RNN(lessons.GRUCell(3))
    with pytest.raises(ValueError, match=r"rank 3, \(batch, timesteps, features\)"):
        rnn(np.zeros(shape, dtype="float32"))


def test_from_keras_rejects_other_layers():
    with pytest.raises(TypeError, match="`layer`.*SimpleRNN, GRU or LSTM.*got Dense"):
        lessons.from_keras(keras.layers.Dense(3))


def test_from_keras_needs_a_built_layer():
    with pytest.raises(ValueError, match="`layer` must be a built layer"):
        lessons.from_keras(keras.layers.LSTM(3))


def test_from_keras_needs_biases():
    layer = keras.layers.GRU(3, use_bias=False)
    layer.build((None, None, 2))
    with pytest.raises(ValueError, match="use_bias=True"):
        lessons.from_keras(layer)


@pytest.mark.parametrize("cell", [lessons.PeepholeLSTMCell, lessons.CoupledLSTMCell])
def test_to_keras_refuses_cells_without_a_twin(cell):
    layer = keras.layers.RNN(cell(3))
    layer.build((None, None, 2))
    with pytest.raises(TypeError, match=f"`layer`.*{cell.__name__}, which has none"):
        lessons.to_keras(layer)


def test_to_keras_rejects_builtins_and_others():
    with pytest.raises(TypeError, match="`layer`.*lessons cell"):
        lessons.to_keras(keras.layers.LSTM(3))
    with pytest.raises(TypeError, match="`layer`.*lessons cell"):
        lessons.to_keras(keras.layers.Dense(3))


def test_set_seed_rejects_bad_seeds():
    with pytest.raises(ValueError, match="`seed`"):
        lessons.set_seed(-1)


def test_seeded_training_repeats_exactly():
    """Two seeded runs (init, shuffling, dropout) print the same numbers."""

    def train():
        lessons.set_seed(11)
        x, y = lessons.tasks.adding_problem(256, 12, seed=0)
        model = keras.Sequential(
            [
                keras.Input((12, 2)),
                keras.layers.RNN(lessons.LSTMCell(8, dropout=0.2, recurrent_dropout=0.2)),
                keras.layers.Dense(1),
            ]
        )
        model.compile("adam", "mse")
        history = model.fit(x, y, epochs=2, batch_size=32, verbose=0)
        return history.history["loss"], model.get_weights()

    loss_a, weights_a = train()
    loss_b, weights_b = train()
    assert loss_a == loss_b
    for a, b in zip(weights_a, weights_b, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", MAKERS)
@pytest.mark.parametrize("training", [False, True])
def test_stacked_weights_are_built_once_per_sequence(name, training, monkeypatch, rng):
    """[W_xi | W_xf | ...] is loop-invariant: built before the time loop, not per step."""
    import lessons.cell

    calls = []
    concatenate = lessons.cell.ops.concatenate
    monkeypatch.setattr(
        lessons.cell.ops, "concatenate", lambda *a, **k: calls.append(1) or concatenate(*a, **k)
    )
    cell = MAKERS[name](dropout=0.3, recurrent_dropout=0.3)
    rnn = keras.layers.RNN(cell, unroll=True)  # unrolled: Python runs the step 12 times
    x = rng.normal(size=(2, 12, 3)).astype("float32")
    rnn.build(x.shape)
    calls.clear()
    rnn(x, training=training)
    assert len(calls) <= len(cell.weight_stacks())
    # Called on its own, outside an RNN, the cell still works (and stacks on the spot).
    states = cell.get_initial_state(2)
    output, _ = cell(x[:, 0], states)
    np.testing.assert_allclose(output, keras.layers.RNN(cell)(x[:, :1]), atol=1e-6)
