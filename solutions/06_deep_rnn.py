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
#     claims:
#       grid_time:
#         printed: 'the whole grid: {} s'
#         says: trained in {} s in the stored run
#       one_layer_time:
#         printed: 'held out: 3.202 bits/char, {} s'
#         says: and {} s for the two one-layer
#       residual_1_time:
#         printed: 'held out: 3.176 bits/char, {} s'
#         says: from {} s and
#       dense8_time:
#         printed: 'held out: 2.901 bits/char, {} s'
#         says: to {} s for the 8-layer dense
#       unigram:
#         printed: 'unigram model on these held-out characters: {} bits/char'
#         says: scores {} on the held-out characters used here
#       unigram_line:
#         printed: 'unigram model on these held-out characters: {} bits/char'
#         says: ({} on these held-out characters, the dotted line
#       plain_1:
#         printed: 1 plain 34,572 {}
#         says: 'per character: {} with one'
#       plain_2:
#         printed: 2 plain 59,340 {}
#         says: layer, {} with 2, then
#       plain_4:
#         printed: 4 plain 108,876 {}
#         says: then {} with 4 and
#       plain_8:
#         printed: 8 plain 207,948 {}
#         says: with 4 and {} with 8. The 8-layer
#       plain_8_against:
#         printed: 8 plain 207,948 {}
#         says: against {} for the plain stack
#       residual_1:
#         printed: 1 residual 34,572 {}
#         says: 'added**: {} for one layer'
#       residual_2:
#         printed: 2 residual 59,340 {}
#         says: '{} for 2, 2.87'
#       residual_4:
#         printed: 4 residual 108,876 {}
#         says: 3.00 for 2, {} for 4
#       residual_8:
#         printed: 8 residual 207,948 {}
#         says: '{} for 8, the best score'
#       dense_2:
#         printed: 2 dense 71,628 {}
#         says: 'steadily: {} with 2 layers'
#       dense_4:
#         printed: 4 dense 182,604 {}
#         says: '{} with 4 layers and'
#       dense_8:
#         printed: 8 dense 552,012 {}
#         says: and {} with 8 layers.
#       plain_1_first_gradient:
#         printed: 1 plain 34,572 3.202 {}
#         says: 'plain stacks: {},'
#       plain_2_first_gradient:
#         printed: 2 plain 59,340 3.133 {}
#         says: 0.24, {}, 0.09
#       plain_4_first_gradient:
#         printed: 4 plain 108,876 4.021 {}
#         says: 0.19, {} and 0.08
#       plain_8_first_gradient:
#         printed: 8 plain 207,948 4.787 {}
#         says: 0.09 and {} for 1, 2
#       plain_8_collapse:
#         printed: 'grad_norm: {} - loss: 3.3056'
#         says: averages below 10⁻⁴ in steps 31 to 60
#         between: [0, 0.0001]
#       plain_8_last_gradient:
#         printed: 8 plain 207,948 4.787 0.0776 {}
#         says: tiny, {} over the last
#       residual_8_last_gradient:
#         printed: 8 residual 207,948 2.766 1.1139 {}
#         says: against {} in the residual stack of 8
#       residual_1_first_gradient:
#         printed: 1 residual 34,572 3.176 {}
#         says: 'with depth: {},'
#       residual_2_first_gradient:
#         printed: 2 residual 59,340 2.999 {}
#         says: 0.24, {}, 0.27
#       residual_4_first_gradient:
#         printed: 4 residual 108,876 2.871 {}
#         says: 0.28, {} and 1.11
#       residual_8_first_gradient:
#         printed: 8 residual 207,948 2.766 {}
#         says: 0.27 and {} over the first
#       residual_8_above_clip:
#         printed: 8 residual 207,948 2.766 {}
#         says: that is more than 1
#         between: [1, 1.0e+9]
#       dense_2_first_gradient:
#         printed: 2 dense 71,628 3.108 {}
#         says: 'shrinking too: {},'
#       dense_4_first_gradient:
#         printed: 4 dense 182,604 3.132 {}
#         says: 0.14, {} and 0.17
#       dense_8_first_gradient:
#         printed: 8 dense 552,012 2.901 {}
#         says: 0.10 and {} for 2, 4
#       plain_4_plateau_gradient:
#         printed: 'grad_norm: {} - loss: 3.3052'
#         says: gradient falls to {})
#       plain_4_last_gradient:
#         printed: 4 plain 108,876 4.021 0.0913 {}
#         says: recovers, to {} over
#     exercises:
#       deep_rnn_forward:
#         defines: deep_rnn_forward
#         points: 3
#       dense_stack:
#         defines: dense_stack
#         points: 2
#       residual_stack:
#         defines: residual_stack
#         points: 3
#     lesson: 06_deep_rnn
#     title: Deep RNNs, plain and with skip connections
# ---

# %% [markdown] tags=["kit-badge"]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lessons/rnn-lessons/blob/main/solutions/06_deep_rnn.ipynb)
#
# # Lesson 06 — Deep RNNs, plain and with skip connections

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
# So far every network in this course had one recurrent layer. This lesson stacks several:
# a **deep RNN**. You will write its forward pass by hand, build the same stack three ways in
# Keras, and see why deep stacks are hard to train. Then you add the two remedies that made
# deep feed-forward networks trainable, the **residual** connections of ResNet and the
# **dense** connections of DenseNet, and compare plain, residual and dense stacks of 1, 2, 4
# and 8 layers on a real task: predicting Shakespeare one character at a time.
#
# You will write three functions (marked **Exercise**): the stacked forward pass, a residual
# stack and a dense stack. A check after each says what is wrong, if anything is.

# %% rnn_lessons={"context": true}
import math
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from keras import ops

from lessons import text
from lessons.checks import lesson06 as checks
from lessons.datasets import load_shakespeare_plays

# %% [markdown]
# ## 1. Deep in time, shallow at each step
#
# Unrolled over $T$ steps, an RNN is already deep: the gradient from step $T$ back to step 1
# crosses $T$ steps of the recurrence (lesson 02). But look at a single step. From the input
# $X_t$ to the output $O_t$ the path is short:
#
# $$H_t = \phi(X_t W_{xh} + H_{t-1} W_{hh} + b_h), \qquad O_t = H_t W_{hq} + b_q$$
#
# One affine map and one nonlinearity turn what the network reads into its state; one more
# affine map turns the state into the answer. A wider $H_t$ (more units) makes that one
# transformation richer, but it stays a single nonlinear step.
#
# The lecture notes motivate depth with **speech recognition**. Say the input is a frame of
# audio every 10 ms. A first layer could learn to recognize **phonemes** from the frames, a
# second to group phonemes into **syllables**, a third to group syllables into **words**.
# Each level is built from the one below and changes more slowly. One recurrent layer would
# have to do all of that inside one nonlinearity per step; a stack gives every level a layer
# of its own, much as a deep CNN goes from edges to parts to objects.
#
# ## 2. The equations
#
# A deep RNN with $L$ layers keeps one state per layer, $H_t^j$ for layer $j$ at step $t$.
# Layer 1 reads the input; every other layer reads the state that the layer below has just
# computed, **at the same step**; only the top layer feeds the output:
#
# $$H_t^1 = f_1(H_{t-1}^1, X_t)$$
#
# $$H_t^j = f_j(H_{t-1}^j, H_t^{j-1}) \qquad j = 2, \dots, L$$
#
# $$O_t = g(H_t^L)$$
#
# - Each $f_j$ is a recurrent cell with weights of its own. With the vanilla cell,
#   $H_t^j = \phi(H_t^{j-1} W_{xh}^{(j)} + H_{t-1}^j W_{hh}^{(j)} + b_h^{(j)})$: layer $j$'s
#   "input" $X_t$ is simply $H_t^{j-1}$. A GRU or an LSTM fits in the same place (an LSTM
#   carries $C_t^j$ along with $H_t^j$).
# - $g$ is the output layer, e.g. $O_t = H_t^L W_{hq} + b_q$ followed by a softmax.
# - Information flows two ways: to the right, through time ($H_{t-1}^j \to H_t^j$), and
#   upwards, through the layers ($H_t^{j-1} \to H_t^j$).
#
# Andrew Ng's course writes the same network with the layer in square brackets and the step in
# angle brackets, column vectors, and the two weight matrices side by side:
#
# $$a^{[l]\langle t \rangle} = g\big(W_a^{[l]} [a^{[l]\langle t-1 \rangle}, a^{[l-1]\langle t
# \rangle}] + b_a^{[l]}\big)$$
#
# | the slides | Andrew Ng |
# |---|---|
# | $H_t^j$ | $a^{[l]\langle t \rangle}$ |
# | $H_t^{j-1}$, or $X_t$ | $a^{[l-1]\langle t \rangle}$, or $x^{\langle t \rangle}$ |
# | $W_{hh}^{(j)}$, $W_{xh}^{(j)}$ | $W_a^{[l]} = [W_{aa}^{[l]} \mid W_{ax}^{[l]}]$, transposed |
# | $b_h^{(j)}$ | $b_a^{[l]}$ |
# | $g(H_t^L W_{hq} + b_q)$ | $g(W_y a^{[L]\langle t \rangle} + b_y)$ |


# %%
def draw_deep_rnn(ax, layers=3, steps=4):
    """The unrolled deep RNN: a grid of cells, time to the right and layers upwards."""
    arrow = {"arrowstyle": "->", "color": "0.3", "lw": 1.2}
    for t in range(1, steps + 1):
        ax.annotate("", (t, 0.7), (t, 0.3), arrowprops=arrow)
        ax.text(t, 0.1, f"$X_{t}$", ha="center", va="center")
        ax.annotate("", (t, layers + 0.7), (t, layers + 0.3), arrowprops=arrow)
        ax.text(t, layers + 0.95, f"$O_{t}$", ha="center", va="center")
        for j in range(1, layers + 1):
            ax.text(
                t,
                j,
                f"$H_{t}^{j}$",
                ha="center",
                va="center",
                fontsize=11,
                bbox={"boxstyle": "round", "fc": "#dbe9f6", "ec": "#3b75af"},
            )
            if j > 1:
                ax.annotate("", (t, j - 0.3), (t, j - 0.7), arrowprops=arrow)
            if t < steps:
                ax.annotate("", (t + 0.72, j), (t + 0.28, j), arrowprops=arrow)
    ax.set_xlim(0.4, steps + 0.6)
    ax.set_ylim(-0.2, layers + 1.2)
    ax.axis("off")


fig, ax = plt.subplots(figsize=(6.5, 4))
draw_deep_rnn(ax)
ax.set_title("A deep RNN with L = 3 layers, unrolled over 4 steps")
plt.show()

# %% [markdown]
# $H_t^j$ needs two things: its left neighbour $H_{t-1}^j$ and the one below it, $H_t^{j-1}$.
# Any order of computation that has those two ready works. Two orders are natural:
#
# - **time outside, layers inside**: at each step, run the layers from the bottom up. This is
#   the equations read literally, and what a system that must answer at every step (live
#   speech recognition) does.
# - **layers outside, time inside**: run layer 1 over the whole sequence, then layer 2 over
#   layer 1's outputs, and so on. This is what stacking Keras layers does.
#
# Both give the same numbers. The exercise uses the first order.
#
# ## 3. Exercise: the stacked forward pass
#
# A cell computes one step: `out, new_states = cell(X_t, states)`, where `states` is the list
# of the layer's states at $t-1$ ($[H_{t-1}]$ for a GRU, $[H_{t-1}, C_{t-1}]$ for an LSTM) and
# `out` is $H_t$. `cell.get_initial_state(batch_size=n)` gives the zero states to start from.
#
# **Exercise 1.** Write `deep_rnn_forward(cells, X)`: run the $L$ cells as a deep RNN over
# the sequences `X` and return every layer's outputs, $[H^1, \dots, H^L]$ (each $H^j$ stacks
# $H_1^j, \dots, H_T^j$). Keep one list of states per layer.


# %% rnn_lessons={"exercise": "deep_rnn_forward"}
def deep_rnn_forward(cells, X):
    """Every layer's outputs of a deep RNN, computed one time step at a time.

    H_t^1 = f_1(H_{t-1}^1, X_t) and H_t^j = f_j(H_{t-1}^j, H_t^{j-1}), with f_j the
    step of `cells[j - 1]` and zero initial states.

    Args:
        cells: A list of L built recurrent cells (layer 1 first); cell j reads the
            output width of cell j - 1 (cell 1 reads d).
        X: The input sequences, a float32 array of shape (n, T, d).

    Returns:
        A list [H^1, ..., H^L]: H^j is layer j's output at every step, shape
        (n, T, h_j).
    """
    ### BEGIN SOLUTION
    n, T = X.shape[0], X.shape[1]
    states = [cell.get_initial_state(batch_size=n) for cell in cells]  # H_0^j = 0 (C_0^j = 0)
    outputs = [[] for _ in cells]
    for t in range(T):
        below = X[:, t]  # layer 1 reads X_t
        for j, cell in enumerate(cells):
            below, states[j] = cell(below, states[j])  # H_t^j = f_j(H_{t-1}^j, H_t^{j-1})
            outputs[j].append(below)
    return [ops.stack(H, axis=1) for H in outputs]  # T steps of (n, h_j) -> (n, T, h_j)
    ### END SOLUTION


# %% [markdown]
# The check runs your function on stacks of GRU and LSTM cells (equal widths, mixed widths, a
# GRU under an LSTM, Keras' own `LSTMCell`, one layer of one step) and compares each layer with
# the same cell run alone by `keras.layers.RNN`, with copied weights.

# %%
# NBVAL_CHECK_OUTPUT
checks.check_deep_rnn_forward(deep_rnn_forward)

# %% [markdown]
# ## 4. Three ways to stack in Keras
#
# **By hand.** Put `keras.layers.RNN` layers one after the other. A recurrent layer returns
# only its last state $H_T$ by default, but the layer above needs $H_t^{j-1}$ at **every** step:
# every layer below the top needs `return_sequences=True`. This is the "layers outside"
# order.
#
# **`keras.layers.StackedRNNCells`** wraps a list of cells into one cell whose step runs them
# from the bottom up: the "time outside" order, as in your function.
#
# **`lessons.StackedRNN`** is the kit's deep RNN: $L$ layers of one kind of cell, stacked
# plainly or with the skip connections of sections 6 and 7.
#
# We build a 3-layer GRU stack on $d = 5$ features with $h = 8$ units per layer in all three
# ways, copy the first one's weights into the other two, and compare, with your function too:

# %%
# NBVAL_CHECK_OUTPUT
n, T, d, h, L = 4, 7, 5, 8, 3
X = np.random.default_rng(6).normal(size=(n, T, d)).astype("float32")

by_hand = keras.Sequential(
    [keras.Input((None, d))]
    + [keras.layers.RNN(lessons.GRUCell(h), return_sequences=True) for _ in range(L)]
)
stacked_cells = keras.layers.RNN(
    keras.layers.StackedRNNCells([lessons.GRUCell(h) for _ in range(L)]), return_sequences=True
)
stacked_cells.build((None, None, d))
# The kit's cells on every machine (on a GPU the default would be Keras' GRU, whose
# cuDNN form cannot take these weights): this comparison is about the equations.
kit_stack = lessons.StackedRNN(
    h, num_layers=L, cell="gru", return_sequences=True, implementation="kit"
)
kit_stack.build((None, None, d))

for other in (stacked_cells, kit_stack):  # same weights, layer by layer, gate by gate
    for mine, theirs in zip(other.weights, by_hand.weights, strict=True):
        mine.assign(theirs)

H_by_hand = ops.convert_to_numpy(by_hand(X))
cells = [layer.cell for layer in by_hand.layers]
H_yours = ops.convert_to_numpy(deep_rnn_forward(cells, X)[-1])
print("H^L:", H_by_hand.shape, "(n, T, h)")
print("StackedRNNCells == by hand:", np.allclose(stacked_cells(X), H_by_hand, atol=1e-5))
print("lessons.StackedRNN == by hand:", np.allclose(kit_stack(X), H_by_hand, atol=1e-5))
print("deep_rnn_forward == by hand:", np.allclose(H_yours, H_by_hand, atol=1e-5))

# %% [markdown]
# Same weights, same numbers: the three are one model, written three ways. They also have the
# same weights to count. A GRU layer has three gates, each with an input matrix, a recurrent
# matrix and a bias, so layer $j$ has $3(d_j h + h h + h)$ weights, where $d_j$ is the width it
# reads: $d_1 = d = 5$ for the bottom layer, $d_j = h = 8$ above it.

# %%
# NBVAL_CHECK_OUTPUT
per_layer = [3 * (d_j * h + h * h + h) for d_j in [d] + [h] * (L - 1)]
print(f"formula: {' + '.join(map(str, per_layer))} = {sum(per_layer)}")
print(
    "by hand:",
    by_hand.count_params(),
    " StackedRNNCells:",
    stacked_cells.count_params(),
    " lessons.StackedRNN:",
    kit_stack.count_params(),
)

# %% [markdown]
# Forget `return_sequences=True` and the layer below hands up one vector per sequence, its last
# state, instead of a sequence: there is nothing left for the next layer to step through.

# %%
# NBVAL_CHECK_OUTPUT
last_only = keras.layers.RNN(lessons.GRUCell(h))  # return_sequences=False, the default
print("layer 1 without return_sequences:", tuple(last_only(X).shape), "= (n, h): H_T^1 only")
try:
    keras.layers.RNN(lessons.GRUCell(h))(last_only(X))
except ValueError:
    print("layer 2 refuses it: ValueError")

# %% [markdown]
# ## 5. Why deep stacks are hard to train
#
# The output $O_t$ reads only the top layer. For the loss to teach layer 1, its gradient must
# travel down through every layer above it, at every step:
#
# $$\frac{\partial H_t^L}{\partial H_t^1}
# = \frac{\partial H_t^L}{\partial H_t^{L-1}} \cdots \frac{\partial H_t^2}{\partial H_t^1}$$
#
# (plus paths that also move through time). This is the product of Jacobians of lesson 02
# again, now across layers. In a GRU layer, $H_t^{j-1}$ enters $H_t^j$ through the candidate,
# scaled by $1 - Z_t$ and by the slope of $\tanh$, and through the gates, whose sigmoids have
# slopes of at most 1/4; each path also multiplies by an input matrix $W_{x\cdot}$. Unless
# the weights are large, one layer's Jacobian shrinks what passes through it, and $L - 1$ of
# them shrink the gradient that reaches layer 1, as in a deep feed-forward network. Layer 1
# then learns slowly, or hardly at all.
#
# Deep feed-forward networks met this first, and two designs fixed it: ResNet's residual
# connections and DenseNet's dense connections. The lecture outline lists both as ways to
# combine RNNs with other networks. The multi-layer RNN notes add an empirical point:
# high-performing RNNs are usually stacked but not very deep (in 2017 machine-translation
# experiments, 2 to 4 layers worked best for the encoder and 4 for the decoder), and going much
# deeper takes skip connections. Here they join whole recurrent layers. Write $U^j$ for the
# sequence that layer $j$ reads and $H^j$ for what it hands up; $\text{RNN}_j(U^j)$ is the
# output sequence of layer $j$'s cell.


# %%
def draw_connections(ax, connection, layers=4):
    """One time step of a stack: the layers as boxes, and the connections between them."""
    up = {"arrowstyle": "->", "color": "0.3", "lw": 1.2}
    skip = {"arrowstyle": "->", "color": "#c0392b", "lw": 1.2}
    names = ["$X_t$"] + [f"layer {j}" for j in range(1, layers + 1)] + ["$O_t$"]
    for j, name in enumerate(names):
        face = "#dbe9f6" if 0 < j <= layers else "#f2f2f2"
        ax.text(
            0,
            j,
            name,
            ha="center",
            va="center",
            bbox={"boxstyle": "round", "fc": face, "ec": "#3b75af"},
        )
        if j > 0:  # the plain path: each box reads the one below
            ax.annotate("", (0, j - 0.25), (0, j - 0.75), arrowprops=up)
    for j in range(1, layers + 1):
        if connection == "residual":  # U^j goes around layer j and is added to its output
            bracket = "arc,angleA=0,angleB=0,armA=45,armB=45,rad=6"  # out right, up, back
            ax.annotate(
                "", (0.0, j + 0.5), (0.0, j - 0.5), arrowprops={**skip, "connectionstyle": bracket}
            )
            ax.text(
                0.0,
                j + 0.5,
                "+",
                color="#c0392b",
                ha="center",
                va="center",
                fontsize=14,
                fontweight="bold",
            )
        if connection == "dense":  # X and every layer below j reach layer j directly
            for i in range(j - 1):
                bend = 0.3 + 0.1 * (j - i)
                ax.annotate(
                    "",
                    (0.42, j),
                    (0.42, i),
                    arrowprops={**skip, "connectionstyle": f"arc3,rad={bend}"},
                )
    ax.set_xlim(-1, 1.6)
    ax.set_ylim(-0.5, layers + 1.5)
    ax.axis("off")
    ax.set_title(connection)


fig, axes = plt.subplots(1, 3, figsize=(10, 4))
for ax, connection in zip(axes, ("plain", "residual", "dense")):
    draw_connections(ax, connection)
fig.suptitle("One time step of a 4-layer stack; red: what the skip connections add", y=1.02)
plt.show()

# %% [markdown]
# ## 6. Residual connections (ResNet)
#
# Each layer adds its input to its output:
#
# $$U^1 = X, \qquad H^j = \text{RNN}_j(U^j) + U^j P_j, \qquad U^{j+1} = H^j$$
#
# - $P_j$ is the identity when $U^j$ and $H^j$ have the same width. When they differ (the
#   bottom layer often reads fewer features than it has units) $P_j$ is a learned matrix that
#   projects the input to the right width; it needs no bias, since the layer above has one.
# - The skip is added to what the layer hands **up**, at every step. The cell's own state
#   $H_{t-1}^j$, which it carries through time, is untouched.
# - Why it helps: $\partial H^j / \partial U^j = \partial \text{RNN}_j / \partial U^j + P_j$.
#   With $P_j = I$ the gradient always has a path down that no gate or slope can shrink, so
#   layer 1 hears the loss as clearly as layer $L$ does. A layer that has nothing to add can
#   leave its output near 0 and pass its input on.
#
# **Exercise 2.** Write `residual_stack(rnn_layers, projections, X)`. The layers are
# `keras.layers.RNN(..., return_sequences=True)`: `rnn_layers[j](U)` is
# $\text{RNN}_{j+1}(U)$. `projections[j]` is `None` where $P_j = I$, else a NumPy matrix.
# Use `keras.ops` (`ops.matmul`).


# %% rnn_lessons={"exercise": "residual_stack"}
def residual_stack(rnn_layers, projections, X):
    """The top layer's outputs H^L of a residual stack.

    U^1 = X, H^j = RNN_j(U^j) + U^j P_j, U^{j+1} = H^j.

    Args:
        rnn_layers: A list of L `keras.layers.RNN` layers with return_sequences=True;
            `rnn_layers[j](U)` returns RNN_{j+1}(U), shape (n, T, h_{j+1}).
        projections: A list of L entries: None where P_j = I (U^j and H^j have the
            same width), else P_j as an array of shape (width of U^j, h_j).
        X: The input sequences, shape (n, T, d).

    Returns:
        H^L, shape (n, T, h_L).
    """
    ### BEGIN SOLUTION
    U = X  # U^1 = X
    for rnn, P in zip(rnn_layers, projections):
        skip = U if P is None else ops.matmul(U, P)  # U^j P_j, with P_j = I when P is None
        U = rnn(U) + skip  # H^j = RNN_j(U^j) + U^j P_j; the layer above reads it
    return U
    ### END SOLUTION


# %% [markdown]
# The check takes the layers and projections of `lessons.StackedRNN(connection="residual")`
# (so the expected answer is that stack's output), and also recomputes it in NumPy from the
# equation, on stacks with and without projections.

# %%
# NBVAL_CHECK_OUTPUT
checks.check_residual_stack(residual_stack)

# %% [markdown]
# ## 7. Dense connections (DenseNet)
#
# Each layer reads the input and the outputs of **all** layers below it, concatenated along
# the features:
#
# $$U^j = [X, H^1, \dots, H^{j-1}], \qquad H^j = \text{RNN}_j(U^j), \qquad O_t = g(H_t^L)$$
#
# - The top layer reads layer 1's output directly, so the gradient reaches layer 1 through
#   one layer's input weights, however deep the stack.
# - What a low layer found need not be carried up by each layer in turn: every layer above
#   can read it as it is.
# - The price: widths grow. Layer $j$ reads $d + h_1 + \dots + h_{j-1}$ features, so its
#   input matrices grow with depth (an 8-layer dense stack below has about 2.6 times the weights
#   of the plain one).
#
# **Exercise 3.** Write `dense_stack(rnn_layers, X)`. The order of the pieces matters: the
# input matrices of layer $j$ were made for $[X, H^1, \dots, H^{j-1}]$ in that order.


# %% rnn_lessons={"exercise": "dense_stack"}
def dense_stack(rnn_layers, X):
    """The top layer's outputs H^L of a densely connected stack.

    U^j = [X, H^1, ..., H^{j-1}] (features concatenated), H^j = RNN_j(U^j).

    Args:
        rnn_layers: A list of L `keras.layers.RNN` layers with return_sequences=True;
            layer j reads d + h_1 + ... + h_{j-1} features.
        X: The input sequences, shape (n, T, d).

    Returns:
        H^L, shape (n, T, h_L).
    """
    ### BEGIN SOLUTION
    below = [X]  # X, H^1, ..., H^{j-1}
    for rnn in rnn_layers:
        U = ops.concatenate(below, axis=-1)  # U^j = [X, H^1, ..., H^{j-1}]
        below.append(rnn(U))  # H^j = RNN_j(U^j)
    return below[-1]
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
checks.check_dense_stack(dense_stack)

# %% [markdown]
# ## 8. Plain, residual and dense stacks on Shakespeare
#
# Now the question that matters: does depth help, and when do the skip connections earn their
# place? We train character-level language models on the Shakespeare text of lesson 03 (the
# same split: the last tenth of every play is held out) with stacks of 1, 2, 4 and 8 GRU layers,
# plain, residual and dense, and measure two things:
#
# - the **held-out cross entropy** in bits per character after a fixed number of training
#   steps (lower is better; lesson 03's unigram model, which knows only how often each
#   character occurs, scores 4.78 on the held-out characters used here);
# - the **gradient norm at the lowest layer**: $\lVert \partial \mathcal{L} / \partial
#   \theta_1 \rVert$ over all weights $\theta_1$ of layer 1, during training. It says how
#   loudly the bottom of the stack hears the loss.

# %%
# NBVAL_CHECK_OUTPUT
plays = load_shakespeare_plays()
train_text = "".join(play[: int(0.9 * len(play))] for play in plays.values())
held_out_text = "".join(play[int(0.9 * len(play)) :] for play in plays.values())
vocab = text.CharVocab("".join(plays.values()), specials=False)
V = len(vocab)
train_ids, held_out_ids = vocab.encode(train_text), vocab.encode(held_out_text)
print(f"|V| = {V}; training text: {len(train_ids):,} characters; held out: {len(held_out_ids):,}")

# %% [markdown]
# The sizes are small on purpose: 11 models have to train on a 2-core CPU in a few minutes.
# Every model is Embedding → `lessons.StackedRNN` of GRU layers → Dense softmax, with the
# embedding as wide as the layers, so every residual $P_j$ is the identity. Every model sees
# the same batches in the same order, for the same number of steps, with the same optimizer
# (Adam with `global_clipnorm=1.0`: when the gradient of all weights together is longer than 1,
# it is scaled back to length 1, which keeps its direction, as lesson 02 showed). Each model
# starts from the same seed, so its initial weights do not depend on what ran before. In full mode
# that is 64 units, windows of $T = 64$ characters in batches of 64, and 150 steps: 614,400
# characters, about three quarters of one pass over the training text. Keras compiles each
# model's training step into a TensorFlow graph; on a machine without a GPU it leaves XLA
# (`jit_compile`) off by default. CI mode runs tiny models on a slice of the text for a few
# steps, without compiling them (compiling takes longer than a few steps do).
#
# Which layers train depends on the machine. The figures printed below come from a full-mode
# run on a CPU, where `StackedRNN` builds the kit's `GRUCell` inside `keras.layers.RNN` (as fast
# there as Keras' own layer). On a GPU it builds Keras' `GRU` instead (its default there,
# `implementation="keras"`), which runs on the fused cuDNN kernel; that GRU is the
# `reset_after=True` form of lesson 04, so the figures will differ a little.

# %%
units = config.pick(ci=32, full=64)
seq_len = config.pick(ci=8, full=64)
batch_size = 64
depths = config.pick(ci=[1, 2], full=[1, 2, 4, 8])
steps, chunks = config.pick(ci=(4, 2), full=(150, 5))  # fit reports the mean of each chunk
learning_rate = 4e-3
eval_batches = config.pick(ci=1, full=6)
n_train = config.pick(ci=50_000, full=len(train_ids))  # CI: a slice, quick to shuffle
held_out = text.windows(held_out_ids[: eval_batches * 128 * seq_len + 1], seq_len, 128)
print(
    f"{steps} steps of {batch_size} windows of {seq_len} characters per model; held out: "
    f"{eval_batches * 128 * seq_len:,} characters"
)

# %% [markdown]
# To watch the gradient at layer 1 while Keras trains, we override the model's `train_step`:
# it computes the gradients as Keras does, records the norm of layer 1's, and hands all of them
# to the optimizer. `fit` then reports `grad_norm` next to `loss`, averaged over each chunk of
# steps. The norm is taken before the optimizer clips the gradient.


# %%
class GradientWatch(keras.Sequential):
    """A Sequential model whose `fit` also reports the gradient norm at one layer.

    Args:
        layers: The model's layers, as for `keras.Sequential`.
        watched: The layer whose weights' gradient norm is reported as `grad_norm`.
    """

    def __init__(self, layers, watched, **kwargs):
        super().__init__(layers, **kwargs)
        self.watched_ids = frozenset(id(w) for w in watched.trainable_weights)
        self.loss_mean = keras.metrics.Mean(name="loss")
        self.grad_norm = keras.metrics.Mean(name="grad_norm")

    @property
    def metrics(self):  # what fit reports (and resets at every epoch)
        return [self.loss_mean, self.grad_norm]

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            loss = self.compute_loss(x=x, y=y, y_pred=self(x, training=True))
        weights = self.trainable_weights
        gradients = tape.gradient(loss, weights)
        watched = [g for g, w in zip(gradients, weights) if id(w) in self.watched_ids]
        self.grad_norm.update_state(tf.linalg.global_norm(watched))  # ‖∂L/∂θ_1‖
        self.loss_mean.update_state(loss)
        self.optimizer.apply(gradients, weights)
        return {m.name: m.result() for m in self.metrics}


def char_model(depth, connection):
    """Embedding -> StackedRNN of `depth` GRU layers -> Dense softmax, watching layer 1."""
    stack = lessons.StackedRNN(
        units, num_layers=depth, cell="gru", connection=connection, return_sequences=True
    )
    layers = [
        keras.Input((None,), dtype="int32"),
        keras.layers.Embedding(V, units),
        stack,
        keras.layers.Dense(V, activation="softmax"),
    ]
    return GradientWatch(layers, watched=stack.recurrent_layers[0], name=f"{connection}_{depth}")


def train_char_model(depth, connection):
    """Train one model for `steps` steps; returns its numbers for the table."""
    lessons.set_seed(0)  # the same start for every model, whatever ran before
    model = char_model(depth, connection)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=1.0),
        loss="sparse_categorical_crossentropy",
        run_eagerly=config.ci_mode(),
    )
    # Built before fit: creating the optimizer's variables inside the first compiled step
    # would make TensorFlow trace the whole step twice.
    model.optimizer.build(model.trainable_weights)
    batches = text.windows(
        train_ids[:n_train], seq_len, batch_size, shuffle=True, seed=0, drop_remainder=True
    ).repeat()  # the same batches for every model
    start = time.time()
    history = model.fit(
        batches, steps_per_epoch=steps // chunks, epochs=chunks, verbose=2, shuffle=False
    )
    return {
        "parameters": model.count_params(),
        "bits": text.bits_per_char(model, held_out),
        "train_bits": np.array(history.history["loss"]) / math.log(2),
        "grad_norm": np.array(history.history["grad_norm"]),
        "seconds": time.time() - start,
    }


# %% [markdown]
# At depth 1 the dense stack *is* the plain one ($U^1 = X$ either way), so it is trained once
# and listed under both names. Each model prints one line per chunk of steps, then its
# held-out score and its time:

# %%
results = {}
grid_start = time.time()
for depth in depths:
    for connection in ("plain", "residual", "dense"):
        if connection == "dense" and depth == 1:
            results[connection, depth] = results["plain", 1]
            continue
        print(f"--- {connection} stack of {depth} GRU layer(s)")
        results[connection, depth] = train_char_model(depth, connection)
        print(
            f"    held out: {results[connection, depth]['bits']:.3f} bits/char, "
            f"{results[connection, depth]['seconds']:.0f} s"
        )
print(f"the whole grid: {time.time() - grid_start:.0f} s")

# %%
print(
    f"{'depth':>5} {'stack':<9} {'weights':>8} {'held-out bits/char':>19} "
    f"{'‖∇θ_1‖ first chunk':>19} {'last chunk':>11}"
)
for depth in depths:
    for connection in ("plain", "residual", "dense"):
        r = results[connection, depth]
        print(
            f"{depth:>5} {connection:<9} {r['parameters']:>8,} {r['bits']:>19.3f} "
            f"{r['grad_norm'][0]:>19.4f} {r['grad_norm'][-1]:>11.4f}"
        )

# %%
held_out_chars = held_out_ids[: eval_batches * 128 * seq_len + 1][1:]  # the targets scored
counts = np.bincount(train_ids, minlength=V) + 1  # lesson 03's unigram model, for scale
unigram = float(-np.mean(np.log2(counts[held_out_chars] / counts.sum())))
print(f"unigram model on these held-out characters: {unigram:.2f} bits/char")

colors = {"plain": "#7f7f7f", "residual": "#c0392b", "dense": "#2e86c1"}
chunk_ends = np.arange(1, chunks + 1) * (steps // chunks)
fig, axes = plt.subplots(2, 2, figsize=(12, 8))
(ax_bits, ax_grad), (ax_curve, ax_grad_curve) = axes
for connection, color in colors.items():
    bits = [results[connection, depth]["bits"] for depth in depths]
    first = [results[connection, depth]["grad_norm"][0] for depth in depths]
    last = [results[connection, depth]["grad_norm"][-1] for depth in depths]
    ax_bits.plot(depths, bits, "o-", color=color, label=connection)
    ax_grad.plot(depths, first, "o-", color=color, label=f"{connection}, first chunk")
    ax_grad.plot(depths, last, "s--", color=color, label=f"{connection}, last chunk")
    deepest = results[connection, depths[-1]]
    ax_curve.plot(chunk_ends, deepest["train_bits"], "o-", color=color, label=connection)
    ax_grad_curve.plot(chunk_ends, deepest["grad_norm"], "o-", color=color, label=connection)
ax_bits.axhline(unigram, color="0.5", linestyle=":", label=f"unigram model ({unigram:.2f})")
for ax in (ax_bits, ax_grad):
    ax.set(xscale="log", xlabel="layers L")
    ax.set_xticks(depths, [str(depth) for depth in depths])
    ax.set_xticks([], minor=True)
ax_bits.set(ylabel="bits per character", title="Held-out cross entropy after training")
ax_grad.set(yscale="log", ylabel="‖∂L/∂θ_1‖", title="Gradient norm at layer 1 (chunk means)")
ax_curve.set(
    xlabel="training step",
    ylabel="bits per character (training, chunk mean)",
    title=f"Training curves at L = {depths[-1]}",
)
ax_grad_curve.set(
    yscale="log",
    xlabel="training step",
    ylabel="‖∂L/∂θ_1‖ (chunk mean)",
    title=f"Gradient norm at layer 1 during training, L = {depths[-1]}",
)
for ax in axes.flat:
    ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# **What our full run shows.** Full mode: 64 units, 150 steps of 64 windows of 64 characters
# per model. On a CPU without a GPU, shared with other work, the whole grid of 11 models
# trained in 206 s in the stored run, from 4 s and 7 s for the two one-layer stacks to 54 s
# for the 8-layer dense stack.
# (`fit` prints `loss` in nats; the table and the plots are in bits.)
#
# - **Plain stacks stop improving at 2 layers.** Held-out bits per character: 3.20 with one
#   layer, 3.13 with 2, then 4.02 with 4 and 4.79 with 8. The 8-layer plain stack ends at the
#   unigram model's score (4.78 on these held-out characters, the dotted line): after its first
#   30 steps its training loss no longer moves (the flat grey curve at the lower left), and it
#   predicts every character by its frequency alone.
# - **Residual stacks improve with every layer added**: 3.18 for one layer, 3.00 for 2, 2.87
#   for 4 and 2.77 for 8, the best score of the grid, against 4.79 for the plain stack with
#   as many weights.
# - **Dense stacks** help as well, less steadily: 3.11 with 2 layers, 3.13 with 4 layers and
#   2.90 with 8 layers. At every depth they trail the residual stack, with more weights
#   (552,012 against 207,948 at 8 layers) and the slowest steps.
# - **The gradient at layer 1 shows why.** Over the first 30 steps its norm falls with depth in
#   plain stacks: 0.24, 0.19, 0.09 and 0.08 for 1, 2, 4 and 8 layers. At 8 layers it then
#   collapses: it averages below 10⁻⁴ in steps 31 to 60 (the plot at the lower right) and
#   stays tiny, 0.0018 over the last 30 steps against 0.22 in the residual stack of 8. The
#   whole stack stops learning.
# - In residual stacks it does not shrink with depth: 0.24, 0.28, 0.27 and 1.11 over the
#   first 30 steps for 1, 2, 4 and 8 layers, every identity path adding its share. At 8
#   layers that is more than 1, so in some of those steps `global_clipnorm` scales the
#   gradient back. Dense stacks keep it from shrinking too: 0.14, 0.10 and 0.17 for 2, 4 and
#   8 layers.
# - The plain stack of 4 is slow rather than stuck. In steps 31 to 90 it sits on the same
#   plateau as the stack of 8 (its gradient falls to 0.0012), then its gradient recovers, to
#   0.053 over the last 30 steps, and its loss falls again.
#
# Keep the budget in mind: 150 steps is three quarters of one pass over the text. These
# numbers compare how fast each stack learns for the same number of steps, not how good each
# would be if trained to the end. With more steps the plain stack of 4 would likely close part
# of its gap (we did not measure how much); the plain stack of 8, whose lowest layers hardly
# receive a gradient at all, had stopped moving long before the end.

# %% [markdown]
# CI mode trains tiny models of 1 and 2 layers for 4 steps, so its numbers mean little; it
# still checks that every model learns (the training loss falls) and that the residual stack's
# lowest layer gets a larger gradient than the plain stack's at the deepest depth. (At 2 layers
# the dense stack gives layer 1 no shorter path than the plain one: its top layer reads
# $[X, H^1]$, and $H^1$ reaches it through the same input weights.)

# %%
for key, r in results.items():
    assert r["train_bits"][-1] < r["train_bits"][0], f"{key}: the training loss did not fall"
plain_norm = results["plain", depths[-1]]["grad_norm"].mean()
residual_norm = results["residual", depths[-1]]["grad_norm"].mean()
assert residual_norm > plain_norm, f"residual {residual_norm:.4f} <= plain {plain_norm:.4f}"

# %% [markdown]
# ## Summary
#
# - A deep RNN stacks $L$ recurrent layers: $H_t^1 = f_1(H_{t-1}^1, X_t)$,
#   $H_t^j = f_j(H_{t-1}^j, H_t^{j-1})$, $O_t = g(H_t^L)$. Depth at each step lets each layer
#   work at its own level (phonemes, syllables, words), on top of the depth in time.
# - Layers by hand with `return_sequences=True`, `keras.layers.StackedRNNCells` and
#   `lessons.StackedRNN` are the same model; only the order of the loops differs.
# - The gradient reaching layer 1 crosses every layer above it, and in a plain stack it
#   shrinks with depth.
# - Residual stacks add each layer's input to its output, $H^j = \text{RNN}_j(U^j) + U^j P_j$;
#   dense stacks feed each layer $[X, H^1, \dots, H^{j-1}]$. Both give layer 1 a short path to
#   the loss.
#
# Next lesson: the other direction the notes extend an RNN in, reading the sequence backwards
# as well as forwards (bidirectional RNNs).
