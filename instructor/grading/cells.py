"""What the probes of the cell lessons (04 GRU, 05 LSTM) share: run a student's cell.

`run_gated_cell` gives the cell weights drawn from `rng` (optionally one gate
pinned open or shut by its bias), then runs one step on its own and a masked
sequence inside `keras.layers.RNN`, and returns what came out as arrays.
"""

import numpy as np

N, T, D, H = 3, 6, 4, 5  # batch, time steps, input features, units


def gate_weights(rng, gates, force=None):
    """W_xg, W_hg, b_g for each gate g, scaled so that no gate starts shut or wide open.

    `force=(gate, 0 or 1)` pins that gate: σ(±40) is exactly 0 or 1 in float32.
    """
    weights = {}
    for g in gates:
        weights[f"W_x{g}"] = rng.normal(0, 0.6, (D, H)).astype("float32")
        weights[f"W_h{g}"] = rng.normal(0, 0.6, (H, H)).astype("float32")
        weights[f"b_{g}"] = rng.normal(0, 0.5, H).astype("float32")
    if force is not None:
        gate, value = force
        weights[f"W_x{gate}"][:] = 0.0
        weights[f"W_h{gate}"][:] = 0.0
        weights[f"b_{gate}"][:] = 40.0 if value == 1 else -40.0
    return weights


def run_gated_cell(cell_class, gates, rng, num_states, force=None):
    """One step and a masked sequence through `cell_class(H)`, all inputs drawn from `rng`.

    Returns:
        `(step_output, step_states, sequence_outputs, final_states)` as NumPy
        arrays (the states as lists), for the probe to name as it likes.
    """
    import keras

    weights = gate_weights(rng, gates, force)
    X_t = rng.normal(size=(N, D)).astype("float32")
    states = [rng.normal(0, 0.5, (N, H)).astype("float32") for _ in range(num_states)]
    X = rng.normal(size=(N, T, D)).astype("float32")
    mask = np.arange(T)[None, :] < np.array([T, 2, 4])[:, None]

    rnn = keras.layers.RNN(cell_class(H), return_sequences=True, return_state=True)
    rnn.build((None, None, D))
    for name, value in weights.items():
        getattr(rnn.cell, name).assign(value)
    out, new_states = rnn.cell(X_t, states)
    new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
    sequence, *final = rnn(X, mask=mask)
    as_arrays = lambda values: [np.asarray(v) for v in values]  # noqa: E731
    return np.asarray(out), as_arrays(new_states), np.asarray(sequence), as_arrays(final)
