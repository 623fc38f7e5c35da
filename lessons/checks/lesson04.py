"""Checks for lesson 04 (the GRU): the simplified GRU's step and the full GRU's step.

Both checks copy random weights into the student's cell and run it inside
`keras.layers.RNN` on a padded batch of sequences that starts from a given
state. Each part of the cell is tested on its own by forcing the other gates
open or shut: a gate whose weights are 0 and whose bias is +40 is exactly 1 in
float32 (σ(40) rounds to 1), and with a bias of −40 it is 0 (σ(−40) ≈ 4e-18).

- `check_simplified_gru_call` (Andrew Ng's simplified GRU, update gate only):
  Γ_u forced to 1 leaves the candidate c̃^<t> alone; Γ_u forced to 0 must pass
  c^<t-1> on unchanged; then everything at once. Reference: NumPy from the
  notes' equations.
- `check_gru_call` (the slides' GRU, `reset_after=False`): Z_t = 0 and R_t = 1
  leave the candidate H̃_t alone; R_t = 1 isolates the update gate; Z_t = 0
  isolates the reset gate; then all gates at once. Reference: Keras'
  `keras.layers.GRU(reset_after=False)` with the same weights (and NumPy, which
  must agree with it).

At the first time step that differs, the check recomputes that step from the
same previous state with the usual mistakes (a gate used the wrong way round,
the reset gate after the product with W_hh, a missing tanh, ...) and names the
one that gives the student's numbers. Both cells must also run inside a
compiled model (`model.predict`): they are traced there before the first run
inside `keras.layers.RNN`, so a `call` written with NumPy, which works when
called directly, is named as such.
"""

import functools

import keras
import numpy as np

from lessons.checks import (
    CheckFailed,
    all_passed,
    expect,
    expect_items,
    passed,
    random_gate_weights,
    run_with_hint,
)
from lessons.checks.engine import (
    ATOL,
    as_array,
    check_traced,
    forced,
    kind_of,
    kit_agrees,
    make_cell,
    run_in_keras,
    set_weights,
    short,
    sigmoid,
    swapped,
    transposed,
    with_weights,
    zeroed,
)

# The kit's own answers to each exercise, which a student's code must not hand in
# (lessons.checks.tripwire watches them while a check or the grader's probe runs).
KIT_ANSWERS = {
    "gru_call": [
        "lessons.GRUCell",
        "lessons.checks.lesson04.reference_gru_step",
        "lessons.checks.lesson04.reference_sequence",
    ],
    "simplified_gru_call": [
        "lessons.checks.lesson04.reference_simplified_step",
        "lessons.checks.lesson04.reference_sequence",
    ],
}

# The end of the message when Keras' traced run of the cell crashes.
ADVICE = (
    "use keras.ops (ops.matmul, ops.sigmoid, ops.tanh) on the tensors it passes in, and "
    "return the new state and the list of new states"
)


# --- references -------------------------------------------------------------------
def reference_simplified_step(x, c_prev, w):
    """One step of the simplified GRU (notes, Andrew Ng), rows as examples, float64.

    Γ_u = σ(x W_xu + c^<t-1> W_hu + b_u), c̃ = tanh(x W_xc + c^<t-1> W_hc + b_c),
    c^<t> = Γ_u ∗ c̃ + (1 − Γ_u) ∗ c^<t-1>.
    """
    gamma_u = sigmoid(x @ w["W_xu"] + c_prev @ w["W_hu"] + w["b_u"])
    c_tilde = np.tanh(x @ w["W_xc"] + c_prev @ w["W_hc"] + w["b_c"])
    return gamma_u * c_tilde + (1.0 - gamma_u) * c_prev


def reference_gru_step(X, H_prev, w):
    """One step of the slides' GRU (`reset_after=False`), float64.

    Z_t = σ(X_t W_xz + H_{t-1} W_hz + b_z), R_t = σ(X_t W_xr + H_{t-1} W_hr + b_r),
    H̃_t = tanh(X_t W_xh + (R_t ⊙ H_{t-1}) W_hh + b_h), H_t = Z_t ⊙ H_{t-1} + (1 − Z_t) ⊙ H̃_t.
    """
    Z = sigmoid(X @ w["W_xz"] + H_prev @ w["W_hz"] + w["b_z"])
    R = sigmoid(X @ w["W_xr"] + H_prev @ w["W_hr"] + w["b_r"])
    H_tilde = np.tanh(X @ w["W_xh"] + (R * H_prev) @ w["W_hh"] + w["b_h"])
    return Z * H_prev + (1.0 - Z) * H_tilde


def reference_sequence(step, X, w, mask=None, H_0=None):
    """All states of a padded batch: a padded step keeps the previous state (as Keras does)."""
    n, T, _ = X.shape
    h = next(v.shape[-1] for k, v in w.items() if k.startswith("W_h"))
    H = np.zeros((n, h)) if H_0 is None else np.asarray(H_0, np.float64)
    mask = np.ones((n, T), dtype=bool) if mask is None else mask
    states = np.zeros((n, T, h))
    for t in range(T):
        H = np.where(mask[:, t : t + 1], step(np.asarray(X[:, t], np.float64), H, w), H)
        states[:, t] = H
    return states


def keras_gru_weights(w):
    """The slides' nine GRU weights packed as Keras' GRU(reset_after=False) wants them.

    Keras puts the gates side by side in the order z, r, h: kernel = [W_xz | W_xr | W_xh],
    recurrent_kernel = [W_hz | W_hr | W_hh], bias = [b_z | b_r | b_h].
    """
    return [
        np.concatenate([w[f"W_x{g}"] for g in "zrh"], axis=-1),
        np.concatenate([w[f"W_h{g}"] for g in "zrh"], axis=-1),
        np.concatenate([w[f"b_{g}"] for g in "zrh"], axis=-1),
    ]


# --- mistakes students make, as NumPy steps -------------------------------------------
def _simplified_variant(
    x, c, w, *, update="ng", gate=sigmoid, candidate=np.tanh, past_in_candidate=True
):
    """The simplified step with one thing changed (see SIMPLIFIED_MISTAKES)."""
    gamma_u = gate(x @ w["W_xu"] + c @ w["W_hu"] + w["b_u"])
    c_part = c @ w["W_hc"] if past_in_candidate else 0.0
    c_tilde = candidate(x @ w["W_xc"] + c_part + w["b_c"])
    return {
        "ng": gamma_u * c_tilde + (1.0 - gamma_u) * c,
        "reversed": gamma_u * c + (1.0 - gamma_u) * c_tilde,
        "no gate": c_tilde,
        "no 1 - gate": gamma_u * c_tilde + c,
        "candidate only": gamma_u * c_tilde,
    }[update]


def _variant(step, transform=None, **options):
    """A wrong step: `step` with `options`, on weights changed by `transform`."""
    return lambda x, h, w: step(x, h, transform(w) if transform else w, **options)


def _ignores_state(step):
    return lambda x, h, w: step(x, np.zeros_like(h), w)


def _gru_past_only_in_mix(x, h, w):
    """A GRU whose gates and candidate never read H_{t-1}: only the final mix uses it."""
    Z = sigmoid(x @ w["W_xz"] + w["b_z"])
    return Z * h + (1.0 - Z) * np.tanh(x @ w["W_xh"] + w["b_h"])


SIMPLIFIED_MISTAKES = [
    (
        "Γ_u is used the wrong way round: it gates the old state, Γ_u ∗ c^<t-1> + (1 − Γ_u) "
        "∗ c̃^<t>. In the notes' simplified GRU the update gate lets the candidate in: "
        "c^<t> = Γ_u ∗ c̃^<t> + (1 − Γ_u) ∗ c^<t-1> (Γ_u ≈ 0 keeps the memory).",
        _variant(_simplified_variant, update="reversed"),
    ),
    (
        "the candidate has no tanh: c̃^<t> = tanh(x^<t> W_xc + c^<t-1> W_hc + b_c) (ops.tanh).",
        _variant(_simplified_variant, candidate=lambda a: a),
    ),
    (
        "sigmoid and tanh are swapped: the gate Γ_u uses σ (ops.sigmoid, between 0 and 1) and "
        "the candidate c̃^<t> uses tanh (between −1 and 1).",
        _variant(_simplified_variant, gate=np.tanh, candidate=sigmoid),
    ),
    (
        "the candidate uses sigmoid; it uses tanh: c̃^<t> = tanh(x^<t> W_xc + c^<t-1> W_hc + b_c).",
        _variant(_simplified_variant, candidate=sigmoid),
    ),
    (
        "the gate Γ_u uses tanh; a gate uses the sigmoid σ (ops.sigmoid), so that it lies "
        "between 0 and 1.",
        _variant(_simplified_variant, gate=np.tanh),
    ),
    (
        "the update gate is not used: you return c̃^<t> itself. Mix it with the old state: "
        "c^<t> = Γ_u ∗ c̃^<t> + (1 − Γ_u) ∗ c^<t-1>.",
        _variant(_simplified_variant, update="no gate"),
    ),
    (
        "the old state is added without the factor (1 − Γ_u): c^<t> = Γ_u ∗ c̃^<t> + "
        "(1 − Γ_u) ∗ c^<t-1>, a weighted average of the two.",
        _variant(_simplified_variant, update="no 1 - gate"),
    ),
    (
        "the old state is missing from the update: c^<t> = Γ_u ∗ c̃^<t> + (1 − Γ_u) ∗ c^<t-1> "
        "has two terms.",
        _variant(_simplified_variant, update="candidate only"),
    ),
    (
        "the gate and the candidate use each other's weights: Γ_u uses W_xu, W_hu, b_u and "
        "c̃^<t> uses W_xc, W_hc, b_c.",
        _variant(_simplified_variant, swapped("u", "c")),
    ),
    (
        "the candidate ignores the past: it needs the term c^<t-1> W_hc.",
        _variant(_simplified_variant, past_in_candidate=False),
    ),
    (
        "W_hc is transposed: with rows as examples the product is ops.matmul(c_prev, self.W_hc).",
        _variant(_simplified_variant, transposed("W_hc")),
    ),
    (
        "W_hu is transposed: with rows as examples the product is ops.matmul(c_prev, self.W_hu).",
        _variant(_simplified_variant, transposed("W_hu")),
    ),
    ("the candidate's bias b_c is missing.", _variant(_simplified_variant, zeroed("b_c"))),
    ("the gate's bias b_u is missing.", _variant(_simplified_variant, zeroed("b_u"))),
    (
        "you ignore the state Keras passes in: c^<t-1> is states[0], not zeros.",
        _ignores_state(reference_simplified_step),
    ),
]


def _gru_variant(X, H, w, *, update="slides", reset="before", gate=sigmoid, candidate=np.tanh):
    """The slides' GRU step with one thing changed (see GRU_MISTAKES)."""
    Z = gate(X @ w["W_xz"] + H @ w["W_hz"] + w["b_z"])
    R = gate(X @ w["W_xr"] + H @ w["W_hr"] + w["b_r"])
    x_h, h_h = X @ w["W_xh"], H @ w["W_hh"]
    pre_activation = {
        "before": x_h + (R * H) @ w["W_hh"] + w["b_h"],
        "after": x_h + R * h_h + w["b_h"],
        "input": R * x_h + h_h + w["b_h"],
        "input and bias": R * (x_h + w["b_h"]) + h_h,
        "none": x_h + h_h + w["b_h"],
        "inverted": x_h + ((1.0 - R) * H) @ w["W_hh"] + w["b_h"],
        "no past": x_h + w["b_h"],
    }[reset]
    H_tilde = candidate(pre_activation)
    return {
        "slides": Z * H + (1.0 - Z) * H_tilde,
        "ng": (1.0 - Z) * H + Z * H_tilde,
        "none": H_tilde,
        "candidate only": (1.0 - Z) * H_tilde,
    }[update]


GRU_MISTAKES = [
    (
        "Z_t is used the wrong way round: (1 − Z_t) ⊙ H_{t-1} + Z_t ⊙ H̃_t is Andrew Ng's "
        "convention (his Γ_u is 1 − Z_t). In the slides' form Z_t keeps the old state: "
        "H_t = Z_t ⊙ H_{t-1} + (1 − Z_t) ⊙ H̃_t.",
        _variant(_gru_variant, update="ng"),
    ),
    (
        "the reset gate is applied after the product with W_hh, R_t ⊙ (H_{t-1} W_hh): that is "
        "the reset_after=True (cuDNN) form. The slides' form resets H_{t-1} first: "
        "(R_t ⊙ H_{t-1}) W_hh.",
        _variant(_gru_variant, reset="after"),
    ),
    (
        "the reset gate multiplies the input term X_t W_xh; it acts on the past, "
        "H̃_t = tanh(X_t W_xh + (R_t ⊙ H_{t-1}) W_hh + b_h).",
        _variant(_gru_variant, reset="input"),
    ),
    (
        "the reset gate multiplies the input term X_t W_xh + b_h; it acts on the past, "
        "H̃_t = tanh(X_t W_xh + (R_t ⊙ H_{t-1}) W_hh + b_h).",
        _variant(_gru_variant, reset="input and bias"),
    ),
    (
        "the reset gate R_t is not used: the candidate should read (R_t ⊙ H_{t-1}) W_hh.",
        _variant(_gru_variant, reset="none"),
    ),
    (
        "the reset gate is used the wrong way round, (1 − R_t) ⊙ H_{t-1}; the candidate "
        "reads (R_t ⊙ H_{t-1}) W_hh (R_t ≈ 0 forgets the past).",
        _variant(_gru_variant, reset="inverted"),
    ),
    (
        "the candidate H̃_t has no tanh: H̃_t = tanh(X_t W_xh + (R_t ⊙ H_{t-1}) W_hh + b_h).",
        _variant(_gru_variant, candidate=lambda a: a),
    ),
    (
        "sigmoid and tanh are swapped: the gates Z_t and R_t use σ (ops.sigmoid, between 0 and "
        "1) and the candidate H̃_t uses tanh (between −1 and 1).",
        _variant(_gru_variant, gate=np.tanh, candidate=sigmoid),
    ),
    (
        "the candidate H̃_t uses sigmoid; it uses tanh.",
        _variant(_gru_variant, candidate=sigmoid),
    ),
    (
        "the gates use tanh; Z_t and R_t use the sigmoid σ (ops.sigmoid), so that they lie "
        "between 0 and 1.",
        _variant(_gru_variant, gate=np.tanh),
    ),
    (
        "the update gate Z_t is not used: you return H̃_t itself. Mix it with the old state: "
        "H_t = Z_t ⊙ H_{t-1} + (1 − Z_t) ⊙ H̃_t.",
        _variant(_gru_variant, update="none"),
    ),
    (
        "the old state is missing from the update: H_t = Z_t ⊙ H_{t-1} + (1 − Z_t) ⊙ H̃_t has "
        "two terms.",
        _variant(_gru_variant, update="candidate only"),
    ),
    (
        "the candidate ignores the past: it needs the term (R_t ⊙ H_{t-1}) W_hh.",
        _variant(_gru_variant, reset="no past"),
    ),
    (
        "Z_t and R_t use each other's weights: the update gate uses W_xz, W_hz, b_z and the "
        "reset gate W_xr, W_hr, b_r.",
        _variant(_gru_variant, swapped("z", "r")),
    ),
    (
        "the update gate's weights were used for the candidate (or the other way round): "
        "H̃_t uses W_xh, W_hh, b_h and Z_t uses W_xz, W_hz, b_z.",
        _variant(_gru_variant, swapped("z", "h")),
    ),
    (
        "W_hh is transposed: with rows as examples it is ops.matmul(R_t * H_prev, self.W_hh).",
        _variant(_gru_variant, transposed("W_hh")),
    ),
    (
        "W_hz is transposed: with rows as examples it is ops.matmul(H_prev, self.W_hz).",
        _variant(_gru_variant, transposed("W_hz")),
    ),
    (
        "W_hr is transposed: with rows as examples it is ops.matmul(H_prev, self.W_hr).",
        _variant(_gru_variant, transposed("W_hr")),
    ),
    ("the candidate's bias b_h is missing.", _variant(_gru_variant, zeroed("b_h"))),
    ("the update gate's bias b_z is missing.", _variant(_gru_variant, zeroed("b_z"))),
    ("the reset gate's bias b_r is missing.", _variant(_gru_variant, zeroed("b_r"))),
    (
        "the reset gate adds the update gate's bias: R_t = σ(X_t W_xr + H_{t-1} W_hr + b_r), "
        "with b_r, not b_z (a typo).",
        _variant(_gru_variant, lambda w: with_weights(w, b_r=w["b_z"])),
    ),
    (
        "the update gate adds the reset gate's bias: Z_t = σ(X_t W_xz + H_{t-1} W_hz + b_z), "
        "with b_z, not b_r (a typo).",
        _variant(_gru_variant, lambda w: with_weights(w, b_z=w["b_r"])),
    ),
    (
        "the gates and the candidate ignore H_{t-1}; only the last line reads it. Z_t and R_t "
        "need the terms H_{t-1} W_hz and H_{t-1} W_hr, and H̃_t needs (R_t ⊙ H_{t-1}) W_hh.",
        _gru_past_only_in_mix,
    ),
    (
        "you ignore the state Keras passes in: H_{t-1} is states[0], not zeros.",
        _ignores_state(reference_gru_step),
    ),
]


# --- shared pieces ----------------------------------------------------------------
def _step(cell, X, H_prev, call, names):
    """One direct call of the student's cell; check what it returns, not its numbers."""
    __tracebackhide__ = True
    state, new, _ = names
    X, H_prev = np.asarray(X, "float32"), np.asarray(H_prev, "float32")
    result = run_with_hint(
        cell,
        X,
        [H_prev],
        what=call,
        hint=f"Remember: `states` is a list holding one tensor, so {state} is `states[0]`; rows "
        "are examples, so every product is (rows) @ (weight), e.g. ops.matmul(inputs, W_x·) "
        "with inputs (n, d) and W_x· (d, h); use keras.ops (ops.matmul, ops.sigmoid, ops.tanh) "
        "on the cell's weights.",
    )
    expect_items(
        result,
        2,
        f"{call} should return a pair: the output and the list of new states, "
        f"`return {new}, [{new}]`. It returned {kind_of(result)}.",
    )
    output, new_states = result
    if isinstance(new_states, (tuple, list)):
        expect(
            len(new_states) == 1,
            f"{call}: the new states should be a list with one tensor, [{new}]; got "
            f"{len(new_states)} tensors.",
        )
        new_states = new_states[0]
    output, new_state = as_array(output), as_array(new_states)
    expected_shape = (X.shape[0], H_prev.shape[1])
    expect(
        output.shape != (1, *expected_shape),
        f"{call}: the output has shape {output.shape}, one axis too many: you used the list "
        f"`states` itself where {state} belongs. It is `states[0]`.",
    )
    expect(
        output.shape == expected_shape,
        f"{call}: the new state should have shape (n, h) = {expected_shape}, got "
        f"{output.shape}. Check the order in the products: inputs (n, d) @ W_x· (d, h) and "
        f"{state} (n, h) @ W_h· (h, h).",
    )
    expect(
        new_state.shape == output.shape and np.allclose(new_state, output, atol=ATOL),
        f"{call}: the new state should be the output itself (return `{new}, [{new}]`), but the "
        "state you returned differs from the output.",
    )


class _Case:
    """A padded batch of sequences, its lengths, and a given initial state."""

    def __init__(self, rng, d, h):
        n, T = 4, 6
        self.X = rng.normal(size=(n, T, d)).astype("float32")
        self.lengths = np.array([T, 3, 1, 5])
        self.mask = np.arange(T)[None, :] < self.lengths[:, None]
        self.H_0 = rng.normal(0.0, 0.8, size=(n, h)).astype("float32")


def _mistake_states(mistake, case, weights):
    return reference_sequence(mistake, case.X, weights, case.mask, case.H_0)


def _still_possible(mistakes, case, weights, right):
    """The mistakes that also give `right` on this test: a cell that passed may still make them."""
    return [
        (message, mistake)
        for message, mistake in mistakes
        if np.allclose(_mistake_states(mistake, case, weights), right, atol=1e-4)
    ]


def _confirmed(named, probe, weights, case):
    """The `named` (message, mistake) pairs that also give the student's step on other weights.

    A forced gate can make several mistakes give the same numbers (with R_t = 1, a candidate
    without the past equals a reset gate used the wrong way round, and equals a reset gate
    fed b_z = −40). `probe(w, x, H)` runs the student's cell for one step on weights `w`:
    on the test's weights and on fresh random ones, from a random state, only the real
    mistake keeps matching. None confirmed (two mistakes at once): all of `named`.
    """
    rng = np.random.default_rng(44)
    d, h = weights[next(k for k in weights if k.startswith("W_x"))].shape
    gates = sorted({k[2:] for k in weights if k.startswith("b_")})
    x, H = case.X[:, 0].astype(np.float64), case.H_0.astype(np.float64)
    trials = [weights, random_gate_weights(rng, d, h, gates)]
    theirs = [probe(w, x, H) for w in trials]
    kept = [
        (message, mistake)
        for message, mistake in named
        if all(np.allclose(mistake(x, H, w), t, atol=1e-4) for w, t in zip(trials, theirs))
    ]
    return kept or named


def _compare(test, got, want, case, weights, mistakes, where_to_look, names, probe=None):
    """Fail at the earliest time step where `got` differs from `want`; name the mistake.

    `mistakes` holds only those not ruled out by the tests passed before: each is
    recomputed from the same previous state, and the ones that give the student's
    numbers there (and differ from the right ones) are named; with `probe` (see
    `_confirmed`), the ones that also match on other weights come first.
    """
    __tracebackhide__ = True
    state, new, _ = names
    expect(
        got.shape == want.shape,
        f"{test}: keras.layers.RNN(your cell, return_sequences=True) should give states of "
        f"shape (n, T, h) = {want.shape}, got {got.shape}.",
    )
    wrong = np.argwhere(~np.isclose(got, want, atol=ATOL).all(axis=-1))  # (sequence, step)
    if not len(wrong):
        return
    i, t = map(int, wrong[np.argmin(wrong[:, 1])])  # the earliest step that differs
    previous = case.H_0[i : i + 1] if t == 0 else want[i : i + 1, t - 1]
    x_t = case.X[i : i + 1, t].astype(np.float64)
    right, theirs = want[i, t], got[i, t]
    named = []
    for message, mistake in mistakes:
        value = mistake(x_t, np.asarray(previous, np.float64), weights)[0]
        if not np.allclose(value, right, atol=1e-4) and np.allclose(value, theirs, atol=1e-4):
            named.append((message, mistake))
    if len(named) > 1 and probe is not None:
        named = _confirmed(named, probe, weights, case)
    named = [message for message, _ in named]
    where = (
        f"{test}: sequence {i} (length {case.lengths[i]}) first differs at time step t = {t + 1}."
    )
    values = f"\nExpected {new} = {short(right)},\ngot {short(theirs)}."
    if named:
        diagnosis = " It looks like " + named[0] + "".join(f" (Or: {m})" for m in named[1:])
    elif t > 0:
        diagnosis = (
            " The earlier steps were right, so the state is not carried from step to step: "
            f"use states[0] ({state}) and return the new state in the list of states."
        )
    else:
        diagnosis = " " + where_to_look
    raise CheckFailed(where + diagnosis + values)


def _run_tests(cell, layer, case, tests, reference, mistakes, names, exercise, keras_twin=None):
    """Each test: set its weights, run the student's cell in keras.layers.RNN, compare."""
    __tracebackhide__ = True

    def probe(w, x, H):  # the student's cell, one direct step on weights `w`
        set_weights(cell, w)
        output = cell(np.asarray(x, "float32"), [np.asarray(H, "float32")])[0]
        return as_array(output)

    for test, w, where_to_look, success in tests:
        set_weights(cell, w)
        got = as_array(
            run_in_keras(
                lambda: layer(case.X, mask=case.mask, initial_state=[case.H_0]),
                "inside keras.layers.RNN (padded sequences)",
                cell,
                exercise,
                ADVICE,
            )
        )
        want = reference_sequence(reference, case.X, w, case.mask, case.H_0)
        if keras_twin is not None:  # the judge is Keras; NumPy must agree with it
            numpy_want, want = want, keras_twin(w, case)
            kit_agrees(np.allclose(want, numpy_want, atol=ATOL), "NumPy and Keras' GRU")
        start = f"Padded sequences in keras.layers.RNN from a given {names[2]}"
        _compare(f"{start}, {test}", got, want, case, w, mistakes, where_to_look, names, probe)
        mistakes = _still_possible(mistakes, case, w, want)
        passed(f"{success}, at every step of padded sequences")


def _check_compiled(cell_class, names, reference, rng, exercise):
    """The cell must also run in a compiled graph (model.predict), at another size."""
    __tracebackhide__ = True
    d, h, n, T = 5, 1, 3, 4
    cell = make_cell(cell_class, h, d, names)
    parts = sorted({name[-1] for name in names})
    weights = random_gate_weights(rng, d, h, parts)
    set_weights(cell, weights)
    model = keras.Sequential([keras.Input((T, d)), keras.layers.RNN(cell)])
    model.compile(jit_compile=False)  # a traced graph is the test; XLA would only add time
    X = rng.normal(size=(n, T, d)).astype("float32")
    got = run_in_keras(
        lambda: model.predict(X, verbose=0),
        "inside a compiled model (model.predict)",
        cell,
        exercise,
        ADVICE,
    )
    want = reference_sequence(reference, X, weights)[:, -1]
    expect(
        np.allclose(got, want, atol=ATOL),
        f"Inside a compiled model (model.predict) with d = {d} features and h = {h} unit, the "
        f"final states should be {short(want.ravel())}, got {short(np.ravel(got))}.",
    )
    passed(f"inside a compiled model (model.predict), with d = {d} and h = {h}")


# --- exercise: simplified_gru_call ------------------------------------------------------
SIMPLIFIED_NAMES = ("W_xu", "W_hu", "b_u", "W_xc", "W_hc", "b_c")
SIMPLIFIED_STATE = ("c^<t-1>", "c^<t>", "c^<0>")
SIMPLIFIED_CANDIDATE = "c̃^<t> = tanh(x^<t> W_xc + c^<t-1> W_hc + b_c)"
SIMPLIFIED_UPDATE = "c^<t> = Γ_u ∗ c̃^<t> + (1 − Γ_u) ∗ c^<t-1>"


def check_simplified_gru_call(cell_class):
    """Check the `call` of a simplified GRU cell (update gate only, Andrew Ng's form)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(404)
    d, h = 3, 4
    cell = make_cell(cell_class, h, d, SIMPLIFIED_NAMES)
    weights = random_gate_weights(rng, d, h, "uc")
    set_weights(cell, weights)
    _step(
        cell,
        rng.normal(size=(2, d)),
        rng.normal(size=(2, h)),
        "cell(x_t, [c_prev])",
        SIMPLIFIED_STATE,
    )
    check_traced(make_cell(cell_class, 2, 3, SIMPLIFIED_NAMES), "simplified_gru_call", ADVICE)
    case = _Case(rng, d, h)
    layer = keras.layers.RNN(cell, return_sequences=True)
    tests = [
        (
            "Γ_u forced to 1 (gate weights 0, b_u = +40), so c^<t> = c̃^<t>",
            forced(weights, u=1),
            f"With Γ_u = 1 the new state is the candidate alone: look at {SIMPLIFIED_CANDIDATE}.",
            "the candidate alone (Γ_u = 1): c^<t> = c̃^<t>",
        ),
        (
            "Γ_u forced to 0 (gate weights 0, b_u = −40), so c^<t> = c^<t-1>",
            forced(weights, u=0),
            "With Γ_u = 0 the memory must pass unchanged, c^<t> = c^<t-1>: look at "
            f"{SIMPLIFIED_UPDATE}.",
            "the memory kept (Γ_u = 0): c^<t> = c^<t-1>",
        ),
        (
            "random weights (every part at work)",
            weights,
            f"Look at the update gate Γ_u = σ(x^<t> W_xu + c^<t-1> W_hu + b_u) and at "
            f"{SIMPLIFIED_UPDATE}.",
            "the whole step, Γ_u = σ(...) and " + SIMPLIFIED_UPDATE,
        ),
    ]
    _run_tests(
        cell,
        layer,
        case,
        tests,
        reference_simplified_step,
        SIMPLIFIED_MISTAKES,
        SIMPLIFIED_STATE,
        "simplified_gru_call",
    )
    _check_compiled(
        cell_class, SIMPLIFIED_NAMES, reference_simplified_step, rng, "simplified_gru_call"
    )
    all_passed("simplified_gru_call")


# --- exercise: gru_call ------------------------------------------------------------------
GRU_NAMES = ("W_xz", "W_hz", "b_z", "W_xr", "W_hr", "b_r", "W_xh", "W_hh", "b_h")
GRU_STATE = ("H_{t-1}", "H_t", "H_0")
GRU_CANDIDATE = "H̃_t = tanh(X_t W_xh + (R_t ⊙ H_{t-1}) W_hh + b_h)"


_KERAS_STATES = {}  # the check's fixed cases give the same Keras outputs every time: keep them


def _keras_gru_states(w, case, h):
    """keras.layers.GRU(reset_after=False) with the weights `w`, on the padded batch."""
    key = tuple((name, w[name].tobytes()) for name in sorted(w))
    key += (case.X.tobytes(), case.mask.tobytes(), case.H_0.tobytes())
    if key not in _KERAS_STATES:
        gru = keras.layers.GRU(h, return_sequences=True, reset_after=False)
        gru.build((None, None, case.X.shape[-1]))
        gru.set_weights([a.astype("float32") for a in keras_gru_weights(w)])
        _KERAS_STATES[key] = as_array(gru(case.X, mask=case.mask, initial_state=[case.H_0]))
    return _KERAS_STATES[key]


def check_gru_call(cell_class):
    """Check the `call` of a full GRU cell in the slides' form (`reset_after=False`)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(4004)
    d, h = 3, 4
    cell = make_cell(cell_class, h, d, GRU_NAMES)
    weights = random_gate_weights(rng, d, h, "zrh")
    set_weights(cell, weights)
    _step(cell, rng.normal(size=(2, d)), rng.normal(size=(2, h)), "cell(X_t, [H_prev])", GRU_STATE)
    check_traced(make_cell(cell_class, 2, 3, GRU_NAMES), "gru_call", ADVICE)
    case = _Case(rng, d, h)
    layer = keras.layers.RNN(cell, return_sequences=True)
    tests = [
        (
            "the candidate alone: Z_t forced to 0 and R_t to 1 (their weights 0, b_z = −40, "
            "b_r = +40), so H_t = H̃_t",
            forced(weights, z=0, r=1),
            f"With Z_t = 0 and R_t = 1 the new state is the candidate alone: look at "
            f"{GRU_CANDIDATE}.",
            "the candidate alone (Z_t = 0, R_t = 1): H_t = H̃_t",
        ),
        (
            "the update gate: R_t forced to 1 (its weights 0, b_r = +40)",
            forced(weights, r=1),
            "The candidate was right when Z_t = 0, so look at the update gate Z_t = "
            "σ(X_t W_xz + H_{t-1} W_hz + b_z) and at H_t = Z_t ⊙ H_{t-1} + (1 − Z_t) ⊙ H̃_t.",
            "the update gate (R_t = 1): Z_t and H_t = Z_t ⊙ H_{t-1} + (1 − Z_t) ⊙ H̃_t",
        ),
        (
            "the reset gate: Z_t forced to 0 (its weights 0, b_z = −40), so H_t = H̃_t",
            forced(weights, z=0),
            "The candidate was right when R_t = 1, so look at the reset gate R_t = "
            f"σ(X_t W_xr + H_{{t-1}} W_hr + b_r) and where it enters: {GRU_CANDIDATE}.",
            "the reset gate (Z_t = 0): R_t and (R_t ⊙ H_{t-1}) W_hh",
        ),
        (
            "all gates at work (random weights)",
            weights,
            "Each gate was right on its own; look at how they combine in "
            "H_t = Z_t ⊙ H_{t-1} + (1 − Z_t) ⊙ H̃_t.",
            "all gates at work: equal to keras.layers.GRU(reset_after=False) with the same weights",
        ),
    ]
    twin = functools.partial(_keras_gru_states, h=h)
    _run_tests(
        cell, layer, case, tests, reference_gru_step, GRU_MISTAKES, GRU_STATE, "gru_call", twin
    )
    _check_compiled(cell_class, GRU_NAMES, reference_gru_step, rng, "gru_call")
    all_passed("gru_call")


# BEGIN HIDDEN TESTS
# The probes of lesson 04 (the GRU): the simplified GRU's step and the full GRU's step.
#
# Each student cell gets weights drawn from the seed, scaled so that every gate
# is neither shut nor wide open, and runs one step and a masked sequence inside
# `keras.layers.RNN`, compiled in a `keras.Model` (a `call` written with NumPy
# fails there, as in the students' check). A third case forces the update gate
# open (Γ_u = 1, or Z_t = 0), which separates a swapped gate from a wrong candidate.

from instructor.grading import within  # noqa: E402
from instructor.grading.cells import cell_probe  # noqa: E402


def _named(results):
    out, new_states, sequence, _ = results
    return {
        "one step: the output": out,
        "one step: the new state": new_states[0],
        "a masked sequence in keras.layers.RNN": sequence,
    }


probe_simplified_gru_call = cell_probe(
    "uc",
    1,
    _named,
    {"the update gate forced open (Γ_u = 1)": ("u", 1)},
    exercise="simplified_gru_call",
)
probe_gru_call = cell_probe(
    "zrh",
    1,
    _named,
    {
        "the update gate forced to take the candidate (Z_t = 0)": ("z", 0),
        "the reset gate forced open (R_t = 1)": ("r", 1),
    },
    exercise="gru_call",
)


compare_simplified_gru_call = within(rtol=1e-4, atol=1e-5)  # float32 arithmetic


compare_gru_call = within(rtol=1e-4, atol=1e-5)
# END HIDDEN TESTS


# The kit's own answers fail a check (lessons.checks.tripwire); after every check is defined.
from lessons.checks.tripwire import guard_checks  # noqa: E402

guard_checks(globals())
