"""One time step of each cell in NumPy, straight from the slide equations.

Written independently of `lessons`: the tests compare the cells against these.
"""

import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def w(cell, name):
    return getattr(cell, name).numpy().astype(np.float64)


def rnn_step(cell, X, H):
    return np.tanh(X @ w(cell, "W_xh") + H @ w(cell, "W_hh") + w(cell, "b_h"))


def gru_step(cell, X, H):
    # With reset_after=True the recurrent side has biases of its own, b_h·.
    b_rec = (lambda g: w(cell, f"b_h{g}")) if cell.reset_after else (lambda g: 0.0)
    R = sigmoid(_gate(cell, "r", X, H) + b_rec("r"))
    Z = sigmoid(_gate(cell, "z", X, H) + b_rec("z"))
    if cell.reset_after:
        H_tilde = np.tanh(
            X @ w(cell, "W_xh") + w(cell, "b_h") + R * (H @ w(cell, "W_hh") + b_rec("h"))
        )
    else:
        H_tilde = np.tanh(X @ w(cell, "W_xh") + (R * H) @ w(cell, "W_hh") + w(cell, "b_h"))
    return Z * H + (1 - Z) * H_tilde


def _gate(cell, g, X, H):
    return X @ w(cell, f"W_x{g}") + H @ w(cell, f"W_h{g}") + w(cell, f"b_{g}")


def lstm_step(cell, X, H, C):
    I = sigmoid(_gate(cell, "i", X, H))
    F = sigmoid(_gate(cell, "f", X, H))
    O = sigmoid(_gate(cell, "o", X, H))
    C_tilde = np.tanh(_gate(cell, "c", X, H))
    C_new = F * C + I * C_tilde
    return O * np.tanh(C_new), C_new


def peephole_step(cell, X, H, C):
    I = sigmoid(_gate(cell, "i", X, H) + w(cell, "w_ci") * C)
    F = sigmoid(_gate(cell, "f", X, H) + w(cell, "w_cf") * C)
    C_new = F * C + I * np.tanh(_gate(cell, "c", X, H))
    O = sigmoid(_gate(cell, "o", X, H) + w(cell, "w_co") * C_new)
    return O * np.tanh(C_new), C_new


def coupled_step(cell, X, H, C):
    F = sigmoid(_gate(cell, "f", X, H))
    O = sigmoid(_gate(cell, "o", X, H))
    C_new = F * C + (1 - F) * np.tanh(_gate(cell, "c", X, H))
    return O * np.tanh(C_new), C_new
