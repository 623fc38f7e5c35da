"""Lesson 04: reference solutions pass every check, wrong ones are caught and named.

The reference solutions are the exercise cells of `solutions/04_gru.py`, executed
on their own (with the imports of the lesson's first code cell). The wrong cells
are mistakes students make; each must raise `CheckFailed` with a message that
names the part that is wrong (the gate, the line, the time step). A cell written
with NumPy must fail the check and the grader's hidden test alike.
"""

from pathlib import Path

import keras
import lesson_source
import numpy as np
import pytest
from keras import ops

import lessons
from lessons.checks import CheckFailed
from lessons.checks import lesson04 as checks
from lessons.checks.engine import FORCE

LESSON, CHECKS, exercise_cells, run_cells, solution = lesson_source.harness("04_gru")


def cell_with_call(exercise, call):
    """The lesson's cell class for `exercise` with `call` replaced by a (wrong) version."""
    return lesson_source.cell_with_call(LESSON, exercise, call)


def mm(a, b):
    return ops.matmul(a, b)


# --- wrong simplified cells ---------------------------------------------------------------
def simplified(
    gate=ops.sigmoid, candidate=ops.tanh, mix="ng", transpose_W_hc=False, bias_c=True, zeros=False
):
    """A simplified-GRU call with one mistake switched on."""

    def call(self, inputs, states):
        c = ops.zeros_like(states[0]) if zeros else states[0]
        W_hc = ops.transpose(self.W_hc) if transpose_W_hc else self.W_hc
        gamma_u = gate(mm(inputs, self.W_xu) + mm(c, self.W_hu) + self.b_u)
        c_tilde = candidate(mm(inputs, self.W_xc) + mm(c, W_hc) + (self.b_c if bias_c else 0.0))
        c_t = {
            "ng": gamma_u * c_tilde + (1.0 - gamma_u) * c,
            "reversed": gamma_u * c + (1.0 - gamma_u) * c_tilde,
            "no gate": c_tilde,
            "no 1 - gate": gamma_u * c_tilde + c,
        }[mix]
        return c_t, [c_t]

    return call


def simplified_matrices_in_wrong_order(self, inputs, states):
    c = states[0]
    gamma_u = ops.sigmoid(mm(self.W_xu, inputs) + mm(self.W_hu, c) + self.b_u)
    c_tilde = ops.tanh(mm(self.W_xc, inputs) + mm(self.W_hc, c) + self.b_c)
    c_t = gamma_u * c_tilde + (1.0 - gamma_u) * c
    return c_t, [c_t]


def simplified_returning_only_c(self, inputs, states):
    return simplified()(self, inputs, states)[0]


def simplified_in_numpy(self, inputs, states):
    w = {name: np.asarray(getattr(self, name)) for name in checks.SIMPLIFIED_NAMES}
    c_t = checks.reference_simplified_step(np.asarray(inputs), np.asarray(states[0]), w)
    c_t = c_t.astype("float32")
    return c_t, [c_t]


@pytest.mark.parametrize(
    "call, words",
    [
        (simplified(mix="reversed"), ["Γ_u ∗ c^<0>", "wrong way round", "time step t = 1"]),
        (simplified(candidate=lambda a: a), ["no tanh", "Γ_u forced to 1"]),
        (simplified(gate=ops.tanh, candidate=ops.sigmoid), ["swapped"]),
        (simplified(candidate=ops.sigmoid), ["candidate uses sigmoid"]),
        (simplified(gate=ops.tanh), ["gate Γ_u uses tanh"]),
        (simplified(mix="no gate"), ["update gate is not used", "Γ_u forced to 0"]),
        (simplified(mix="no 1 - gate"), ["without the factor (1 − Γ_u)"]),
        (simplified(transpose_W_hc=True), ["W_hc is transposed"]),
        (simplified(bias_c=False), ["bias b_c is missing"]),
        (simplified(zeros=True), ["states[0], not zeros"]),
        (simplified_matrices_in_wrong_order, ["(rows) @ (weight)"]),
        (simplified_returning_only_c, ["pair", "return c^<t>, [c^<t>]"]),
        (simplified_in_numpy, ["`StudentCell.call` (exercise simplified_gru_call) uses NumPy"]),
    ],
)
def test_wrong_simplified_cell_is_caught(call, words):
    with pytest.raises(CheckFailed) as failure:
        checks.check_simplified_gru_call(cell_with_call("simplified_gru_call", call))
    for word in words:
        assert word.replace("c^<0>", "c^<t-1>") in str(failure.value)


# --- wrong GRU cells ------------------------------------------------------------------------
def gru(
    update="slides",
    reset="before",
    gate=ops.sigmoid,
    candidate=ops.tanh,
    swap_z_r=False,
    transpose_W_hh=False,
    bias_r=True,
    zeros=False,
):
    """A GRU call with one mistake switched on."""

    def call(self, inputs, states):
        H = ops.zeros_like(states[0]) if zeros else states[0]
        z, r = ("r", "z") if swap_z_r else ("z", "r")
        W_hh = ops.transpose(self.W_hh) if transpose_W_hh else self.W_hh
        b_r = getattr(self, f"b_{r}") if bias_r else 0.0
        R_t = gate(mm(inputs, getattr(self, f"W_x{r}")) + mm(H, getattr(self, f"W_h{r}")) + b_r)
        Z_t = gate(
            mm(inputs, getattr(self, f"W_x{z}"))
            + mm(H, getattr(self, f"W_h{z}"))
            + getattr(self, f"b_{z}")
        )
        x_h = mm(inputs, self.W_xh)
        pre_activation = {
            "before": x_h + mm(R_t * H, W_hh) + self.b_h,
            "after": x_h + R_t * mm(H, W_hh) + self.b_h,
            "input": R_t * x_h + mm(H, W_hh) + self.b_h,
            "none": x_h + mm(H, W_hh) + self.b_h,
            "inverted": x_h + mm((1.0 - R_t) * H, W_hh) + self.b_h,
        }[reset]
        H_tilde = candidate(pre_activation)
        H_t = {
            "slides": Z_t * H + (1.0 - Z_t) * H_tilde,
            "ng": (1.0 - Z_t) * H + Z_t * H_tilde,
        }[update]
        return H_t, [H_t]

    return call


@pytest.mark.parametrize(
    "call, words",
    [
        (gru(update="ng"), ["Z_t is used the wrong way round", "Z_t forced to 0", "t = 1"]),
        (gru(reset="after"), ["reset_after=True", "the reset gate: Z_t forced to 0"]),
        (gru(reset="input"), ["reset gate multiplies the input"]),
        (gru(reset="none"), ["R_t is not used"]),
        (gru(reset="inverted"), ["reset gate is used the wrong way round"]),
        (gru(candidate=lambda a: a), ["H̃_t has no tanh", "the candidate alone"]),
        (gru(gate=ops.tanh, candidate=ops.sigmoid), ["sigmoid and tanh are swapped"]),
        (gru(gate=ops.tanh), ["gates use tanh"]),
        (gru(swap_z_r=True), ["each other's weights"]),
        (gru(transpose_W_hh=True), ["W_hh is transposed"]),
        (gru(bias_r=False), ["reset gate's bias b_r is missing"]),
        (gru(zeros=True), ["states[0], not zeros"]),
    ],
)
def test_wrong_gru_cell_is_caught(call, words):
    lesson_source.assert_caught(checks.check_gru_call, cell_with_call("gru_call", call), words)


def gru_with_a_slip(slip):
    """A GRU call as students write it with one slip: H_{t-1} left out, or a bias typo."""

    def call(self, inputs, states):
        H = states[0]
        H_gates = ops.zeros_like(H) if slip == "no past anywhere" else H
        b_r = self.b_z if slip == "b_z in the reset gate" else self.b_r
        b_z = self.b_r if slip == "b_r in the update gate" else self.b_z
        R_t = ops.sigmoid(mm(inputs, self.W_xr) + mm(H_gates, self.W_hr) + b_r)
        Z_t = ops.sigmoid(mm(inputs, self.W_xz) + mm(H_gates, self.W_hz) + b_z)
        past = 0.0 if slip in ("no past in the candidate", "no past anywhere") else 1.0
        H_tilde = ops.tanh(mm(inputs, self.W_xh) + past * mm(R_t * H, self.W_hh) + self.b_h)
        keep = 0.0 if slip == "no old state in the update" else 1.0
        H_t = keep * Z_t * H + (1.0 - Z_t) * H_tilde
        return H_t, [H_t]

    return call


@pytest.mark.parametrize(
    "slip, words, not_first",
    [
        # With R_t forced to 1, these three give the same numbers as a reset gate used the
        # wrong way round: the check tries the cell on other weights to tell them apart.
        ("no past in the candidate", ["candidate ignores the past"], "wrong way round"),
        ("no past anywhere", ["gates and the candidate ignore H_{t-1}"], "wrong way round"),
        ("b_z in the reset gate", ["reset gate adds the update gate's bias", "typo"], "Or:"),
        ("b_r in the update gate", ["update gate adds the reset gate's bias", "typo"], "Or:"),
        ("no old state in the update", ["old state is missing from the update"], "Or:"),
    ],
)
def test_a_gru_slip_is_named_first(slip, words, not_first):
    with pytest.raises(CheckFailed) as failure:
        checks.check_gru_call(cell_with_call("gru_call", gru_with_a_slip(slip)))
    message = str(failure.value)
    guess = message.split("It looks like ", 1)[1]
    assert all(word in guess.split("(Or:")[0] for word in words), message
    assert not_first not in guess.split("\n")[0], message


def test_returning_the_old_state_is_caught():
    def call(self, inputs, states):
        H_t, _ = gru()(self, inputs, states)
        return H_t, [states[0]]

    with pytest.raises(CheckFailed, match="new state should be the output itself"):
        checks.check_gru_call(cell_with_call("gru_call", call))


# --- a cell whose structure is off -----------------------------------------------------------
def test_cell_whose_build_was_changed_is_told_to_keep_it(solution):
    cell = solution["MyGRUCell"]
    lesson_source.assert_packed_build_refused(checks.check_gru_call, cell, 3, "W_xz")


# --- the references --------------------------------------------------------------------
def random_weights(rng, d, h, parts):
    return {
        name: rng.normal(0.0, 0.6, size=shape)
        for p in parts
        for name, shape in ((f"W_x{p}", (d, h)), (f"W_h{p}", (h, h)), (f"b_{p}", (h,)))
    }


def test_gru_reference_equals_keras_and_the_kit(rng):
    d, h = 3, 5
    w = random_weights(rng, d, h, "zrh")
    X = rng.normal(size=(2, 6, d)).astype("float32")
    layer = keras.layers.GRU(h, return_sequences=True, reset_after=False)
    layer.build((None, None, d))
    layer.set_weights([a.astype("float32") for a in checks.keras_gru_weights(w)])
    want = checks.reference_sequence(checks.reference_gru_step, X, w)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(X)), want, atol=1e-5)
    kit = lessons.from_keras(layer)
    assert kit.cell.reset_after is False
    np.testing.assert_allclose(kit.cell.W_hr.numpy(), w["W_hr"], atol=1e-7)


def test_simplified_reference_is_a_gru_with_R_one_and_Z_one_minus_gamma(rng):
    """Ng's simplified GRU = the slides' GRU with R_t ≡ 1 and Z_t = 1 − Γ_u (negated weights)."""
    d, h = 2, 4
    w = random_weights(rng, d, h, "uc")
    as_gru = {
        "W_xz": -w["W_xu"],
        "W_hz": -w["W_hu"],
        "b_z": -w["b_u"],
        "W_xr": np.zeros((d, h)),
        "W_hr": np.zeros((h, h)),
        "b_r": np.full(h, FORCE),
        "W_xh": w["W_xc"],
        "W_hh": w["W_hc"],
        "b_h": w["b_c"],
    }
    X = rng.normal(size=(3, 5, d))
    np.testing.assert_allclose(
        checks.reference_sequence(checks.reference_simplified_step, X, w),
        checks.reference_sequence(checks.reference_gru_step, X, as_gru),
        atol=1e-12,
    )


def test_forced_gates_are_exactly_open_or_shut_in_float32():
    assert np.float32(1.0) / (np.float32(1.0) + np.exp(np.float32(-FORCE))) == 1.0
    assert ops.convert_to_numpy(ops.sigmoid(np.float32(-FORCE))) < 1e-15


@pytest.mark.parametrize("mistakes", [checks.SIMPLIFIED_MISTAKES, checks.GRU_MISTAKES])
def test_every_listed_mistake_changes_the_step(mistakes, rng):
    """A mistake that computed the right numbers could never be named."""
    parts = "uc" if mistakes is checks.SIMPLIFIED_MISTAKES else "zrh"
    step = checks.reference_simplified_step if parts == "uc" else checks.reference_gru_step
    w = random_weights(rng, 3, 4, parts)
    x, h = rng.normal(size=(2, 3)), rng.normal(size=(2, 4))
    for message, mistake in mistakes:
        assert not np.allclose(mistake(x, h, w), step(x, h, w)), message


# --- what a student sees in Jupyter ----------------------------------------------------------
def test_a_failing_check_in_a_notebook_shows_no_frame_of_the_kit():
    """In an IPython kernel, the traceback is the student's cell and the message, nothing more.

    IPython skips frames marked `__tracebackhide__` but always shows the one that raised;
    `lessons.checks` cuts the kit's frames off instead (`show_failure`).
    """
    import re

    import nbclient
    import nbformat

    source = "\n".join(lesson_source.context_cells(LESSON)) + "\n" + exercise_cells()["gru_call"]
    wrong = "ops.matmul((1.0 - R_t) * H_prev, self.W_hh)"
    source = source.replace("ops.matmul(R_t * H_prev, self.W_hh)", wrong)
    assert wrong in source
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(source),
            nbformat.v4.new_code_cell(f"checks.check_gru_call({CHECKS['gru_call'][0]})"),
        ]
    )
    nbclient.NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=300).execute()
    (error,) = [o for o in nb.cells[1].outputs if o.output_type == "error"]
    shown = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.traceback))
    assert error.ename == "CheckFailed" and "reset gate is used the wrong way round" in shown
    assert "check_gru_call" in shown  # the student's line that called the check
    kit = str(Path(lessons.__file__).parent)
    assert kit not in shown and "lessons/checks" not in shown, shown
    assert "skipping hidden" not in shown, shown


def test_without_kit_frames_keeps_the_callers_frames_only():
    from lessons.checks import without_kit_frames

    def student():
        checks.check_gru_call(cell_with_call("gru_call", gru(update="ng")))

    try:
        student()
    except CheckFailed as failure:
        tb = without_kit_frames(failure.__traceback__)
    names = []
    while tb is not None:
        names.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    assert names == ["test_without_kit_frames_keeps_the_callers_frames_only", "student"]


@pytest.mark.parametrize(
    "given, words",
    [
        (lambda cls: cls(4), "an instance of it, `StudentCell(...)`"),
        (lambda cls: 42, "it got 42"),
    ],
)
def test_a_check_given_something_else_than_a_cell_class_says_so(given, words):
    cls = cell_with_call("gru_call", gru())
    with pytest.raises(CheckFailed, match="Pass the class, without parentheses") as failure:
        checks.check_gru_call(given(cls))
    assert words in str(failure.value)
