# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: rnn_lessons,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
#   rnn_lessons:
#     exercises:
#       backward_step:
#         defines:
#         - backward_step
#         points: 3
#       clip_by_global_norm:
#         defines:
#         - clip_by_global_norm
#         points: 2
#       gradient_check:
#         defines:
#         - numerical_gradient
#         - relative_error
#         points: 2
#     lesson: 02_bptt
#     title: Backpropagation through time, vanishing and exploding gradients, clipping
# ---

# %% [markdown] tags=["kit-badge"]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lessons/rnn-lessons-course/blob/v0.1.0/notebooks/02_bptt.ipynb)
#
# # Lesson 02 — Backpropagation through time, vanishing and exploding gradients, clipping

# %% tags=["kit-setup"]
# Set-up, written by `rnn-lessons build`. On Colab it installs the course's package,
# `lessons`, from the course's repository (once per runtime); elsewhere it only imports it.
# Seeding makes two runs print the same numbers.
import sys

if "google.colab" in sys.modules:
    import shutil
    import subprocess

    url = "https://github.com/rnn-lessons/rnn-lessons-course.git"
    tag, version = "v0.1.0", "0.1.0"
    folder = "/content/rnn-lessons-course"
    try:
        import lessons

        ready = getattr(lessons, "__version__", None) == version
    except ImportError:
        ready = False
    if not ready:
        shutil.rmtree(folder, ignore_errors=True)
        for command in (
            ["git", "clone", "--quiet", "--depth=1", "--branch", tag, url, folder],
            [sys.executable, "-m", "pip", "install", "--quiet", "--editable", folder],
        ):
            if subprocess.run(command).returncode != 0:
                raise RuntimeError(
                    f"Could not install the course from {url} (tag {tag}): `{' '.join(command)}` "
                    "failed (see above). If that address is wrong, the instructor sets it as "
                    "[tool.rnn-lessons] student-repository in pyproject.toml, then runs "
                    "`rnn-lessons release`."
                )
        sys.path.insert(0, folder)

import lessons
from lessons import config

lessons.set_seed(0)
print(config.describe())


# %% [markdown]
# Lesson 01 trained RNNs and let Keras find the gradients. This lesson computes them by hand,
# in NumPy, the way the BPTT notes derive them: **backpropagation through time**. Then it
# checks them twice, against finite differences and against TensorFlow's automatic
# differentiation.
#
# The derivation shows why gradients **vanish** or **explode** over long sequences. We measure
# both, compare the vanilla RNN with the GRU and the LSTM, and tame explosions by **clipping**
# the gradient. Last comes **truncated BPTT**, which cuts long sequences into chunks.
#
# Three exercises: one step of the backward pass, a numerical gradient check, and clipping by
# the global norm.

# %% rnn_lessons={"context": true}
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from keras import ops

from lessons import bptt
from lessons.checks import lesson02 as checks
from lessons.checks import yours_or_kit
from lessons.datasets import load_digits

# %% [markdown]
# ## 1. The model, in the notes' notation
#
# The BPTT notes write the RNN for one sequence with column vectors and three matrices,
# $U$ (input), $W$ (recurrent) and $V$ (output), shared by all time steps:
#
# $$s_t = \tanh(U x_t + W s_{t-1}) \qquad \hat{y}_t = \text{softmax}(V s_t)$$
#
# $$E_t(y_t, \hat{y}_t) = -y_t^\top \log \hat{y}_t \qquad E = \sum_t E_t$$
#
# This is lesson 01's RNN turned on its side: $s_t = H_t^\top$, $U = W_{xh}^\top$,
# $W = W_{hh}^\top$, $V = W_{hq}^\top$. `lessons.bptt` implements it in NumPy with float64
# numbers, optionally with biases $b$ (hidden) and $c$ (output); its docstring has the full
# translation table.
#
# We reuse lesson 01's many-to-many task: read a digit row by row ($T = 8$ steps of 8 pixels)
# and name the digit after every row, so $y_t$ is the image's label at every step.

# %%
# NBVAL_CHECK_OUTPUT
images, labels = load_digits()
xs = images[0].astype(np.float64) / 16.0  # one image: x_t is row t, shape (T, d) = (8, 8)
targets = np.full(8, labels[0])  # the same label at every step
params = bptt.init_params(input_dim=8, hidden_dim=16, output_dim=10, seed=0)
for name, value in params.items():
    print(f"{name}: {value.shape}")
print("xs:", xs.shape, " targets:", targets)

# %%
# NBVAL_CHECK_OUTPUT
fwd = bptt.forward(params, xs)  # keeps s_t and ŷ_t for the backward pass
print("states s:", fwd.s.shape, " predictions y_hat:", fwd.y_hat.shape)

# %% [markdown]
# The weights are random, so every guess is close to uniform and each $E_t$ is close to
# $\ln 10 \approx 2.3$:

# %%
E_t = bptt.step_losses(fwd.y_hat, targets)  # E_t = −log ŷ_t[y_t]
print("E_t:", np.round(E_t, 2), f"  E = Σ_t E_t = {E_t.sum():.2f}")

# %% [markdown]
# ## 2. The gradient, as the notes derive it
#
# $E$ depends on $V$ only at each step's output, so its gradient is a plain sum over $t$. With
# softmax and cross-entropy the error at the output is simply $\hat{y}_t - y_t$:
#
# $$\frac{\partial E}{\partial V} = \sum_t (\hat{y}_t - y_t)\, s_t^\top$$
#
# $W$ is harder: it is used at every step, so $E_3$ depends on it through $s_3$, but also
# through $s_2$, $s_1$ and $s_0$, each of which fed the next. The chain rule collects one term
# per earlier state $s_k$:
#
# $$\frac{\partial E_3}{\partial W} = \sum_{k=0}^{3}
# \frac{\partial E_3}{\partial \hat{y}_3} \frac{\partial \hat{y}_3}{\partial s_3}
# \left( \prod_{j=k+1}^{3} \frac{\partial s_j}{\partial s_{j-1}} \right)
# \frac{\partial^+ s_k}{\partial W}$$
#
# - $\frac{\partial^+ s_k}{\partial W}$ is the *immediate* effect of $W$ on $s_k$, with
#   $s_{k-1}$ held fixed.
# - Each factor of the product is a Jacobian: from $s_j = \tanh(U x_j + W s_{j-1})$,
#   $$\frac{\partial s_j}{\partial s_{j-1}} = \text{diag}(1 - s_j^2)\, W.$$
#
# `bptt.step_loss_gradient` computes exactly this sum of products, and
# `bptt.state_jacobian_product(params, fwd, t, k)` the product $\partial s_t / \partial s_k$.
# The further back $k$ is, the more Jacobians are multiplied, and the smaller the term gets:

# %%
for k in range(4):
    norm = np.linalg.norm(bptt.state_jacobian_product(params, fwd, t=3, k=k), 2)
    factors = "no factor: the identity" if k == 3 else f"{3 - k} Jacobian(s) multiplied"
    print(f"‖∂s_3/∂s_{k}‖ = {norm:.3f}   ({factors})")

# %% [markdown]
# ## 3. The backward pass: one sweep from the end
#
# Computing $\partial E_t / \partial W$ separately for every $t$ rebuilds the same products
# again and again: $O(T^2)$ work. BPTT reorders the double sum $\sum_t \sum_{k \le t}$ as
# $\sum_k \sum_{t \ge k}$ and goes backwards once. It carries
# $\delta_t = \partial E / \partial s_t$, everything that flows into $s_t$ from $E_t$ and from
# all later steps:
#
# $$\delta_t = V^\top (\hat{y}_t - y_t) + \left(\frac{\partial s_{t+1}}{\partial s_t}\right)^\top
# \delta_{t+1}, \qquad \delta_T = 0 \text{ beyond the last step}$$
#
# At each step, with $z_t = U x_t + W s_{t-1} + b$ (so $s_t = \tanh z_t$ and
# $\tanh'(z_t) = 1 - s_t^2$):
#
# $$\frac{\partial E}{\partial z_t} = \delta_t \odot (1 - s_t^2)$$
#
# $$\Delta U = \frac{\partial E}{\partial z_t} x_t^\top \qquad
# \Delta W = \frac{\partial E}{\partial z_t} s_{t-1}^\top \qquad
# \Delta b = \frac{\partial E}{\partial z_t}$$
#
# $$\frac{\partial E}{\partial s_{t-1}}\Big|_{\text{via } s_t} = W^\top
# \frac{\partial E}{\partial z_t}$$
#
# The last line is one factor of the notes' product, applied to a vector instead of
# multiplied out as a matrix.
#
# **Exercise 1.** Write `backward_step`, the four lines above. `lessons.bptt.backward` calls it
# once per time step, from $t = T-1$ down to 0, and adds up the results.


# %% rnn_lessons={"exercise": "backward_step"}
def backward_step(delta_t, s_t, s_prev, x_t, W):
    """One step of BPTT, from δ_t = ∂E/∂s_t to this step's share of the gradients.

    Args:
        delta_t: δ_t, shape (h,).
        s_t: the state s_t = tanh(U x_t + W s_prev + b), shape (h,).
        s_prev: the previous state s_{t-1}, shape (h,).
        x_t: the input x_t, shape (d,).
        W: the recurrent matrix, shape (h, h).

    Returns:
        (dU_t, dW_t, db_t, delta_prev) of shapes (h, d), (h, h), (h,), (h,):
        this step's terms of ∂E/∂U, ∂E/∂W, ∂E/∂b, and the gradient passed on to s_{t-1}.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# %%
# NBVAL_CHECK_OUTPUT
checks.check_backward_step(backward_step)

# %% [markdown]
# Your step inside the whole backward pass gives the same gradient as the notes' explicit
# sum of products, added up over $t$:

# %%
# NBVAL_CHECK_OUTPUT
grads = bptt.backward(params, fwd, targets, step=backward_step)
explicit = {name: np.zeros_like(value) for name, value in params.items()}
for t in range(len(xs)):
    for name, value in bptt.step_loss_gradient(params, fwd, targets, t).items():
        explicit[name] += value
for name in params:
    same = bptt.relative_error(grads[name], explicit[name]) < 1e-12
    print(f"∂E/∂{name}: one backward sweep == Σ_t of the explicit sums: {same}")

# %% [markdown]
# ## 4. Checking a gradient without calculus
#
# A derivative is a limit of difference quotients, so a small step $\varepsilon$ gives a
# reference that needs no chain rule at all. The **central difference**
#
# $$\frac{\partial f}{\partial \theta_i} \approx
# \frac{f(\theta + \varepsilon e_i) - f(\theta - \varepsilon e_i)}{2\varepsilon}$$
#
# is off by a term of order $\varepsilon^2$; the one-sided $(f(\theta + \varepsilon e_i) -
# f(\theta))/\varepsilon$ by order $\varepsilon$, much worse. We compare the two gradients
# with the **relative error**, which is the same at every scale:
#
# $$\text{rel}(a, b) = \frac{\lVert a - b \rVert}{\lVert a \rVert + \lVert b \rVert}$$
#
# In float64 with $\varepsilon = 10^{-5}$, a correct backward pass gives about $10^{-9}$ or
# less; a wrong one gives $10^{-2}$ or more. In float32 the rounding error of $f$, divided by
# $2\varepsilon$, would swamp the comparison: use float64 for gradient checks.
#
# **Exercise 2.** Write `numerical_gradient(f, x, eps)` (one entry of `x` at a time, putting
# it back afterwards) and `relative_error(a, b)` (0 when both are 0).


# %% rnn_lessons={"exercise": "gradient_check"}
def numerical_gradient(f, x, eps=1e-5):
    """∂f/∂x by central differences.

    Args:
        f: a function of the array x that returns a float.
        x: a float64 array of any shape; it must hold the same values after the call.
        eps: the step ε.

    Returns:
        An array of the shape of x: entry i is (f(x + ε e_i) − f(x − ε e_i)) / 2ε.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def relative_error(a, b):
    """‖a − b‖ / (‖a‖ + ‖b‖) with Euclidean norms over all entries; 0.0 when both are 0."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %%
# NBVAL_CHECK_OUTPUT
checks.check_gradient_check(numerical_gradient, relative_error)

# %% [markdown]
# Now the real test: every parameter of the digit RNN, your numerical gradient against the
# backward pass (570 numbers, two forward passes each). Until your two functions pass their
# check, this cell and the later ones use the kit's own (the first line says which).

# %%
numerical, relative = yours_or_kit(
    (numerical_gradient, relative_error),
    checks.check_gradient_check,
    (checks.reference_numerical_gradient, bptt.relative_error),
)
errors = {}
for name in params:

    def E_as_function_of(value, name=name):
        return bptt.loss({**params, name: value}, xs, targets)

    numeric = numerical(E_as_function_of, params[name].copy())
    errors[name] = relative(grads[name], numeric)
    print(f"∂E/∂{name}: relative error {errors[name]:.1e}")
print(f"bptt.gradient_check (all parameters): {bptt.gradient_check(params, xs, targets):.1e}")

# %%
assert max(errors.values()) < 1e-6, errors

# %% [markdown]
# All relative errors are near $10^{-10}$ (between $2 \cdot 10^{-11}$ and
# $1.3 \cdot 10^{-10}$ in our run), far below the $10^{-6}$ bar: the backward pass is right.
#
# ## 5. The same gradient from TensorFlow
#
# Automatic differentiation is a third, independent way. We put the same weights into the
# kit's `SimpleRNNCell` (float64, so the comparison is not limited by float32 rounding) and a
# `Dense` output layer, and let `tf.GradientTape` differentiate $E = \sum_t E_t$. The layers
# hold the transposes: `W_xh` $= U^\top$, `W_hh` $= W^\top$, the `Dense` kernel $= V^\top$.

# %%
cell64 = lessons.SimpleRNNCell(16, dtype="float64")
rnn64 = keras.layers.RNN(cell64, return_sequences=True, dtype="float64")  # float64 throughout
output64 = keras.layers.Dense(10, dtype="float64")  # logits o_t = V s_t + c
rnn64.build((None, 8, 8))
output64.build((None, 16))
rnn64.cell.W_xh.assign(params["U"].T)
rnn64.cell.W_hh.assign(params["W"].T)
rnn64.cell.b_h.assign(params["b"])
output64.kernel.assign(params["V"].T)
output64.bias.assign(params["c"])

with tf.GradientTape() as tape:
    logits = output64(rnn64(xs[None]))  # (1, T, 10)
    E_tf = ops.sum(keras.losses.sparse_categorical_crossentropy(targets[None], logits, True))
weights = [rnn64.cell.W_xh, rnn64.cell.W_hh, rnn64.cell.b_h, output64.kernel, output64.bias]
keras_grads = tape.gradient(E_tf, weights)

as_notes = dict(zip(["U", "W", "b", "V", "c"], [ops.convert_to_numpy(g) for g in keras_grads]))
for name in ("U", "W", "V"):
    as_notes[name] = as_notes[name].T  # back to the notes' orientation
autodiff_errors = {name: relative(grads[name], as_notes[name]) for name in params}
print(f"E: NumPy {bptt.loss(params, xs, targets):.12f}, TensorFlow {float(E_tf):.12f}")
for name, error in autodiff_errors.items():
    print(f"∂E/∂{name}: relative error NumPy BPTT vs tf.GradientTape {error:.1e}")
assert max(autodiff_errors.values()) < 1e-10, autodiff_errors

# %% [markdown]
# The two agree to about $10^{-16}$, float64's own precision: TensorFlow runs the same chain
# rule, step by step backwards through the loop.
#
# ## 6. Vanishing and exploding gradients
#
# The product in the notes' formula is where long sequences get into trouble. Each factor is
# $\text{diag}(1 - s_j^2)\, W$, and $0 < 1 - s_j^2 \le 1$, so
#
# $$\left\lVert \frac{\partial s_t}{\partial s_k} \right\rVert
# \le \prod_{j=k+1}^{t} \lVert \text{diag}(1 - s_j^2) \rVert \, \lVert W \rVert
# \le \lVert W \rVert^{\,t-k}.$$
#
# - If $\lVert W \rVert < 1$ the influence of step $k$ on step $t$ shrinks geometrically with
#   the distance $t - k$: the gradient **vanishes**, and the network cannot learn that
#   "cats ... were" depends on a word 20 steps back.
# - If $W$ stretches some direction by more than 1, the product *can* grow geometrically: the
#   gradient **explodes**, a training step jumps far away, and the loss turns into NaN.
#
# We measure it directly. A batch of sequences of $T = 100$ random inputs (50 in CI mode)
# goes through a cell; the loss $L$ reads only the last state $H_T$. A Python loop over the
# cell keeps every $H_t$, and `tf.GradientTape` gives $\partial L / \partial H_t$ for all of
# them at once.

# %%
T_long = config.pick(ci=50, full=100)  # the Python loop costs time: shorter in CI mode
batch = 8
X_long = np.random.default_rng(5).normal(size=(batch, T_long, 8)).astype("float32")


def gradient_norms(cell, X):
    """‖∂L/∂H_t‖ for t = 1..T (median over the batch), where L reads only the last state H_T."""
    if not cell.built:
        cell.build((None, X.shape[-1]))
    readout = np.random.default_rng(6).normal(size=(cell.units, 1)).astype("float32")
    states = cell.get_initial_state(batch_size=X.shape[0])
    with tf.GradientTape() as tape:
        H = []
        for t in range(X.shape[1]):  # the loop keras.layers.RNN would run, unrolled by hand
            H_t, states = cell(X[:, t], states)
            H.append(H_t)
        L = ops.sum(ops.matmul(H[-1], readout))
    dL_dH = tape.gradient(L, H)  # one (batch, units) gradient per time step
    return np.array([np.median(np.linalg.norm(g.numpy(), axis=1)) for g in dL_dH])


def scaled_orthogonal(units, radius, seed=7):
    """radius · Q for a random orthogonal Q: every eigenvalue has modulus `radius`."""
    Q, R = np.linalg.qr(np.random.default_rng(seed).normal(size=(units, units)))
    return (radius * Q * np.sign(np.diag(R))).astype("float32")


# %% [markdown]
# For the vanilla RNN we set $W_{hh} = \rho\, Q$ with $Q$ orthogonal, so the spectral radius
# (the largest $|\lambda|$) and $\lVert W_{hh} \rVert$ are both exactly $\rho$, and try $\rho$
# below, near and above 1:

# %%
units = 32
vanilla_norms = {}
for radius in (0.5, 1.0, 1.5, 2.0):
    cell = lessons.SimpleRNNCell(units)
    cell.build((None, 8))
    cell.W_hh.assign(scaled_orthogonal(units, radius))
    vanilla_norms[radius] = gradient_norms(cell, X_long)

fig, ax = plt.subplots(figsize=(7, 3.5))
for radius, norms in vanilla_norms.items():
    ax.semilogy(range(1, T_long + 1), norms, label=f"ρ(W_hh) = {radius}")
ax.set_xlabel("time step t")
ax.set_ylabel(f"‖∂L/∂H_t‖ (L reads H_{T_long})")
ax.set_title("Vanilla RNN: the gradient reaching step t")
ax.legend()
plt.show()


def left_at_first_step(norms):
    """‖∂L/∂H_1‖ / ‖∂L/∂H_T‖ as a power of ten (rounded): what is left of the gradient at t = 1."""
    if norms[0] == 0:
        return "0 (below float32's smallest number)"
    return f"10^{np.log10(norms[0] / norms[-1]):.0f}"


for radius, norms in vanilla_norms.items():
    print(f"ρ = {radius}: ‖∂L/∂H_1‖ / ‖∂L/∂H_T‖ = {left_at_first_step(norms)}")
shrunk = vanilla_norms[0.5] / vanilla_norms[0.5][-1]
steps_back = T_long - np.arange(1, T_long + 1)  # 0 at t = T
print(
    f"ρ = 0.5: below 10^-21 from {steps_back[shrunk < 1e-21].min(initial=T_long)} steps back on, "
    f"exactly 0 from {steps_back[shrunk == 0].min(initial=T_long)} steps back on"
)

# %% [markdown]
# Read the plot from the right (the loss) to the left (early steps). In full mode ($T = 100$):
#
# - $\rho = 0.5$: each step costs the gradient a factor of 2 or more. It falls below
#   $10^{-21}$ within 51 steps and underflows: it is exactly 0 in float32 from 56 steps back on.
# - $\rho = 1$ still **vanishes**, to $10^{-14}$ at $t = 1$: $\tanh' = 1 - s_j^2 < 1$ shrinks
#   every factor even though $W_{hh}$ itself preserves lengths.
# - $\rho = 1.5$: the stretching by $W_{hh}$ and the squashing by $\tanh'$ almost cancel, and
#   the gradient fades far more slowly: about $10^{-3}$ of it is left after 100 steps.
# - $\rho = 2$: the gradient **grows** backwards, about $10^{4}$ times larger at $t = 1$ than
#   at $t = 100$. The tanh's saturation keeps it far below $2^{99}$, but one gradient step
#   with it is enormous.
#
# ### The GRU and the LSTM
#
# The gated cells replace the product of Jacobians by something the network controls. The
# LSTM's cell state is updated by $C_t = F_t \odot C_{t-1} + I_t \odot \tilde{C}_t$, so
# $\partial C_t / \partial C_{t-1}$ contains $\text{diag}(F_t)$: with the forget gate near 1
# the gradient passes almost unchanged, the "conveyor belt" of the notes. The GRU's
# $H_t = Z_t \odot H_{t-1} + (1 - Z_t) \odot \tilde{H}_t$ does the same with its update gate.
#
# Freshly initialised, the gates sit near $\sigma(\text{bias})$. We measure the kit's cells
# twice: with their default biases, and with the gate biases set to 3 ($\sigma(3) \approx
# 0.95$, "remember"), as training would set them for a task with long memory.

# %%
gated_norms = {}
for name, make_cell, gate_bias in [
    ("GRU", lessons.GRUCell, None),
    ("LSTM (b_f = 1, the default)", lessons.LSTMCell, None),
    ("GRU, update gate b_z = 3", lessons.GRUCell, "b_z"),
    ("LSTM, forget gate b_f = 3", lessons.LSTMCell, "b_f"),
]:
    cell = make_cell(units)
    cell.build((None, 8))
    if gate_bias:
        getattr(cell, gate_bias).assign(np.full(units, 3.0, dtype="float32"))
    gated_norms[name] = gradient_norms(cell, X_long)

fig, ax = plt.subplots(figsize=(7, 3.5))
ax.semilogy(range(1, T_long + 1), vanilla_norms[1.0], "k:", label="vanilla RNN, ρ = 1")
for name, norms in gated_norms.items():
    ax.semilogy(range(1, T_long + 1), norms, label=name)
ax.set_xlabel("time step t")
ax.set_ylabel(f"‖∂L/∂H_t‖ (L reads H_{T_long})")
ax.set_title("Gated cells: the gate decides how fast the gradient fades")
ax.legend(fontsize=8)
plt.show()

# %%
for name, norms in {"vanilla RNN, ρ = 1": vanilla_norms[1.0], **gated_norms}.items():
    print(f"{name:<30} ‖∂L/∂H_1‖ / ‖∂L/∂H_T‖ = {left_at_first_step(norms)}")


# %% [markdown]
#
# %%
def ratio(norms):
    return norms[0] / norms[-1]


assert ratio(vanilla_norms[0.5]) < 1e-6, "ρ = 0.5 should vanish"
assert ratio(vanilla_norms[2.0]) > 10, "ρ = 2 should explode"
assert ratio(gated_norms["LSTM, forget gate b_f = 3"]) > 1e3 * ratio(vanilla_norms[1.0])

# %% [markdown]
# In full mode, with default biases the GRU fades even faster than the vanilla RNN
# ($10^{-16}$ at $t = 1$): its update gate sits near $\sigma(0) = 0.5$, so it keeps only half
# of the old state per step. The LSTM, whose forget gate starts near $\sigma(1) \approx 0.73$,
# keeps $10^{-7}$. With the gates set to remember ($\sigma(3) \approx 0.95$), the GRU loses only
# about 5 % per step and keeps about $10^{-2}$ after 100 steps ($0.95^{99} \approx 0.006$);
# the LSTM's cell state carries the gradient almost undamped (about $10^{0}$). The gates do
# not forbid vanishing; they make its rate something the network learns.
#
# ## 7. Clipping exploding gradients
#
# Vanishing gradients need a different cell. Exploding ones have a blunt, effective fix:
# when the gradient is too long, shorten it before the step. Keras optimizers offer three
# ways, for a threshold $c$:
#
# - `clipvalue=c`: clip every entry to $[-c, c]$. Simple, but it changes the gradient's
#   direction.
# - `clipnorm=c`: for each weight tensor separately, $g \leftarrow g \cdot c / \max(\lVert g
#   \rVert, c)$.
# - `global_clipnorm=c`: one factor for all tensors together, from the norm of all entries:
#   $$\lVert g \rVert_{\text{global}} = \sqrt{\textstyle\sum_{\text{tensors } i}
#   \lVert g_i \rVert^2} \qquad g_i \leftarrow g_i \cdot
#   \frac{c}{\max(\lVert g \rVert_{\text{global}}, c)}$$
#   The direction of the whole step is kept; only its length is capped. This is the form of
#   Pascanu et al. (2013), and TensorFlow's `tf.clip_by_global_norm`.
#
# **Exercise 3.** Write `clip_by_global_norm` in NumPy. Gradients whose global norm is
# already at most `clip_norm` come back unchanged, and all-zero gradients must not give NaN.


# %% rnn_lessons={"exercise": "clip_by_global_norm"}
def clip_by_global_norm(grads, clip_norm):
    """Scale a list of gradient arrays so that their global norm is at most clip_norm.

    Args:
        grads: a list of NumPy arrays (any shapes).
        clip_norm: the threshold c > 0.

    Returns:
        (clipped, global_norm): a new list of arrays, each grads[i] · c / max(norm, c),
        and the global norm sqrt(Σ_i Σ grads[i]²) of the gradients as given.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# %%
# NBVAL_CHECK_OUTPUT
checks.check_clip_by_global_norm(clip_by_global_norm)

# %% [markdown]
# ### A network whose gradient explodes
#
# To see clipping matter we need a network that really explodes. A vanilla RNN with ReLU
# instead of tanh and $W_{hh}$ initialised to the identity (the "IRNN" of Le, Jaitly and
# Hinton, 2015) copies its state forward unchanged when the input is zero, so it can remember
# for a long time, but nothing caps its growth either: once training makes $W_{hh}$ stretch
# some direction, states and gradients grow like $\rho^{T}$.
#
# The task makes memory necessary: the network reads a digit's 8 rows, then **24 blank
# steps**, and only then names the digit. The answer depends on inputs 24 to 32 steps back.

# %%
# NBVAL_CHECK_OUTPUT
blank_steps = 24
x_digits = images.astype("float32") / 16.0
x_wait = np.concatenate([x_digits, np.zeros((len(x_digits), blank_steps, 8), "float32")], axis=1)
order = np.random.default_rng(0).permutation(len(labels))  # lesson 01's split
val_idx, train_idx = order[:360], order[360:]
x_train, y_train = x_wait[train_idx], labels[train_idx].astype("int64")
x_val, y_val = x_wait[val_idx], labels[val_idx].astype("int64")
print("sequences (m, T, features):", x_train.shape, " validation:", x_val.shape)


# %%
def irnn():
    """ReLU RNN with W_hh = I (64 units), then softmax over the 10 digits."""
    cell = lessons.SimpleRNNCell(64, activation="relu", recurrent_initializer="identity")
    return keras.Sequential(
        [keras.Input((None, 8)), keras.layers.RNN(cell), keras.layers.Dense(10, "softmax")]
    )


start = irnn()  # both training runs start from these same weights
initial_weights = start.get_weights()

# %% [markdown]
# Four steps of plain SGD (learning rate 0.03) without clipping show the explosion as it
# happens. At each step we measure the loss and the gradient's global norm on 256 training
# sequences, and the spectral radius of $W_{hh}$:

# %%
probe = irnn()
probe.set_weights(initial_weights)
probe.compile(keras.optimizers.SGD(0.03), "sparse_categorical_crossentropy")
probe_x, probe_y = x_train[:256], y_train[:256]


def loss_and_gradient(model):
    """The mean loss on the probe sequences and its gradient, one float64 array per weight."""
    with tf.GradientTape() as tape:
        probs = model(probe_x)
        loss = ops.mean(keras.losses.sparse_categorical_crossentropy(probe_y, probs))
    grads = tape.gradient(loss, model.trainable_variables)
    return float(loss), [ops.convert_to_numpy(g).astype(np.float64) for g in grads]


def global_norm(arrays):
    return float(np.sqrt(sum(np.sum(a**2) for a in arrays)))


probe_gradients = []
print(f"{'step':>4} {'loss':>10} {'‖gradient‖':>12} {'ρ(W_hh)':>10}")
for step in range(4):
    loss, grads = loss_and_gradient(probe)
    W_hh = probe.layers[0].cell.W_hh.numpy()
    radius = np.abs(np.linalg.eigvals(W_hh)).max() if np.isfinite(W_hh).all() else np.nan
    print(f"{step:>4} {loss:>10.3g} {global_norm(grads):>12.3g} {radius:>10.4g}")
    probe_gradients.append(grads)
    probe.train_on_batch(x_train[32 * step : 32 * (step + 1)], y_train[32 * step : 32 * (step + 1)])

# %% [markdown]
# The first step nudges $W_{hh}$ only slightly past the identity, to $\rho$ a little above 1,
# and that is enough: over 32 steps the states and the gradient grow by orders of magnitude.
# The next step, with a gradient thousands of times longer, throws $W_{hh}$ far away, and
# soon everything is NaN.
#
# We take the largest finite gradient of these steps and look at what each of Keras' options
# makes of it: an SGD step with learning rate 1 moves the weights by exactly minus the
# clipped gradient.

# %%
finite = [g for g in probe_gradients if np.isfinite(global_norm(g))]
raw = max(finite, key=global_norm)
raw_norm = global_norm(raw)
print(f"the gradient's global norm: {raw_norm:.3g}")


def sgd_step(**clipping):
    """The step −Δθ that SGD(learning_rate=1, **clipping) takes for the raw gradient."""
    variables = [keras.Variable(np.zeros(g.shape, "float32")) for g in raw]
    keras.optimizers.SGD(learning_rate=1.0, **clipping).apply(
        [g.astype("float32") for g in raw], variables
    )
    return [-ops.convert_to_numpy(v).astype(np.float64) for v in variables]


def flat(arrays):
    return np.concatenate([np.ravel(a) for a in arrays]).astype(np.float64)


clip = yours_or_kit(clip_by_global_norm, checks.check_clip_by_global_norm, checks.reference_clip)
mine, _ = clip(raw, 1.0)
tf_clipped, _ = tf.clip_by_global_norm([tf.constant(g, tf.float64) for g in raw], 1.0)
print(f"{'optimizer option':<22} {'step length':>12} {'cos(step, gradient)':>20}")
for option, step in [
    ("none", raw),
    ("clipvalue=1", sgd_step(clipvalue=1.0)),
    ("clipnorm=1", sgd_step(clipnorm=1.0)),
    ("global_clipnorm=1", sgd_step(global_clipnorm=1.0)),
    ("your clip_by_global_norm", mine),
]:
    length = np.linalg.norm(flat(step))
    cosine = flat(step) @ flat(raw) / (length * raw_norm)
    print(f"{option:<22} {length:>12.3g} {cosine:>20.4f}")
same_as_tf = all(np.allclose(m, t.numpy(), rtol=1e-5) for m, t in zip(mine, tf_clipped))
same_as_keras = all(
    np.allclose(m, k, rtol=1e-4) for m, k in zip(mine, sgd_step(global_clipnorm=1.0))
)
print(f"yours == tf.clip_by_global_norm: {same_as_tf}; == Keras' global_clipnorm: {same_as_keras}")
assert same_as_tf and same_as_keras

# %% [markdown]
# `global_clipnorm` keeps the direction exactly (cosine 1) and caps the length at 1.
# `clipnorm` caps each tensor at 1 on its own, so the step can be as long as
# $\sqrt{\#\text{tensors}}$ (here 2.22), and it turns the step a long way, to a cosine of
# 0.52 with the gradient: the tensors whose gradient was longest are cut the most, the others
# not at all. `clipvalue` turns it furthest (cosine 0.21).
#
# ### Training with and without clipping
#
# Two runs of plain SGD (learning rate 0.03) from the same initial weights; the second clips
# the global norm at 1. Keras' `TerminateOnNaN` stops a run whose loss has become NaN.

# %%
epochs_clipped = config.pick(ci=4, full=50)
epochs_unclipped = config.pick(ci=2, full=5)  # enough to see it blow up


class BatchLosses(keras.callbacks.Callback):
    """Record the running training loss after every batch."""

    def on_train_begin(self, logs=None):
        self.losses = []

    def on_train_batch_end(self, batch, logs=None):
        self.losses.append(float(logs["loss"]))


runs = {}
for label, optimizer, epochs in [
    ("no clipping", keras.optimizers.SGD(0.03), epochs_unclipped),
    ("global_clipnorm=1", keras.optimizers.SGD(0.03, global_clipnorm=1.0), epochs_clipped),
]:
    print(f"--- {label}")
    lessons.set_seed(0)  # the same batches in both runs, whatever the cells above drew
    model = irnn()
    model.set_weights(initial_weights)
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    batch_losses = BatchLosses()
    history = model.fit(
        x_train,
        y_train,
        validation_data=(x_val, y_val),
        epochs=epochs,
        batch_size=32,
        verbose=2,
        callbacks=[batch_losses, keras.callbacks.TerminateOnNaN()],
    )
    runs[label] = (batch_losses.losses, history.history)

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
for label, (losses, _) in runs.items():
    losses = np.array(losses)
    ax.loglog(np.arange(1, len(losses) + 1), losses, label=label)  # NaN is not drawn
    if not np.isfinite(losses).all():
        first_nan = int(np.argmax(~np.isfinite(losses)))
        ax.axvline(
            first_nan + 1, color="red", linestyle=":", label=f"NaN from batch {first_nan + 1}"
        )
ax.axhline(np.log(10), color="grey", linestyle="--", label="chance, ln 10")
ax.set_xlabel("training batch (log scale)")
ax.set_ylabel("running mean of the loss in the epoch")
ax.set_title("8 rows + 24 blank steps, IRNN, plain SGD")
ax.legend(fontsize=8)
plt.show()

unclipped_losses, unclipped_history = runs["no clipping"]
clipped_losses, clipped_history = runs["global_clipnorm=1"]
worst = np.nan_to_num(np.max(unclipped_losses), nan=np.inf)
# SGD's validation accuracy jumps from epoch to epoch: judge the last few epochs together.
last = clipped_history["val_accuracy"][-config.pick(ci=1, full=10) :]
final_accuracy = float(np.mean(last))
print(
    f"without clipping: largest running loss {worst:.3g}, final validation accuracy "
    f"{unclipped_history['val_accuracy'][-1]:.3f}"
)
print(
    f"with clipping: loss {clipped_history['loss'][0]:.3f} -> {clipped_history['loss'][-1]:.3f}, "
    f"validation accuracy over the last {len(last)} epoch(s) {final_accuracy:.3f} "
    f"(from {min(last):.3f} to {max(last):.3f})"
)

# %% [markdown]
# Without clipping, the loss explodes within the first few batches: to NaN in this run
# (in other runs to around $10^{4}$, after which the ReLUs are dead and the loss stays at
# chance). With the global norm clipped at 1, the same start, data and learning rate train
# steadily: in full mode (50 epochs) the training loss falls from 2.19 to 0.25, and over the
# last 10 epochs the validation accuracy averages **0.85** (our run; it jumps between 0.73 and
# 0.89 from one epoch to the next, as plain SGD's does), remembering the digit across 24
# blank steps.
# CI mode (4 epochs) asks for the divergence without clipping and a clear rise above chance
# (0.1) with it.

# %%
assert worst > 100, "the unclipped run should blow up"
assert (
    np.isfinite(clipped_losses).all() and clipped_history["loss"][-1] < clipped_history["loss"][0]
)
assert final_accuracy > config.pick(ci=0.35, full=0.75), final_accuracy

# %% [markdown]
# ## 8. Truncated BPTT
#
# The backward pass must visit every step of the sequence, and keep every state in memory
# until then. For a sequence of thousands of steps (a book, a year of sensor data) that is too
# slow and too big. **Truncated BPTT** cuts the sequence into chunks of $k$ steps:
#
# - the *forward* pass carries the state from one chunk to the next, so the model still sees
#   the whole history;
# - the *backward* pass stops at the chunk's start: the incoming state is treated as a
#   constant. Gradients reach back at most $k$ steps.
#
# Here is the effect on the gradient, in NumPy, for a stream of six digits read row by row
# (48 steps, the target at each step is the current digit):

# %%
stream_x = (images[:6] / 16.0).reshape(48, 8)
stream_targets = np.repeat(labels[:6], 8)
full_grads = bptt.backward(params, bptt.forward(params, stream_x), stream_targets)


def truncated_gradient(params, xs, targets, k):
    """BPTT on chunks of k steps: the state crosses chunk borders, the gradient does not."""
    total = {name: np.zeros_like(value) for name, value in params.items()}
    s = np.zeros(params["W"].shape[0])
    for start in range(0, len(xs), k):
        chunk = bptt.forward(params, xs[start : start + k], s_init=s)
        for name, g in bptt.backward(params, chunk, targets[start : start + k]).items():
            total[name] += g
        s = chunk.s[-1]  # carried forward as a plain number: no gradient flows back through it
    return total


chunk_sizes = list(range(1, 49))
errors = [
    relative(truncated_gradient(params, stream_x, stream_targets, k)["W"], full_grads["W"])
    for k in chunk_sizes
]
print(f"{'k':>3}  relative error of ∂E/∂W against full BPTT")
for k in (1, 2, 4, 8, 16, 48):
    print(f"{k:>3}  {errors[k - 1]:.1e}")
print(f"k = 16 to 47: from {min(errors[15:47]):.1e} to {max(errors[15:47]):.1e}")

fig, ax = plt.subplots(figsize=(6, 3))
ax.semilogy(chunk_sizes[:-1], errors[:-1], "o-", markersize=3)  # k = 48 cuts nothing: error 0
ax.set_xlabel("chunk length k (steps)")
ax.set_ylabel("relative error of ∂E/∂W")
ax.set_title("truncated BPTT against full BPTT, 48 steps", fontsize=10)
plt.show()

# %% [markdown]
# With $k = 48$ nothing is cut and the error is 0. Shorter chunks lose the terms of the sum
# that reach back across a chunk border. Those that reach far are small here (the gradient
# vanishes over a few steps), so the error falls fast as the chunks grow: 0.50 at $k = 1$,
# 0.18 at $k = 8$, 0.067 at $k = 16$. Then it stops falling. Each border left also cuts the
# *short* reach of the steps just after it, which is not small, so between $k = 16$ and 47
# the error goes up and down with where the borders fall (from 0.030 to 0.11 in this run),
# and only $k = 48$, no border at all, removes it. Truncated BPTT works well in practice
# because a long stream has few borders for its length, and it cannot teach a dependency
# longer than $k$ steps.
#
# In Keras, a **stateful** layer does the same. With `stateful=True` it keeps its last state
# between calls and starts the next call from it; the stored state is a variable, not part of
# the gradient's graph. Feeding the chunks in order gives the same states as the whole
# sequence, but the loss of the second chunk has no gradient with respect to the first:

# %%
# NBVAL_CHECK_OUTPUT
stream = stream_x[None].astype("float32")  # (1, 48, 8): batch size 1, fixed for stateful
whole = keras.layers.RNN(lessons.SimpleRNNCell(16), return_sequences=True)
chunked = keras.layers.RNN(lessons.SimpleRNNCell(16), return_sequences=True, stateful=True)
whole.build((1, None, 8))
chunked.build((1, None, 8))
chunked.set_weights(whole.get_weights())

first, second = tf.constant(stream[:, :24]), tf.constant(stream[:, 24:])
with tf.GradientTape(persistent=True) as tape:
    tape.watch([first, second])
    states_whole = whole(tf.concat([first, second], axis=1))
    states_first = chunked(first)  # the state after step 24 is stored in the layer...
    states_second = chunked(second)  # ...and is where this call starts
    loss_whole = ops.sum(states_whole[:, 24:])
    loss_chunked = ops.sum(states_second)

same_states = np.allclose(ops.concatenate([states_first, states_second], axis=1), states_whole)
print("chunks in order == the whole sequence, forward:", same_states)
print(
    "whole sequence: loss of steps 25-48 has a gradient w.r.t. steps 1-24:",
    tape.gradient(loss_whole, first) is not None,
)
print(
    "stateful chunks: loss of chunk 2 has a gradient w.r.t. chunk 1:",
    tape.gradient(loss_chunked, first) is not None,
)
chunked.reset_state()  # before the next, unrelated stream

# %% [markdown]
# To train this way, cut each long stream into consecutive chunks, keep the batches in order
# (`shuffle=False`), give every call the same batch size, and call `reset_state()` when a new
# stream begins.
#
# ## Summary
#
# - BPTT is the chain rule on the unrolled network. The notes' $\partial E_3 / \partial W$
#   sums one term per earlier state, each with a product of Jacobians
#   $\partial s_j / \partial s_{j-1} = \text{diag}(1 - s_j^2) W$; the backward sweep computes
#   all of them at once by carrying $\delta_t = \partial E / \partial s_t$.
# - A central-difference gradient check in float64 gives relative errors near $10^{-10}$ for
#   a correct backward pass; TensorFlow's autodiff agrees to float64 precision.
# - Products of many Jacobians vanish or explode geometrically with the distance. Gated cells
#   make the rate learnable; clipping the global norm caps the step when it explodes.
# - Truncated BPTT bounds the cost by stopping gradients at chunk borders while the state
#   still flows forward (`stateful=True` in Keras).
