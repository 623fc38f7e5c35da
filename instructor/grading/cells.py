"""What the probes of the cell lessons (01 RNN, 04 GRU, 05 LSTM) share: run a student's cell.

`run_gated_cell` gives the cell weights drawn from `rng` (optionally one gate
pinned open or shut by its bias), then runs one step on its own and a masked
sequence inside `keras.layers.RNN` in a compiled `keras.Model`, and returns
what came out as arrays. The sequence runs compiled (`traced_sequence`)
because that is where the lessons' cells must work: Keras traces `call` on
symbolic tensors there, and a `call` written with NumPy, which works when
called eagerly, fails as it fails the students' check.
"""

import numpy as np

from instructor.grading import NumPyOnSymbolicTensor

N, T, D, H = 3, 6, 4, 5  # batch, time steps, input features, units


def gate_weights(rng, gates, force=None):
    """W_xg, W_hg, b_g for each gate g, scaled so that no gate starts shut or wide open.

    `force=(gate, 0 or 1)` pins that gate: σ(±40) is exactly 0 or 1 in float32.
    """
    from lessons.checks import random_gate_weights  # the scales the students' checks use
    from lessons.checks.engine import forced

    weights = {k: v.astype("float32") for k, v in random_gate_weights(rng, D, H, gates).items()}
    if force is not None:
        gate, value = force
        weights = forced(weights, **{gate: value})
    return weights


def cell_call(cell_class, exercise):
    """How the feedback names the student's `call`, the same words as the students' check."""
    return f"`{cell_class.__name__}.call` (exercise {exercise})"


def traced_sequence(rnn, X, mask, what):
    """`rnn(X, mask=mask)` inside a compiled `keras.Model`, as NumPy arrays.

    `model.predict` traces the cell's `call` on symbolic tensors. NumPy there
    raises (TensorFlow's `NotImplementedError`, which reads as a stub):
    `NumPyOnSymbolicTensor` says instead that `what` must use keras.ops.
    """
    import keras

    from lessons.checks import is_numpy_on_symbolic, numpy_in_graph_message

    try:
        inputs = [keras.Input((None, X.shape[-1])), keras.Input((None,), dtype="bool")]
        model = keras.Model(inputs, rnn(inputs[0], mask=inputs[1]))
        model.compile(jit_compile=False)  # a traced graph is the test; XLA would only add time
        return model.predict([X, mask], batch_size=len(X), verbose=0)
    except Exception as error:  # the student's call, traced
        if is_numpy_on_symbolic(error):
            raise NumPyOnSymbolicTensor(numpy_in_graph_message(what)) from error
        raise


def run_gated_cell(cell_class, gates, rng, num_states, force=None, *, exercise):
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
    sequence, *final = traced_sequence(rnn, X, mask, cell_call(cell_class, exercise))
    as_arrays = lambda values: [np.asarray(v) for v in values]  # noqa: E731
    return np.asarray(out), as_arrays(new_states), np.asarray(sequence), as_arrays(final)


def cell_probe(gates, num_states, results, pinned, *, exercise):
    """The probe of a cell exercise: random weights, then each gate in `pinned` pinned.

    Args:
        gates: the cell's gates, one letter each ("zrh"): its weights W_xg, W_hg, b_g.
        num_states: how many states the cell carries (1 for H_t, 2 for [H_t, C_t]).
        results: `(step_output, step_states, sequence_outputs, final_states)` -> the
            probe's named parts (see `run_gated_cell`).
        pinned: {case in words: (gate, 0 or 1)}, each a case with that gate pinned.
        exercise: the exercise's name, as the feedback names the student's `call`.

    Returns:
        `probe(cell_class, seed)`, whose cases draw from `[seed, k]`, k = 0, 1, ...
    """

    def probe(cell_class, seed):
        cases = {"random weights": None, **pinned}
        return {
            "cell": {
                case: results(
                    run_gated_cell(
                        cell_class,
                        gates,
                        np.random.default_rng([seed, k]),
                        num_states,
                        force,
                        exercise=exercise,
                    )
                )
                for k, (case, force) in enumerate(cases.items())
            }
        }

    return probe
