"""Backpropagation through time (BPTT) for a vanilla RNN, in NumPy float64, as the notes derive it.

The model reads one sequence x_0, ..., x_{T-1} and predicts a class at every step
(the BPTT notes' notation; column vectors, time counted from 0)::

    s_t = tanh(U x_t + W s_{t-1} + b)      s_{-1} = 0, or `s_init`
    ŷ_t = softmax(V s_t + c)
    E_t = −y_tᵀ log ŷ_t                    y_t: the one-hot vector of the target class
    E   = Σ_t E_t

The notes have no biases; b and c are optional here (leave them out of `params`
and the model is exactly the notes'). The shapes, with d inputs, h hidden units
and k classes: U (h, d), W (h, h), V (k, h), b (h,), c (k,).

Notation map (the kit's cells use row vectors, so the matrices are transposed):
    - slides: s_t = H_tᵀ, x_t = X_tᵀ, U = W_xhᵀ, W = W_hhᵀ, V = W_hqᵀ, b = b_h,
      c = b_q; V s_t + c = O_tᵀ.
    - Andrew Ng: s_t = a^<t>, U = W_ax, W = W_aa, V = W_ya, b = b_a, c = b_y.
    - Keras: `SimpleRNN` kernel = Uᵀ, recurrent_kernel = Wᵀ, bias = b;
      `Dense` kernel = Vᵀ, bias = c.

The gradient. E depends on W through every state, so the notes write, for one
step t (k runs over the earlier steps whose state s_k used W directly)::

    ∂E_t/∂W = Σ_{k=0..t} ∂E_t/∂ŷ_t · ∂ŷ_t/∂s_t · (Π_{j=k+1..t} ∂s_j/∂s_{j-1}) · ∂⁺s_k/∂W
    ∂s_j/∂s_{j-1} = diag(1 − s_j²) W

`step_loss_gradient` computes exactly that sum of products. `backward` gets the
same total Σ_t ∂E_t/∂W in one sweep from t = T−1 down to 0: it carries
δ_t = ∂E/∂s_t, everything that flows into s_t from E_t and from all later
steps, and one application of ∂s_t/∂s_{t-1} passes it on::

    δ_t     = Vᵀ (ŷ_t − y_t) + ∂s_{t+1}/∂s_tᵀ δ_{t+1}
    ∂E/∂W  += (δ_t ⊙ (1 − s_t²)) s_{t-1}ᵀ

Each product Π ∂s_j/∂s_{j-1} is then built once instead of once per (t, k).

Example:

>>> params = init_params(input_dim=3, hidden_dim=5, output_dim=4, seed=0)
>>> xs = np.random.default_rng(0).normal(size=(6, 3))
>>> targets = np.array([0, 3, 1, 1, 2, 0])
>>> grads = backward(params, forward(params, xs), targets)
>>> gradient_check(params, xs, targets) < 1e-6
True
"""

import dataclasses

import numpy as np

from lessons.arguments import check_bool, check_int, check_number, check_units
from lessons.arguments import rng as random_generator

REQUIRED = ("U", "W", "V")
OPTIONAL = ("b", "c")


# --- parameters -----------------------------------------------------------------------
def init_params(input_dim, hidden_dim, output_dim, seed=0, bias=True, recurrent_scale=1.0):
    """Random float64 parameters for `forward`.

    U and V are drawn with the Glorot scale; W is a random orthogonal matrix
    times `recurrent_scale`, so its spectral radius is exactly `recurrent_scale`.

    Args:
        input_dim: d, the number of input features.
        hidden_dim: h, the number of hidden units.
        output_dim: k, the number of classes.
        seed: Seed for NumPy's generator.
        bias: Whether to add b and c (random, small). Default True.
        recurrent_scale: The spectral radius of W. Default 1.0.

    Returns:
        A dict with "U" (h, d), "W" (h, h), "V" (k, h), and "b" (h,), "c" (k,)
        when `bias`.
    """
    for name, value in (
        ("input_dim", input_dim),
        ("hidden_dim", hidden_dim),
        ("output_dim", output_dim),
    ):
        check_units(value, name)
    check_number("recurrent_scale", recurrent_scale)
    bias = check_bool("bias", bias)
    rng = random_generator(seed)
    d, h, k = input_dim, hidden_dim, output_dim
    Q, R = np.linalg.qr(rng.normal(size=(h, h)))
    Q = Q * np.sign(np.diag(R))  # a uniformly random orthogonal matrix
    params = {
        "U": rng.normal(0.0, np.sqrt(2.0 / (h + d)), size=(h, d)),
        "W": recurrent_scale * Q,
        "V": rng.normal(0.0, np.sqrt(2.0 / (k + h)), size=(k, h)),
    }
    if bias:
        params["b"] = rng.normal(0.0, 0.1, size=h)
        params["c"] = rng.normal(0.0, 0.1, size=k)
    return params


def check_params(params):
    """Validate `params` and return (a float64 copy of it, d, h, k).

    Raises:
        TypeError: `params` is not a dict, or holds something that is not a
            real-valued array.
        ValueError: a key is missing or unknown, a shape does not fit the
            others, or a value is not finite.
    """
    if not isinstance(params, dict):
        raise TypeError(
            f"Argument `params` must be a dict with keys 'U', 'W', 'V' (and optionally "
            f"'b', 'c'), got {type(params).__name__}."
        )
    missing = [name for name in REQUIRED if name not in params]
    unknown = [name for name in params if name not in REQUIRED + OPTIONAL]
    if missing or unknown:
        raise ValueError(
            f"Argument `params` must have the keys 'U', 'W', 'V' and may have 'b', 'c'; "
            f"missing {missing}, unknown {unknown}."
        )
    out = {name: _real_array(f"params['{name}']", value) for name, value in params.items()}
    for name in REQUIRED:
        if out[name].ndim != 2:
            raise ValueError(
                f"Argument `params['{name}']` must be a matrix (2-D), got shape {out[name].shape}."
            )
    h, d = out["U"].shape
    k = out["V"].shape[0]
    expected = {"U": (h, d), "W": (h, h), "V": (k, h), "b": (h,), "c": (k,)}
    for name, array in out.items():
        if array.shape != expected[name]:
            raise ValueError(
                f"Argument `params['{name}']` must have shape {expected[name]} to fit "
                f"U {out['U'].shape} (h, d) and V {out['V'].shape} (k, h), got {array.shape}."
            )
    return out, d, h, k


# --- forward pass -----------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class ForwardPass:
    """What `forward` computed, kept for the backward pass.

    Attributes:
        xs: The inputs x_t, shape (T, d), float64.
        s: The states s_t, shape (T, h): row t is s_t.
        y_hat: The predictions ŷ_t, shape (T, k): row t is a probability vector.
        s_init: s_{-1}, shape (h,).
    """

    xs: np.ndarray
    s: np.ndarray
    y_hat: np.ndarray
    s_init: np.ndarray

    @property
    def length(self):
        """T, the number of steps."""
        return self.xs.shape[0]

    def s_prev(self, t):
        """s_{t-1}: the state the step t started from (s_init for t = 0)."""
        return self.s[t - 1] if t > 0 else self.s_init


def softmax(o):
    """softmax over the last axis, shifted by the max so exp never overflows."""
    e = np.exp(o - o.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def forward(params, xs, s_init=None):
    """Run the RNN over one sequence: s_t = tanh(U x_t + W s_{t-1} + b), ŷ_t = softmax(V s_t + c).

    Args:
        params: A dict as `init_params` returns ("U", "W", "V", optionally "b", "c").
        xs: The inputs, shape (T, d): row t is x_t. T ≥ 1.
        s_init: s_{-1}, shape (h,). Default zeros.

    Returns:
        A `ForwardPass` holding xs, the states s (T, h) and the predictions y_hat (T, k).
    """
    params, d, h, _ = check_params(params)
    xs = _check_xs(xs, d)
    s_init = _check_state("s_init", s_init, h)
    U, W, V = params["U"], params["W"], params["V"]
    b = params.get("b", np.zeros(h))
    c = params.get("c", np.zeros(V.shape[0]))
    s = np.empty((xs.shape[0], h))
    s_prev = s_init
    for t, x_t in enumerate(xs):
        s[t] = np.tanh(U @ x_t + W @ s_prev + b)
        s_prev = s[t]
    y_hat = softmax(s @ V.T + c)  # ŷ_t = softmax(V s_t + c), all t at once
    return ForwardPass(xs=xs, s=s, y_hat=y_hat, s_init=s_init)


def step_losses(y_hat, targets):
    """E_t = −log ŷ_t[y_t] for every t (= −y_tᵀ log ŷ_t with y_t one-hot), shape (T,)."""
    y_hat = _real_array("y_hat", y_hat)
    if y_hat.ndim != 2:
        raise ValueError(f"Argument `y_hat` must have shape (T, k), got {y_hat.shape}.")
    targets = _check_targets(targets, *y_hat.shape, what="y_hat")
    return -np.log(y_hat[np.arange(len(targets)), targets])


def loss(params, xs, targets, s_init=None):
    """E = Σ_t E_t for one sequence: the function whose gradient BPTT computes."""
    return float(step_losses(forward(params, xs, s_init).y_hat, targets).sum())


# --- backward pass ----------------------------------------------------------------------
def backward_step(delta_t, s_t, s_prev, x_t, W):
    """One step of BPTT: from δ_t = ∂E/∂s_t to this step's share of the gradients.

    With z_t = U x_t + W s_{t-1} + b and s_t = tanh(z_t)::

        ∂E/∂z_t     = δ_t ⊙ (1 − s_t²)          tanh' written with the output s_t
        ∂E/∂U      += ∂E/∂z_t x_tᵀ
        ∂E/∂W      += ∂E/∂z_t s_{t-1}ᵀ
        ∂E/∂b      += ∂E/∂z_t
        ∂E/∂s_{t-1} = Wᵀ ∂E/∂z_t = (∂s_t/∂s_{t-1})ᵀ δ_t

    Args:
        delta_t: δ_t, shape (h,).
        s_t: The state s_t, shape (h,).
        s_prev: s_{t-1}, shape (h,).
        x_t: The input x_t, shape (d,).
        W: The recurrent matrix, shape (h, h).

    Returns:
        `(dU_t, dW_t, db_t, delta_prev)`, shapes (h, d), (h, h), (h,), (h,).
    """
    dz = delta_t * (1.0 - s_t**2)
    return np.outer(dz, x_t), np.outer(dz, s_prev), dz, W.T @ dz


def output_error(y_hat, targets):
    """∂E_t/∂o_t = ŷ_t − y_t for every t, shape (T, k), where o_t = V s_t + c (softmax + CE)."""
    error = np.array(y_hat, dtype=np.float64)
    error[np.arange(len(targets)), targets] -= 1.0
    return error


def backward(params, fwd, targets, step=backward_step):
    """∂E/∂θ for every parameter θ, accumulated backwards through time.

    Args:
        params: The dict given to `forward`.
        fwd: The `ForwardPass` that `forward(params, xs)` returned.
        targets: The target classes, integers of shape (T,).
        step: The function that does one step, with `backward_step`'s
            signature and returns (default `backward_step`); pass your own to
            test it inside the whole pass.

    Returns:
        A dict with the same keys as `params`: ∂E/∂U, ∂E/∂W, ∂E/∂V (and ∂E/∂b,
        ∂E/∂c), each the shape of its parameter.
    """
    params, _, h, k = check_params(params)
    fwd = _check_forward(fwd, params)
    targets = _check_targets(targets, fwd.length, k, what="xs")
    if not callable(step):
        raise TypeError(f"Argument `step` must be a function like backward_step, got {step!r}.")
    W, V = params["W"], params["V"]
    error = output_error(fwd.y_hat, targets)  # ∂E_t/∂o_t
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    grads["V"] = error.T @ fwd.s  # Σ_t (ŷ_t − y_t) s_tᵀ
    if "c" in grads:
        grads["c"] = error.sum(axis=0)
    from_later = np.zeros(h)  # ∂E/∂s_t through s_{t+1}: nothing after the last step
    for t in reversed(range(fwd.length)):
        delta_t = V.T @ error[t] + from_later  # δ_t = ∂E/∂s_t
        dU_t, dW_t, db_t, from_later = step(delta_t, fwd.s[t], fwd.s_prev(t), fwd.xs[t], W)
        grads["U"] += dU_t
        grads["W"] += dW_t
        if "b" in grads:
            grads["b"] += db_t
    return grads


# --- the notes' explicit sum of products ---------------------------------------------
def state_jacobian(params, fwd, j):
    """∂s_j/∂s_{j-1} = diag(1 − s_j²) W, shape (h, h)."""
    params, _, _, _ = check_params(params)
    fwd = _check_forward(fwd, params)
    j = _check_step("j", j, fwd.length)
    return _state_jacobian(params["W"], fwd.s[j])


def state_jacobian_product(params, fwd, t, k):
    """∂s_t/∂s_k = Π_{j=k+1..t} ∂s_j/∂s_{j-1} (the identity when k = t), shape (h, h).

    The factors multiply from the left as j grows:
    ∂s_t/∂s_k = ∂s_t/∂s_{t-1} · ∂s_{t-1}/∂s_{t-2} ··· ∂s_{k+1}/∂s_k.
    Its norm shrinks or grows geometrically in t − k: vanishing or exploding gradients.
    """
    params, _, _, _ = check_params(params)
    fwd = _check_forward(fwd, params)
    t = _check_step("t", t, fwd.length)
    k = _check_step("k", k, fwd.length)
    if k > t:
        raise ValueError(
            f"Argument `k` must be at most `t` = {t} (s_t depends on earlier states only), got {k}."
        )
    return _jacobian_product(params["W"], fwd.s, t, k)


def _state_jacobian(W, s_j):
    return (1.0 - s_j**2)[:, None] * W  # diag(1 − s_j²) W without building the diagonal


def _jacobian_product(W, s, t, k):
    product = np.eye(W.shape[0])
    for j in range(k + 1, t + 1):
        product = _state_jacobian(W, s[j]) @ product  # the newest factor goes on the left
    return product


def step_loss_gradient(params, fwd, targets, t):
    """∂E_t/∂θ for ONE step's loss E_t, as the notes' explicit sum over k of products.

    For U, W and b::

        ∂E_t/∂W = Σ_{k=0..t} ∂E_t/∂s_t · (Π_{j=k+1..t} ∂s_j/∂s_{j-1}) · ∂⁺s_k/∂W

    with ∂E_t/∂s_t = Vᵀ (ŷ_t − y_t) and ∂⁺s_k/∂W the "immediate" derivative
    (s_{k-1} held fixed), which gives the term (g_k ⊙ (1 − s_k²)) s_{k-1}ᵀ for
    g_k = ∂E_t/∂s_k. V and c act at step t only. Summed over t this equals
    `backward`; it costs O(T²) products instead of O(T), which is why nobody
    computes it this way, but it is the formula that shows where vanishing and
    exploding gradients come from.

    Returns:
        A dict with the keys of `params`.
    """
    params, _, _, k_classes = check_params(params)
    fwd = _check_forward(fwd, params)
    targets = _check_targets(targets, fwd.length, k_classes, what="xs")
    t = _check_step("t", t, fwd.length)
    error_t = output_error(fwd.y_hat[t : t + 1], targets[t : t + 1])[0]  # ŷ_t − y_t
    dE_t_ds_t = params["V"].T @ error_t
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    grads["V"] = np.outer(error_t, fwd.s[t])
    if "c" in grads:
        grads["c"] = error_t
    for k in range(t + 1):
        g_k = _jacobian_product(params["W"], fwd.s, t, k).T @ dE_t_ds_t  # ∂E_t/∂s_k
        dz_k = g_k * (1.0 - fwd.s[k] ** 2)
        grads["U"] += np.outer(dz_k, fwd.xs[k])
        grads["W"] += np.outer(dz_k, fwd.s_prev(k))
        if "b" in grads:
            grads["b"] += dz_k
    return grads


# --- gradient check ---------------------------------------------------------------------
def numerical_gradient(params, xs, targets, eps=1e-5, s_init=None):
    """∂E/∂θ by central differences: (E(θ + ε) − E(θ − ε)) / 2ε, one entry at a time.

    Slow (two forward passes per parameter entry) but needs no calculus: the
    reference that `backward` is checked against. Use float64: in float32 the
    rounding error of E is about 1e-7·E, which ε = 1e-5 magnifies to 1e-2.

    Returns:
        A dict with the keys of `params`, each the shape of its parameter.
    """
    params, _, _, _ = check_params(params)
    check_number("eps", eps, allow_minimum=False)
    grads = {}
    for name, value in params.items():
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            shifted = {key: array.copy() for key, array in params.items()}
            shifted[name][index] = value[index] + eps
            E_plus = loss(shifted, xs, targets, s_init)
            shifted[name][index] = value[index] - eps
            E_minus = loss(shifted, xs, targets, s_init)
            grad[index] = (E_plus - E_minus) / (2.0 * eps)
        grads[name] = grad
    return grads


def relative_error(a, b):
    """‖a − b‖ / (‖a‖ + ‖b‖): 0 when equal, 1 when unrelated; 0 when both are 0.

    Scale-free, so one threshold serves every parameter: below 1e-6 in float64
    the analytic gradient is right; above 1e-2 it is almost surely wrong.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"Arguments `a` and `b` must have the same shape, got {a.shape} and {b.shape}."
        )
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def gradient_check(params, xs, targets, eps=1e-5, s_init=None, step=backward_step):
    """The largest relative error between `backward` and `numerical_gradient` over all parameters.

    Args:
        params, xs, targets, s_init: As for `forward` and `backward`.
        eps: The central-difference step ε. Default 1e-5.
        step: The one-step backward function given to `backward`.

    Returns:
        A float; below 1e-6 means the backward pass is right (in float64).
    """
    analytic = backward(params, forward(params, xs, s_init), targets, step=step)
    numeric = numerical_gradient(params, xs, targets, eps=eps, s_init=s_init)
    return max(relative_error(analytic[name], numeric[name]) for name in numeric)


# --- argument checks --------------------------------------------------------------------
def _real_array(name, value):
    """`value` as a float64 array, or TypeError naming `name`; ValueError if not finite."""
    array = np.asarray(value)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    ):
        raise TypeError(
            f"Argument `{name}` must be an array of real numbers, got dtype {array.dtype}."
        )
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"Argument `{name}` must hold finite numbers; it has NaN or inf.")
    return array


def _check_xs(xs, d):
    xs = _real_array("xs", xs)
    if xs.ndim != 2 or xs.shape[0] == 0:
        raise ValueError(
            f"Argument `xs` must have shape (T, d) with T ≥ 1 (one sequence, row t = x_t), "
            f"got shape {xs.shape}."
        )
    if xs.shape[1] != d:
        raise ValueError(
            f"Argument `xs` must have d = {d} features per step (U has shape {(None, d)}), "
            f"got shape {xs.shape}."
        )
    return xs


def _check_state(name, s, h):
    if s is None:
        return np.zeros(h)
    s = _real_array(name, s)
    if s.shape != (h,):
        raise ValueError(f"Argument `{name}` must have shape ({h},), got {s.shape}.")
    return s


def _check_targets(targets, T, k, what):
    array = np.asarray(targets)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(
            f"Argument `targets` must hold integer class indices 0..{k - 1}, got dtype "
            f"{array.dtype}" + (f" (e.g. {array.flat[0]!r})" if array.size else "") + "."
        )
    if array.ndim != 1:
        raise ValueError(
            f"Argument `targets` must have shape (T,) = ({T},), one class per step, "
            f"got shape {array.shape}."
        )
    if len(array) != T:
        raise ValueError(
            f"Argument `targets` must have one class per step of `{what}`: `{what}` has "
            f"T = {T} steps, `targets` has length {len(array)}."
        )
    if array.size and (array.min() < 0 or array.max() >= k):
        raise ValueError(
            f"Argument `targets` must hold classes 0..{k - 1} (V has {k} rows), got values "
            f"from {array.min()} to {array.max()}."
        )
    return array.astype(np.int64)


def _check_forward(fwd, params):
    if not isinstance(fwd, ForwardPass):
        raise TypeError(
            f"Argument `fwd` must be the ForwardPass that `forward` returned, got "
            f"{type(fwd).__name__}."
        )
    h, k = params["W"].shape[0], params["V"].shape[0]
    if fwd.s.shape[1] != h or fwd.y_hat.shape[1] != k or fwd.xs.shape[1] != params["U"].shape[1]:
        raise ValueError(
            "Argument `fwd` must come from `forward` with these `params`: its shapes "
            f"(xs {fwd.xs.shape}, s {fwd.s.shape}, y_hat {fwd.y_hat.shape}) do not fit "
            f"U {params['U'].shape}, V {params['V'].shape}."
        )
    return fwd


def _check_step(name, t, T):
    return check_int(name, t, minimum=0, maximum=T - 1, what=f"time step 0..{T - 1}")
