"""Hidden tests for lesson 07 (bidirectional RNNs): reversing padded rows, the two
directions' states, and the tagging accuracy over real tokens only.

`bidirectional_states` calls the notebook's helper `run_rnn`, a context cell
of the solution (run before the exercise cells in the reference). Padded
steps are set to 0 before comparing, since the exercise leaves them open.
"""

import numpy as np

from instructor.grading import within


def _mask(lengths, T):
    return np.arange(T)[None, :] < np.asarray(lengths)[:, None]


def probe_reverse_padded(reverse_padded, seed):
    rng = np.random.default_rng(seed)
    cases = {}
    for description, (lengths, T, features) in {
        "token ids, rows of different lengths": ([5, 2, 4, 1], 5, None),
        "vectors (batch, T, features)": ([3, 6, 1], 6, 3),
        "a row of padding only": ([0, 3], 4, 2),
    }.items():
        shape = (len(lengths), T) if features is None else (len(lengths), T, features)
        X = rng.integers(1, 50, shape) if features is None else rng.normal(size=shape)
        mask = _mask(lengths, T)
        given = X.copy()
        out = np.asarray(reverse_padded(given, mask))
        cases[description] = {"result": out, "X unchanged": bool(np.array_equal(given, X))}
    return {"reverse": cases}


def _cells(kind, seed, d, h):
    import lessons

    rng = np.random.default_rng(seed)
    cells = []
    for _ in range(2):
        cell = lessons.GRUCell(h) if kind == "gru" else lessons.LSTMCell(h)
        cell.build((None, d))
        for w in cell.weights:
            w.assign(rng.normal(0, 0.5, w.shape).astype("float32"))
        cells.append(cell)
    return cells


def probe_bidirectional_states(bidirectional_states, seed):
    rng = np.random.default_rng(seed)
    cases = {}
    for description, (kind, lengths) in {
        "GRU cells, a padded batch": ("gru", [5, 2, 4]),
        "LSTM cells, a padded batch": ("lstm", [3, 5, 1]),
        "GRU cells, no padding": ("gru", [5, 5]),
    }.items():
        d, h, T = 3, 4, 5
        cell_fwd, cell_bwd = _cells(kind, rng.integers(1 << 30), d, h)
        X = rng.normal(size=(len(lengths), T, d)).astype("float32")
        mask = _mask(lengths, T)
        out = np.asarray(bidirectional_states(cell_fwd, cell_bwd, X.copy(), mask))
        if out.shape[:2] == mask.shape:
            out = np.where(mask[..., None], out, 0.0).astype("float32")  # padding is left open
        cases[description] = out
    return {"states": cases}


def probe_masked_token_accuracy(accuracy, seed):
    rng = np.random.default_rng(seed)
    lengths, T, tags = [7, 3, 5, 1], 7, 4
    y_true = rng.integers(0, tags, (4, T))
    y_pred = rng.dirichlet(np.ones(tags), (4, T)).astype("float32")
    y_pred[np.arange(4), 0, y_true[:, 0]] += 1.0  # some right answers for sure
    mask = _mask(lengths, T)
    longer = 4  # the same batch with 4 more padded steps of junk
    y_true_long = np.concatenate([y_true, rng.integers(0, tags, (4, longer))], axis=1)
    y_pred_long = np.concatenate([y_pred, rng.dirichlet(np.ones(tags), (4, longer))], axis=1)
    mask_long = np.concatenate([mask, np.zeros((4, longer), bool)], axis=1)
    return {
        "accuracy": {
            "a padded batch": float(accuracy(y_true, y_pred, mask)),
            "the same batch padded longer": float(accuracy(y_true_long, y_pred_long, mask_long)),
        }
    }


compare_bidirectional_states = within(rtol=1e-4, atol=1e-5)  # float32 arithmetic
