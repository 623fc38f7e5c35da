"""The cells are the slides' equations: checked against NumPy, step by step."""

import keras
import numpy as np
import pytest
import reference as ref
from backend import allclose, assert_close, assert_equal
from conftest import ragged_mask, randomize_weights

import lessons

# cell factory, NumPy step, number of states
CELLS = {
    "SimpleRNNCell": (lambda: lessons.SimpleRNNCell(6), ref.rnn_step, 1),
    "GRUCell": (lambda: lessons.GRUCell(6), ref.gru_step, 1),
    "GRUCell(reset_after)": (lambda: lessons.GRUCell(6, reset_after=True), ref.gru_step, 1),
    "LSTMCell": (lambda: lessons.LSTMCell(6), ref.lstm_step, 2),
    "PeepholeLSTMCell": (lambda: lessons.PeepholeLSTMCell(6), ref.peephole_step, 2),
    "CoupledLSTMCell": (lambda: lessons.CoupledLSTMCell(6), ref.coupled_step, 2),
}


def _built(name, rng, features=4):
    make, step, n_states = CELLS[name]
    cell = make()
    cell.build((None, features))
    randomize_weights(cell, rng)
    return cell, step, n_states


@pytest.mark.parametrize("name", CELLS)
def test_one_step_equals_the_equations(name, rng):
    cell, step, n_states = _built(name, rng)
    X = rng.normal(size=(3, 4)).astype("float32")
    states = [rng.normal(size=(3, 6)).astype("float32") for _ in range(n_states)]
    output, new_states = cell(X, states)
    expected = step(cell, X.astype(np.float64), *[s.astype(np.float64) for s in states])
    expected = expected if isinstance(expected, tuple) else (expected,)
    assert_close(output, expected[0], atol=1e-5)
    for got, want in zip(new_states, expected):
        assert_close(got, want, atol=1e-5)


@pytest.mark.parametrize("name", CELLS)
def test_masked_sequence_equals_a_numpy_loop(name, rng):
    """Inside keras.layers.RNN, with padding: masked steps keep the state."""
    cell, step, n_states = _built(name, rng)
    x = rng.normal(size=(5, 7, 4)).astype("float32")
    mask = ragged_mask(rng, 5, 7)
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    outputs, *final = layer(x, mask=mask)

    states = [np.zeros((5, 6)) for _ in range(n_states)]
    for t in range(7):
        new = step(cell, x[:, t].astype(np.float64), *states)
        new = new if isinstance(new, tuple) else (new,)
        keep = mask[:, t][:, None]
        states = [np.where(keep, n, s) for n, s in zip(new, states)]
        assert_close(outputs[:, t][mask[:, t]], states[0][mask[:, t]], atol=1e-5)
    for got, want in zip(final, states):
        assert_close(got, want, atol=1e-5)


@pytest.mark.parametrize("name", CELLS)
def test_weights_are_named_as_on_the_slides(name, rng):
    cell, _, _ = _built(name, rng)
    names = {w.name for w in cell.weights}
    expected = {
        "SimpleRNNCell": {"W_xh", "W_hh", "b_h"},
        "GRUCell": {"W_xz", "W_hz", "b_z", "W_xr", "W_hr", "b_r", "W_xh", "W_hh", "b_h"},
        "GRUCell(reset_after)": {
            *("W_xz", "W_hz", "b_z", "W_xr", "W_hr", "b_r", "W_xh", "W_hh", "b_h"),
            *("b_hz", "b_hr", "b_hh"),
        },
        "LSTMCell": {f"{p}{g}" for g in "ifco" for p in ("W_x", "W_h", "b_")},
        "PeepholeLSTMCell": {f"{p}{g}" for g in "ifco" for p in ("W_x", "W_h", "b_")}
        | {"w_ci", "w_cf", "w_co"},
        "CoupledLSTMCell": {f"{p}{g}" for g in "fco" for p in ("W_x", "W_h", "b_")},
    }[name]
    assert names == expected


def test_forget_bias_starts_at_one():
    cell = lessons.LSTMCell(3)
    cell.build((None, 2))
    assert_equal(cell.b_f.numpy(), np.ones(3))
    assert_equal(cell.b_i.numpy(), np.zeros(3))
    cell = lessons.LSTMCell(3, unit_forget_bias=False)
    cell.build((None, 2))
    assert_equal(cell.b_f.numpy(), np.zeros(3))


def test_parameter_counts_follow_the_equations():
    d, h = 5, 7
    counts = {}
    for name, make in [
        ("rnn", lambda: lessons.SimpleRNNCell(h)),
        ("gru", lambda: lessons.GRUCell(h)),
        ("lstm", lambda: lessons.LSTMCell(h)),
        ("coupled", lambda: lessons.CoupledLSTMCell(h)),
        ("peephole", lambda: lessons.PeepholeLSTMCell(h)),
    ]:
        cell = make()
        cell.build((None, d))
        counts[name] = cell.count_params()
    block = d * h + h * h + h  # one W_x·, one W_h·, one b_·
    assert counts == {
        "rnn": block,
        "gru": 3 * block,
        "lstm": 4 * block,
        "coupled": 3 * block,
        "peephole": 4 * block + 3 * h,
    }


def test_cells_use_only_keras_ops():
    """No TensorFlow inside the cells, so they run on every Keras backend."""
    import inspect

    import lessons.cell
    import lessons.gru
    import lessons.lstm
    import lessons.rnn

    for module in (lessons.cell, lessons.rnn, lessons.gru, lessons.lstm):
        source = inspect.getsource(module)
        assert "tensorflow" not in source and "tf." not in source, module.__name__


@pytest.mark.parametrize(
    "make",
    [lambda: lessons.GRUCell(4), lambda: lessons.LSTMCell(4), lambda: lessons.CoupledLSTMCell(4)],
)
def test_every_gate_starts_with_weights_of_its_own(make):
    # Keras initializers hold a fixed seed: reused per gate, they gave all gates equal weights.
    cell = make()
    cell.build((None, 3))
    for side in ("x", "h"):
        first, *others = [getattr(cell, f"W_{side}{g}").numpy() for g in cell.gates]
        assert not any(allclose(first, other) for other in others), side


def test_seeded_initializers_still_repeat_but_differ_per_gate():
    def make():
        cell = lessons.GRUCell(4, kernel_initializer=keras.initializers.GlorotUniform(seed=5))
        cell.build((None, 3))
        return cell

    a, b = make(), make()
    assert_equal(a.W_xr.numpy(), b.W_xr.numpy())
    assert not allclose(a.W_xr.numpy(), a.W_xz.numpy())
