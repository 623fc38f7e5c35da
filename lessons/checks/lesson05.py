"""Checks for lesson 05 (the LSTM): the LSTM step, the coupled-gate LSTM step, the adding data.

`check_lstm_call` and `check_coupled_lstm_call` copy random weights into the
student's cell and test each part of the step on its own by forcing the other
gates open or shut: a gate whose weights are 0 and whose bias is +40 is exactly
1 in float32 (σ(40) rounds to 1), and with a bias of −40 it is 0 (σ(−40) ≈ 4e-18).
The cell is first stepped by hand through short sequences (so both states, H_t
and C_t, are seen at every step); at the first time step that differs, the
check recomputes that step from the same previous state with the usual
mistakes (input and forget gates swapped, tanh missing on C_t, sigmoid on the
candidate, the states returned in the wrong order, ...) and names the one that
gives the student's numbers, or else the gate to look at. Then the cell runs
inside `keras.layers.RNN` on a padded batch from a given (H_0, C_0) and must
equal Keras' `keras.layers.LSTM` with the same weights (the plain LSTM) or the
kit's `CoupledLSTMCell` (the coupled one), and NumPy written here from the
equations, which must agree with those; just before, the cell is traced in a
compiled model, where a `call` written with NumPy (which works when called by
hand) fails and is named as such. Finally it must run inside a compiled model
(`model.predict`) at another size.

`check_adding_problem_data` tests the student's data generator by statistics
over many samples (shapes, exactly two markers, one in each half, target = sum
of the marked values, values uniform on [0, 1), marker positions spread over
each half, the generator `rng` used for every draw), never by an exact array.
"""

import keras
import numpy as np

from lessons.checks import (
    CheckFailed,
    all_passed,
    expect,
    expect_items,
    passed,
    random_gate_weights,
    run_student_code,
    run_with_hint,
)
from lessons.checks.engine import (
    ATOL,
    affine,
    as_array,
    check_traced,
    forced,
    kind_of,
    kit_agrees,
    make_cell,
    run_compiled,
    run_in_keras,
    set_weights,
    short,
    sigmoid,
    weight_names,
)
from lessons.checks.lstm_mistakes import COUPLED_GATES, COUPLED_MISTAKES, LSTM_GATES, LSTM_MISTAKES
from lessons.lstm import CoupledLSTMCell

# The kit's own answers to each exercise, which a student's code must not hand in
# (lessons.checks.tripwire watches them while a check or the grader's probe runs).
KIT_ANSWERS = {
    "adding_problem_data": [
        "lessons.tasks.adding_problem",
    ],
    "coupled_lstm_call": [
        "lessons.CoupledLSTMCell",
        "lessons.lstm._LSTMBase",
        "lessons.checks.lesson05.reference_coupled_step",
        "lessons.checks.lesson05.reference_sequence",
    ],
    "lstm_call": [
        "lessons.LSTMCell",
        "lessons.PeepholeLSTMCell",
        "lessons.lstm._LSTMBase",
        "lessons.checks.lesson05.reference_lstm_step",
        "lessons.checks.lesson05.reference_sequence",
    ],
}

# The end of the message when Keras' traced run of the cell crashes.
ADVICE = (
    "use keras.ops (ops.matmul, ops.sigmoid, ops.tanh) on the tensors it passes in, and "
    "give `state_size` as [units, units]"
)


# --- references -------------------------------------------------------------------
def reference_lstm_step(X, H_prev, C_prev, w):
    """One LSTM step from the equations, float64; returns (H_t, C_t).

    I_t = σ(A_i), F_t = σ(A_f), O_t = σ(A_o), C̃_t = tanh(A_c),
    C_t = F_t ⊙ C_{t-1} + I_t ⊙ C̃_t, H_t = O_t ⊙ tanh(C_t).
    """
    I_t = sigmoid(affine(X, H_prev, w, "i"))
    F_t = sigmoid(affine(X, H_prev, w, "f"))
    O_t = sigmoid(affine(X, H_prev, w, "o"))
    C_tilde = np.tanh(affine(X, H_prev, w, "c"))
    C_t = F_t * C_prev + I_t * C_tilde
    return O_t * np.tanh(C_t), C_t


def reference_coupled_step(X, H_prev, C_prev, w):
    """One step of the LSTM with coupled gates, float64; returns (H_t, C_t).

    F_t = σ(A_f), O_t = σ(A_o), C̃_t = tanh(A_c),
    C_t = F_t ⊙ C_{t-1} + (1 − F_t) ⊙ C̃_t, H_t = O_t ⊙ tanh(C_t).
    """
    F_t = sigmoid(affine(X, H_prev, w, "f"))
    O_t = sigmoid(affine(X, H_prev, w, "o"))
    C_tilde = np.tanh(affine(X, H_prev, w, "c"))
    C_t = F_t * C_prev + (1.0 - F_t) * C_tilde
    return O_t * np.tanh(C_t), C_t


def reference_sequence(step, X, w, mask=None, H_0=None, C_0=None):
    """(H, C) at every step of a padded batch; a padded step keeps both states (as Keras does)."""
    n, T, _ = X.shape
    h = w["b_f"].shape[-1]
    H = np.zeros((n, h)) if H_0 is None else np.asarray(H_0, np.float64)
    C = np.zeros((n, h)) if C_0 is None else np.asarray(C_0, np.float64)
    mask = np.ones((n, T), dtype=bool) if mask is None else np.asarray(mask, bool)
    Hs, Cs = np.zeros((n, T, h)), np.zeros((n, T, h))
    for t in range(T):
        H_new, C_new = step(np.asarray(X[:, t], np.float64), H, C, w)
        keep = mask[:, t : t + 1]
        H, C = np.where(keep, H_new, H), np.where(keep, C_new, C)
        Hs[:, t], Cs[:, t] = H, C
    return Hs, Cs


def keras_lstm_weights(w):
    """The slides' twelve LSTM weights packed as Keras' LSTM wants them (gate order i, f, c, o)."""
    return [
        np.concatenate([w[f"W_x{g}"] for g in LSTM_GATES], axis=-1),
        np.concatenate([w[f"W_h{g}"] for g in LSTM_GATES], axis=-1),
        np.concatenate([w[f"b_{g}"] for g in LSTM_GATES], axis=-1),
    ]


# --- shared pieces ----------------------------------------------------------------
def _call_cell(cell, X, H_prev, C_prev, call):
    """One direct call of the student's cell; check the structure; return (out, s0, s1)."""
    __tracebackhide__ = True
    X, H_prev, C_prev = (np.asarray(a, "float32") for a in (X, H_prev, C_prev))
    result = run_with_hint(
        cell,
        X,
        [H_prev, C_prev],
        what=call,
        hint="Remember: `states` is the list [H_{t-1}, C_{t-1}], so H_prev = states[0] and "
        "C_prev = states[1]; rows are examples, so every product is ops.matmul(inputs, "
        "self.W_x·) or ops.matmul(H_prev, self.W_h·); use keras.ops (ops.matmul, ops.sigmoid, "
        "ops.tanh) on the cell's weights.",
    )
    expect_items(
        result,
        2,
        f"{call} should return a pair: the output and the list of new states, "
        f"`return H_t, [H_t, C_t]`. It returned {kind_of(result)}.",
    )
    output, new_states = result
    expect_items(
        new_states,
        2,
        f"{call}: the new states should be a list of two tensors, [H_t, C_t] (the LSTM "
        "carries two states from step to step); got "
        + (
            f"a list of {len(new_states)}"
            if isinstance(new_states, (tuple, list))
            else f"a {type(new_states).__name__}"
        )
        + ".",
    )
    triple = [as_array(output), as_array(new_states[0]), as_array(new_states[1])]
    expected_shape = (X.shape[0], H_prev.shape[1])
    for name, value in zip(("the output", "the first new state", "the second new state"), triple):
        expect(
            value.shape == expected_shape,
            f"{call}: {name} has shape {value.shape}; it should be (n, h) = {expected_shape}. "
            + (
                "One axis too many: you used the list `states` itself where H_{t-1} or "
                "C_{t-1} belongs (they are states[0] and states[1]). "
                if value.shape == (2, *expected_shape) or value.shape == (1, *expected_shape)
                else ""
            )
            + "Check the products: inputs (n, d) @ W_x· (d, h) and H_prev (n, h) @ W_h· (h, h).",
        )
    return triple


class _Case:
    """Short sequences, a given (H_0, C_0), and a mask with padded steps."""

    def __init__(self, rng, d, h):
        n, T = 4, 5
        self.X = rng.normal(size=(n, T, d)).astype("float32")
        self.lengths = np.array([T, 3, 1, 4])
        self.mask = np.arange(T)[None, :] < self.lengths[:, None]
        self.H_0 = rng.normal(0.0, 0.8, size=(n, h)).astype("float32")
        self.C_0 = rng.normal(0.0, 1.5, size=(n, h)).astype("float32")


def _stepped(cell, case):
    """The student's cell called by hand at every step, fed its own states: (n, T, 3, h)."""
    __tracebackhide__ = True
    H, C = case.H_0, case.C_0
    steps = []
    for t in range(case.X.shape[1]):
        out, s0, s1 = _call_cell(cell, case.X[:, t], H, C, "cell(X_t, [H_prev, C_prev])")
        steps.append(np.stack([out, s0, s1], axis=1))
        H, C = s0, s1
    return np.stack(steps, axis=1)


def _wanted(step, case, w):
    """The right (output, first state, second state) = (H_t, H_t, C_t) at every step."""
    Hs, Cs = reference_sequence(step, case.X, w, None, case.H_0, case.C_0)
    return np.stack([Hs, Hs, Cs], axis=2)


def _as_triple(value):
    if len(value) == 3:
        return np.stack(value, axis=-2)
    H, C = value
    return np.stack([H, H, C], axis=-2)


def _still_possible(mistakes, case, w, want):
    """The mistakes a cell that passed this test may still be making: those that passed it too.

    A mistake whose numbers differ from the right ones here is ruled out; one
    that agrees everywhere (a forced gate can hide it) stays for later tests.
    """
    kept = []
    for message, mistake in mistakes:
        agrees = all(
            np.allclose(
                _as_triple(mistake(case.X[:, t], *_prev(case, want, t), w)), want[:, t], atol=1e-4
            )
            for t in range(case.X.shape[1])
        )
        if agrees:
            kept.append((message, mistake))
    return kept


def _prev(case, want, t):
    if t == 0:
        return np.asarray(case.H_0, np.float64), np.asarray(case.C_0, np.float64)
    return want[:, t - 1, 1], want[:, t - 1, 2]


WHAT = ("the output H_t", "the first new state H_t", "the second new state, the cell C_t")


def _compare_steps(test, got, want, case, w, mistakes, where_to_look):
    """Fail at the earliest time step where the student's (output, H_t, C_t) differ."""
    __tracebackhide__ = True
    close = np.isclose(got, want, atol=ATOL).all(axis=-1)  # (n, T, 3)
    wrong = np.argwhere(~close.all(axis=-1))
    if not len(wrong):
        return
    i, t = map(int, wrong[np.argmin(wrong[:, 1])])  # the earliest step that differs
    H_prev, C_prev = _prev(case, want, t)
    x_t = np.asarray(case.X[i : i + 1, t], np.float64)
    right, theirs = want[i, t], got[i, t]
    named = []
    for message, mistake in mistakes:
        value = _as_triple(mistake(x_t, H_prev[i : i + 1], C_prev[i : i + 1], w))[0]
        if not np.allclose(value, right, atol=1e-4) and np.allclose(value, theirs, atol=1e-4):
            named.append(message)
    which = [name for name, ok in zip(WHAT, close[i, t]) if not ok]
    where = (
        f"{test}: sequence {i} first differs at time step t = {t + 1}, in {' and '.join(which)}."
    )
    k = WHAT.index(which[0])
    values = f"\nExpected {short(right[k])},\ngot      {short(theirs[k])}."
    if named:  # the list is in order of likelihood: name the first that fits
        diagnosis = " It looks like " + named[0]
    elif t > 0:
        diagnosis = (
            " The earlier steps were right, so the states are not carried from step to step: "
            "read H_{t-1} = states[0] and C_{t-1} = states[1], and return [H_t, C_t]."
        )
    else:
        diagnosis = " " + where_to_look
    raise CheckFailed(where + diagnosis + values)


def _run_step_tests(cell, case, tests, step, mistakes):
    """Each test: set its weights, step the student's cell by hand, compare every step."""
    __tracebackhide__ = True
    for test, w, where_to_look, success in tests:
        set_weights(cell, w)
        got = _stepped(cell, case)
        want = _wanted(step, case, w)
        _compare_steps(test, got, want, case, w, mistakes, where_to_look)
        mistakes = _still_possible(mistakes, case, w, want)
        passed(success)


def _check_in_rnn(cell, w, case, twin, twin_name, step, exercise):
    """The cell inside keras.layers.RNN on a padded batch, against a twin layer and NumPy."""
    __tracebackhide__ = True
    set_weights(cell, w)
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    result = run_in_keras(
        lambda: layer(case.X, mask=case.mask, initial_state=[case.H_0, case.C_0]),
        "inside keras.layers.RNN (padded sequences)",
        cell,
        exercise,
        ADVICE,
    )
    got_H, _, got_C = (as_array(r) for r in result)
    want_H, want_C = twin(w, case)
    numpy_H, numpy_C = reference_sequence(step, case.X, w, case.mask, case.H_0, case.C_0)
    # The judges must agree among themselves before they judge the student.
    kit_agrees(np.allclose(want_H, numpy_H, atol=ATOL), "NumPy and Keras' LSTM: H")
    kit_agrees(np.allclose(want_C, numpy_C[:, -1], atol=ATOL), "NumPy and Keras' LSTM: C")
    wrong = np.argwhere(~np.isclose(got_H, want_H, atol=ATOL).all(axis=-1))
    if len(wrong):
        i, t = map(int, wrong[np.argmin(wrong[:, 1])])
        padded = not case.mask[i, t]
        raise CheckFailed(
            f"Inside keras.layers.RNN (padded batch, from a given [H_0, C_0]) your cell differs "
            f"from {twin_name} at sequence {i} (length {case.lengths[i]}), first at time step "
            f"t = {t + 1}{' (a padded step)' if padded else ''}: expected H_t = "
            f"{short(want_H[i, t])}, got {short(got_H[i, t])}. Called by hand it was right, so "
            "look at what Keras relies on: `state_size = [units, units]`, the states read as "
            "states[0], states[1] and returned as [H_t, C_t]."
        )
    expect(
        np.allclose(got_C, want_C, atol=ATOL),
        f"Inside keras.layers.RNN the final cell state C_T differs from {twin_name}'s: expected "
        f"{short(want_C[0])}, got {short(got_C[0])} (sequence 0). Return [H_t, C_t] as the "
        "new states.",
    )
    passed(
        f"padded sequences in keras.layers.RNN from a given [H_0, C_0]: equal to {twin_name} "
        "(and to NumPy) at every step"
    )


def _check_compiled(cell_class, gates, step, rng, exercise):
    """The cell must also run in a compiled graph (model.predict), at another size."""
    __tracebackhide__ = True
    d, h, n, T = 5, 1, 3, 4
    cell = make_cell(cell_class, h, d, weight_names(gates))
    weights = random_gate_weights(rng, d, h, gates)
    set_weights(cell, weights)
    X = rng.normal(size=(n, T, d)).astype("float32")
    got = run_compiled(cell, X, exercise, ADVICE)
    want = reference_sequence(step, X, weights)[0][:, -1]
    expect(
        np.allclose(got, want, atol=ATOL),
        f"Inside a compiled model (model.predict) with d = {d} features and h = {h} unit, the "
        f"final H_T should be {short(want.ravel())}, got {short(np.ravel(got))}.",
    )
    passed(f"inside a compiled model (model.predict), with d = {d} and h = {h}")


def _first_call(cell, weights, rng, d, h):
    """One direct call with random weights: the structure of what comes back."""
    __tracebackhide__ = True
    set_weights(cell, weights)
    _call_cell(
        cell,
        rng.normal(size=(2, d)),
        rng.normal(size=(2, h)),
        rng.normal(size=(2, h)),
        "cell(X_t, [H_prev, C_prev])",
    )


# --- exercise: lstm_call -------------------------------------------------------------
CANDIDATE = "C̃_t = tanh(X_t W_xc + H_{t-1} W_hc + b_c)"
CELL_UPDATE = "C_t = F_t ⊙ C_{t-1} + I_t ⊙ C̃_t"
OUTPUT = "H_t = O_t ⊙ tanh(C_t)"


def _keras_lstm_states(w, case):
    """keras.layers.LSTM with the weights `w` on the padded batch: H at every step, final C."""
    h = w["b_f"].shape[-1]
    lstm = keras.layers.LSTM(h, return_sequences=True, return_state=True)
    lstm.build((None, None, case.X.shape[-1]))
    lstm.set_weights([a.astype("float32") for a in keras_lstm_weights(w)])
    H, _, C = lstm(case.X, mask=case.mask, initial_state=[case.H_0, case.C_0])
    return as_array(H), as_array(C)


def check_lstm_call(cell_class):
    """Check the `call` of an LSTM cell: I_t, F_t, O_t, C̃_t, C_t and H_t."""
    __tracebackhide__ = True
    rng = np.random.default_rng(505)
    d, h = 3, 4
    cell = make_cell(cell_class, h, d, weight_names(LSTM_GATES))
    weights = random_gate_weights(rng, d, h, LSTM_GATES)
    _first_call(cell, weights, rng, d, h)
    case = _Case(rng, d, h)
    tests = [
        (
            "the candidate alone: F_t forced to 0, I_t and O_t to 1 (their weights 0, "
            "b_f = −40, b_i = b_o = +40), so C_t = C̃_t and H_t = tanh(C_t)",
            forced(weights, f=0, i=1, o=1),
            f"With F_t = 0 and I_t = O_t = 1 the cell is the candidate alone: look at "
            f"{CANDIDATE}, and at {OUTPUT}.",
            "the candidate alone (F_t = 0, I_t = O_t = 1): C_t = C̃_t = tanh(X_t W_xc + "
            "H_{t-1} W_hc + b_c)",
        ),
        (
            "the conveyor belt: F_t forced to 1, I_t to 0, O_t to 1, so C_t = C_{t-1}",
            forced(weights, f=1, i=0, o=1),
            f"With F_t = 1 and I_t = 0 the old cell must pass unchanged, C_t = C_{{t-1}}: look "
            f"at {CELL_UPDATE}.",
            "the conveyor belt (F_t = 1, I_t = 0): C_t = C_{t-1}, unchanged",
        ),
        (
            "the input gate: F_t forced to 0 and O_t to 1, so C_t = I_t ⊙ C̃_t",
            forced(weights, f=0, o=1),
            "The candidate was right when I_t = 1, so look at the input gate I_t = "
            "σ(X_t W_xi + H_{t-1} W_hi + b_i) and the term I_t ⊙ C̃_t.",
            "the input gate (F_t = 0, O_t = 1): I_t = σ(X_t W_xi + H_{t-1} W_hi + b_i)",
        ),
        (
            "the forget gate: I_t forced to 0 and O_t to 1, so C_t = F_t ⊙ C_{t-1}",
            forced(weights, i=0, o=1),
            "The old cell passed unchanged when F_t = 1, so look at the forget gate F_t = "
            "σ(X_t W_xf + H_{t-1} W_hf + b_f) and the term F_t ⊙ C_{t-1}.",
            "the forget gate (I_t = 0, O_t = 1): F_t = σ(X_t W_xf + H_{t-1} W_hf + b_f)",
        ),
        (
            "the output gate: F_t forced to 1 and I_t to 0, so H_t = O_t ⊙ tanh(C_{t-1})",
            forced(weights, f=1, i=0),
            f"The cell C_t was right, so look at the output gate O_t = σ(X_t W_xo + H_{{t-1}} "
            f"W_ho + b_o) and at {OUTPUT}.",
            f"the output gate (F_t = 1, I_t = 0): O_t = σ(X_t W_xo + H_{{t-1}} W_ho + b_o), "
            f"{OUTPUT}",
        ),
        (
            "all gates at work (random weights)",
            weights,
            f"Each gate was right on its own; look at how they combine: {CELL_UPDATE}, {OUTPUT}.",
            "all gates at work: every step of H_t and C_t equal to the equations",
        ),
    ]
    _run_step_tests(cell, case, tests, reference_lstm_step, LSTM_MISTAKES)
    check_traced(make_cell(cell_class, 2, 3, weight_names(LSTM_GATES)), "lstm_call", ADVICE)
    _check_in_rnn(
        cell,
        weights,
        case,
        _keras_lstm_states,
        "keras.layers.LSTM",
        reference_lstm_step,
        "lstm_call",
    )
    _check_compiled(cell_class, LSTM_GATES, reference_lstm_step, rng, "lstm_call")
    all_passed("lstm_call")


# --- exercise: coupled_lstm_call --------------------------------------------------------
COUPLED_UPDATE = "C_t = F_t ⊙ C_{t-1} + (1 − F_t) ⊙ C̃_t"


def _kit_coupled_states(w, case):
    """The kit's CoupledLSTMCell with the weights `w` on the padded batch."""
    h = w["b_f"].shape[-1]
    layer = keras.layers.RNN(CoupledLSTMCell(h), return_sequences=True, return_state=True)
    layer.build((None, None, case.X.shape[-1]))
    set_weights(layer.cell, w)
    H, _, C = layer(case.X, mask=case.mask, initial_state=[case.H_0, case.C_0])
    return as_array(H), as_array(C)


def check_coupled_lstm_call(cell_class):
    """Check the `call` of the coupled LSTM cell: F_t, O_t, C̃_t, C_t with 1 − F_t, H_t."""
    __tracebackhide__ = True
    rng = np.random.default_rng(5005)
    d, h = 3, 4
    cell = make_cell(cell_class, h, d, weight_names(COUPLED_GATES))
    weights = random_gate_weights(rng, d, h, COUPLED_GATES)
    _first_call(cell, weights, rng, d, h)
    case = _Case(rng, d, h)
    tests = [
        (
            "the candidate alone: F_t forced to 0 and O_t to 1 (their weights 0, b_f = −40, "
            "b_o = +40), so C_t = C̃_t",
            forced(weights, f=0, o=1),
            f"With F_t = 0 the whole cell is replaced by the candidate: look at {CANDIDATE} "
            f"and at {COUPLED_UPDATE}.",
            "the candidate alone (F_t = 0, so 1 − F_t = 1): C_t = C̃_t",
        ),
        (
            "the conveyor belt: F_t forced to 1 and O_t to 1, so C_t = C_{t-1}",
            forced(weights, f=1, o=1),
            f"With F_t = 1 the old cell must pass unchanged: look at {COUPLED_UPDATE}.",
            "the conveyor belt (F_t = 1, so 1 − F_t = 0): C_t = C_{t-1}",
        ),
        (
            "the forget gate: O_t forced to 1",
            forced(weights, o=1),
            "Both ends were right (F_t = 0 and F_t = 1), so look at the forget gate F_t = "
            f"σ(X_t W_xf + H_{{t-1}} W_hf + b_f) and at {COUPLED_UPDATE}.",
            f"the forget gate (O_t = 1): F_t = σ(...), {COUPLED_UPDATE}",
        ),
        (
            "all gates at work (random weights)",
            weights,
            f"The cell C_t was right with O_t = 1, so look at the output gate O_t = "
            f"σ(X_t W_xo + H_{{t-1}} W_ho + b_o) and at {OUTPUT}.",
            f"all gates at work: O_t = σ(...), {OUTPUT}",
        ),
    ]
    _run_step_tests(cell, case, tests, reference_coupled_step, COUPLED_MISTAKES)
    check_traced(
        make_cell(cell_class, 2, 3, weight_names(COUPLED_GATES)), "coupled_lstm_call", ADVICE
    )
    _check_in_rnn(
        cell,
        weights,
        case,
        _kit_coupled_states,
        "lessons.CoupledLSTMCell",
        reference_coupled_step,
        "coupled_lstm_call",
    )
    _check_compiled(cell_class, COUPLED_GATES, reference_coupled_step, rng, "coupled_lstm_call")
    all_passed("coupled_lstm_call")


# --- exercise: adding_problem_data -------------------------------------------------------
def _adding_call(adding_problem_data, n, length, seed):
    """Call the student's generator; check the structure; return (values, markers, y)."""
    __tracebackhide__ = True
    call = f"adding_problem_data(n={n}, length={length}, rng=np.random.default_rng({seed}))"
    result = run_student_code(
        adding_problem_data, n, length, np.random.default_rng(seed), what=call
    )
    expect_items(
        result,
        2,
        f"{call} should return a pair `(x, y)`; it returned {type(result).__name__}.",
    )
    x, y = (np.asarray(keras.ops.convert_to_numpy(a)) for a in result)
    expect(
        x.shape == (n, length, 2),
        f"{call}: x should have shape (n, length, 2) = {(n, length, 2)} (two features per "
        f"step: the value, then the marker), got {x.shape}.",
    )
    expect(
        y.shape != (n,),
        f"{call}: y has shape {(n,)}; give it shape (n, 1) = {(n, 1)}, like the output of "
        "the model's Dense(1) layer (e.g. y[:, None]).",
    )
    expect(y.shape == (n, 1), f"{call}: y should have shape (n, 1) = {(n, 1)}, got {y.shape}.")
    expect(
        np.issubdtype(x.dtype, np.floating) and np.issubdtype(y.dtype, np.floating),
        f"{call}: x and y should hold floats (float32), got {x.dtype} and {y.dtype}.",
    )
    x, y = x.astype(np.float64), y[:, 0].astype(np.float64)
    return call, x[..., 0], x[..., 1], y


def _check_markers(call, values, markers, length):
    """Exactly two markers, 0/1, the first in steps 0..h-1, the second in h..length-1."""
    __tracebackhide__ = True
    binary = np.isin(markers, (0.0, 1.0)).all()
    if not binary and np.isin(values, (0.0, 1.0)).all():
        raise CheckFailed(
            f"{call}: feature 0 holds only 0s and 1s and feature 1 does not: the two features "
            "are swapped. Feature 0 (x[..., 0]) is the random value, feature 1 (x[..., 1]) the "
            "marker."
        )
    expect(
        binary,
        f"{call}: the marker feature x[..., 1] should hold only 0 and 1, got values such as "
        f"{short(np.unique(markers)[:6])}.",
    )
    counts = markers.sum(axis=1)
    bad = np.flatnonzero(counts != 2)
    expect(
        not len(bad),
        f"{call}: every sequence should have exactly two markers (two steps with x[..., 1] = "
        f"1); sequence {bad[0] if len(bad) else 0} has {int(counts[bad[0]]) if len(bad) else 0}"
        + (
            ". Are both markers sometimes drawn at the same step? Draw one in each half."
            if len(bad) and counts[bad[0]] == 1
            else "."
        ),
    )
    half = length // 2
    first_half = markers[:, :half].sum(axis=1)
    bad = np.flatnonzero(first_half != 1)
    expect(
        not len(bad),
        f"{call}: one marker belongs in the first half, steps 0..{half - 1} (length // 2 = "
        f"{half}), and one in the second, steps {half}..{length - 1}; sequence "
        f"{bad[0] if len(bad) else 0} has its markers at steps "
        f"{np.flatnonzero(markers[bad[0] if len(bad) else 0]).tolist()}.",
    )
    return markers[:, :half].argmax(axis=1), half + markers[:, half:].argmax(axis=1)


def _check_spread(call, positions, low, high, which):
    """Every step of the half is used about equally often (uniform position)."""
    __tracebackhide__ = True
    counts = np.bincount(positions - low, minlength=high - low)
    expected = len(positions) / (high - low)
    expect(
        counts.min() > 0.7 * expected and counts.max() < 1.3 * expected,
        f"{call}: the {which} marker should be at a random step of steps {low}..{high - 1}, "
        f"each about equally often (about {expected:.0f} times in {len(positions)} "
        f"sequences); the counts per step were {counts.tolist()}. Draw it with "
        f"rng.integers({low}, {high}, size=n).",
    )


def _check_values(call, values):
    """Values uniform on [0, 1): range, mean, variance and a histogram."""
    __tracebackhide__ = True
    flat = values.ravel()
    hist = np.histogram(flat, bins=10, range=(0.0, 1.0))[0]
    uniform = (
        flat.min() >= 0.0
        and flat.max() < 1.0
        and abs(flat.mean() - 0.5) < 0.01
        and abs(flat.var() - 1.0 / 12.0) < 0.004
        and np.all(np.abs(hist - flat.size / 10) < 0.1 * flat.size / 10)
    )
    expect(
        uniform,
        f"{call}: the values x[..., 0] should be uniform on [0, 1) (rng.random((n, length))): "
        f"mean 0.5, variance 1/12 ≈ 0.0833. Over {flat.size} values they had min "
        f"{flat.min():.3f}, max {flat.max():.3f}, mean {flat.mean():.3f}, variance "
        f"{flat.var():.4f}, and the tenths [0, 0.1), ..., [0.9, 1) held {hist.tolist()}.",
    )


def _check_targets(call, values, y, first, second):
    """y = value at the first marker + value at the second, for every sequence."""
    __tracebackhide__ = True
    rows = np.arange(len(y))
    a, b = values[rows, first], values[rows, second]
    want = a + b
    candidates = {
        "y is the sum of all the values of the sequence; only the two marked values count.": (
            values.sum(axis=1)
        ),
        "y is the mean of the two marked values; the target is their sum.": (a + b) / 2,
        "y is only the first marked value; add the second one.": a,
        "y is only the second marked value; add the first one.": b,
        "y is the product of the marked values; the target is their sum.": a * b,
    }
    if np.allclose(y, want, atol=1e-5):
        return
    for mistake, value in candidates.items():
        if np.allclose(y, value, atol=1e-5):
            raise CheckFailed(f"{call}: {mistake}")
    i = int(np.flatnonzero(~np.isclose(y, want, atol=1e-5))[0])
    raise CheckFailed(
        f"{call}: y should be the sum of the two marked values. Sequence {i} has its markers "
        f"at steps {first[i]} and {second[i]}, values {a[i]:.4f} + {b[i]:.4f} = {want[i]:.4f}, "
        f"but y = {y[i]:.4f}."
    )


def check_adding_problem_data(adding_problem_data):
    """Check `adding_problem_data(n, length, rng) -> (x, y)` by statistics over many samples."""
    __tracebackhide__ = True
    for n, length, seed in ((4000, 10, 11), (3000, 7, 12)):
        call, values, markers, y = _adding_call(adding_problem_data, n, length, seed)
        first, second = _check_markers(call, values, markers, length)
        half = length // 2
        _check_spread(call, first, 0, half, "first")
        _check_spread(call, second, half, length, "second")
        _check_values(call, values)
        _check_targets(call, values, y, first, second)
        passed(
            f"n = {n}, length = {length}: shapes, two markers (one in steps 0..{half - 1}, "
            f"one in {half}..{length - 1}, positions spread evenly), values uniform on [0, 1), "
            "y = the sum of the two marked values"
        )
    for n, length in ((1, 2), (200, 2), (5, 40)):
        call, values, markers, y = _adding_call(adding_problem_data, n, length, 13)
        first, second = _check_markers(call, values, markers, length)
        _check_targets(call, values, y, first, second)
    passed("edge cases: n = 1, length = 2 (markers at steps 0 and 1), length = 40")
    _, x_a, m_a, y_a = _adding_call(adding_problem_data, 50, 12, 21)
    call, x_b, m_b, y_b = _adding_call(adding_problem_data, 50, 12, 21)
    expect(
        np.array_equal(x_a, x_b) and np.array_equal(m_a, m_b) and np.array_equal(y_a, y_b),
        f"Two calls {call} with generators seeded alike gave different data: draw every "
        "random number from the `rng` you are given (rng.random, rng.integers), not from "
        "np.random or a new generator.",
    )
    call_c, x_c, _, _ = _adding_call(adding_problem_data, 50, 12, 22)
    expect(
        not np.array_equal(x_a, x_c),
        f"{call} and {call_c} gave the same data: the function should draw from the `rng` "
        "it is given, not from a generator of its own with a fixed seed.",
    )
    passed("every draw comes from `rng`: same seed, same data; another seed, other data")
    all_passed("adding_problem_data")


# BEGIN HIDDEN TESTS
# The probes of lesson 05 (the LSTM): the LSTM step, the coupled variant's step, and
# the adding problem's data generator.
#
# The cells get weights drawn from the seed and run one step and a masked
# sequence inside `keras.layers.RNN`, compiled in a `keras.Model` (a `call`
# written with NumPy fails there, as in the students' check), once with random
# weights and once with
# the forget gate pinned shut (C_t then holds only the new candidate), which
# separates a wrong gate from a wrong cell update. The data generator is
# random, so its probe returns properties over many samples (shapes, markers,
# targets, uniform values and positions) that a correct generator has for any
# seed, never the arrays themselves.

from instructor.grading import within  # noqa: E402
from instructor.grading.cells import cell_probe  # noqa: E402


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
# END HIDDEN TESTS


# The kit's own answers fail a check (lessons.checks.tripwire); after every check is defined.
from lessons.checks.tripwire import guard_checks  # noqa: E402

guard_checks(globals())
