"""Hidden tests for lesson 05 (the LSTM): the LSTM step, the coupled variant's step, and
the adding problem's data generator.

The cells get weights drawn from the seed and run one step and a masked
sequence inside `keras.layers.RNN`, compiled in a `keras.Model` (a `call`
written with NumPy fails there, as in the students' check), once with random
weights and once with
the forget gate pinned shut (C_t then holds only the new candidate), which
separates a wrong gate from a wrong cell update. The data generator is
random, so its probe returns properties over many samples (shapes, markers,
targets, uniform values and positions) that a correct generator has for any
seed, never the arrays themselves.
"""

import numpy as np

from instructor.grading import within
from instructor.grading.cells import cell_probe


def _named(results):
    out, new_states, sequence, final = results
    return {
        "one step: H_t": out,
        "one step: [H_t, C_t]": new_states,
        "a masked sequence: the outputs": sequence,
        "a masked sequence: the final C_t": final[1],
    }


probe_lstm_call = cell_probe(
    "ifco", 2, _named, {"the forget gate shut (F_t = 0)": ("f", 0)}, exercise="lstm_call"
)
probe_coupled_lstm_call = cell_probe(
    "fco",
    2,
    _named,
    {"the forget gate open (F_t = 1: C_t keeps C_{t-1})": ("f", 1)},
    exercise="coupled_lstm_call",
)


def _chi_square_ok(counts):
    """Are `counts` plausible draws of a uniform distribution? (p > 1e-6, by scipy-free bound)"""
    counts = np.asarray(counts, dtype=float)
    expected = counts.sum() / len(counts)
    statistic = ((counts - expected) ** 2 / expected).sum()
    k = len(counts) - 1
    return bool(statistic < k + 12 * np.sqrt(2 * k))  # far in the tail of chi2(k)


def probe_adding_problem_data(adding_problem_data, seed):
    n, length = 4000, 10
    x, y = adding_problem_data(n, length, np.random.default_rng(seed))
    x, y = np.asarray(x), np.asarray(y)
    shapes = {"x": list(x.shape), "y": list(y.shape), "x float32": str(x.dtype) == "float32"}
    if x.shape != (n, length, 2) or y.shape != (n, 1):
        return {"data": {"shapes": shapes}}
    values, markers = x[..., 0], x[..., 1]
    half = length // 2
    first, second = markers[:, :half].argmax(axis=1), half + markers[:, half:].argmax(axis=1)
    rows = np.arange(n)
    odd = adding_problem_data(3, 3, np.random.default_rng(seed + 1))
    return {
        "data": {
            "shapes": shapes,
            "markers are 0 or 1": bool(np.isin(markers, (0.0, 1.0)).all()),
            "one marker in each half": bool(
                (markers[:, :half].sum(axis=1) == 1).all()
                and (markers[:, half:].sum(axis=1) == 1).all()
            ),
            "y = the sum of the two marked values": bool(
                np.allclose(y[:, 0], values[rows, first] + values[rows, second], atol=1e-5)
            ),
            "values uniform on [0, 1)": bool(
                values.min() >= 0
                and values.max() < 1
                and _chi_square_ok(np.histogram(values, bins=10, range=(0, 1))[0])
            ),
            "marker positions uniform in each half": _chi_square_ok(
                np.bincount(first, minlength=half)
            )
            and _chi_square_ok(np.bincount(second - half, minlength=length - half)),
            "an odd length (3)": [list(np.shape(odd[0])), list(np.shape(odd[1]))],
        }
    }


compare_lstm_call = within(rtol=1e-4, atol=1e-5)  # float32 arithmetic


compare_coupled_lstm_call = within(rtol=1e-4, atol=1e-5)
