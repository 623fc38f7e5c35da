"""from_keras / to_keras: the kit's cells equal Keras' built-ins with the same weights."""

import itertools

import keras
import pytest
from backend import assert_close, assert_equal, to_numpy
from conftest import ragged_mask, randomize_weights

import lessons

BUILTINS = {
    "SimpleRNN": lambda **kw: keras.layers.SimpleRNN(5, **kw),
    "GRU(reset_after=True)": lambda **kw: keras.layers.GRU(5, reset_after=True, **kw),
    "GRU(reset_after=False)": lambda **kw: keras.layers.GRU(5, reset_after=False, **kw),
    "LSTM": lambda **kw: keras.layers.LSTM(5, **kw),
}
OPTIONS = [
    dict(zip(("return_sequences", "return_state", "go_backwards"), flags))
    for flags in itertools.product([False, True], repeat=3)
]


def _as_list(y):
    return [to_numpy(t) for t in (y if isinstance(y, (list, tuple)) else [y])]


def _assert_same_outputs(a, b, x, mask):
    for got, want in zip(_as_list(b(x, mask=mask)), _as_list(a(x, mask=mask)), strict=True):
        assert_close(got, want, atol=1e-5)


@pytest.mark.parametrize("kind", BUILTINS)
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(k for k, v in o.items() if v))
@pytest.mark.parametrize("masked", [False, True], ids=["nomask", "mask"])
def test_from_keras_reproduces_the_builtin(kind, options, masked, rng):
    x = rng.normal(size=(6, 9, 3)).astype("float32")
    mask = ragged_mask(rng, 6, 9) if masked else None
    builtin = BUILTINS[kind](**options)
    builtin(x)
    randomize_weights(builtin, rng)
    twin = lessons.from_keras(builtin)
    assert type(twin) is keras.layers.RNN
    assert type(twin.cell).__name__ in {"SimpleRNNCell", "GRUCell", "LSTMCell"}
    assert type(twin.cell).__module__.startswith("lessons")
    for key, value in options.items():
        assert getattr(twin, key) == value
    _assert_same_outputs(builtin, twin, x, mask)


@pytest.mark.parametrize("kind", BUILTINS)
def test_to_keras_gives_back_identical_weights(kind, rng):
    builtin = BUILTINS[kind](return_sequences=True)
    builtin.build((None, None, 3))
    randomize_weights(builtin, rng)
    back = lessons.to_keras(lessons.from_keras(builtin))
    assert type(back) is type(builtin)
    assert back.return_sequences
    assert len(back.weights) == len(builtin.weights)
    for a, b in zip(builtin.weights, back.weights):
        assert_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("kind", BUILTINS)
def test_to_keras_of_a_fresh_kit_layer(kind, rng):
    """Going the other way: a kit layer's twin computes the same function."""
    kit_cell = lessons.from_keras(_built_cell(kind))
    layer = keras.layers.RNN(kit_cell, return_sequences=True)
    x = rng.normal(size=(4, 6, 3)).astype("float32")
    layer(x)
    randomize_weights(layer, rng)
    _assert_same_outputs(layer, lessons.to_keras(layer), x, ragged_mask(rng, 4, 6))


def _built_cell(kind):
    layer = BUILTINS[kind]()
    layer.build((None, None, 3))
    return layer.cell


@pytest.mark.parametrize("kind", BUILTINS)
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional(kind, merge_mode, rng):
    x = rng.normal(size=(4, 8, 3)).astype("float32")
    mask = ragged_mask(rng, 4, 8)
    builtin = keras.layers.Bidirectional(
        BUILTINS[kind](return_sequences=True), merge_mode=merge_mode
    )
    builtin(x)
    randomize_weights(builtin, rng)
    twin = lessons.from_keras(builtin)
    assert isinstance(twin, keras.layers.Bidirectional) and twin.merge_mode == merge_mode
    _assert_same_outputs(builtin, twin, x, mask)
    back = lessons.to_keras(twin)
    for a, b in zip(builtin.weights, back.weights, strict=True):
        assert_equal(a.numpy(), b.numpy())


def test_bidirectional_with_state(rng):
    x = rng.normal(size=(4, 8, 3)).astype("float32")
    builtin = keras.layers.Bidirectional(keras.layers.LSTM(5, return_state=True))
    builtin(x)
    randomize_weights(builtin, rng)
    _assert_same_outputs(builtin, lessons.from_keras(builtin), x, ragged_mask(rng, 4, 8))


def test_stacked_cells_equal_stacked_builtins(rng):
    """Cells taken one by one from Keras layers work inside StackedRNNCells."""
    x = rng.normal(size=(4, 8, 3)).astype("float32")
    gru = keras.layers.GRU(5, return_sequences=True)
    lstm = keras.layers.LSTM(4, return_sequences=True)
    reference = keras.Sequential([keras.Input((8, 3)), gru, lstm])
    randomize_weights(reference, rng)
    cells = keras.layers.StackedRNNCells(
        [lessons.from_keras(gru.cell), lessons.from_keras(lstm.cell)]
    )
    stacked = keras.layers.RNN(cells, return_sequences=True)
    assert_close(stacked(x), reference(x), atol=1e-5)


def test_trained_builtin_loads_into_readable_cell(rng):
    """The use case: train Keras' LSTM, then open its gates with the kit's cell."""
    x = rng.normal(size=(64, 10, 3)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None]
    model = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(8), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(x, y, epochs=2, verbose=0)
    readable = keras.Sequential(
        [keras.Input((10, 3)), lessons.from_keras(model.layers[0]), model.layers[1]]
    )
    assert_close(readable.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)


def test_generic_rnn_of_a_keras_cell(rng):
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    builtin = keras.layers.RNN(keras.layers.GRUCell(4), return_sequences=True)
    builtin(x)
    randomize_weights(builtin, rng)
    twin = lessons.from_keras(builtin)
    assert isinstance(twin.cell, lessons.GRUCell)
    _assert_same_outputs(builtin, twin, x, None)
