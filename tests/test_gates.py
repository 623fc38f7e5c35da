"""lessons.gates: recorded gates are the cell's own numbers, step by step."""

import keras
import matplotlib
import numpy as np
import pytest
from backend import assert_close

from lessons import CoupledLSTMCell, GRUCell, LSTMCell, SimpleRNNCell
from lessons.cell import _RECORDERS
from lessons.gates import plot_gates, record_gates
from tests.conftest import randomize_weights
from tests.reference import sigmoid, w

matplotlib.use("Agg")


def _built_rnn(cell, x, **kwargs):
    layer = keras.layers.RNN(cell, return_sequences=True, **kwargs)
    layer(x)
    return layer


@pytest.mark.parametrize("reset_after", [False, True])
def test_gru_gates_follow_the_equations(rng, reset_after):
    x = rng.normal(size=(3, 6, 4)).astype("float32")
    layer = _built_rnn(GRUCell(5, reset_after=reset_after), x)
    randomize_weights(layer, rng)
    values = record_gates(layer, x)
    assert set(values) == {"Z_t", "R_t", "H_tilde", "H_t"}
    assert_close(values["H_t"], layer(x), atol=1e-5)
    # Z_t and R_t from NumPy, using the recorded H_{t-1}.
    cell = layer.cell
    H_prev = np.concatenate([np.zeros((3, 1, 5)), values["H_t"][:, :-1]], axis=1)
    b = (lambda g: w(cell, f"b_h{g}")) if reset_after else (lambda g: 0.0)
    for name, g in (("Z_t", "z"), ("R_t", "r")):
        a = x @ w(cell, f"W_x{g}") + H_prev @ w(cell, f"W_h{g}") + w(cell, f"b_{g}") + b(g)
        assert_close(values[name], sigmoid(a), atol=1e-5)
    H = values["Z_t"] * H_prev + (1 - values["Z_t"]) * values["H_tilde"]
    assert_close(values["H_t"], H, atol=1e-5)


def test_keras_lstm_is_converted_and_its_gates_recorded(rng):
    x = rng.normal(size=(2, 7, 3)).astype("float32")
    lstm = keras.layers.LSTM(4, return_sequences=True)
    lstm(x)
    randomize_weights(lstm, rng)
    values = record_gates(lstm, x)
    assert set(values) == {"I_t", "F_t", "O_t", "C_tilde", "C_t", "H_t"}
    assert_close(values["H_t"], lstm(x), atol=1e-5)
    C_prev = np.concatenate([np.zeros((2, 1, 4)), values["C_t"][:, :-1]], axis=1)
    C = values["F_t"] * C_prev + values["I_t"] * values["C_tilde"]
    assert_close(values["C_t"], C, atol=1e-5)
    assert_close(values["H_t"], values["O_t"] * np.tanh(C), atol=1e-5)
    assert not _RECORDERS  # nothing left watching the cell


def test_coupled_cell_records_its_implied_input_gate(rng):
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    values = record_gates(_built_rnn(CoupledLSTMCell(4), x), x)
    assert_close(values["I_t"], 1 - values["F_t"], atol=1e-7)


def test_vanilla_rnn_records_its_state(rng):
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    layer = _built_rnn(SimpleRNNCell(4), x)
    values = record_gates(layer, x)
    assert set(values) == {"H_t"}
    assert_close(values["H_t"], layer(x), atol=1e-5)


def test_masked_steps_carry_the_state_and_record_nan(rng):
    x = rng.normal(size=(3, 6, 4)).astype("float32")
    mask = np.ones((3, 6), dtype=bool)
    mask[0, 4:] = False
    mask[1, 2:] = False
    layer = _built_rnn(LSTMCell(5), x)
    values = record_gates(layer, x, mask=mask)
    assert np.isnan(values["F_t"][~mask]).all()
    assert not np.isnan(values["F_t"][mask]).any()
    # The last real step's state equals what keras.layers.RNN returns under the mask.
    final = keras.layers.RNN(layer.cell)(x, mask=mask)
    last = mask.sum(axis=1) - 1
    assert_close(values["H_t"][np.arange(3), last], final, atol=1e-5)


def test_go_backwards_is_recorded_in_input_order(rng):
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    layer = _built_rnn(GRUCell(4), x, go_backwards=True)
    values = record_gates(layer, x)
    # Keras returns the backward sequence in processing order (reversed time).
    assert_close(values["H_t"][:, ::-1], layer(x), atol=1e-5)


def test_recording_leaves_compiled_training_alone(rng):
    x = rng.normal(size=(8, 5, 3)).astype("float32")
    y = rng.normal(size=(8, 4)).astype("float32")
    model = keras.Sequential([keras.Input((5, 3)), keras.layers.RNN(GRUCell(4))])
    model.compile("adam", "mse", jit_compile=False)
    model.fit(x, y, epochs=1, verbose=0)
    values = record_gates(model.layers[0], x)
    assert values["Z_t"].shape == (8, 5, 4) and not _RECORDERS


def test_bad_arguments_are_named(rng):
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    layer = _built_rnn(GRUCell(4), x)
    with pytest.raises(ValueError, match="`inputs`"):
        record_gates(layer, x[0])
    with pytest.raises(ValueError, match="`mask`"):
        record_gates(layer, x, mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="`initial_state`"):
        record_gates(layer, x, initial_state=[np.zeros((2, 3))])
    with pytest.raises(TypeError, match="`layer`"):
        record_gates(keras.layers.Dense(3), x)
    with pytest.raises(TypeError, match="forward_layer"):
        record_gates(keras.layers.Bidirectional(keras.layers.GRU(2)), x)


def test_plot_gates_draws_one_panel_per_gate(rng):
    x = rng.normal(size=(2, 6, 3)).astype("float32")
    values = record_gates(_built_rnn(LSTMCell(40), x), x)
    fig = plot_gates(values, tokens=list("ab cd\n"), example=1)
    panels = [ax for ax in fig.axes if ax.get_ylabel()]
    assert [ax.get_ylabel().split("\n")[0] for ax in panels] == ["I_t", "F_t", "O_t"]
    assert panels[0].images[0].get_array().shape == (32, 6)  # max_units of 40
    assert [t.get_text() for t in panels[-1].get_xticklabels()] == list("ab␣cd↵")
    with pytest.raises(ValueError, match="`names`"):
        plot_gates(values, names=["Z_t"])
    with pytest.raises(ValueError, match="`tokens`"):
        plot_gates(values, tokens=list("abc"))
    with pytest.raises(ValueError, match="`example`"):
        plot_gates(values, example=2)
