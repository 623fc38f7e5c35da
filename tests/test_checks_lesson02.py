"""Lesson 02: reference solutions pass every check, and the mistakes students make are caught.

The reference solutions are the exercise cells of `solutions/02_bptt.py`, executed
on their own. Each wrong implementation must raise `CheckFailed` with a message
that names the problem.
"""

import lesson_source
import numpy as np
import pytest
from lesson_source import caught_by

from lessons.checks import CheckFailed
from lessons.checks import lesson02 as checks

LESSON, CHECKS, exercise_cells, run_cells, solution = lesson_source.harness("02_bptt")
as_student_sees_it = lesson_source.as_student_sees_it


def test_one_unwritten_function_of_two_is_named(solution):
    stub = run_cells([as_student_sees_it(exercise_cells()["gradient_check"])])
    with pytest.raises(CheckFailed, match=r"numerical_gradient.*not written yet"):
        checks.check_gradient_check(stub["numerical_gradient"], solution["relative_error"])


# --- backward_step ------------------------------------------------------------------------
@caught_by(checks.check_backward_step, ["derivative of tanh is missing", "1 − s_t²"])
def step_without_tanh_derivative(delta_t, s_t, s_prev, x_t, W):
    return np.outer(delta_t, x_t), np.outer(delta_t, s_prev), delta_t, W.T @ delta_t


@caught_by(checks.check_backward_step, ["already tanh(z_t)"])
def step_with_tanh_applied_again(delta_t, s_t, s_prev, x_t, W):
    dz = delta_t * (1 - np.tanh(s_t) ** 2)
    return np.outer(dz, x_t), np.outer(dz, s_prev), dz, W.T @ dz


@caught_by(checks.check_backward_step, ["W instead of Wᵀ"])
def step_with_W_not_transposed(delta_t, s_t, s_prev, x_t, W):
    dz = delta_t * (1 - s_t**2)
    return np.outer(dz, x_t), np.outer(dz, s_prev), dz, W @ dz


@caught_by(checks.check_backward_step, ["PREVIOUS state", "np.outer(dz, s_prev)"])
def step_with_s_t_in_dW(delta_t, s_t, s_prev, x_t, W):
    dz = delta_t * (1 - s_t**2)
    return np.outer(dz, x_t), np.outer(dz, s_t), dz, W.T @ dz


@caught_by(checks.check_backward_step, ["dU_t should have shape (4, 3)", "transposed"])
def step_with_transposed_dU(delta_t, s_t, s_prev, x_t, W):
    dz = delta_t * (1 - s_t**2)
    return np.outer(x_t, dz), np.outer(dz, s_prev), dz, W.T @ dz


@caught_by(checks.check_backward_step, ["sigmoid"])
def step_with_sigmoid_derivative(delta_t, s_t, s_prev, x_t, W):
    dz = delta_t * s_t * (1 - s_t)
    return np.outer(dz, x_t), np.outer(dz, s_prev), dz, W.T @ dz


@caught_by(checks.check_backward_step, ["four arrays"])
def step_returning_three(delta_t, s_t, s_prev, x_t, W):
    dz = delta_t * (1 - s_t**2)
    return np.outer(dz, x_t), np.outer(dz, s_prev), W.T @ dz


@caught_by(checks.check_backward_step, ["changed its argument `delta_t`"])
def step_changing_delta_in_place(delta_t, s_t, s_prev, x_t, W):
    delta_t *= 1 - s_t**2
    return np.outer(delta_t, x_t), np.outer(delta_t, s_prev), delta_t, W.T @ delta_t


@caught_by(checks.check_backward_step, ["delta_prev skips the tanh derivative"])
def step_without_derivative_on_the_way_back(delta_t, s_t, s_prev, x_t, W):
    dz = delta_t * (1 - s_t**2)
    return np.outer(dz, x_t), np.outer(dz, s_prev), dz, W.T @ delta_t


test_wrong_backward_step_is_caught = lesson_source.catches(checks.check_backward_step)


def test_reference_backward_step_is_the_chain_rule():
    rng = np.random.default_rng(0)
    case = checks._step_case(rng, d=3, h=4)
    want = checks.reference_backward_step(
        *(case[k] for k in ("delta_t", "s_t", "s_prev", "x_t", "W"))
    )
    for w, n in zip(want, checks._numerical_step_grads(case)):
        np.testing.assert_allclose(w, n, atol=1e-8)


# --- gradient_check ------------------------------------------------------------------------
def gradient_forward_difference(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    f_x = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        grad[i] = (f(x) - f_x) / eps
        x[i] = old
    return grad


def _differences_in_place(f, x, eps, denominator, restore=True):
    """Central differences that move each x[i] in place, as students write them."""
    grad = np.zeros_like(x)
    for i, old in np.ndenumerate(x.copy()):
        x[i] = old + eps
        f_plus = f(x)
        x[i] = old - eps
        grad[i] = (f_plus - f(x)) / denominator
        if restore:
            x[i] = old
    return grad


def gradient_divided_by_eps(f, x, eps=1e-5):
    return _differences_in_place(f, x, eps, denominator=eps)


def gradient_not_restoring_x(f, x, eps=1e-5):
    return _differences_in_place(f, x, eps, denominator=2 * eps, restore=False)


def gradient_with_fixed_eps(f, x, eps=1e-5):
    return checks.reference_numerical_gradient(f, x, 1e-5)  # the argument `eps` ignored


def gradient_of_vectors_only(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for i in range(len(x)):  # rows of a matrix, not entries
        plus, minus = x.copy(), x.copy()
        plus[i] += eps
        minus[i] -= eps
        grad[i] = (f(plus) - f(minus)) / (2 * eps)
    return grad


def relative_error_without_zero_case(a, b):
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


def relative_error_with_plain_sums(a, b):
    scale = abs(np.sum(a)) + abs(np.sum(b))
    return float(abs(np.sum(a - b)) / scale) if scale > 0 else 0.0


def relative_error_elementwise(a, b):
    return np.abs(a - b) / (np.abs(a) + np.abs(b) + 1e-300)


def relative_error_max_denominator(a, b):
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


@pytest.mark.parametrize(
    "gradient, words",
    [
        (gradient_forward_difference, ["one-sided difference", "central difference"]),
        (gradient_divided_by_eps, ["twice the right one", "2 * eps"]),
        (gradient_not_restoring_x, ["changed x", "Put every entry back"]),
        (gradient_with_fixed_eps, ["eps = 1e-5", "`eps` argument"]),
        (gradient_of_vectors_only, ["central differences", "expected"]),
    ],
)
def test_wrong_numerical_gradient_is_caught(gradient, words, solution):
    with pytest.raises(CheckFailed) as failure:
        checks.check_gradient_check(gradient, solution["relative_error"])
    for word in words:
        assert word in str(failure.value)


@pytest.mark.parametrize(
    "relative_error, words",
    [
        (relative_error_without_zero_case, ["NaN", "return 0.0"]),
        (relative_error_with_plain_sums, ["[1, 2] and [2, 1] differ", "np.linalg.norm"]),
        (relative_error_elementwise, ["one number for the whole array"]),
        (relative_error_max_denominator, ["‖a − b‖ / (‖a‖ + ‖b‖)"]),
    ],
)
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # their 0 / 0
def test_wrong_relative_error_is_caught(relative_error, words, solution):
    with pytest.raises(CheckFailed) as failure:
        checks.check_gradient_check(solution["numerical_gradient"], relative_error)
    for word in words:
        assert word in str(failure.value)


# --- clip_by_global_norm --------------------------------------------------------------------
@caught_by(checks.check_clip_by_global_norm, ["each tensor by its own norm", "clipnorm"])
def clip_each_tensor(grads, clip_norm):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    return [g * clip_norm / max(np.linalg.norm(g), clip_norm) for g in grads], norm


@caught_by(checks.check_clip_by_global_norm, ["scaled UP", "unchanged"])
def clip_always_to_threshold(grads, clip_norm):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    return [g * clip_norm / norm if norm > 0 else g for g in grads], norm


@caught_by(checks.check_clip_by_global_norm, ["sum of squares", "square root"])
def clip_without_sqrt(grads, clip_norm):
    norm = float(sum(np.sum(g**2) for g in grads))
    return [g * clip_norm / max(norm, clip_norm) for g in grads], norm


@caught_by(checks.check_clip_by_global_norm, ["NaN", "all-zero"])
def clip_dividing_by_zero(grads, clip_norm):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    scale = min(1.0, clip_norm / norm) if norm != 0 else np.nan
    return [g * scale for g in grads], norm


@caught_by(checks.check_clip_by_global_norm, ["pair `(clipped, global_norm)`"])
def clip_returning_only_the_list(grads, clip_norm):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    return [g * clip_norm / max(norm, clip_norm) for g in grads]


@caught_by(checks.check_clip_by_global_norm, ["changed the gradients"])
def clip_in_place(grads, clip_norm):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    for g in grads:
        g *= clip_norm / max(norm, clip_norm)
    return grads, norm


@caught_by(checks.check_clip_by_global_norm, ["clip_norm / global_norm"])
def clip_by_value(grads, clip_norm):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    return [np.clip(g, -clip_norm, clip_norm) for g in grads], norm


test_wrong_clipping_is_caught = lesson_source.catches(checks.check_clip_by_global_norm)
