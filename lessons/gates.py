"""Looking inside a gated cell: record its gates step by step and draw them.

`record_gates` runs a cell over a batch one time step at a time, eagerly,
and keeps what the cell's own `call` computed at each step (the cells hand
their gates over with `RecurrentCell.record`), so the pictures show exactly
the numbers the model uses, not a re-derivation of them.

Example:

>>> x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
>>> lstm = keras.layers.LSTM(16)             # trained with cuDNN, say
>>> _ = lstm(x)                              # (built: it has its weights)
>>> values = record_gates(lstm, x)           # converted with from_keras
>>> tuple(values["F_t"].shape)               # (batch, time, units)
(2, 5, 16)
>>> figure = plot_gates(values, tokens=list("hello"))
"""

import keras
import numpy as np
from keras import ops

from lessons.cell import _RECORDERS, RecurrentCell
from lessons.interop import from_keras

# Gates live in [0, 1]; states and candidates in [-1, 1] (C_t can leave it).
GATE_NAMES = ("Z_t", "R_t", "I_t", "F_t", "O_t")


def record_gates(layer, inputs, mask=None, initial_state=None):
    """The gate values a recurrent cell computes over `inputs`, step by step.

    Args:
        layer: A `lessons` cell, a `keras.layers.RNN` holding one, or a
            Keras built-in `SimpleRNN`, `GRU` or `LSTM` (converted with
            `from_keras`, so trained weights are used as they are).
        inputs: Float array of shape `(batch, time, features)`. A model that
            embeds tokens first: pass the embedding's output.
        mask: Optional boolean array `(batch, time)`; where it is False the
            state is carried over unchanged (as in `keras.layers.RNN`) and
            the recorded values are NaN.
        initial_state: Optional list of state arrays; zeros by default.

    Returns:
        A dict of NumPy arrays of shape `(batch, time, units)`: for a GRU
        `Z_t`, `R_t`, `H_tilde`, `H_t`; for the LSTM cells `I_t`, `F_t`,
        `O_t`, `C_tilde`, `C_t`, `H_t`; for the vanilla RNN `H_t`. Time runs
        in the order of `inputs`, also for a layer with `go_backwards=True`.
    """
    cell, backwards = _readable_cell(layer)
    x = _check_inputs(inputs)
    batch, steps = x.shape[:2]
    keep = _check_mask(mask, batch, steps)
    if backwards:
        x, keep = x[:, ::-1], keep[:, ::-1]
    if not cell.built:
        cell.build((batch, x.shape[-1]))
    states = [np.asarray(s, dtype="float32") for s in _initial_state(cell, batch, initial_state)]

    recorded = []
    _RECORDERS[id(cell)] = recorded
    try:
        values = []
        for t in range(steps):
            _, new_states = cell(x[:, t], states, training=False)
            new_states = [ops.convert_to_numpy(s) for s in _as_list(new_states)]
            step = recorded[-1] if recorded else {}  # a vanilla RNN has no gates
            recorded.clear()
            step = {name: ops.convert_to_numpy(v) for name, v in step.items()}
            step["H_t"] = new_states[0]
            if len(new_states) == 2:
                step["C_t"] = new_states[1]
            here = keep[:, t][:, None]
            states = [np.where(here, new, old) for new, old in zip(new_states, states)]
            values.append({name: np.where(here, v, np.nan) for name, v in step.items()})
    finally:
        del _RECORDERS[id(cell)]

    result = {name: np.stack([v[name] for v in values], axis=1) for name in values[0]}
    if backwards:
        result = {name: v[:, ::-1] for name, v in result.items()}
    return result


def plot_gates(values, tokens=None, example=0, names=None, units=None, max_units=32):
    """Heat maps of recorded gates for one example: time across, units down.

    Args:
        values: The dict returned by `record_gates`.
        tokens: Optional labels of the time steps (characters or words).
        example: Which example of the batch to draw.
        names: Which entries to draw; by default the gates (Z_t, R_t or
            I_t, F_t, O_t), or H_t for a vanilla RNN.
        units: Optional list of unit indices to draw; by default the first
            `max_units`.
        max_units: How many units to draw when `units` is not given.

    Returns:
        The matplotlib `Figure`, one panel per name. Gates are drawn on
        0..1 (dark = shut, bright = open), states and candidates on -1..1.
    """
    import matplotlib.pyplot as plt

    if not isinstance(values, dict) or not values:
        raise TypeError("Argument `values` must be the dict returned by `record_gates`.")
    names = list(names) if names is not None else _default_names(values)
    unknown = [n for n in names if n not in values]
    if unknown:
        raise ValueError(f"Argument `names` has {unknown}; `values` holds {sorted(values)}.")
    batch, steps, width = values[names[0]].shape
    if not 0 <= example < batch:
        raise ValueError(f"Argument `example` must be in [0, {batch}), got {example}.")
    units = list(units) if units is not None else list(range(min(width, max_units)))
    if tokens is not None and len(tokens) != steps:
        raise ValueError(
            f"Argument `tokens` must have {steps} labels, one per step; got {len(tokens)}."
        )

    fig, axes = plt.subplots(
        len(names),
        1,
        figsize=(max(6, 0.22 * steps), 0.9 + 0.18 * len(units) * len(names)),
        squeeze=False,
        sharex=True,
    )
    for ax, name in zip(axes[:, 0], names):
        image = values[name][example][:, units].T
        is_gate = name in GATE_NAMES
        cmap, lo, hi = ("viridis", 0, 1) if is_gate else ("RdBu_r", -1, 1)
        shown = ax.imshow(
            image, aspect="auto", cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest"
        )
        ax.set_ylabel(f"{name}\nunit", fontsize=9)
        ax.set_yticks([])
        fig.colorbar(shown, ax=ax, fraction=0.02, pad=0.01)
    bottom = axes[-1, 0]
    if tokens is not None:
        every = max(1, steps // 80)  # keep labels legible on long passages
        ticks = list(range(0, steps, every))
        labels = [_visible(tokens[t]) for t in ticks]
        bottom.set_xticks(ticks)
        bottom.set_xticklabels(labels, fontsize=8, rotation=0 if _all_short(labels) else 90)
    bottom.set_xlabel("time step")
    fig.tight_layout()
    return fig


# --- helpers ---------------------------------------------------------------------
def _readable_cell(layer):
    """(cell, go_backwards) for a kit cell, an RNN around one, or a Keras built-in."""
    if isinstance(layer, keras.layers.Bidirectional):
        raise TypeError(
            "Argument `layer` is a Bidirectional: record one direction at a time, "
            "`layer.forward_layer` or `layer.backward_layer`."
        )
    if isinstance(layer, (keras.layers.SimpleRNN, keras.layers.GRU, keras.layers.LSTM)):
        layer = from_keras(layer)
    backwards = bool(getattr(layer, "go_backwards", False))
    cell = layer.cell if isinstance(layer, keras.layers.RNN) else layer
    if not isinstance(cell, RecurrentCell):
        raise TypeError(
            "Argument `layer` must be a lessons cell, a keras.layers.RNN holding one, or a "
            f"Keras SimpleRNN/GRU/LSTM; got {type(cell).__name__}."
        )
    return cell, backwards


def _check_inputs(inputs):
    x = np.asarray(ops.convert_to_numpy(inputs), dtype="float32")
    if x.ndim != 3:
        raise ValueError(
            "Argument `inputs` must have shape (batch, time, features); "
            f"got shape {x.shape}. Embed token ids before recording."
        )
    if x.shape[1] == 0:
        raise ValueError("Argument `inputs` must have at least one time step.")
    return x


def _check_mask(mask, batch, steps):
    if mask is None:
        return np.ones((batch, steps), dtype=bool)
    keep = np.asarray(ops.convert_to_numpy(mask))
    if keep.shape != (batch, steps):
        raise ValueError(
            f"Argument `mask` must have shape (batch, time) = {(batch, steps)}; got {keep.shape}."
        )
    return keep.astype(bool)


def _initial_state(cell, batch, initial_state):
    if initial_state is None:
        return cell.get_initial_state(batch)
    states = _as_list(initial_state)
    sizes = _as_list(cell.state_size)
    if len(states) != len(sizes) or any(
        tuple(np.shape(s)) != (batch, size) for s, size in zip(states, sizes)
    ):
        wanted = ", ".join(f"({batch}, {size})" for size in sizes)
        got = ", ".join(str(tuple(np.shape(s))) for s in states)
        raise ValueError(f"Argument `initial_state` must be arrays of shape {wanted}; got {got}.")
    return states


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _default_names(values):
    gates = [n for n in GATE_NAMES if n in values]
    return gates or ["H_t"]


def _visible(token):
    """A label that shows whitespace: '␣' for a space, '↵' for a newline."""
    return str(token).replace(" ", "␣").replace("\n", "↵")


def _all_short(labels):
    return all(len(label) <= 1 for label in labels)
