"""Hidden tests for lesson 04 (the GRU): the simplified GRU's step and the full GRU's step.

Each student cell gets weights drawn from the seed, scaled so that every gate
is neither shut nor wide open, and runs one step and a masked sequence inside
`keras.layers.RNN`. A third case forces the update gate open (Γ_u = 1, or
Z_t = 0), which separates a swapped gate from a wrong candidate.
"""

import numpy as np

from lessons.grading import compare, lookup

PRELUDE = "import keras\nimport numpy as np\nfrom keras import ops"


def _run_cell(cell_class, parts, rng, force=None):
    """One step and a masked sequence through the student's cell with weights from `rng`."""
    import keras

    n, T, d, h = 3, 6, 4, 5
    weights = {}
    for p in parts:
        weights[f"W_x{p}"] = rng.normal(0, 0.6, (d, h)).astype("float32")
        weights[f"W_h{p}"] = rng.normal(0, 0.6, (h, h)).astype("float32")
        weights[f"b_{p}"] = rng.normal(0, 0.5, h).astype("float32")
    if force is not None:  # a gate pinned by its bias: σ(±40) is 1 or 0 in float32
        gate, value = force
        weights[f"W_x{gate}"][:] = 0.0
        weights[f"W_h{gate}"][:] = 0.0
        weights[f"b_{gate}"][:] = 40.0 if value == 1 else -40.0
    X_t = rng.normal(size=(n, d)).astype("float32")
    H_prev = rng.normal(0, 0.5, (n, h)).astype("float32")
    X = rng.normal(size=(n, T, d)).astype("float32")
    mask = np.arange(T)[None, :] < np.array([T, 2, 4])[:, None]

    rnn = keras.layers.RNN(cell_class(h), return_sequences=True)
    rnn.build((None, None, d))
    for name, value in weights.items():
        getattr(rnn.cell, name).assign(value)
    out, new_states = rnn.cell(X_t, [H_prev])
    new_state = new_states[0] if isinstance(new_states, (list, tuple)) else new_states
    return {
        "one step: the output": np.asarray(out),
        "one step: the new state": np.asarray(new_state),
        "a masked sequence in keras.layers.RNN": np.asarray(rnn(X, mask=mask)),
    }


def probe_simplified_gru_call(namespace, seed):
    cell_class = lookup(namespace, "SimplifiedGRUCell")
    return {
        "cell": {
            "random weights": _run_cell(cell_class, "uc", np.random.default_rng([seed, 0])),
            "the update gate forced open (Γ_u = 1)": _run_cell(
                cell_class, "uc", np.random.default_rng([seed, 1]), force=("u", 1)
            ),
        }
    }


def probe_gru_call(namespace, seed):
    cell_class = lookup(namespace, "MyGRUCell")
    return {
        "cell": {
            "random weights": _run_cell(cell_class, "zrh", np.random.default_rng([seed, 0])),
            "the update gate forced to take the candidate (Z_t = 0)": _run_cell(
                cell_class, "zrh", np.random.default_rng([seed, 1]), force=("z", 0)
            ),
            "the reset gate forced open (R_t = 1)": _run_cell(
                cell_class, "zrh", np.random.default_rng([seed, 2]), force=("r", 1)
            ),
        }
    }


def compare_simplified_gru_call(student, reference):
    return compare(student, reference, rtol=1e-4, atol=1e-5)  # float32 arithmetic


def compare_gru_call(student, reference):
    return compare(student, reference, rtol=1e-4, atol=1e-5)
