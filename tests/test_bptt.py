"""`lessons.bptt`: the NumPy BPTT against independent references, and its argument checks.

References: a forward pass written here from the notes' equations, TensorFlow's
automatic differentiation in float64 on the same weights, and the module's own
central differences (checked against autodiff first).
"""

import doctest

import numpy as np
import pytest
import tensorflow as tf

from lessons import bptt

SHAPES = [  # (d, h, k, T)
    (3, 5, 4, 6),
    (1, 1, 2, 1),  # one unit, one step
    (8, 16, 10, 8),  # lesson 02's digits model
    (2, 3, 3, 20),
]


def problem(d, h, k, T, seed=0, bias=True, scale=1.0):
    params = bptt.init_params(d, h, k, seed=seed, bias=bias, recurrent_scale=scale)
    rng = np.random.default_rng(seed + 100)
    return params, rng.normal(size=(T, d)), rng.integers(0, k, size=T)


# --- independent references ---------------------------------------------------------------
def notes_forward(params, xs, s_init=None):
    """s_t = tanh(U x_t + W s_{t-1} + b), ŷ_t = softmax(V s_t + c), one column vector at a time."""
    U, W, V = params["U"], params["W"], params["V"]
    b = params.get("b", np.zeros(len(W)))[:, None]
    c = params.get("c", np.zeros(len(V)))[:, None]
    s = np.zeros((len(W), 1)) if s_init is None else np.asarray(s_init)[:, None]
    states, probs = [], []
    for x in xs:
        s = np.tanh(U @ x[:, None] + W @ s + b)
        o = V @ s + c
        states.append(s[:, 0])
        probs.append((np.exp(o) / np.exp(o).sum())[:, 0])
    return np.array(states), np.array(probs)


def tf_loss_and_grads(params, xs, targets, s_init=None, only_step=None):
    """E (or E_t for t = only_step) and its gradients by tf.GradientTape, float64."""
    variables = {name: tf.Variable(value, dtype=tf.float64) for name, value in params.items()}
    h = params["W"].shape[0]
    with tf.GradientTape() as tape:
        s = tf.zeros((h, 1), tf.float64) if s_init is None else tf.constant(s_init[:, None])
        losses = []
        for t, x in enumerate(xs):
            z = variables["U"] @ tf.constant(x[:, None]) + variables["W"] @ s
            if "b" in variables:
                z += variables["b"][:, None]
            s = tf.tanh(z)
            o = variables["V"] @ s
            if "c" in variables:
                o += variables["c"][:, None]
            losses.append(-tf.nn.log_softmax(o[:, 0])[int(targets[t])])
        E = losses[only_step] if only_step is not None else tf.add_n(losses)
    grads = tape.gradient(E, variables)
    return float(E), {name: g.numpy() for name, g in grads.items()}


# --- forward ------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
def test_forward_matches_the_notes_equations(shape):
    params, xs, _ = problem(*shape)
    fwd = bptt.forward(params, xs)
    states, probs = notes_forward(params, xs)
    np.testing.assert_allclose(fwd.s, states, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(fwd.y_hat, probs, rtol=1e-12, atol=1e-15)
    assert fwd.s.dtype == np.float64 and fwd.length == shape[3]


def test_forward_from_a_given_state_and_without_biases(rng):
    params, xs, _ = problem(3, 4, 2, 5, bias=False)
    s_init = rng.normal(size=4)
    states, probs = notes_forward(params, xs, s_init)
    fwd = bptt.forward(params, xs, s_init=s_init)
    np.testing.assert_allclose(fwd.s, states, atol=1e-14)
    np.testing.assert_allclose(fwd.y_hat, probs, atol=1e-14)
    np.testing.assert_array_equal(fwd.s_prev(0), s_init)
    np.testing.assert_array_equal(fwd.s_prev(3), fwd.s[2])


def test_losses_are_the_cross_entropy_of_each_step():
    params, xs, targets = problem(3, 5, 4, 6)
    fwd = bptt.forward(params, xs)
    E_t = bptt.step_losses(fwd.y_hat, targets)
    one_hot = np.eye(4)[targets]
    np.testing.assert_allclose(E_t, -(one_hot * np.log(fwd.y_hat)).sum(axis=1), rtol=1e-14)
    assert bptt.loss(params, xs, targets) == pytest.approx(E_t.sum(), rel=1e-14)


def test_init_params_gives_the_asked_spectral_radius():
    for radius in (0.5, 1.0, 2.0):
        W = bptt.init_params(2, 6, 3, seed=3, recurrent_scale=radius)["W"]
        np.testing.assert_allclose(np.abs(np.linalg.eigvals(W)), radius, rtol=1e-12)
    assert set(bptt.init_params(2, 3, 4, bias=False)) == {"U", "W", "V"}


# --- backward -----------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_tensorflow_autodiff(shape):
    params, xs, targets = problem(*shape)
    grads = bptt.backward(params, bptt.forward(params, xs), targets)
    E, expected = tf_loss_and_grads(params, xs, targets)
    assert bptt.loss(params, xs, targets) == pytest.approx(E, rel=1e-13)
    assert set(grads) == set(params)
    for name in params:
        assert grads[name].shape == params[name].shape
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-10, atol=1e-13)


def test_backward_without_biases_and_from_a_given_state(rng):
    params, xs, targets = problem(4, 3, 5, 7, bias=False)
    s_init = rng.normal(size=3)
    grads = bptt.backward(params, bptt.forward(params, xs, s_init), targets)
    _, expected = tf_loss_and_grads(params, xs, targets, s_init=s_init)
    assert set(grads) == {"U", "W", "V"}
    for name in grads:
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("shape", SHAPES)
def test_gradient_check_passes_in_float64(shape):
    params, xs, targets = problem(*shape, seed=4)
    assert bptt.gradient_check(params, xs, targets) < 1e-6


@pytest.mark.parametrize("scale", [0.5, 3.0])
def test_gradient_check_passes_when_gradients_vanish_or_explode(scale):
    params, xs, targets = problem(3, 4, 3, 15, seed=5, scale=scale)
    assert bptt.gradient_check(params, xs, targets) < 1e-6


def test_numerical_gradient_matches_autodiff():
    params, xs, targets = problem(2, 3, 3, 4, seed=6)
    numeric = bptt.numerical_gradient(params, xs, targets)
    _, expected = tf_loss_and_grads(params, xs, targets)
    for name in params:
        np.testing.assert_allclose(numeric[name], expected[name], rtol=1e-6, atol=1e-9)


def broken_step_transposed(delta_t, s_t, s_prev, x_t, W):
    dz = delta_t * (1 - s_t**2)
    return np.outer(dz, x_t), np.outer(dz, s_prev), dz, W @ dz  # W instead of Wᵀ


def broken_step_no_tanh(delta_t, s_t, s_prev, x_t, W):
    return np.outer(delta_t, x_t), np.outer(delta_t, s_prev), delta_t, W.T @ delta_t


@pytest.mark.parametrize("step", [broken_step_transposed, broken_step_no_tanh])
def test_gradient_check_catches_a_wrong_backward_step(step):
    params, xs, targets = problem(3, 4, 3, 6, seed=7)
    assert bptt.gradient_check(params, xs, targets, step=step) > 1e-2


def test_float32_params_are_computed_in_float64():
    params, xs, targets = problem(3, 4, 3, 5)
    params32 = {name: value.astype(np.float32) for name, value in params.items()}
    grads = bptt.backward(params32, bptt.forward(params32, xs.astype(np.float32)), targets)
    assert all(g.dtype == np.float64 for g in grads.values())
    assert bptt.gradient_check(params32, xs.astype(np.float32), targets) < 1e-6


# --- the notes' explicit sum of products ----------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
def test_explicit_sum_over_k_equals_the_accumulated_backward(shape):
    params, xs, targets = problem(*shape, seed=8)
    fwd = bptt.forward(params, xs)
    total = {name: np.zeros_like(value) for name, value in params.items()}
    for t in range(fwd.length):
        for name, g in bptt.step_loss_gradient(params, fwd, targets, t).items():
            total[name] += g
    grads = bptt.backward(params, fwd, targets)
    for name in params:
        np.testing.assert_allclose(total[name], grads[name], rtol=1e-10, atol=1e-13)


def test_explicit_gradient_of_one_step_loss_matches_autodiff_of_E_t():
    params, xs, targets = problem(3, 4, 3, 6, seed=9)
    fwd = bptt.forward(params, xs)
    for t in (0, 3, 5):
        _, expected = tf_loss_and_grads(params, xs, targets, only_step=t)
        got = bptt.step_loss_gradient(params, fwd, targets, t)
        for name in params:
            np.testing.assert_allclose(got[name], expected[name], rtol=1e-10, atol=1e-13)


def test_state_jacobian_product_matches_autodiff():
    params, xs, _ = problem(3, 4, 3, 6, seed=10)
    fwd = bptt.forward(params, xs)
    t, k = 5, 2
    s_k = tf.Variable(fwd.s[k][:, None])
    with tf.GradientTape() as tape:
        s = s_k
        for j in range(k + 1, t + 1):
            s = tf.tanh(params["U"] @ xs[j][:, None] + params["W"] @ s + params["b"][:, None])
    jacobian = tape.jacobian(s, s_k).numpy().reshape(4, 4)  # ∂s_t/∂s_k
    np.testing.assert_allclose(
        bptt.state_jacobian_product(params, fwd, t, k), jacobian, rtol=1e-10, atol=1e-14
    )
    np.testing.assert_allclose(
        bptt.state_jacobian(params, fwd, t),
        np.diag(1 - fwd.s[t] ** 2) @ params["W"],
        rtol=1e-14,
    )
    np.testing.assert_array_equal(bptt.state_jacobian_product(params, fwd, 3, 3), np.eye(4))


def test_backward_step_is_the_chain_rule_of_one_step(rng):
    h, d = 4, 3
    U, W, b = rng.normal(size=(h, d)), rng.normal(size=(h, h)), rng.normal(size=h)
    x_t, s_prev, delta = rng.normal(size=d), np.tanh(rng.normal(size=h)), rng.normal(size=h)
    s_t = np.tanh(U @ x_t + W @ s_prev + b)
    variables = [tf.Variable(v) for v in (U, W, b, s_prev)]
    with tf.GradientTape() as tape:
        Uv, Wv, bv, sv = variables
        L = tf.reduce_sum(
            delta * tf.tanh(tf.linalg.matvec(Uv, x_t) + tf.linalg.matvec(Wv, sv) + bv)
        )
    expected = [g.numpy() for g in tape.gradient(L, variables)]
    for got, want in zip(bptt.backward_step(delta, s_t, s_prev, x_t, W), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_relative_error():
    a = np.array([[1.0, -2.0], [3.0, 0.5]])
    assert bptt.relative_error(a, a) == 0.0
    assert bptt.relative_error(a, -a) == pytest.approx(1.0)
    assert bptt.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    b = a + 1e-3
    assert bptt.relative_error(1e6 * a, 1e6 * b) == pytest.approx(bptt.relative_error(a, b))


def test_docstring_example_runs():
    results = doctest.testmod(bptt, verbose=False)
    assert results.attempted > 0 and results.failed == 0


# --- bad input ------------------------------------------------------------------------------
@pytest.fixture
def small():
    return problem(3, 4, 5, 6)


def test_targets_must_be_integers(small):
    params, xs, targets = small
    fwd = bptt.forward(params, xs)
    with pytest.raises(TypeError, match=r"`targets` must hold integer class indices.*float64"):
        bptt.backward(params, fwd, targets.astype(float))
    with pytest.raises(TypeError, match="`targets`"):
        bptt.backward(params, fwd, targets > 2)  # booleans are not classes
    with pytest.raises(TypeError, match="`targets`"):
        bptt.loss(params, xs, ["a"] * 6)


def test_targets_length_must_match_xs(small):
    params, xs, targets = small
    fwd = bptt.forward(params, xs)
    with pytest.raises(ValueError, match=r"`targets`.*`xs` has T = 6 steps.*length 5"):
        bptt.backward(params, fwd, targets[:5])
    with pytest.raises(ValueError, match=r"`targets`.*length 7"):
        bptt.loss(params, xs, np.append(targets, 0))
    with pytest.raises(ValueError, match=r"`targets` must have shape \(T,\)"):
        bptt.backward(params, fwd, targets[:, None])


def test_targets_must_be_valid_classes(small):
    params, xs, targets = small
    with pytest.raises(ValueError, match=r"`targets` must hold classes 0\.\.4.*to 5"):
        bptt.loss(params, xs, np.where(targets == targets[0], 5, targets))
    with pytest.raises(ValueError, match=r"classes 0\.\.4.*-1"):
        bptt.loss(params, xs, np.full(6, -1))


def test_xs_shape_and_values(small):
    params, xs, _ = small
    with pytest.raises(ValueError, match=r"`xs` must have shape \(T, d\).*\(6,\)"):
        bptt.forward(params, xs[:, 0])
    with pytest.raises(ValueError, match=r"`xs` must have shape \(T, d\) with T ≥ 1"):
        bptt.forward(params, xs[:0])
    with pytest.raises(ValueError, match=r"`xs` must have d = 3 features.*\(6, 2\)"):
        bptt.forward(params, xs[:, :2])
    with pytest.raises(ValueError, match=r"`xs` must hold finite numbers"):
        bptt.forward(params, np.where(xs > 1, np.nan, xs))
    with pytest.raises(TypeError, match=r"`xs` must be an array of real numbers"):
        bptt.forward(params, xs.astype(complex))


def test_params_keys_and_shapes(small):
    params, xs, _ = small
    with pytest.raises(TypeError, match=r"`params` must be a dict"):
        bptt.forward([params["U"], params["W"], params["V"]], xs)
    with pytest.raises(ValueError, match=r"`params`.*missing \['W'\]"):
        bptt.forward({k: v for k, v in params.items() if k != "W"}, xs)
    with pytest.raises(ValueError, match=r"`params`.*unknown \['W_xh'\]"):
        bptt.forward({**params, "W_xh": params["U"]}, xs)
    with pytest.raises(ValueError, match=r"`params\['W'\]` must have shape \(4, 4\).*\(4, 5\)"):
        bptt.forward({**params, "W": np.zeros((4, 5))}, xs)
    with pytest.raises(ValueError, match=r"`params\['b'\]` must have shape \(4,\)"):
        bptt.forward({**params, "b": np.zeros(5)}, xs)
    with pytest.raises(ValueError, match=r"`params\['V'\]` must be a matrix"):
        bptt.forward({**params, "V": np.zeros(4)}, xs)


def test_other_arguments(small):
    params, xs, targets = small
    fwd = bptt.forward(params, xs)
    with pytest.raises(ValueError, match=r"`s_init` must have shape \(4,\)"):
        bptt.forward(params, xs, s_init=np.zeros(3))
    with pytest.raises(TypeError, match=r"`fwd` must be the ForwardPass"):
        bptt.backward(params, (fwd.s, fwd.y_hat), targets)
    other = bptt.init_params(3, 2, 5)
    with pytest.raises(ValueError, match=r"`fwd` must come from `forward` with these `params`"):
        bptt.backward(other, fwd, targets)
    with pytest.raises(TypeError, match=r"`step` must be a function"):
        bptt.backward(params, fwd, targets, step="backward_step")
    with pytest.raises(ValueError, match=r"`eps` must be a finite positive number"):
        bptt.numerical_gradient(params, xs, targets, eps=0.0)
    with pytest.raises(ValueError, match=r"`t` must be an integer time step 0\.\.5, got 6"):
        bptt.step_loss_gradient(params, fwd, targets, 6)
    with pytest.raises(TypeError, match=r"`t` must be an integer"):
        bptt.state_jacobian_product(params, fwd, 2.0, 1)
    with pytest.raises(ValueError, match=r"`k` must be at most `t` = 2"):
        bptt.state_jacobian_product(params, fwd, 2, 3)
    with pytest.raises(ValueError, match=r"`a` and `b` must have the same shape"):
        bptt.relative_error(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"`hidden_dim` must be a positive integer"):
        bptt.init_params(3, 0, 2)
    with pytest.raises(TypeError, match=r"`input_dim` must be a positive integer"):
        bptt.init_params(3.0, 2, 2)
    with pytest.raises(ValueError, match=r"`y_hat` must have shape \(T, k\)"):
        bptt.step_losses(fwd.y_hat[0], targets)
