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
#       gru_call:
#         defines: MyGRUCell
#         points: 4
#       simplified_gru_call:
#         defines: SimplifiedGRUCell
#         points: 3
#     lesson: 04_gru
#     title: The gated recurrent unit
# ---

# %% [markdown] tags=["kit-badge"]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lessons/rnn-lessons-course/blob/v0.1.0/notebooks/04_gru.ipynb)
#
# # Lesson 04 — The gated recurrent unit

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
# Lesson 02 measured how the gradient of a vanilla RNN fades as it travels back through time.
# This lesson builds the cell that was designed against that: the **gated recurrent unit**
# (GRU, Cho et al., 2014). We build it in two steps, as the notes do: first a simplified GRU
# with one gate, then the full GRU with two.
#
# Along the way we sort out what confuses most students who read more than one source: two
# ways of writing the update, and two places to put the reset gate. Both are checked with
# numbers, not only with algebra. Then a GRU learns to read Shakespeare, and we look at its
# gates while it reads.
#
# You will write two pieces (marked **Exercise**): the step of the simplified GRU, and the
# step of the full GRU. A check after each says what is wrong, if anything is, down to the
# gate.

# %% rnn_lessons={"context": true}
import math
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from keras import ops

from lessons import gates, text
from lessons.checks import lesson04 as checks
from lessons.datasets import load_shakespeare_plays
from lessons.diagrams import draw_cell

# %% [markdown]
# ## 1. A word that must be remembered
#
# Compare two sentences:
#
# - "The **cat**, which already ate a fish and a bowl of milk, **was** full."
# - "The **cats**, which already ate a fish and a bowl of milk, **were** full."
#
# To choose between *was* and *were*, a language model must still know, after the whole
# relative clause, whether the subject was singular. The clause could be much longer; the
# grammar does not care.
#
# The vanilla RNN computes every unit of its state afresh at every step,
# $H_t = \tanh(X_t W_{xh} + H_{t-1} W_{hh} + b_h)$. Whatever "singular" is stored as must
# pass through $W_{hh}$ and the tanh once per word. Lesson 02 showed what that does to
# learning: the gradient that links *was* back to *cat* is a product of one Jacobian per step,
# and it shrinks geometrically. The network hardly learns that the two words belong together.
#
# The GRU's idea: give each unit a switch that says "keep your value as it is" or "take a new
# one", and let the network learn when to flip it.
#
# ## 2. The simplified GRU: one gate
#
# Andrew Ng's notes start with a memory cell $c^{\langle t \rangle}$. In the GRU the memory
# cell *is* the hidden state, $c^{\langle t \rangle} = a^{\langle t \rangle}$ (the LSTM will
# separate the two). At every step the cell computes a **candidate** to replace its memory,
# and an **update gate** $\Gamma_u$ that decides how much of the candidate to take:
#
# $$\tilde{c}^{\langle t \rangle} = \tanh(W_c [c^{\langle t-1 \rangle}, x^{\langle t \rangle}]
# + b_c) \qquad \text{candidate}$$
#
# $$\Gamma_u = \sigma(W_u [c^{\langle t-1 \rangle}, x^{\langle t \rangle}] + b_u)
# \qquad \text{update gate}$$
#
# $$c^{\langle t \rangle} = \Gamma_u * \tilde{c}^{\langle t \rangle} + (1 - \Gamma_u) *
# c^{\langle t-1 \rangle} \qquad \text{new memory}$$
#
# - $\sigma$ is the sigmoid, so $\Gamma_u$ lies between 0 and 1; trained gates often sit near
#   one end, like a switch. $\Gamma_u \approx 1$: overwrite the memory with the candidate.
#   $\Gamma_u \approx 0$: keep the old memory, $c^{\langle t \rangle} \approx
#   c^{\langle t-1 \rangle}$.
# - $*$ is element-wise. Each unit has its own gate: one unit can hold "the subject is
#   singular" through the clause while the others follow the words.
# - In the cat sentence: at *cat* the gate opens and the memory takes "singular"; through
#   "which already ate ..." it stays shut, so the memory passes unchanged; at *was* the model
#   reads it. After "was full" the subject is done with, and the gate may open again.
#
# ### The same equations with rows as examples
#
# The notes stack $c^{\langle t-1 \rangle}$ on top of $x^{\langle t \rangle}$ and use one
# matrix $W_u$ on the stacked vector. Lesson 01 showed that this is two matrices side by side,
# $W_u [c, x] = W_{uc}\, c + W_{ux}\, x$. Our cells take a batch with one example per row, as
# Keras does, so each matrix is transposed and sits on the right:
#
# $$\Gamma_u = \sigma(x_t W_{xu} + c_{t-1} W_{hu} + b_u), \qquad
# \tilde{c}_t = \tanh(x_t W_{xc} + c_{t-1} W_{hc} + b_c)$$
#
# with $W_{xu} = W_{ux}^\top$ ($d \times h$) and $W_{hu} = W_{uc}^\top$ ($h \times h$; its
# $h$ stands for the hidden state, which the memory cell is); likewise for the candidate. We
# keep the two matrices apart, each a weight of its own with a name from the equation: you can
# read `cell.W_hu` directly, and the check can set each one on its own. One stacked matrix
# would give the same numbers, faster.
#
# ### Exercise 1: the simplified GRU's step
#
# The cell below has everything but its `call`: `state_size`, `output_size` and a `build` that
# creates the six weights. `states` is a list holding one tensor, $c^{\langle t-1 \rangle}$ of
# shape $(n, h)$; `inputs` is $x^{\langle t \rangle}$, $(n, d)$. Return
# `c_t, [c_t]`.
#
# **Exercise 1.** Write `call`, one line per equation, with `keras.ops` (`ops.matmul`,
# `ops.sigmoid`, `ops.tanh`).


# %% rnn_lessons={"exercise": "simplified_gru_call"}
class SimplifiedGRUCell(keras.layers.Layer):
    """One step of the simplified GRU (update gate only), as in Andrew Ng's notes.

        Γ_u    = σ(x_t W_xu + c_{t-1} W_hu + b_u)         update gate
        c̃_t    = tanh(x_t W_xc + c_{t-1} W_hc + b_c)      candidate
        c_t    = Γ_u ∗ c̃_t + (1 − Γ_u) ∗ c_{t-1}          new memory

    Args:
        units: h, the number of hidden units.

    Call arguments:
        inputs: x_t, shape (n, d).
        states: the list [c_{t-1}], c_{t-1} of shape (n, h).

    Returns:
        (c_t, [c_t]).
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        d, h = input_shape[-1], self.units
        for part in ("u", "c"):  # the update gate, then the candidate
            W_x = self.add_weight(name=f"W_x{part}", shape=(d, h), initializer="glorot_uniform")
            W_h = self.add_weight(name=f"W_h{part}", shape=(h, h), initializer="orthogonal")
            b = self.add_weight(name=f"b_{part}", shape=(h,), initializer="zeros")
            setattr(self, f"W_x{part}", W_x)
            setattr(self, f"W_h{part}", W_h)
            setattr(self, f"b_{part}", b)

    def call(self, inputs, states):
        # YOUR CODE HERE
        raise NotImplementedError()


# %% [markdown]
# The check copies random weights into your cell and runs it inside `keras.layers.RNN` on
# padded sequences, against NumPy written from the three equations. It forces the gate open
# ($\Gamma_u = 1$: only the candidate counts), then shut ($\Gamma_u = 0$: the memory must pass
# unchanged), then lets everything work at once.

# %%
# NBVAL_CHECK_OUTPUT
checks.check_simplified_gru_call(SimplifiedGRUCell)

# %% [markdown]
# ### The cat sentence, wired by hand
#
# One unit is enough to carry "singular or plural" through the clause. We set the weights
# ourselves: each word is a one-hot vector $x^{\langle t \rangle}$; the gate opens (a large
# positive $W_{xu}$ entry) only at *cat* and *cats*; the candidate is $+\tanh(3)$ at *cat*,
# $-\tanh(3)$ at *cats*, and 0 elsewhere. Every other weight is 0.

# %%
# NBVAL_CHECK_OUTPUT
words = "the cat cats which already ate a fish and bowl of milk was were full".split()
one_hot = {word: np.eye(len(words), dtype="float32")[i] for i, word in enumerate(words)}
singular = "the cat which already ate a fish and a bowl of milk".split()
plural = ["cats" if word == "cat" else word for word in singular]

memory = keras.layers.RNN(SimplifiedGRUCell(1), return_sequences=True)
memory.build((None, None, len(words)))
W_xu = np.full((len(words), 1), -10.0, dtype="float32")  # Γ_u = σ(-10) ≈ 0: keep
W_xc = np.zeros((len(words), 1), dtype="float32")
for subject, number in (("cat", 3.0), ("cats", -3.0)):
    W_xu[words.index(subject)] = 10.0  # Γ_u = σ(10) ≈ 1: take the candidate
    W_xc[words.index(subject)] = number  # c̃ = tanh(±3) = ±0.995
memory.cell.W_xu.assign(W_xu)
memory.cell.W_xc.assign(W_xc)  # W_hu, W_hc, b_u, b_c: zeros (W_h· are orthogonal at first)
memory.cell.W_hu.assign(np.zeros((1, 1), "float32"))
memory.cell.W_hc.assign(np.zeros((1, 1), "float32"))

for sentence in (singular, plural):
    x = np.stack([one_hot[word] for word in sentence])[None]  # (1, T, vocabulary)
    c = ops.convert_to_numpy(memory(x))[0, :, 0]  # c^<t> at every step
    gamma_u = 1 / (1 + np.exp(-(x[0] @ W_xu)[:, 0]))  # Γ_u: here it depends on x^<t> only
    print(" ".join(f"{word:>7}" for word in sentence))
    print(" ".join(f"{g:>7.3f}" for g in gamma_u), " <- Γ_u")
    print(" ".join(f"{v:>+7.3f}" for v in c), " <- c^<t>")
    print(
        f"memory after the clause: {c[-1]:+.3f} -> the verb is '{'was' if c[-1] > 0 else 'were'}'\n"
    )

# %% [markdown]
# The gate opens once, at the subject; afterwards $\Gamma_u \approx 4.5 \times 10^{-5}$, so the
# memory loses almost nothing per word, and ten words later it still says which verb agrees.
# A trained GRU has to *find* such weights. The same gate that keeps the value also keeps the
# gradient that training needs to find them; section 9 measures that.
#
# ## 3. The full GRU: a reset gate
#
# The GRU used in practice adds a second gate, $\Gamma_r$ ("relevance"). It decides how much of
# the old memory the *candidate* may look at:
#
# $$\Gamma_r = \sigma(W_r [c^{\langle t-1 \rangle}, x^{\langle t \rangle}] + b_r), \qquad
# \tilde{c}^{\langle t \rangle} = \tanh(W_c [\Gamma_r * c^{\langle t-1 \rangle},
# x^{\langle t \rangle}] + b_c)$$
#
# With $\Gamma_r \approx 0$ the candidate is computed from the input alone, as if the sequence
# started here: useful at the boundary of a word or a sentence.
#
# The slides write the same cell for a batch ($X_t$ is $n \times d$, $H_t$ is $n \times h$)
# with a **reset gate** $R_t$ and an **update gate** $Z_t$:
#
# $$R_t = \sigma(X_t W_{xr} + H_{t-1} W_{hr} + b_r)$$
# $$Z_t = \sigma(X_t W_{xz} + H_{t-1} W_{hz} + b_z)$$
# $$\tilde{H}_t = \tanh(X_t W_{xh} + (R_t \odot H_{t-1}) W_{hh} + b_h)$$
# $$H_t = Z_t \odot H_{t-1} + (1 - Z_t) \odot \tilde{H}_t$$
#
# The kit draws one step of this cell from `GRUCell`'s own list of gates: the state $H_{t-1}$
# runs along the top, each gate is a box with its nonlinearity, and ⊙, + and 1 − are the
# pointwise operations of the last two equations.

# %%
draw_cell(lessons.GRUCell(8), title="lessons.GRUCell: one step (the slides' form)")
plt.show()

# %% [markdown]
# Look closely at the last line: here $Z_t \approx 1$ *keeps* the old state. The slides'
# $Z_t$ plays the part of Ng's $1 - \Gamma_u$ (section 4 checks it). The dictionary:
#
# | Andrew Ng | slides, Keras, this kit | role |
# |---|---|---|
# | $c^{\langle t \rangle} = a^{\langle t \rangle}$ | $H_t$ | the state (memory) |
# | $\tilde{c}^{\langle t \rangle}$ | $\tilde{H}_t$ | candidate |
# | $\Gamma_r$ | $R_t$ | reset (relevance) gate |
# | $\Gamma_u$ | $1 - Z_t$ | update gate |
# | $W_c$, $b_c$ | $[W_{hh}; W_{xh}]^\top$, $b_h$ | the candidate's weights |
# | $W_r$, $b_r$ | $[W_{hr}; W_{xr}]^\top$, $b_r$ | the reset gate's weights |
# | $W_u$, $b_u$ | $-[W_{hz}; W_{xz}]^\top$, $-b_z$ | the update gate's weights (section 4) |
#
# ### Exercise 2: the GRU's step
#
# **Exercise 2.** Write the `call` of the slides' GRU: the four equations above, in the order
# given, one line each. `build` creates the nine weights, named as in the equations.


# %% rnn_lessons={"exercise": "gru_call"}
class MyGRUCell(keras.layers.Layer):
    """One step of the GRU, in the slides' form (Keras' `reset_after=False`).

        R_t = σ(X_t W_xr + H_{t-1} W_hr + b_r)              reset gate
        Z_t = σ(X_t W_xz + H_{t-1} W_hz + b_z)              update gate
        H̃_t = tanh(X_t W_xh + (R_t ⊙ H_{t-1}) W_hh + b_h)   candidate
        H_t = Z_t ⊙ H_{t-1} + (1 − Z_t) ⊙ H̃_t               new state

    Args:
        units: h, the number of hidden units.

    Call arguments:
        inputs: X_t, shape (n, d).
        states: the list [H_{t-1}], H_{t-1} of shape (n, h).

    Returns:
        (H_t, [H_t]).
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        d, h = input_shape[-1], self.units
        for part in ("z", "r", "h"):  # update gate, reset gate, candidate
            W_x = self.add_weight(name=f"W_x{part}", shape=(d, h), initializer="glorot_uniform")
            W_h = self.add_weight(name=f"W_h{part}", shape=(h, h), initializer="orthogonal")
            b = self.add_weight(name=f"b_{part}", shape=(h,), initializer="zeros")
            setattr(self, f"W_x{part}", W_x)
            setattr(self, f"W_h{part}", W_h)
            setattr(self, f"b_{part}", b)

    def call(self, inputs, states):
        # YOUR CODE HERE
        raise NotImplementedError()


# %% [markdown]
# The check runs your cell inside `keras.layers.RNN` against Keras' own
# `keras.layers.GRU(reset_after=False)` holding the same weights. It tests one gate at a time
# by forcing the others: a gate whose weights are 0 and whose bias is $+40$ is exactly 1 in
# float32 ($\sigma(40)$ rounds to 1), and with $-40$ it is 0. With $Z_t = 0$ and $R_t = 1$ only
# the candidate is left; $R_t = 1$ isolates the update gate; $Z_t = 0$ isolates the reset gate.
# A wrong step is reported with its gate and the first time step that differs.

# %%
# NBVAL_CHECK_OUTPUT
checks.check_gru_call(MyGRUCell)

# %% [markdown]
# ## 4. Two ways to write the update, one model
#
# Sources disagree on which side of the mix the gate sits:
#
# - the slides, D2L, Keras and the original paper (Cho et al., 2014): $H_t = Z_t \odot H_{t-1}
#   + (1 - Z_t) \odot \tilde{H}_t$;
# - Andrew Ng's notes: $c^{\langle t \rangle} = \Gamma_u * \tilde{c}^{\langle t \rangle} +
#   (1 - \Gamma_u) * c^{\langle t-1 \rangle}$ (colah's blog writes it this way too).
#
# They are the same model. Put $\Gamma_u = 1 - Z_t$ and Ng's line becomes the slides'. And
# $1 - Z_t$ is a sigmoid gate itself, because $1 - \sigma(a) = \sigma(-a)$:
#
# $$\Gamma_u = 1 - \sigma(X_t W_{xz} + H_{t-1} W_{hz} + b_z)
# = \sigma(X_t (-W_{xz}) + H_{t-1} (-W_{hz}) - b_z).$$
#
# So a GRU in Ng's convention with update weights $W_u, b_u$ computes exactly what a GRU in the
# slides' convention computes with $W_z = -W_u$ and $b_z = -b_u$. Neither can do anything the
# other cannot; only the sign of the learned weights differs.
#
# We check it with numbers. Below, Ng's full GRU for one example, in column vectors with his
# concatenation $[c^{\langle t-1 \rangle}, x^{\langle t \rangle}]$, runs on weights taken from
# a Keras `GRU(reset_after=False)`, with the update weights negated.


# %%
def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def gru_step_ng(c_prev, x, W_u, b_u, W_r, b_r, W_c, b_c):
    """Andrew Ng's full GRU for one example: column vectors, one matrix on [c^<t-1>; x^<t>]."""
    stacked = np.vstack([c_prev, x])  # [c^<t-1>; x^<t>], (h + d, 1)
    gamma_u = sigmoid(W_u @ stacked + b_u)  # Γ_u = σ(W_u [c^<t-1>, x^<t>] + b_u)
    gamma_r = sigmoid(W_r @ stacked + b_r)  # Γ_r = σ(W_r [c^<t-1>, x^<t>] + b_r)
    c_tilde = np.tanh(W_c @ np.vstack([gamma_r * c_prev, x]) + b_c)  # c̃ = tanh(W_c[Γ_r∗c, x] + b_c)
    return gamma_u * c_tilde + (1 - gamma_u) * c_prev  # c^<t> = Γ_u ∗ c̃ + (1 − Γ_u) ∗ c^<t-1>


def ng_weights_from_keras(layer, negate_update=True):
    """Ng's W_u, b_u, W_r, b_r, W_c, b_c from a Keras GRU(reset_after=False).

    Keras packs [W_xz | W_xr | W_xh] (gate order z, r, h). Ng's matrix for a part is
    [W_h·ᵀ | W_x·ᵀ]: it multiplies [c^<t-1>; x^<t>] from the left.
    """
    kernel, recurrent_kernel, bias = (w.astype("float64") for w in layer.get_weights())
    parts = {}
    for k, g in enumerate("zrh"):
        columns = slice(k * h, (k + 1) * h)
        W = np.hstack([recurrent_kernel[:, columns].T, kernel[:, columns].T])
        parts[g] = (W, bias[columns][:, None])
    sign = -1.0 if negate_update else 1.0  # Γ_u = 1 − Z_t: W_u = −W_z, b_u = −b_z
    W_u, b_u = sign * parts["z"][0], sign * parts["z"][1]
    return W_u, b_u, *parts["r"], *parts["h"]


# %%
# NBVAL_CHECK_OUTPUT
d, h, T = 3, 5, 7
rng = np.random.default_rng(4)
X = rng.normal(size=(1, T, d)).astype("float32")
slides_gru = keras.layers.GRU(h, return_sequences=True, reset_after=False)
slides_gru.build((None, None, d))
slides_gru.set_weights([rng.normal(0, 0.5, size=w.shape) for w in slides_gru.get_weights()])
H_keras = ops.convert_to_numpy(slides_gru(X))[0]  # (T, h)


def run_ng(weights):
    c, states = np.zeros((h, 1)), []
    for t in range(T):
        c = gru_step_ng(c, X[0, t][:, None].astype("float64"), *weights)
        states.append(c[:, 0])
    return np.array(states)


same = np.allclose(run_ng(ng_weights_from_keras(slides_gru)), H_keras, atol=1e-5)
unflipped = np.allclose(run_ng(ng_weights_from_keras(slides_gru, False)), H_keras, atol=1e-5)
print("Ng's GRU with W_u = -W_z, b_u = -b_z  == Keras GRU(reset_after=False):", same)
print("Ng's GRU with W_u = +W_z, b_u = +b_z  == Keras GRU(reset_after=False):", unflipped)

# %% [markdown]
# With the update weights negated, every step agrees; copied as they are, the gate works the
# wrong way round and the states differ. When you move weights between code written in the two
# conventions, negate the update gate's weights and bias; when you read a trained gate, read
# $Z_t \approx 1$ in Keras as $\Gamma_u \approx 0$ in the notes: "keep".
#
# ## 5. Where the reset gate acts: `reset_after`
#
# Keras' `GRU` has an option the slides do not mention, and its default is *not* the slides'
# GRU:
#
# - `reset_after=False` (the slides, the original paper): reset first, then multiply,
#   $\tilde{H}_t = \tanh(X_t W_{xh} + (R_t \odot H_{t-1}) W_{hh} + b_h)$.
# - `reset_after=True` (cuDNN's GRU, Keras' default): multiply first, then reset, and the
#   recurrent side gets biases of its own:
#   $\tilde{H}_t = \tanh(X_t W_{xh} + b_h + R_t \odot (H_{t-1} W_{hh} + b_{hh}))$; the gates
#   also add $b_{hz}$, $b_{hr}$ to their sums.
#
# Why would anyone move it? In the slides' form $H_{t-1} W_{hh}$ must wait until $R_t$ is known.
# In cuDNN's form all three recurrent products, $H_{t-1} [W_{hz} \mid W_{hr} \mid W_{hh}]$, are
# one matrix product at the start of the step, which is what makes the GPU kernel fast. The two
# are different functions of the same weights (not a renaming, as in section 4), but both are
# GRUs, and in practice they train to similar quality. Keras stores the second bias row as
# part of `bias`:

# %%
# NBVAL_CHECK_OUTPUT
for reset_after in (False, True):
    layer = keras.layers.GRU(h, return_sequences=True, reset_after=reset_after)
    layer.build((None, None, d))
    shapes = [tuple(w.shape) for w in layer.weights]
    print(f"reset_after={reset_after!s:<5}: kernel, recurrent_kernel, bias shapes {shapes}")

# %% [markdown]
# `lessons.from_keras` reads either layout into the kit's `GRUCell` (whose `call` has both
# forms, picked by its own `reset_after`), and the outputs agree. The same nine weights used in
# the other form give other states:

# %%
# NBVAL_CHECK_OUTPUT
X = rng.normal(size=(4, 9, d)).astype("float32")
mask = np.arange(9)[None, :] < np.array([[9], [6], [2], [9]])
for reset_after in (False, True):
    keras_gru = keras.layers.GRU(h, return_sequences=True, reset_after=reset_after)
    keras_gru.build((None, None, d))
    keras_gru.set_weights([rng.normal(0, 0.5, size=w.shape) for w in keras_gru.get_weights()])
    twin = lessons.from_keras(keras_gru)  # RNN(lessons.GRUCell(h, reset_after=...))
    agree = np.allclose(twin(X, mask=mask), keras_gru(X, mask=mask), atol=1e-5)
    print(f"from_keras(GRU(reset_after={reset_after})) == GRU: {agree};", end=" ")
    print("twin's cell:", type(twin.cell).__name__, "reset_after =", twin.cell.reset_after)

other = lessons.GRUCell(h, reset_after=False)  # the last weights, used the slides' way
other.build((None, d))
for name in ("W_xz", "W_hz", "b_z", "W_xr", "W_hr", "b_r", "W_xh", "W_hh", "b_h"):
    getattr(other, name).assign(getattr(twin.cell, name))
H_after = ops.convert_to_numpy(twin(X))
H_before = ops.convert_to_numpy(keras.layers.RNN(other, return_sequences=True)(X))
print(
    "same weights, reset before vs after the product, same states:",
    np.allclose(H_before, H_after, atol=1e-3),
)

# %% [markdown]
# ## 6. Three times the weights
#
# Each of the three parts ($Z_t$, $R_t$, $\tilde{H}_t$) has the vanilla RNN's set of weights,
# an input matrix, a recurrent matrix and a bias. So a GRU has three times the parameters of a
# vanilla RNN of the same width, plus $3h$ recurrent biases in the cuDNN form:
#
# $$\#_\text{RNN} = dh + h^2 + h, \qquad \#_\text{GRU} = 3(dh + h^2 + h), \qquad
# \#_\text{GRU, reset\_after} = 3(dh + h^2 + 2h)$$

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'d':>4} {'h':>4} {'SimpleRNN':>10} {'GRU (slides)':>13} {'GRU (cuDNN)':>12} {'ratio':>6}")
for d_in, units in ((1, 8), (32, 64), (76, 256)):
    counts = []
    for layer in (
        keras.layers.SimpleRNN(units),
        keras.layers.GRU(units, reset_after=False),
        keras.layers.GRU(units),
    ):
        layer.build((None, None, d_in))
        counts.append(layer.count_params())
    assert counts[1] == 3 * (d_in * units + units * units + units)
    ratio = counts[1] / counts[0]
    print(f"{d_in:>4} {units:>4} {counts[0]:>10,} {counts[1]:>13,} {counts[2]:>12,} {ratio:>6.1f}")

# %% [markdown]
# Three times the weights also means about three times the work per step. Is a GRU better than
# a vanilla RNN three times as wide? On long dependencies, yes: width does not fix a gradient
# that vanishes (lesson 02 and the `rnn-lessons ladder` show a vanilla RNN stuck at the
# baseline where a GRU solves the task).
#
# ## 7. A GRU reads Shakespeare
#
# To look inside a *trained* GRU, we train one: a character-level language model on the seven
# plays of lesson 03, with the last tenth of each play held out. The recurrent layer is Keras'
# built-in `GRU` (the cuDNN form, fast on a GPU); section 8 reads it into the kit's `GRUCell`
# with `from_keras` to record its gates.

# %%
# NBVAL_CHECK_OUTPUT
plays = load_shakespeare_plays()
train_text = "".join(play[: int(0.9 * len(play))] for play in plays.values())
held_out_text = "".join(play[int(0.9 * len(play)) :] for play in plays.values())
vocab = text.CharVocab("".join(plays.values()), specials=False)
train_ids, held_out_ids = vocab.encode(train_text), vocab.encode(held_out_text)
print(vocab)
print(f"training text: {len(train_ids):,} characters; held-out text: {len(held_out_ids):,}")

# %% [markdown]
# Sizes come from `config.pick`: CI mode trains a small GRU on a slice of the text for a few
# seconds; full mode trains 256 units on the whole training text. Windows of 100 characters
# and Adam with a cosine schedule, as in lesson 03, and in full mode `global_clipnorm=1.0`:
# when the gradient of all weights together is longer than 1 it is scaled back to length 1,
# which stops an explosion and keeps the step's direction (lesson 02). CI mode clips each
# tensor instead, as lesson 03 does: with the global clip its small model can spend all of its
# few steps on the unigram plateau that lesson 03 describes.

# %%
units, epochs, n_train = config.pick(ci=(64, 3, 100_000), full=(256, 8, len(train_ids)))
train_data = text.windows(train_ids[:n_train], 100, 64, shuffle=True, seed=0, drop_remainder=True)
held_out = text.windows(held_out_ids[: config.pick(ci=20_000, full=None)], 100, 64)

lessons.set_seed(0)  # the same initial weights whatever ran before
model = keras.Sequential(
    [
        keras.Input((None,), dtype="int32"),
        keras.layers.Embedding(len(vocab), 32),  # x^<t> as a vector
        keras.layers.GRU(units, return_sequences=True),  # H_t, cuDNN form (reset_after=True)
        keras.layers.Dense(len(vocab), activation="softmax"),  # ŷ^<t>
    ],
    name="shakespeare_gru",
)
schedule = keras.optimizers.schedules.CosineDecay(
    4e-3, epochs * int(train_data.cardinality()), alpha=0.1
)
model.compile(
    optimizer=keras.optimizers.Adam(
        schedule, **config.pick(ci={"clipnorm": 1.0}, full={"global_clipnorm": 1.0})
    ),
    loss="sparse_categorical_crossentropy",
)
start = time.time()
history = model.fit(train_data, validation_data=held_out, epochs=epochs, verbose=2, shuffle=False)
print(f"{model.count_params():,} parameters, trained in {time.time() - start:.0f} s")

# %%
bits = {key: np.array(values) / math.log(2) for key, values in history.history.items()}
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(range(1, epochs + 1), bits["loss"], "o-", label="training (mean over the epoch)")
ax.plot(range(1, epochs + 1), bits["val_loss"], "o-", label="held-out (end of the epoch)")
ax.set_xlabel("epoch")
ax.set_ylabel("bits per character")
ax.set_title("Character-level GRU on Shakespeare")
ax.legend()
plt.show()

unigram = np.bincount(train_ids, minlength=len(vocab)) + 1
unigram_bits = float(-np.mean(np.log2(unigram[held_out_ids] / unigram.sum())))
held_out_bits = text.bits_per_char(model, held_out)
print(f"held-out: {held_out_bits:.3f} bits/char (unigram model: {unigram_bits:.2f} bits/char)")
assert held_out_bits < unigram_bits - 0.3, "the GRU should beat the context-free unigram model"

# %% [markdown]
# In full mode (256 units, 8 epochs over the 845,789 training characters) the held-out text
# reaches **2.195 bits per character**, against 4.80 for the unigram model, which ignores
# context. The loss on the training text, averaged over the last epoch, is 2.12 bits per
# character. The stored run trained in 137 s on a two-core Intel Xeon CPU without a GPU, from
# 118 to 146 ms per batch (the first epoch, which also builds the graph, is the slowest).
# CI mode trains for a few seconds and only asks the model to beat the unigram model clearly.
#
# ## 8. Looking inside: the gates while the GRU reads
#
# `lessons.gates.record_gates` runs a recurrent layer one step at a time and keeps what its
# cell computed: $Z_t$, $R_t$, $\tilde{H}_t$ and $H_t$, each of shape (batch, time, units).
# Given Keras' built-in `GRU`, it first converts it with `from_keras`, so the numbers are those
# of the trained model. The GRU reads embeddings, so we pass the embedding's output.
#
# The text: the end of *Hamlet*, from the held-out part, which the model never trained on. The
# GRU reads 3,000 characters (150 in CI mode) before the passage we draw, so that it arrives
# with a state that knows where it is, and so that we have enough steps to measure the gates.

# %%
# NBVAL_CHECK_OUTPUT
passage = "Hor.\nNow cracks a noble heart.--Good night, sweet prince,\n"
start_at = held_out_text.index(passage)
print(repr(held_out_text[start_at - 120 : start_at + len(passage)]))

# %%
embedding, gru = model.layers[0], model.layers[1]
read = held_out_text[start_at - config.pick(ci=150, full=3000) : start_at + len(passage)]
inputs = ops.convert_to_numpy(embedding(vocab.encode(read)[None]))  # (1, T, 32): the GRU's X_t
recorded = gates.record_gates(gru, inputs)  # from_keras(gru) inside: the trained weights
print({name: v.shape for name, v in recorded.items()})

# %% [markdown]
# First, numbers over everything the GRU read. The notes say a gate usually sits near 0 or near
# 1, like a switch: how often is that true here? And do the gates behave differently at a word
# boundary (a space, a punctuation mark, a line break) than inside a word?

# %%
Z, R = recorded["Z_t"][0], recorded["R_t"][0]  # (T, units)
boundary = np.array([not char.isalpha() for char in read])
print(f"{'':<36} {'Z_t':>6} {'R_t':>6}")
for label, stat in [
    ("share of values below 0.1 or above 0.9", lambda G: np.mean((G < 0.1) | (G > 0.9))),
    ("mean inside words", lambda G: G[~boundary].mean()),
    ("mean at word boundaries", lambda G: G[boundary].mean()),
]:
    print(f"{label:<36} {stat(Z):>6.2f} {stat(R):>6.2f}")

change_Z = Z[boundary].mean(axis=0) - Z[~boundary].mean(axis=0)  # per unit
change_R = R[boundary].mean(axis=0) - R[~boundary].mean(axis=0)
print(f"units whose R_t falls by more than 0.4 at boundaries: {np.sum(change_R < -0.4)} of {units}")
print(f"units whose R_t rises by more than 0.4 at boundaries: {np.sum(change_R > 0.4)} of {units}")
print(f"units whose Z_t averages above 0.8 (they mostly keep): {np.sum(Z.mean(axis=0) > 0.8)}")

# %% [markdown]
# A GRU of 256 units is too many rows to read, so we draw a few chosen by those numbers: the 4
# units with the highest mean $Z_t$ ("keepers"), the 5 whose $Z_t$ is higher inside words than
# at boundaries by the widest margin, and the 5 the other way round. Beside each gate row is
# the unit's state $H_t$. In the gate maps bright is 1, dark is 0; the state runs from blue (−1)
# to red (+1). Time runs left to right, one column per character of the passage (␣ is a space,
# ↵ a line break).


# %%
def label_units(fig, units_shown, groups):
    """Unit numbers on the y axis; a white line between groups of units."""
    for ax in fig.axes[: len(fig.axes) // 2]:  # the heat maps (the others are colour bars)
        ax.set_yticks(range(len(units_shown)), [str(u) for u in units_shown], fontsize=7)
        for edge in np.cumsum(groups)[:-1]:
            ax.axhline(edge - 0.5, color="white", linewidth=2)


keepers = [int(u) for u in np.argsort(-Z.mean(axis=0))[:4]]
in_words = [int(u) for u in np.argsort(change_Z) if u not in keepers][:5]  # keep inside a word
at_spaces = [int(u) for u in np.argsort(-change_Z) if u not in keepers][:5]  # keep at boundaries
resetters = [int(u) for u in np.argsort(change_R)[:12]]  # R_t falls most at boundaries
shown_values = {name: v[:, -len(passage) :] for name, v in recorded.items()}  # the passage

fig = gates.plot_gates(
    shown_values, tokens=list(passage), names=["Z_t", "H_t"], units=keepers + in_words + at_spaces
)
label_units(fig, keepers + in_words + at_spaces, [4, 5, 5])
fig.suptitle(
    "Update gate Z_t and state H_t: keepers | keep inside words | keep at boundaries", y=1.02
)
plt.show()

fig = gates.plot_gates(shown_values, tokens=list(passage), names=["R_t"], units=resetters)
label_units(fig, resetters, [12])
fig.suptitle("Reset gate R_t of the 12 units whose R_t falls most at word boundaries", y=1.04)
plt.show()

# %% [markdown]
# What the numbers say in full mode (our run), and what to look for in the maps:
#
# - **The update gate is mostly a switch.** 81 % of all $Z_t$ values are below 0.1 or above
#   0.9, as the notes promise; $R_t$ is less decided (48 %).
# - **Most units rewrite, a few keep.** $Z_t$ averages only 0.21 inside words and 0.19 at
#   boundaries, so most of those decided values are near 0, where a unit takes its candidate
#   $\tilde{H}_t$ (Ng's $\Gamma_u \approx 1$). Only 3 units average above 0.8: they mostly keep
#   their value, as the notes' unit kept "singular" through the clause. The top band of the
#   first map shows the 4 units with the highest mean $Z_t$; where a keeper's $Z_t$ stays near
#   1, its $H_t$ row keeps one colour.
# - **Inside a word or at a boundary: on average, little difference for $Z_t$** (0.21 against
#   0.19). The middle and bottom bands show the units for which it differs most. A unit that
#   keeps inside words would write when a word starts and hold that value while the word is
#   spelled: look for it in their $Z_t$ and $H_t$ rows.
# - **The reset gate drops at word boundaries.** On average $R_t$ is 0.45 inside words and
#   0.28 at boundaries; 20 units fall by more than 0.4 there, and 1 rises that much. The second
#   map shows the 12 units that fall most. This model uses the cuDNN form, where $R_t$ scales
#   what the past adds to each unit's candidate, $R_t \odot (H_{t-1} W_{hh} + b_{hh})$: when a
#   word ends, these units build their candidate with less of the past, ready for a new word.
#
# In CI mode the model has trained for seconds, and its maps are mostly noise.
#
# ## 9. Why the gradient survives
#
# Differentiate $H_t = Z_t \odot H_{t-1} + (1 - Z_t) \odot \tilde{H}_t$ with respect to
# $H_{t-1}$. Three terms appear:
#
# $$\frac{\partial H_t}{\partial H_{t-1}} = \text{diag}(Z_t)
# + \text{diag}(1 - Z_t)\, \frac{\partial \tilde{H}_t}{\partial H_{t-1}}
# + \text{diag}(H_{t-1} - \tilde{H}_t)\, \frac{\partial Z_t}{\partial H_{t-1}}$$
#
# When a unit's $Z_t \approx 1$, the second term is multiplied by $\approx 0$, and so is the
# third (the sigmoid's slope is $Z_t (1 - Z_t) \approx 0$). What is left is the identity: the
# unit copies its value, and the gradient passes back through the step untouched. The vanilla
# RNN has no such path; its Jacobian is always $\text{diag}(1 - H_t^2)\, W_{hh}^\top$. With
# $Z_t$ forced to exactly 1 (Ng's $\Gamma_u$ shut), the GRU's Jacobian *is* the identity:


# %%
# NBVAL_CHECK_OUTPUT
def step_jacobian(cell, X_t, H_prev):
    """∂H_t/∂H_{t-1} for each example of the batch: (batch, h, h)."""
    H_prev = tf.constant(H_prev)
    with tf.GradientTape() as tape:
        tape.watch(H_prev)
        H_t, _ = cell(X_t, [H_prev])
    return tape.batch_jacobian(H_t, H_prev).numpy()


X_t = rng.normal(size=(2, 3)).astype("float32")
H_prev = rng.normal(0, 0.5, size=(2, 4)).astype("float32")
keeping = lessons.GRUCell(4)
keeping.build((None, 3))
keeping.W_xz.assign(np.zeros((3, 4), "float32"))
keeping.W_hz.assign(np.zeros((4, 4), "float32"))
keeping.b_z.assign(np.full(4, 40.0, "float32"))  # Z_t = σ(40) = 1: keep everything
vanilla = lessons.SimpleRNNCell(4)
vanilla.build((None, 3))
print(
    "GRU with Z_t = 1: ∂H_t/∂H_{t-1} == I:",
    np.allclose(step_jacobian(keeping, X_t, H_prev), np.eye(4)),
)
print(
    "vanilla RNN:      ∂H_t/∂H_{t-1} == I:",
    np.allclose(step_jacobian(vanilla, X_t, H_prev), np.eye(4)),
)

# %% [markdown]
# In the trained model the gates are not exactly 1, so how much of the gradient gets through
# is something it learned. We measure it as lesson 02 did: the loss $L$ reads only the last
# state $H_T$ of a stretch of held-out text, and we compute $\lVert \partial L / \partial H_t
# \rVert$ for every earlier $t$. For comparison, the same trained weights with the update gate
# switched off ($Z_t = 0$ for every unit, so $H_t = \tilde{H}_t$: each step rewrites the state,
# like a vanilla RNN with a reset gate).


# %%
def gradient_to_each_step(cell, inputs):
    """‖∂L/∂H_t‖ for t = 1..T (median over the batch), where L reads only the last state."""
    readout = np.random.default_rng(6).normal(size=(cell.units, 1)).astype("float32")
    states = cell.get_initial_state(batch_size=inputs.shape[0])
    with tf.GradientTape() as tape:
        H = []
        for t in range(inputs.shape[1]):  # the loop keras.layers.RNN runs, by hand
            H_t, states = cell(inputs[:, t], states)
            H.append(H_t)
        L = ops.sum(ops.matmul(H[-1], readout))
    grads = [g.numpy().astype("float64") for g in tape.gradient(L, H)]  # float64: no underflow
    return np.array([np.median(np.linalg.norm(g, axis=1)) for g in grads])  # in the squares


T_long = config.pick(ci=40, full=150)
x_windows, _ = text.window_arrays(held_out_ids[:20_000], T_long)
stretch = ops.convert_to_numpy(embedding(x_windows[:: len(x_windows) // 8][:8]))  # 8 windows
trained = lessons.from_keras(gru).cell
no_update = lessons.from_keras(gru).cell
no_update.W_xz.assign(np.zeros_like(no_update.W_xz))
no_update.W_hz.assign(np.zeros_like(no_update.W_hz))
no_update.b_hz.assign(np.zeros_like(no_update.b_hz))
no_update.b_z.assign(np.full(units, -40.0, "float32"))  # Z_t = 0: always take the candidate
norms = {
    "trained GRU": gradient_to_each_step(trained, stretch),
    "same weights, Z_t = 0": gradient_to_each_step(no_update, stretch),
}

fig, ax = plt.subplots(figsize=(7, 3.5))
for name, g in norms.items():
    ax.semilogy(range(1, T_long + 1), g, label=name)
ax.set_xlabel("time step t")
ax.set_ylabel(f"‖∂L/∂H_t‖ (L reads H_{T_long})")
ax.set_title("The gradient reaching step t, on held-out text")
ax.legend()
plt.show()
for name, g in norms.items():
    left = f"10^{np.log10(g[0] / g[-1]):.0f}" if g[0] > 0 else "0 (below float32's smallest number)"
    first = int(np.argmax(g > 0))  # the earliest step the gradient still reaches
    per_step = (g[first] / g[-1]) ** (1 / (T_long - 1 - first))
    print(f"{name:<24} ‖∂L/∂H_1‖ / ‖∂L/∂H_T‖ = {left}; on average × {per_step:.2f} per step")
assert norms["trained GRU"][0] > 10 * norms["same weights, Z_t = 0"][0]

# %% [markdown]
# In full mode ($T$ = 150, our run) the trained GRU still passes $10^{-8}$ of the gradient
# back to the first step: on average it keeps 88 % per step. With the update gate switched
# off, the same weights keep only about half of it per step (× 0.54), and the gradient that
# reaches the first step is exactly 0: it has fallen below the smallest number float32 can
# hold. The two runs differ only in the update gate. It does not abolish vanishing; it turns
# its rate into something the network learns, per unit and per step.
#
# ## Summary
#
# - The simplified GRU adds one gate to the RNN: $c^{\langle t \rangle} = \Gamma_u *
#   \tilde{c}^{\langle t \rangle} + (1 - \Gamma_u) * c^{\langle t-1 \rangle}$. A shut gate
#   copies the memory, so a value such as "the subject is singular" survives a long clause.
# - The full GRU adds a reset gate that decides how much of the past the candidate reads:
#   $\tilde{H}_t = \tanh(X_t W_{xh} + (R_t \odot H_{t-1}) W_{hh} + b_h)$.
# - The slides' $H_t = Z_t \odot H_{t-1} + (1 - Z_t) \odot \tilde{H}_t$ and Ng's update are one
#   model with $\Gamma_u = 1 - Z_t$, i.e. negated update weights.
# - `reset_after=True` (cuDNN, Keras' default) resets after the product with $W_{hh}$ and adds
#   recurrent biases: another function of the weights, about as good in practice, and faster
#   on a GPU.
#   `lessons.from_keras` reads both.
# - A GRU has three times the weights of a vanilla RNN of the same width.
# - Where $Z_t \approx 1$, $\partial H_t / \partial H_{t-1} \approx I$: the gate that keeps the
#   value also keeps the gradient.
#
# Next lesson: the LSTM, which separates the memory cell from the output and uses three gates.
