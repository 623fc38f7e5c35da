"""Hidden tests for lesson 02 (BPTT): the backward step, gradient checking, clipping.

Everything is float64 NumPy, so a right answer agrees with the reference to
about 1e-12; the tolerances are far tighter than the error of a plausible
mistake (a forward difference is off by about 1e-5).
"""

import numpy as np

from instructor.grading import capture, within


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
