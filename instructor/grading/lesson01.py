"""Hidden tests for lesson 01 (the vanilla RNN): the cell's step and the loss summed over time.

The student's `MyRNNCell` gets weights drawn from the seed and runs one step
and a masked sequence inside `keras.layers.RNN`, compiled in a `keras.Model`
(a `call` written with NumPy fails there, as in the students' check);
`sequence_loss` gets random
one-hot targets and predicted distributions, some with probabilities of
exactly 0.
"""

import numpy as np

from instructor.grading import within
from instructor.grading.cells import cell_call, traced_sequence


def _cell(cell_class, units, input_dim, weights):
    """A built `keras.layers.RNN` around the student's cell, holding `weights`."""
    import keras

    rnn = keras.layers.RNN(cell_class(units), return_sequences=True)
    rnn.build((None, None, input_dim))
    for name, value in weights.items():
        getattr(rnn.cell, name).assign(value)
    return rnn


def probe_rnn_cell_call(cell_class, seed):
    rng = np.random.default_rng(seed)
    n, T, d, h = 3, 6, 4, 5
    weights = {
        "W_xh": rng.normal(0, 0.6, (d, h)).astype("float32"),
        "W_hh": rng.normal(0, 0.6, (h, h)).astype("float32"),
        "b_h": rng.normal(0, 0.5, h).astype("float32"),
    }
    X_t = rng.normal(size=(n, d)).astype("float32")
    H_prev = rng.normal(0, 0.5, (n, h)).astype("float32")
    X = rng.normal(size=(n, T, d)).astype("float32")
    mask = np.arange(T)[None, :] < np.array([T, 2, 4])[:, None]

    rnn = _cell(cell_class, h, d, weights)
    H_t, new_states = rnn.cell(X_t, [H_prev])
    new_state = new_states[0] if isinstance(new_states, (list, tuple)) else new_states
    states = traced_sequence(rnn, X, mask, cell_call(cell_class, "rnn_cell_call"))
    return {
        "cell": {
            "one step: H_t": np.asarray(H_t),
            "one step: the new state": np.asarray(new_state),
            "a masked sequence in keras.layers.RNN": np.asarray(states),
        }
    }


compare_rnn_cell_call = within(rtol=1e-4, atol=1e-5)  # float32 arithmetic


def _distributions(rng, shape, zeros=False):
    logits = rng.normal(0, 2, shape)
    p = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    if zeros:  # exact zeros away from the target, renormalized
        p[..., 1] = 0.0
        p /= p.sum(axis=-1, keepdims=True)
    return p.astype("float32")


def probe_sequence_loss(sequence_loss, seed):
    rng = np.random.default_rng(seed)
    cases = {}
    for description, (batch, T, classes, zeros) in {
        "a batch of sequences": (4, 5, 6, False),
        "probabilities of exactly 0 for classes that are not the target": (3, 4, 5, True),
        "one-step sequences": (5, 1, 3, False),
    }.items():
        targets = rng.integers(0, classes, (batch, T))
        if zeros:
            targets[targets == 1] = 0  # class 1 has probability 0, and is never the target
        y_true = np.eye(classes, dtype="float32")[targets]
        y_pred = _distributions(rng, (batch, T, classes), zeros)
        cases[description] = np.asarray(sequence_loss(y_true, y_pred))
    return {"loss": cases}


compare_sequence_loss = within(rtol=1e-4, atol=1e-5)
