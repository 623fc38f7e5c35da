"""Checks for lesson 02 (BPTT): the backward step, the numerical gradient check, clipping.

`check_backward_step` compares the student's one-step backward pass with NumPy
written here from the chain rule, and with central differences of the step
s_t = tanh(U x_t + W s_{t-1} + b), then runs it inside the whole backward pass
of `lessons.bptt` against a numerical gradient.

`check_gradient_check` tests `numerical_gradient` on functions whose gradients
are known in closed form, including one where a one-sided difference is visibly
worse, and `relative_error` on equal, opposite, zero and scaled arrays.

`check_clip_by_global_norm` compares the student's clipping with TensorFlow's
`tf.clip_by_global_norm` and with what a Keras optimizer built with
`global_clipnorm` does to the same gradients.
"""

import keras
import numpy as np

from lessons import bptt
from lessons.checks import CheckFailed, all_passed, expect, expect_items, passed, run_student_code
from lessons.checks.engine import kind_of, kit_agrees, short

# The kit's own answers to each exercise, which a student's code must not hand in
# (lessons.checks.tripwire watches them while a check or the grader's probe runs).
KIT_ANSWERS = {
    "backward_step": [
        "lessons.bptt.backward_step",
        "lessons.bptt.backward",
        "lessons.checks.lesson02.reference_backward_step",
    ],
    "clip_by_global_norm": [
        "lessons.checks.lesson02.reference_clip",
    ],
    "gradient_check": [
        "lessons.bptt.numerical_gradient",
        "lessons.bptt.relative_error",
        "lessons.bptt.gradient_check",
        "lessons.checks.lesson02.reference_numerical_gradient",
    ],
}


def _as_array(value, call, what):
    __tracebackhide__ = True
    try:
        return np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)
    except Exception:
        raise CheckFailed(
            f"{call}: {what} should be an array of numbers, got {type(value).__name__}."
        ) from None


# --- exercise: backward_step ------------------------------------------------------------
def reference_backward_step(delta_t, s_t, s_prev, x_t, W):
    """The chain rule through s_t = tanh(z_t), z_t = U x_t + W s_{t-1} + b."""
    dz = delta_t * (1.0 - s_t**2)
    return np.outer(dz, x_t), np.outer(dz, s_prev), dz, W.T @ dz


def _step_case(rng, d, h, saturated=False):
    """A consistent step: s_t really is tanh(U x_t + W s_prev + b)."""
    U = rng.normal(0.0, 0.7, size=(h, d))
    W = rng.normal(0.0, 0.7, size=(h, h))
    W[0, -1] += 1.0  # never symmetric, so W and Wᵀ differ
    b = rng.normal(0.0, 0.3, size=h)
    x_t = rng.normal(size=d) * (4.0 if saturated else 1.0)
    s_prev = np.tanh(rng.normal(size=h))
    s_t = np.tanh(U @ x_t + W @ s_prev + b)
    delta_t = rng.normal(size=h)
    return {"delta_t": delta_t, "s_t": s_t, "s_prev": s_prev, "x_t": x_t, "W": W, "U": U, "b": b}


def _numerical_step_grads(case, eps=1e-6):
    """Central differences of L = δ_tᵀ s_t(U, W, b, s_prev): what the four results must equal."""
    U, W, b, x_t, s_prev, delta = (case[k] for k in ("U", "W", "b", "x_t", "s_prev", "delta_t"))

    def L(U, W, b, s_prev):
        return float(delta @ np.tanh(U @ x_t + W @ s_prev + b))

    args = {"U": U, "W": W, "b": b, "s_prev": s_prev}
    grads = {}
    for name, value in args.items():
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            plus, minus = value.copy(), value.copy()
            plus[index] += eps
            minus[index] -= eps
            grad[index] = (L(**{**args, name: plus}) - L(**{**args, name: minus})) / (2 * eps)
        grads[name] = grad
    return grads["U"], grads["W"], grads["b"], grads["s_prev"]


STEP_CASES = [
    ("h = 4 hidden units, d = 3 inputs", 4, 3, False),
    ("h = 1, d = 1 (scalars in 1-element arrays)", 1, 1, False),
    ("h = 5, d = 2 with a nearly saturated tanh (large inputs)", 5, 2, True),
]
STEP_NAMES = ("dU_t", "dW_t", "db_t", "delta_prev")


def check_backward_step(backward_step):
    """Check `backward_step(delta_t, s_t, s_prev, x_t, W) -> (dU_t, dW_t, db_t, delta_prev)`."""
    __tracebackhide__ = True
    rng = np.random.default_rng(202)
    for description, h, d, saturated in STEP_CASES:
        case = _step_case(rng, d, h, saturated)
        args = [case[k].copy() for k in ("delta_t", "s_t", "s_prev", "x_t", "W")]
        call = f"backward_step(delta_t, s_t, s_prev, x_t, W) with {description}"
        result = run_student_code(backward_step, *args, what=call)
        for name, given in zip(("delta_t", "s_t", "s_prev", "x_t", "W"), args):
            expect(
                np.array_equal(given, case[name]),
                f"{call} changed its argument `{name}`; compute new arrays instead of "
                "writing into the ones you are given (e.g. avoid `delta_t *= ...`).",
            )
        got = _unpack_step(result, call)
        want = reference_backward_step(*(case[k] for k in ("delta_t", "s_t", "s_prev", "x_t", "W")))
        numeric = _numerical_step_grads(case)
        for w, n in zip(want, numeric):  # the reference agrees with calculus-free differences
            kit_agrees(np.allclose(w, n, atol=1e-7), "the backward step and its finite differences")
        _compare_step(call, got, want, case)
        passed(f"{description}: all four results equal the chain rule and central differences")
    _check_in_full_backward(backward_step)
    all_passed("backward_step")


def _unpack_step(result, call):
    __tracebackhide__ = True
    expect_items(
        result,
        4,
        f"{call} should return four arrays `(dU_t, dW_t, db_t, delta_prev)`, got "
        f"{kind_of(result)}.",
    )
    return [_as_array(value, call, name) for value, name in zip(result, STEP_NAMES)]


def _compare_step(call, got, want, case):
    __tracebackhide__ = True
    delta_t, s_t, s_prev, x_t, W = (case[k] for k in ("delta_t", "s_t", "s_prev", "x_t", "W"))
    h, d = len(s_t), len(x_t)
    shapes = {"dU_t": (h, d), "dW_t": (h, h), "db_t": (h,), "delta_prev": (h,)}
    for name, value in zip(STEP_NAMES, got):
        hint = (
            " It is transposed: np.outer(dz, x_t) puts the hidden units on the rows, like U."
            if value.shape == shapes[name][::-1] and value.ndim == 2
            else ""
        )
        expect(
            value.shape == shapes[name],
            f"{call}: {name} should have shape {shapes[name]} (the shape of "
            f"{ {'dU_t': 'U', 'dW_t': 'W', 'db_t': 'b', 'delta_prev': 's_(t-1)'}[name] }), got "
            f"{value.shape}.{hint}",
        )
    dU, dW, db, delta_prev = got
    dz = delta_t * (1.0 - s_t**2)
    # The derivative through tanh is shared by all four results: look at db_t = ∂E/∂z_t first.
    if not np.allclose(db, want[2], atol=1e-8):
        mistakes = {
            "db_t equals delta_t: the derivative of tanh is missing. s_t = tanh(z_t), so "
            "∂E/∂z_t = delta_t ⊙ (1 − s_t²).": delta_t,
            "db_t uses 1 − tanh(s_t)²: s_t is already tanh(z_t), so tanh' = 1 − s_t² "
            "(do not apply tanh again).": delta_t * (1.0 - np.tanh(s_t) ** 2),
            "db_t uses s_t (1 − s_t), the derivative of the sigmoid; for tanh it is "
            "1 − s_t².": delta_t * s_t * (1.0 - s_t),
            "db_t uses 1 − s_(t-1)²: the derivative belongs to this step's state, "
            "1 − s_t².": delta_t * (1.0 - s_prev**2),
        }
        _name_mistake(call, "db_t", db, want[2], mistakes)
    if not np.allclose(dW, want[1], atol=1e-8):
        mistakes = {
            "dW_t uses s_t; W multiplies the PREVIOUS state in z_t = U x_t + W s_(t-1) + b, "
            "so dW_t = np.outer(dz, s_prev).": np.outer(dz, s_t),
            "dW_t is transposed: np.outer(dz, s_prev), with dz on the rows (row i of W makes "
            "unit i).": np.outer(s_prev, dz),
            "dW_t skips the tanh derivative: use dz = delta_t ⊙ (1 − s_t²), not delta_t.": np.outer(
                delta_t, s_prev
            ),
        }
        _name_mistake(call, "dW_t", dW, want[1], mistakes)
    if not np.allclose(dU, want[0], atol=1e-8):
        mistakes = {
            "dU_t skips the tanh derivative: use dz = delta_t ⊙ (1 − s_t²), not delta_t.": np.outer(
                delta_t, x_t
            ),
        }
        _name_mistake(call, "dU_t", dU, want[0], mistakes)
    if not np.allclose(delta_prev, want[3], atol=1e-8):
        mistakes = {
            "delta_prev uses W instead of Wᵀ: the gradient flows backwards through the "
            "transpose, delta_prev = W.T @ dz.": W @ dz,
            "delta_prev skips the tanh derivative: it is Wᵀ (delta_t ⊙ (1 − s_t²)), "
            "not Wᵀ delta_t.": W.T @ delta_t,
            "delta_prev is dz itself: multiply by Wᵀ, since z_t depends on s_(t-1) through W.": dz,
        }
        _name_mistake(call, "delta_prev", delta_prev, want[3], mistakes)


def _name_mistake(call, name, got, want, mistakes):
    __tracebackhide__ = True
    for message, value in mistakes.items():
        if not np.allclose(value, want, atol=1e-8) and np.allclose(got, value, atol=1e-8):
            raise CheckFailed(f"{call}: {message}\nExpected {short(want)},\ngot      {short(got)}.")
    raise CheckFailed(f"{call}: {name} should be\n{short(want)},\ngot\n{short(got)}.")


def _check_in_full_backward(backward_step):
    """Plugged into `lessons.bptt.backward`, the step must give the numerical gradient."""
    __tracebackhide__ = True
    params = bptt.init_params(input_dim=3, hidden_dim=4, output_dim=5, seed=21)
    rng = np.random.default_rng(22)
    xs = rng.normal(size=(7, 3))
    targets = rng.integers(0, 5, size=7)
    call = "lessons.bptt.backward(..., step=backward_step) over 7 time steps"
    grads = run_student_code(
        lambda: bptt.backward(params, bptt.forward(params, xs), targets, step=backward_step),
        what=call,
    )
    numeric = bptt.numerical_gradient(params, xs, targets)
    errors = {name: bptt.relative_error(grads[name], numeric[name]) for name in numeric}
    worst = max(errors, key=errors.get)
    expect(
        errors[worst] < 1e-6,
        f"{call}: the gradient of {worst} differs from the numerical gradient (relative "
        f"error {errors[worst]:.1e}, should be < 1e-6).",
    )
    passed("inside the whole backward pass (7 steps): relative error < 1e-6 for U, W, V, b, c")


# --- exercise: gradient_check -----------------------------------------------------------
def _function_cases():
    rng = np.random.default_rng(303)
    A = rng.normal(size=(3, 3))
    return [
        (
            "f(x) = Σ x³ on a vector",
            lambda x: float(np.sum(x**3)),
            lambda x: 3 * x**2,
            rng.normal(size=5),
        ),
        (
            "f(X) = Σ sin(X) ⊙ X on a 2×3 matrix",
            lambda x: float(np.sum(np.sin(x) * x)),
            lambda x: np.cos(x) * x + np.sin(x),
            rng.normal(size=(2, 3)),
        ),
        (
            "f(x) = xᵀ A x on a vector (A not symmetric)",
            lambda x: float(x @ A @ x),
            lambda x: (A + A.T) @ x,
            rng.normal(size=3),
        ),
        (
            "f(x) = exp(x) on a one-element array",
            lambda x: float(np.exp(x).sum()),
            np.exp,
            np.array([0.5]),
        ),
    ]


def reference_numerical_gradient(f, x, eps=1e-5):
    """∂f/∂x by central differences, one entry at a time."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += eps
        minus[index] -= eps
        grad[index] = (f(plus) - f(minus)) / (2 * eps)
    return grad


def _forward_difference(f, x, eps):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        plus = x.copy()
        plus[index] += eps
        grad[index] = (f(plus) - f(x)) / eps
    return grad


def check_gradient_check(numerical_gradient, relative_error):
    """Check `numerical_gradient(f, x, eps=1e-5)` and `relative_error(a, b)`."""
    __tracebackhide__ = True
    _check_relative_error(relative_error)
    _check_numerical_gradient(numerical_gradient)
    _check_on_rnn(numerical_gradient, relative_error)
    all_passed("gradient_check")


def _check_relative_error(relative_error):
    __tracebackhide__ = True
    rng = np.random.default_rng(304)
    a = rng.normal(size=(3, 4))
    b = a + rng.normal(0, 1e-3, size=(3, 4))
    cases = [
        (
            "a vector whose differences cancel in a plain sum",
            np.array([1.0, 2.0]),
            np.array([2.0, 1.0]),
            np.sqrt(2) / (2 * np.sqrt(5)),
        ),
        (
            "two close matrices",
            a,
            b,
            np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)),
        ),
        ("an array and itself", a, a.copy(), 0.0),
        ("an array and its negative", a, -a, 1.0),
        ("two arrays of zeros", np.zeros(3), np.zeros(3), 0.0),
        (
            "the close matrices, both times 1000",
            1000 * a,
            1000 * b,
            np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)),
        ),
    ]
    for description, x, y, want in cases:
        call = f"relative_error(a, b) for {description}"
        got = run_student_code(relative_error, x, y, what=call)
        expect(
            np.ndim(got) == 0,
            f"{call}: should return one number for the whole array, got shape {np.shape(got)}. "
            "Use np.linalg.norm of the whole difference, not element by element.",
        )
        got = float(got)
        expect(
            not np.isnan(got),
            f"{call}: got NaN. When both arrays are 0 the formula is 0/0; return 0.0 in that "
            "case (they are equal).",
        )
        if description.startswith("a vector whose") and np.isclose(got, 0.0):
            raise CheckFailed(
                f"{call}: got 0, but [1, 2] and [2, 1] differ. Take the norm of a − b "
                "(np.linalg.norm), not the plain sum of the differences."
            )
        expect(
            np.isclose(got, want, rtol=1e-6, atol=1e-12),
            f"{call}: expected ‖a − b‖ / (‖a‖ + ‖b‖) = {want:.6g}, got {got:.6g}. Use the "
            "Euclidean norm (np.linalg.norm) of the difference and of each array.",
        )
    passed("relative_error: ‖a − b‖ / (‖a‖ + ‖b‖), 0 for two zero arrays, the same at any scale")


def _check_numerical_gradient(numerical_gradient):
    __tracebackhide__ = True
    for description, f, gradient, x in _function_cases():
        for eps in (1e-5, 1e-2):
            call = f"numerical_gradient(f, x, eps={eps:g}) for {description}"
            given = x.copy()
            got = run_student_code(numerical_gradient, f, given, eps, what=call)
            expect(
                np.array_equal(given, x),
                f"{call} changed x: after the call some entries differ from before by up to "
                f"{np.max(np.abs(given - x)):.1g}. Put every entry back after nudging it (or "
                "nudge a copy): the caller still needs x.",
            )
            got = _as_array(got, call, "the gradient")
            expect(
                got.shape == x.shape,
                f"{call}: the gradient should have the shape of x, {x.shape}, got {got.shape}.",
            )
            want = reference_numerical_gradient(f, x, eps)
            kit_agrees(
                np.allclose(want, gradient(x), rtol=1e-3 if eps > 1e-3 else 1e-7, atol=1e-6),
                "finite differences and TensorFlow's gradient",
            )
            if np.allclose(got, want, rtol=1e-7, atol=1e-9):
                continue
            if np.allclose(got, 2 * want, rtol=1e-7, atol=1e-9):
                raise CheckFailed(
                    f"{call}: your gradient is twice the right one. The two points x ± ε "
                    "are 2ε apart: divide by 2 * eps."
                )
            if np.allclose(got, _forward_difference(f, x, eps), rtol=1e-7, atol=1e-9):
                raise CheckFailed(
                    f"{call}: you used the one-sided difference (f(x + ε) − f(x)) / ε, whose "
                    "error is of order ε; the central difference (f(x + ε) − f(x − ε)) / 2ε "
                    "has error of order ε² and is what the check expects."
                )
            if eps != 1e-5 and np.allclose(
                got, reference_numerical_gradient(f, x, 1e-5), rtol=1e-7, atol=1e-9
            ):
                raise CheckFailed(
                    f"{call}: your result is the one for eps = 1e-5: use the `eps` "
                    "argument instead of a fixed step."
                )
            raise CheckFailed(
                f"{call}: expected the central differences (f(x + ε e_i) − f(x − ε e_i)) / 2ε "
                f"= {short(want)}, got {short(got)}."
            )
    passed(
        "numerical_gradient: central differences on vectors, matrices and a 1-element array, "
        "x left unchanged"
    )


def _check_on_rnn(numerical_gradient, relative_error):
    """Their own tools must pass `lessons.bptt.backward` and catch a broken one."""
    __tracebackhide__ = True
    params = bptt.init_params(input_dim=2, hidden_dim=3, output_dim=3, seed=31)
    rng = np.random.default_rng(32)
    xs = rng.normal(size=(4, 2))
    targets = rng.integers(0, 3, size=4)
    analytic = bptt.backward(params, bptt.forward(params, xs), targets)

    def loss_of_W(W):
        return bptt.loss({**params, "W": W}, xs, targets)

    call = "numerical_gradient(E as a function of W, params['W']) on a 4-step RNN"
    numeric = _as_array(
        run_student_code(numerical_gradient, loss_of_W, params["W"].copy(), 1e-5, what=call),
        call,
        "the gradient",
    )
    error = float(run_student_code(relative_error, analytic["W"], numeric, what="relative_error"))
    expect(
        error < 1e-6,
        f"{call}: relative error {error:.1e} against lessons.bptt.backward; it should be "
        "< 1e-6 in float64.",
    )
    broken = float(relative_error(analytic["W"].T, numeric))
    expect(
        broken > 1e-2,
        f"Your tools give a relative error of only {broken:.1e} for a wrong gradient (∂E/∂W "
        "transposed); it should be large (> 1e-2).",
    )
    passed("on an RNN: the right ∂E/∂W gives < 1e-6, a transposed one gives > 1e-2")


# --- exercise: clip_by_global_norm ------------------------------------------------------
def _clip_cases():
    rng = np.random.default_rng(405)
    big = [
        rng.normal(0, 5, size=(3, 4)),
        rng.normal(0, 5, size=(4,)),
        rng.normal(0, 5, size=(2, 2)),
    ]
    return [
        ("three gradients whose global norm is above clip_norm", big, 1.0),
        ("the same gradients with clip_norm = 5", big, 5.0),
        ("small gradients, global norm below clip_norm", [0.01 * g for g in big], 1.0),
        (
            "one tensor that is much larger than the others",
            [np.full((2, 3), 100.0), np.full(4, 0.01)],
            10.0,
        ),
        ("all zeros", [np.zeros((2, 2)), np.zeros(3)], 1.0),
    ]


def reference_clip(grads, clip_norm):
    """(clipped gradients, global norm) from TensorFlow's own tf.clip_by_global_norm."""
    import tensorflow as tf

    clipped, norm = tf.clip_by_global_norm([tf.constant(g, tf.float64) for g in grads], clip_norm)
    return [c.numpy() for c in clipped], float(norm.numpy())


def check_clip_by_global_norm(clip_by_global_norm):
    """Check `clip_by_global_norm(grads, clip_norm) -> (clipped, global_norm)`."""
    __tracebackhide__ = True
    for description, grads, clip_norm in _clip_cases():
        given = [g.copy() for g in grads]
        call = f"clip_by_global_norm(grads, clip_norm={clip_norm:g}) for {description}"
        result = run_student_code(clip_by_global_norm, given, clip_norm, what=call)
        expect(
            all(np.array_equal(a, b) for a, b in zip(given, grads)),
            f"{call} changed the gradients it was given; return new arrays instead.",
        )
        expect_items(
            result,
            2,
            f"{call} should return a pair `(clipped, global_norm)`, got {type(result).__name__}.",
        )
        clipped, norm = result
        want_clipped, want_norm = reference_clip(grads, clip_norm)
        own = np.sqrt(sum(float(np.sum(g**2)) for g in grads))
        kit_agrees(np.isclose(own, want_norm), "the global norm from the formula")
        _check_norm(call, norm, want_norm, grads)
        _check_clipped(call, clipped, want_clipped, grads, clip_norm, want_norm)
        passed(f"{description}: equal to tf.clip_by_global_norm")
    _check_against_keras_optimizer(clip_by_global_norm)
    all_passed("clip_by_global_norm")


def _check_norm(call, norm, want, grads):
    __tracebackhide__ = True
    expect(
        np.ndim(norm) == 0,
        f"{call}: global_norm should be one number, got shape {np.shape(norm)}.",
    )
    norm = float(norm)
    squares = sum(float(np.sum(g**2)) for g in grads)
    if not np.isclose(norm, want, rtol=1e-6, atol=1e-12):
        if np.isclose(norm, squares, rtol=1e-6) and not np.isclose(squares, want, rtol=1e-6):
            raise CheckFailed(
                f"{call}: global_norm is the sum of squares, {squares:.6g}; take its square "
                f"root: {want:.6g}."
            )
        per_tensor = sum(float(np.linalg.norm(g)) for g in grads)
        if np.isclose(norm, per_tensor, rtol=1e-6):
            raise CheckFailed(
                f"{call}: global_norm adds up the norms of the tensors ({per_tensor:.6g}); "
                f"it is the norm of all entries together, sqrt(Σ_tensors Σ g²) = {want:.6g}."
            )
        raise CheckFailed(
            f"{call}: global_norm should be sqrt(Σ g²) over all entries of all tensors = "
            f"{want:.6g}, got {norm:.6g}."
        )


def _check_clipped(call, clipped, want, grads, clip_norm, norm):
    __tracebackhide__ = True
    expect_items(
        clipped,
        len(grads),
        f"{call}: clipped should be a list of {len(grads)} arrays, one per gradient, got "
        f"{kind_of(clipped)}.",
    )
    clipped = [_as_array(c, call, "each clipped gradient") for c in clipped]
    for i, (c, g) in enumerate(zip(clipped, grads)):
        expect(
            c.shape == g.shape, f"{call}: clipped[{i}] should have shape {g.shape}, got {c.shape}."
        )
    expect(
        all(np.isfinite(c).all() for c in clipped),
        f"{call}: the clipped gradients contain NaN or inf. With all-zero gradients the norm "
        "is 0: do not divide by it; scale by clip_norm / max(global_norm, clip_norm).",
    )
    if all(np.allclose(c, w, rtol=1e-6, atol=1e-12) for c, w in zip(clipped, want)):
        return
    per_tensor = [g * min(1.0, clip_norm / max(np.linalg.norm(g), 1e-300)) for g in grads]
    if all(np.allclose(c, p, rtol=1e-6) for c, p in zip(clipped, per_tensor)):
        raise CheckFailed(
            f"{call}: you clipped each tensor by its own norm (that is Keras' `clipnorm`). "
            "Global-norm clipping scales ALL tensors by the same factor, "
            "clip_norm / max(global_norm, clip_norm), so their directions relative to each "
            "other are kept."
        )
    if norm < clip_norm:
        scaled_up = [g * clip_norm / norm for g in grads]
        if all(np.allclose(c, s, rtol=1e-6) for c, s in zip(clipped, scaled_up)):
            raise CheckFailed(
                f"{call}: the global norm {norm:.4g} is already below clip_norm = {clip_norm:g}, "
                "so the gradients must come back unchanged; yours were scaled UP to the "
                "threshold. Use the factor clip_norm / max(global_norm, clip_norm)."
            )
        raise CheckFailed(
            f"{call}: the global norm {norm:.4g} is below clip_norm = {clip_norm:g}, so the "
            "gradients must come back unchanged."
        )
    i = next(i for i, (c, w) in enumerate(zip(clipped, want)) if not np.allclose(c, w, rtol=1e-6))
    raise CheckFailed(
        f"{call}: clipped[{i}] should be grads[{i}] · clip_norm / global_norm = "
        f"{short(want[i].ravel()[:6])}..., got {short(clipped[i].ravel()[:6])}..."
    )


def _check_against_keras_optimizer(clip_by_global_norm):
    """One SGD step (learning rate 1) with global_clipnorm moves the weights by −clipped."""
    __tracebackhide__ = True
    rng = np.random.default_rng(406)
    grads = [
        rng.normal(0, 3, size=(3, 2)).astype("float32"),
        rng.normal(0, 3, size=(2,)).astype("float32"),
    ]
    start = [np.zeros_like(g) for g in grads]
    variables = [keras.Variable(s) for s in start]
    optimizer = keras.optimizers.SGD(learning_rate=1.0, global_clipnorm=2.0)
    optimizer.apply(grads, variables)
    keras_update = [-keras.ops.convert_to_numpy(v) for v in variables]
    call = "clip_by_global_norm(grads, 2.0) against keras.optimizers.SGD(1.0, global_clipnorm=2.0)"
    clipped, _ = run_student_code(
        clip_by_global_norm, [g.astype(np.float64) for g in grads], 2.0, what=call
    )
    clipped = [_as_array(c, call, "each clipped gradient") for c in clipped]
    expect(
        all(np.allclose(c, u, rtol=1e-5, atol=1e-6) for c, u in zip(clipped, keras_update)),
        f"{call}: one SGD step moved the weights by {short(keras_update[1])} (second tensor); "
        f"your clipping gives {short(clipped[1])}.",
    )
    passed(
        "one step of keras.optimizers.SGD(learning_rate=1, global_clipnorm=2) moves the "
        "weights by −clipped"
    )


# BEGIN HIDDEN TESTS
# The probes of lesson 02 (BPTT): the backward step, gradient checking, clipping.
#
# Everything is float64 NumPy, so a right answer agrees with the reference to
# about 1e-12; the tolerances are far tighter than the error of a plausible
# mistake (a forward difference is off by about 1e-5).

from instructor.grading import capture, within  # noqa: E402


def probe_backward_step(backward_step, seed):
    rng = np.random.default_rng(seed)
    cases = {}
    for description, (d, h, scale) in {
        "a small step": (3, 4, 1.0),
        "a larger step": (6, 8, 1.0),
        "a nearly saturated state": (3, 5, 6.0),
    }.items():
        W = rng.normal(0, 0.5, (h, h))
        s_prev, x_t = np.tanh(rng.normal(size=h)), rng.normal(size=d)
        s_t = np.tanh(scale * rng.normal(size=h))
        delta_t = rng.normal(size=h)
        names = ("dU_t", "dW_t", "db_t", "delta_prev")
        result = backward_step(delta_t, s_t, s_prev, x_t, W)
        cases[description] = dict(zip(names, (np.asarray(g) for g in result)))
        cases[description]["number of results"] = len(result)
    return {"step": cases}


compare_backward_step = within(rtol=1e-7, atol=1e-10)


def _smooth_function(rng, shape):
    """A nonlinear f(x) -> float whose gradient is not constant."""
    a = rng.normal(size=shape)

    def f(x):
        return float(np.sum(np.sin(a * x) * x**2) + 0.1 * np.sum(x) ** 3)

    return f


def _numerical_gradients(numerical_gradient, seed):
    rng = np.random.default_rng([seed, 1])
    cases = {}
    for description, (shape, eps) in {
        "a matrix, default eps": ((3, 4), None),
        "a vector, eps=1e-4": ((5,), 1e-4),
    }.items():
        f = _smooth_function(rng, shape)
        x = rng.normal(size=shape)
        given = x.copy()
        grad = numerical_gradient(f, given) if eps is None else numerical_gradient(f, given, eps)
        cases[description] = {"gradient": np.asarray(grad), "x unchanged": bool((given == x).all())}
    return cases


def _relative_errors(relative_error, seed):
    rng = np.random.default_rng([seed, 2])
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    pairs = {
        "two random matrices": (a, b),
        "close vectors": (a[0], a[0] + 1e-7 * b[0]),
        "equal arrays": (a, a.copy()),
        "both zero": (np.zeros(3), np.zeros(3)),
        "one zero": (np.zeros(3), b[1]),
    }
    return {description: float(relative_error(x, y)) for description, (x, y) in pairs.items()}


def probe_gradient_check(defined, seed):
    numerical_gradient, relative_error = defined  # each may be missing on its own
    return {
        "numerical_gradient": capture(lambda: _numerical_gradients(numerical_gradient(), seed)),
        "relative_error": capture(lambda: _relative_errors(relative_error(), seed)),
    }


compare_gradient_check = within(rtol=1e-7, atol=1e-9)


def probe_clip_by_global_norm(clip_by_global_norm, seed):
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (2, 2)]
    cases = {
        "a long gradient, clipped": ([rng.normal(0, 5, s) for s in shapes], 1.0),
        "a short gradient, unchanged": ([rng.normal(0, 0.01, s) for s in shapes], 1.0),
        "one tensor, threshold 0.5": ([rng.normal(size=(6,))], 0.5),
        "all zeros": ([np.zeros(s) for s in shapes], 1.0),
    }
    results = {}
    for description, (grads, clip_norm) in cases.items():
        given = [g.copy() for g in grads]
        clipped, norm = clip_by_global_norm(given, clip_norm)
        results[description] = {
            "clipped": [np.asarray(g) for g in clipped],
            "global norm": float(norm),
            "grads unchanged": all((g == h).all() for g, h in zip(given, grads)),
        }
    return {"clipping": results}


compare_clip_by_global_norm = within(rtol=1e-7, atol=1e-10)
# END HIDDEN TESTS


# The kit's own answers fail a check (lessons.checks.tripwire); after every check is defined.
from lessons.checks.tripwire import guard_checks  # noqa: E402

guard_checks(globals())
