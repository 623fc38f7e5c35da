"""StackedRNN and Zoneout: checked against hand-built stacks and NumPy from the equations."""

import re

import keras
import numpy as np
import pytest
import reference as ref
from backend import allclose, assert_close, assert_equal, compiled, gradients, to_numpy
from conftest import ragged_mask, randomize_weights

import lessons

KINDS = {"gru": (lessons.GRUCell, ref.gru_step, 1), "lstm": (lessons.LSTMCell, ref.lstm_step, 2)}
MERGE = {"concat": lambda f, b: np.concatenate([f, b], axis=-1), "sum": lambda f, b: f + b}


# --- NumPy references ------------------------------------------------------------------------
def numpy_rnn(cell, x, kind, mask=None, backwards=False):
    """H_t at every step of `x` (batch, T, d), from the cell's equations; masked steps carry."""
    step, n_states = KINDS[kind][1:]
    batch, steps, _ = x.shape
    states = [np.zeros((batch, cell.units)) for _ in range(n_states)]
    out = np.zeros((batch, steps, cell.units))
    for t in reversed(range(steps)) if backwards else range(steps):
        new = step(cell, x[:, t].astype(np.float64), *states)
        new = new if isinstance(new, tuple) else (new,)
        real = np.ones((batch, 1), bool) if mask is None else mask[:, t][:, None]
        states = [np.where(real, a, b) for a, b in zip(new, states)]
        out[:, t] = states[0]
    return out


def numpy_layer(layer, U, kind, mask=None, merge_mode="concat"):
    """One layer of the stack: an RNN, or a Bidirectional merged per step."""
    if isinstance(layer, keras.layers.Bidirectional):
        forward = numpy_rnn(layer.forward_layer.cell, U, kind, mask)
        backward = numpy_rnn(layer.backward_layer.cell, U, kind, mask, backwards=True)
        return MERGE[merge_mode](forward, backward)
    return numpy_rnn(layer.cell, U, kind, mask)


def kernel(layer):
    return layer.kernel.numpy().astype(np.float64)


def built_stack(rng, x, **kwargs):
    stack = lessons.StackedRNN(**kwargs)
    stack.build(x.shape)
    randomize_weights(stack, rng)
    return stack


def assert_real_steps_close(got, want, mask, atol=2e-5):
    got = to_numpy(got)
    assert_close(got[mask], want[mask], atol=atol)


# --- plain stacking equals the stacks one builds by hand -----------------------------------
@pytest.mark.parametrize(
    "kind, bidirectional, return_sequences",
    [("gru", False, True), ("gru", True, False), ("lstm", False, False), ("lstm", True, True)],
)
def test_plain_equals_hand_built_layers(kind, bidirectional, return_sequences, rng):
    x = rng.normal(size=(4, 6, 3)).astype("float32")
    mask = ragged_mask(rng, 4, 6)
    stack = built_stack(
        rng,
        x,
        units=[5, 4],
        cell=kind,
        bidirectional=bidirectional,
        return_sequences=return_sequences,
    )
    make = KINDS[kind][0]
    layers = [
        keras.layers.RNN(make(5), return_sequences=True),
        keras.layers.RNN(make(4), return_sequences=return_sequences),
    ]
    if bidirectional:
        layers = [keras.layers.Bidirectional(layer) for layer in layers]
    h = x
    for mine, layer in zip(stack.recurrent_layers, layers):
        layer.build(h.shape)
        for a, b in zip(mine.weights, layer.weights, strict=True):
            b.assign(a)
        h = layer(h, mask=mask)
    got = stack(x, mask=mask)
    assert got.shape == h.shape
    if return_sequences:
        assert_real_steps_close(got, to_numpy(h), mask)
    else:
        assert_close(got, h, atol=2e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_plain_equals_stacked_rnn_cells(kind, rng):
    x = rng.normal(size=(4, 6, 3)).astype("float32")
    stack = built_stack(rng, x, units=[5, 4, 3], cell=kind, return_sequences=True)
    make = KINDS[kind][0]
    stacked = keras.layers.RNN(
        keras.layers.StackedRNNCells([make(5), make(4), make(3)]), return_sequences=True
    )
    stacked.build(x.shape)
    for a, b in zip(stack.weights, stacked.weights, strict=True):
        assert a.shape == b.shape
        b.assign(a)
    assert_close(stack(x), stacked(x), atol=2e-5)


# --- residual and dense connections --------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "seq"])
def test_residual_equals_numpy(kind, return_sequences, rng):
    """H^j = RNN_j(U^j) + U^j P_j; P_j learned where widths differ (4->5, 5->6), else I."""
    x = rng.normal(size=(3, 5, 4)).astype("float32")
    stack = built_stack(
        rng,
        x,
        units=[5, 5, 6],
        cell=kind,
        connection="residual",
        return_sequences=return_sequences,
    )
    layers, P = stack.recurrent_layers, stack.projections
    assert isinstance(P[0], keras.layers.Dense) and P[0].kernel.shape == (4, 5)
    assert isinstance(P[1], keras.layers.Identity)
    assert all(len(p.weights) <= 1 for p in P)  # no bias on the skip path
    H1 = numpy_layer(layers[0], x, kind) + x @ kernel(P[0])
    H2 = numpy_layer(layers[1], H1, kind) + H1
    H3 = numpy_layer(layers[2], H2, kind)
    if return_sequences:
        assert P[2].kernel.shape == (5, 6)
        want = H3 + H2 @ kernel(P[2])
    else:
        assert len(P) == 2  # a final state is not a step: no skip around the top
        want = H3[:, -1]
    got = stack(x)
    assert got.shape == want.shape
    assert_close(got, want, atol=2e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_dense_equals_numpy(kind, rng):
    """U^j = [X, H^1, ..., H^{j-1}]; the output is H^L alone."""
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    stack = built_stack(
        rng, x, units=[5, 4, 3], cell=kind, connection="dense", return_sequences=True
    )
    layers = stack.recurrent_layers
    assert [layer.cell.weights[0].shape[0] for layer in layers] == [2, 2 + 5, 2 + 5 + 4]  # W_x·
    H1 = numpy_layer(layers[0], x, kind)
    H2 = numpy_layer(layers[1], np.concatenate([x, H1], -1), kind)
    H3 = numpy_layer(layers[2], np.concatenate([x, H1, H2], -1), kind)
    got = stack(x)
    assert got.shape == (3, 5, 3)
    assert_close(got, H3, atol=2e-5)


@pytest.mark.parametrize("merge_mode", MERGE)
@pytest.mark.parametrize("connection", ["residual", "dense"])
def test_bidirectional_skips_equal_numpy(connection, merge_mode, rng):
    """Widths follow merge_mode: "concat" doubles each layer's output."""
    x = rng.normal(size=(3, 6, 3)).astype("float32")
    mask = ragged_mask(rng, 3, 6)
    stack = built_stack(
        rng,
        x,
        units=4,
        num_layers=2,
        cell="gru",
        connection=connection,
        bidirectional=True,
        merge_mode=merge_mode,
        return_sequences=True,
    )
    width = 8 if merge_mode == "concat" else 4
    layers, P = stack.recurrent_layers, stack.projections

    def layer(j, U):
        return numpy_layer(layers[j], U, "gru", mask, merge_mode)

    if connection == "residual":
        assert P[0].kernel.shape == (3, width) and isinstance(P[1], keras.layers.Identity)
        H1 = layer(0, x) + x @ kernel(P[0])
        want = layer(1, H1) + H1
    else:
        H1 = layer(0, x)
        want = layer(1, np.concatenate([x, H1], -1))
    got = stack(x, mask=mask)
    assert got.shape == (3, 6, width) == stack.compute_output_shape(x.shape)
    assert_real_steps_close(got, want, mask)
    assert_equal(to_numpy(got)[~mask], 0.0)  # padded steps read 0


@pytest.mark.parametrize(
    "connection, bidirectional, merge_mode, width",
    [
        ("plain", True, "ave", 3),
        ("residual", False, "concat", 3),
        ("residual", True, "concat", 6),
        ("dense", True, "concat", 6),
    ],
)
def test_output_shapes_symbolic(connection, bidirectional, merge_mode, width):
    for return_sequences, shape in [(True, (None, 7, width)), (False, (None, width))]:
        stack = lessons.StackedRNN(
            [5, 3],
            cell="rnn",
            connection=connection,
            bidirectional=bidirectional,
            merge_mode=merge_mode,
            return_sequences=return_sequences,
        )
        assert stack(keras.Input((7, 2))).shape == shape
        assert stack.compute_output_shape((None, 7, 2)) == shape


# --- zoneout ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, rate", [("gru", 0.3), ("lstm", [0.2, 0.7])])
def test_zoneout_at_inference_is_the_expectation(kind, rate, rng):
    """S_t = p S_{t-1} + (1 - p) S~_t for every state; masked steps keep the state.

    The last state returned is the wrapper's step count: each example's real steps.
    """
    make, step, n_states = KINDS[kind]
    cell = make(5)
    layer = keras.layers.RNN(lessons.Zoneout(cell, rate), return_sequences=True, return_state=True)
    x = rng.normal(size=(4, 6, 3)).astype("float32")
    mask = ragged_mask(rng, 4, 6)
    layer(x)
    randomize_weights(layer, rng)
    outputs, *final = layer(x, mask=mask, training=False)

    rates = rate if isinstance(rate, list) else [rate] * n_states
    states = [np.zeros((4, 5)) for _ in range(n_states)]
    for t in range(6):
        new = step(cell, x[:, t].astype(np.float64), *states)
        new = new if isinstance(new, tuple) else (new,)
        zoned = [p * s + (1 - p) * n for p, s, n in zip(rates, states, new)]
        states = [np.where(mask[:, t][:, None], z, s) for z, s in zip(zoned, states)]
        real = mask[:, t]
        assert_close(to_numpy(outputs)[:, t][real], states[0][real], atol=1e-5)
    *final, steps = final
    for got, want in zip(final, states, strict=True):
        assert_close(got, want, atol=1e-5)
    assert_equal(to_numpy(steps)[:, 0], mask.sum(axis=1))


@pytest.mark.parametrize("kind", KINDS)
def test_zoneout_rate_zero_is_the_plain_cell_in_training(kind, rng):
    cell = KINDS[kind][0](5)
    x = rng.normal(size=(3, 6, 2)).astype("float32")
    plain = keras.layers.RNN(cell, return_sequences=True)
    zoned = keras.layers.RNN(lessons.Zoneout(cell, 0.0), return_sequences=True)  # same weights
    plain(x)
    randomize_weights(plain, rng)
    assert_equal(zoned(x, training=True), plain(x, training=True))


def test_zoneout_keeps_each_unit_with_probability_rate(rng):
    """One Bernoulli(p) per example, unit and state, fresh at every step."""
    zone = lessons.Zoneout(lessons.LSTMCell(8), rate=[0.2, 0.6], seed=5)
    zone.build((None, 3))
    randomize_weights(zone, rng)
    X = rng.normal(size=(3000, 3)).astype("float32")
    old = [rng.normal(size=(3000, 8)).astype("float32") for _ in range(2)]
    _, new = zone.cell(X, old)
    kept = []
    for _ in range(2):  # two steps
        _, zoned = zone(X, old, training=True)
        for z, o, n in zip(zoned, old, new):
            z, n = to_numpy(z), to_numpy(n)
            assert np.all((z == o) | np.isclose(z, n, atol=1e-6)), "each unit is old or new"
        kept.append([to_numpy(z) == o for z, o in zip(zoned, old)])
    for state, rate in enumerate([0.2, 0.6]):
        fraction = kept[0][state].mean()
        assert abs(fraction - rate) < 0.02, (state, fraction)  # ~7 standard deviations
    assert not np.array_equal(kept[0][0], kept[1][0]), "a fresh mask at every step"


class Counter(keras.layers.Layer):
    """A cell that adds 1 to every unit at every step: S~_t = S_{t-1} + 1."""

    state_size = 50

    def call(self, inputs, states, training=False):
        return states[0] + 1.0, [states[0] + 1.0]


@pytest.mark.parametrize("compile", [False, True], ids=["eager", "compiled"])
def test_zoneout_draws_inside_the_time_loop(compile):
    """Counted updates over T steps are Binomial(T, 1 - p): one draw per step, not per sequence."""
    layer = keras.layers.RNN(lessons.Zoneout(Counter(), 0.3, seed=1))
    run = compiled(layer) if compile else layer
    counts = to_numpy(run(np.zeros((40, 20, 1), "float32"), training=True))
    assert abs(counts.mean() - 20 * 0.7) < 0.3  # the mean's standard deviation is 0.05
    assert len(np.unique(counts)) > 5  # a mask per sequence would give only 0 and 20
    assert_close(layer(np.zeros((2, 20, 1), "float32")), 20 * 0.7, rtol=1e-5)


def test_zoneout_gradients_flow_in_training(rng):
    layer = keras.layers.RNN(lessons.Zoneout(lessons.GRUCell(4), 0.5, seed=1))
    x = rng.normal(size=(8, 6, 3)).astype("float32")
    layer(x)
    dx, dw = gradients(layer, x, training=True)
    for g in [dx, *dw]:
        assert g is not None and np.all(np.isfinite(g)) and np.any(g != 0)


# --- masks -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "connection, bidirectional, return_sequences",
    [
        ("plain", True, True),
        ("residual", False, True),
        ("residual", True, False),
        ("dense", False, False),
    ],
)
def test_padding_changes_nothing_at_real_steps(connection, bidirectional, return_sequences, rng):
    """A ragged batch gives what each example gives alone, whatever the padding holds."""
    x = rng.normal(size=(3, 6, 2)).astype("float32")
    lengths = np.array([6, 2, 4])
    mask = np.arange(6)[None, :] < lengths[:, None]
    x[~mask] = 1e3  # junk in the padding
    stack = built_stack(
        rng,
        x,
        units=[4, 3],
        cell="lstm",
        connection=connection,
        bidirectional=bidirectional,
        return_sequences=return_sequences,
        zoneout=0.2,
    )
    batch = to_numpy(stack(x, mask=mask))
    for i, n in enumerate(lengths):
        alone = to_numpy(stack(x[i : i + 1, :n]))[0]
        assert_close(batch[i, :n] if return_sequences else batch[i], alone, atol=2e-5)
    if return_sequences:
        assert_equal(batch[~mask], 0.0)


def test_masking_layer_and_embedding_upstream(rng):
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    mask = ragged_mask(rng, 3, 5)
    x[~mask] = 0.0
    stack = lessons.StackedRNN(4, cell="gru", connection="residual", return_sequences=True)
    inputs = keras.Input((5, 2))
    model = keras.Model(inputs, stack(keras.layers.Masking(0.0)(inputs)))
    randomize_weights(model, rng)
    assert_real_steps_close(model(x), to_numpy(stack(x, mask=mask)), mask)
    assert_equal(stack.compute_mask(x, mask), mask)

    tokens = np.where(mask, rng.integers(1, 9, size=(3, 5)), 0)
    embed = keras.layers.Embedding(9, 3, mask_zero=True)
    top = lessons.StackedRNN(4, cell="gru", bidirectional=True)
    model = keras.Sequential([keras.Input((5,), dtype="int32"), embed, top])
    randomize_weights(model, rng)
    assert_close(model(tokens), top(embed(tokens), mask=mask), atol=1e-6)
    assert top.compute_mask(x, mask) is None  # a final state has no time steps to mask


# --- configuration, saving and loading -------------------------------------------------------
CONFIGS = {
    "residual-bi-zoneout": dict(
        units=[6, 4],
        cell="gru",
        connection="residual",
        bidirectional=True,
        merge_mode="sum",
        return_sequences=True,
        zoneout=0.2,
        layer_dropout=0.1,
        dropout=0.1,
        seed=3,
    ),
    "dense-lstm-per-state-zoneout": dict(
        units=3,
        num_layers=3,
        cell="lstm",
        connection="dense",
        zoneout=[0.1, 0.3],
        recurrent_dropout=0.2,
    ),
    "factory": dict(
        units=[5, 4],
        cell=lambda units: lessons.GRUCell(units, reset_after=True),
        connection="residual",
        bidirectional=True,
    ),
}


@pytest.mark.parametrize("name", CONFIGS)
def test_from_config_round_trip(name, rng):
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    stack = built_stack(rng, x, **CONFIGS[name])
    config = stack.get_config()
    twin = lessons.StackedRNN.from_config(config)
    assert twin.get_config() == config
    twin.build(x.shape)
    twin.set_weights(stack.get_weights())
    assert_close(twin(x), stack(x), atol=1e-6)


def test_factory_config_keeps_each_cell(rng):
    cells = lessons.StackedRNN(**CONFIGS["factory"]).get_config()["cell"]
    assert len(cells) == 4  # two layers, two directions
    assert [c["config"]["units"] for c in cells] == [5, 5, 4, 4]
    assert all(c["config"]["reset_after"] for c in cells)

    stack = lessons.StackedRNN(3, num_layers=2, cell=lessons.PeepholeLSTMCell)  # a class is one
    twin = lessons.StackedRNN.from_config(stack.get_config())
    assert isinstance(twin.recurrent_layers[1].cell, lessons.PeepholeLSTMCell)


def test_seeds_differ_between_layers_and_directions():
    stack = lessons.StackedRNN(3, cell="gru", bidirectional=True, zoneout=0.1, seed=7)
    seeds = [
        (rnn.cell.seed, rnn.cell.cell.seed)
        for layer in stack.recurrent_layers
        for rnn in (layer.forward_layer, layer.backward_layer)
    ]
    assert len({s for pair in seeds for s in pair}) == 8


@pytest.mark.parametrize("name", ["residual-bi-zoneout", "dense-lstm-per-state-zoneout"])
def test_keras_file_round_trip(name, tmp_path, rng):
    model = keras.Sequential(
        [keras.Input((5, 2)), lessons.StackedRNN(**CONFIGS[name]), keras.layers.Dense(2)]
    )
    randomize_weights(model, rng)
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    model.save(tmp_path / "deep.keras")
    loaded = keras.models.load_model(tmp_path / "deep.keras")
    assert loaded.layers[0].get_config() == model.layers[0].get_config()
    assert_close(loaded(x), model(x), atol=1e-6)


def test_zoneout_config_round_trip():
    zone = lessons.Zoneout(lessons.LSTMCell(4, dropout=0.2), rate=[0.1, 0.4], seed=2)
    twin = lessons.Zoneout.from_config(zone.get_config())
    assert twin.get_config() == zone.get_config()
    assert isinstance(twin.cell, lessons.LSTMCell) and twin.cell.dropout == 0.2


# --- regularization and training -------------------------------------------------------------
def test_dropout_options_reach_their_places(rng):
    stack = lessons.StackedRNN(
        3,
        num_layers=3,
        cell="lstm",
        dropout=0.2,
        recurrent_dropout=0.3,
        zoneout=[0.1, 0.4],
        layer_dropout=0.5,
    )
    for layer in stack.recurrent_layers:
        assert isinstance(layer.cell, lessons.Zoneout) and layer.cell.rates == [0.1, 0.4]
        assert (layer.cell.cell.dropout, layer.cell.cell.recurrent_dropout) == (0.2, 0.3)
    assert len(stack.dropouts) == 2  # between layers, not after the top

    x = rng.normal(size=(4, 5, 2)).astype("float32")
    one = lessons.StackedRNN(3, num_layers=1, cell="gru", layer_dropout=0.9)
    assert_equal(one(x, training=True), one(x))  # nothing above to drop for
    two = lessons.StackedRNN(3, num_layers=2, cell="gru", layer_dropout=0.9, seed=1)
    assert not allclose(two(x, training=True), two(x))


@pytest.mark.parametrize("connection", lessons.deep.CONNECTIONS)
def test_gradient_reaches_the_bottom_layer(connection, rng):
    stack = lessons.StackedRNN(4, num_layers=3, cell="gru", connection=connection)
    x = rng.normal(size=(4, 5, 3)).astype("float32")
    stack(x)
    bottom = {id(w) for w in stack.recurrent_layers[0].trainable_weights}
    dx, dw = gradients(stack, x)
    reached = [g for w, g in zip(stack.trainable_weights, dw) if id(w) in bottom]
    assert len(reached) == len(bottom)
    for g in [dx, *reached]:
        assert g is not None and np.any(g != 0)


def test_trains_compiled_with_every_regularizer(rng):
    """Graph mode: zoneout draws inside the compiled time loop; dropout masks per sequence."""
    model = keras.Sequential(
        [
            keras.Input((5, 2)),
            keras.layers.Masking(0.0),
            lessons.StackedRNN(
                3,
                cell="lstm",
                connection="residual",
                zoneout=0.3,
                layer_dropout=0.2,
                dropout=0.2,
                recurrent_dropout=0.2,
                seed=0,
            ),
            keras.layers.Dense(1),
        ]
    )
    model.compile(keras.optimizers.SGD(0.1), "mse")
    x = rng.normal(size=(8, 5, 2)).astype("float32")
    x[:, 3:][:4] = 0.0  # half the batch padded
    y = rng.normal(size=(8, 1)).astype("float32")
    before = [w.numpy().copy() for w in model.trainable_weights]
    losses = [model.train_on_batch(x, y) for _ in range(2)]
    assert np.all(np.isfinite(losses))
    changed = [not np.array_equal(b, w.numpy()) for b, w in zip(before, model.trainable_weights)]
    assert all(changed)


# --- bad arguments ---------------------------------------------------------------------------
BAD = [
    (dict(units=4, cell="transformer"), ValueError, ["`cell`", "'lstm'", "'peephole'"]),
    (dict(units=4, cell=lessons.GRUCell(4)), TypeError, ["`cell`", "factory"]),
    (dict(units=4, cell=lambda units: "a cell"), TypeError, ["`cell`", "factory"]),
    (dict(units=4, connection="highway"), ValueError, ["`connection`", "'residual'", "'dense'"]),
    (dict(units=4, num_layers=0), ValueError, ["`num_layers`", ">= 1"]),
    (dict(units=4, num_layers=1.5), TypeError, ["`num_layers`", "integer"]),
    (dict(units=0), ValueError, ["`units`", "positive"]),
    (dict(units=[]), ValueError, ["`units`", "non-empty"]),
    (dict(units=[4, 4], num_layers=3), ValueError, ["`units`", "`num_layers`"]),
    (dict(units=4, dropout=1.0), ValueError, ["`dropout`", "[0, 1)"]),
    (dict(units=4, recurrent_dropout=-0.1), ValueError, ["`recurrent_dropout`", "[0, 1)"]),
    (dict(units=4, layer_dropout=1.5), ValueError, ["`layer_dropout`", "[0, 1)"]),
    (dict(units=4, zoneout=1.0), ValueError, ["`zoneout`", "[0, 1)"]),
    (dict(units=4, zoneout="high"), TypeError, ["`zoneout`", "float"]),
    (dict(units=4, cell="lstm", zoneout=[0.1]), ValueError, ["`zoneout`", "per state", "2"]),
    (dict(units=4, merge_mode=None), ValueError, ["`merge_mode`", "'concat'", "'mul'"]),
    (dict(units=4, bidirectional="yes"), TypeError, ["`bidirectional`", "True or False"]),
    (dict(units=4, return_sequences=1), TypeError, ["`return_sequences`", "True or False"]),
    (dict(units=4, cell=lessons.GRUCell, dropout=0.1), ValueError, ["`dropout`", "factory"]),
    (dict(units=4, seed="abc"), TypeError, ["`seed`", "integer"]),
]


# Ids without a function's address, the same in every process (pytest-xdist's workers).
@pytest.mark.parametrize(
    "kwargs, error, words", BAD, ids=[re.sub(" at 0x[0-9a-f]+", "", str(b[0])) for b in BAD]
)
def test_bad_arguments_name_the_argument(kwargs, error, words):
    with pytest.raises(error) as info:
        lessons.StackedRNN(**kwargs)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: lessons.Zoneout("lstm"), TypeError, ["`cell`", "state_size"]),
        (lambda: lessons.Zoneout(lessons.GRUCell(3), 1.0), ValueError, ["`rate`", "[0, 1)"]),
        (lambda: lessons.Zoneout(lessons.LSTMCell(3), [0.1] * 3), ValueError, ["`rate`", "2"]),
    ],
    ids=["not-a-cell", "rate-1", "rates-per-state"],
)
def test_zoneout_bad_arguments(make, error, words):
    with pytest.raises(error) as info:
        make()
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_inputs_must_be_sequences():
    with pytest.raises(ValueError, match="timesteps"):
        lessons.StackedRNN(4).build((None, 3))
