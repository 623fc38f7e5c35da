"""Hidden tests for lesson 06 (deep RNNs): the stacked forward pass by hand, and the
residual and dense connections between layers.

Every case builds the kit's cells (or `keras.layers.RNN` layers around them)
with weights drawn from the seed, so the student's function and the
reference see the same network and the same inputs.
"""

import numpy as np

from instructor.grading import within


def _random_weights(layer, rng):
    for w in layer.weights:
        w.assign(rng.normal(0, 0.5, w.shape).astype("float32"))


def _cells(kinds, widths, d, rng):
    import lessons

    cells, width_below = [], d
    for kind, h in zip(kinds, widths):
        cell = lessons.GRUCell(h) if kind == "gru" else lessons.LSTMCell(h)
        cell.build((None, width_below))
        _random_weights(cell, rng)
        cells.append(cell)
        width_below = h
    return cells


def _rnn_layers(widths, input_widths, rng):
    import keras

    import lessons

    layers = []
    for h, d in zip(widths, input_widths):
        rnn = keras.layers.RNN(lessons.GRUCell(h), return_sequences=True)
        rnn.build((None, None, d))
        _random_weights(rnn, rng)
        layers.append(rnn)
    return layers


def probe_deep_rnn_forward(deep_rnn_forward, seed):
    cases = {}
    for k, (description, kinds, widths, T) in enumerate(
        [
            ("three GRU layers of equal width", ["gru"] * 3, [4, 4, 4], 5),
            ("a GRU under an LSTM, mixed widths", ["gru", "lstm"], [5, 3], 4),
            ("one layer, one step", ["gru"], [3], 1),
        ]
    ):
        rng = np.random.default_rng([seed, k])
        d = 3
        cells = _cells(kinds, widths, d, rng)
        X = rng.normal(size=(2, T, d)).astype("float32")
        outputs = deep_rnn_forward(cells, X)
        cases[description] = [np.asarray(H) for H in outputs]
    return {"layers": cases}


def probe_residual_stack(residual_stack, seed):
    cases = {}
    for k, (description, widths) in enumerate(
        [
            ("equal widths (identity skips)", [3, 3, 3]),
            ("widths that change (projections)", [5, 5, 2]),
        ]
    ):
        rng = np.random.default_rng([seed, k])
        d = 3
        inputs = [d] + widths[:-1]
        layers = _rnn_layers(widths, inputs, rng)
        projections = [
            None if w_in == w_out else rng.normal(0, 0.5, (w_in, w_out)).astype("float32")
            for w_in, w_out in zip(inputs, widths)
        ]
        X = rng.normal(size=(2, 4, d)).astype("float32")
        cases[description] = np.asarray(residual_stack(layers, projections, X))
    return {"top layer": cases}


def probe_dense_stack(dense_stack, seed):
    cases = {}
    for k, (description, widths) in enumerate([("three layers", [4, 3, 2]), ("one layer", [3])]):
        rng = np.random.default_rng([seed, k])
        d = 3
        inputs = [d + sum(widths[:j]) for j in range(len(widths))]
        layers = _rnn_layers(widths, inputs, rng)
        X = rng.normal(size=(2, 4, d)).astype("float32")
        cases[description] = np.asarray(dense_stack(layers, X))
    return {"top layer": cases}


compare_deep_rnn_forward = within(rtol=1e-4, atol=1e-5)  # float32 arithmetic


compare_residual_stack = within(rtol=1e-4, atol=1e-5)


compare_dense_stack = within(rtol=1e-4, atol=1e-5)
