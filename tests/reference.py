"""One time step of each cell in NumPy, from the slide equations.

The kit keeps one NumPy reference of each cell's equations: the students'
checks' (`lessons.checks.lesson01`, `lesson04`, `lesson05`, in float64), which
the check tests compare with Keras' built-in layers given the same weights.
Here a cell's weights are handed to them. Two forms no check covers are written
here from the equations: the GRU with `reset_after=True` (separate recurrent
biases b_h·) and the peephole LSTM.
"""

import numpy as np

from lessons.checks import lesson01, lesson04, lesson05
from lessons.checks.engine import sigmoid


def w(cell, name):
    return getattr(cell, name).numpy().astype(np.float64)


def weights(cell, gates):
    """{W_xg, W_hg, b_g} of each gate g of `cell`, as float64 arrays."""
    return {f"{part}{g}": w(cell, f"{part}{g}") for g in gates for part in ("W_x", "W_h", "b_")}


def rnn_step(cell, X, H):
    return lesson01.reference_step(X, H, w(cell, "W_xh"), w(cell, "W_hh"), w(cell, "b_h"))


def gru_step(cell, X, H):
    if not cell.reset_after:
        return lesson04.reference_gru_step(X, H, weights(cell, "zrh"))
    # With reset_after=True the recurrent side has biases of its own, b_h·.
    b_rec = lambda g: w(cell, f"b_h{g}")  # noqa: E731
    R = sigmoid(_gate(cell, "r", X, H) + b_rec("r"))
    Z = sigmoid(_gate(cell, "z", X, H) + b_rec("z"))
    H_tilde = np.tanh(X @ w(cell, "W_xh") + w(cell, "b_h") + R * (H @ w(cell, "W_hh") + b_rec("h")))
    return Z * H + (1 - Z) * H_tilde


def _gate(cell, g, X, H):
    return X @ w(cell, f"W_x{g}") + H @ w(cell, f"W_h{g}") + w(cell, f"b_{g}")


def lstm_step(cell, X, H, C):
    return lesson05.reference_lstm_step(X, H, C, weights(cell, "ifco"))


def peephole_step(cell, X, H, C):
    I = sigmoid(_gate(cell, "i", X, H) + w(cell, "w_ci") * C)
    F = sigmoid(_gate(cell, "f", X, H) + w(cell, "w_cf") * C)
    C_new = F * C + I * np.tanh(_gate(cell, "c", X, H))
    O = sigmoid(_gate(cell, "o", X, H) + w(cell, "w_co") * C_new)
    return O * np.tanh(C_new), C_new


def coupled_step(cell, X, H, C):
    return lesson05.reference_coupled_step(X, H, C, weights(cell, "fco"))
