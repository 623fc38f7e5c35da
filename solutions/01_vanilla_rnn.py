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
#       many_to_one_accuracy:
#         printed: 'validation accuracy after 60 epochs: {}'
#         says: reaches **{}** (our run)
#       many_to_one_again:
#         printed: 'validation accuracy after 60 epochs: {}'
#         says: 'the many-to-one model''s {}:'
#       cell_weights:
#         printed: (None, 64) │ {} │
#         says: with its {} weights
#       after_first_row:
#         printed: 'after 1 row : validation accuracy {}'
#         says: right **{} %**
#         divide: 0.01
#       after_half:
#         printed: 'after 4 rows: validation accuracy {}'
#         says: gives **{} %**
#         divide: 0.01
#       after_whole:
#         printed: 'after 8 rows: validation accuracy {}'
#         says: image **{} %**
#         divide: 0.01
#     exercises:
#       rnn_cell_call:
#         defines: MyRNNCell
#         points: 3
#       sequence_loss:
#         defines: sequence_loss
#         points: 2
#     lesson: 01_vanilla_rnn
#     title: The vanilla RNN, one step at a time
# ---

# %% [markdown] tags=["kit-badge"]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lessons/rnn-lessons/blob/main/solutions/01_vanilla_rnn.ipynb)
#
# # Lesson 01 — The vanilla RNN, one step at a time

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
# Lesson 00 fed sequences to recurrent layers without opening them. This lesson opens the
# simplest one, the **vanilla RNN**, and writes its one equation three ways: as a NumPy loop,
# as a Keras cell, and as Keras' built-in `SimpleRNN`. All three give the same numbers.
#
# Then the RNN reads real data: 8×8 images of handwritten digits, one row per time step. It
# answers once at the end (many-to-one) and then after every row (many-to-many).
#
# You will write two pieces (marked **Exercise**): the cell's step, and the loss summed over
# time. A check after each says what is wrong, if anything is.

# %% rnn_lessons={"context": true}
import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import ops

from lessons.checks import lesson01 as checks
from lessons.checks import yours_or_kit
from lessons.datasets import load_digits
from lessons.diagrams import draw_cell

# %% [markdown]
# ## 1. The recurrence
#
# At step $t$ the network reads the input $X_t$ and its own previous state $H_{t-1}$, and
# computes a new state. With a batch of $n$ sequences, $d$ input features and $h$ hidden units:
#
# $$H_t = \phi(X_t W_{xh} + H_{t-1} W_{hh} + b_h) \qquad
# X_t \in \mathbb{R}^{n \times d},\; H_t \in \mathbb{R}^{n \times h}$$
#
# $$O_t = H_t W_{hq} + b_q$$
#
# - $W_{xh}$ ($d \times h$) weighs the new input, $W_{hh}$ ($h \times h$) the memory of the
#   past, and $b_h$ ($h$) is a bias. $\phi$ is usually $\tanh$.
# - $H_0$ is usually zeros. $O_t$ is the output layer, a `Dense` layer after the RNN.
#
# One step as a picture, drawn by the kit from its cell: $H_{t-1}$ comes in from the left, and
# one box computes $H_t$ from it and $X_t$, with $\phi = \tanh$.

# %%
draw_cell(lessons.SimpleRNNCell(8), title="lessons.SimpleRNNCell: one step")
plt.show()

# %% [markdown]
# Andrew Ng writes the same thing for one example as column vectors:
# $a^{\langle t \rangle} = g(W_{aa} a^{\langle t-1 \rangle} + W_{ax} x^{\langle t \rangle} + b_a)$
# and $\hat{y}^{\langle t \rangle} = g(W_{ya} a^{\langle t \rangle} + b_y)$. So
# $a^{\langle t \rangle}$ is a row of $H_t$ stood upright, $W_{ax} = W_{xh}^\top$ and
# $W_{aa} = W_{hh}^\top$.
#
# ## 2. The loop in NumPy
#
# One line per equation, one loop iteration per time step:


# %%
def rnn_forward_numpy(X, W_xh, W_hh, b_h, H_0=None):
    """All the states H_1..H_T of a vanilla RNN. X: (n, T, d) -> (n, T, h)."""
    n, T, _ = X.shape
    H = np.zeros((n, W_hh.shape[0])) if H_0 is None else H_0
    states = []
    for t in range(T):
        H = np.tanh(X[:, t] @ W_xh + H @ W_hh + b_h)  # H_t = φ(X_t W_xh + H_{t-1} W_hh + b_h)
        states.append(H)
    return np.stack(states, axis=1)


# %% [markdown]
# A tiny example: $n = 2$ sequences of $T = 5$ steps, $d = 3$ features, $h = 4$ hidden units,
# and random weights.

# %%
# NBVAL_CHECK_OUTPUT
n, T, d, h = 2, 5, 3, 4
rng = np.random.default_rng(1)
X = rng.normal(size=(n, T, d)).astype("float32")
W_xh = rng.normal(0, 0.5, size=(d, h)).astype("float32")
W_hh = rng.normal(0, 0.5, size=(h, h)).astype("float32")
b_h = rng.normal(0, 0.1, size=h).astype("float32")

H_numpy = rnn_forward_numpy(X, W_xh, W_hh, b_h)
print("X:", X.shape, "(n, T, d)")
print("W_xh:", W_xh.shape, " W_hh:", W_hh.shape, " b_h:", b_h.shape)
print("states:", H_numpy.shape, "(n, T, h)")

# %% [markdown]
# ## 3. The same step as a Keras cell
#
# Keras splits a recurrent layer into a **cell**, which computes one step, and
# `keras.layers.RNN`, which runs the loop. The kit's `lessons.SimpleRNNCell` is the equation
# above, with weights named as on the slides. We copy our three NumPy matrices into it:

# %%
# NBVAL_CHECK_OUTPUT
rnn = keras.layers.RNN(lessons.SimpleRNNCell(h), return_sequences=True)
rnn.build((None, None, d))
for name, value in [("W_xh", W_xh), ("W_hh", W_hh), ("b_h", b_h)]:
    getattr(rnn.cell, name).assign(value)

H_kit = ops.convert_to_numpy(rnn(X))
print("cell weights:", [(w.path.split("/")[-1], tuple(w.shape)) for w in rnn.cell.weights])
print("kit cell == NumPy loop:", np.allclose(H_kit, H_numpy, atol=1e-5))

# %% [markdown]
# Keras' own `SimpleRNN` packs the same three weights as `kernel` ($W_{xh}$),
# `recurrent_kernel` ($W_{hh}$) and `bias` ($b_h$). `lessons.from_keras` reads them into the
# kit's cell, so the two layers agree:

# %%
# NBVAL_CHECK_OUTPUT
keras_rnn = keras.layers.SimpleRNN(h, return_sequences=True)
keras_rnn.build((None, None, d))
keras_rnn.set_weights([W_xh, W_hh, b_h])
H_keras = ops.convert_to_numpy(keras_rnn(X))
twin = lessons.from_keras(keras_rnn)  # RNN(lessons.SimpleRNNCell(h)) with the same weights
print("SimpleRNN == NumPy loop:", np.allclose(H_keras, H_numpy, atol=1e-5))
print("from_keras(SimpleRNN) == SimpleRNN:", np.allclose(ops.convert_to_numpy(twin(X)), H_keras))

# %% [markdown]
# ## 4. One set of weights for every step
#
# The loop above used the same `W_xh`, `W_hh` and `b_h` at every $t$: the RNN **shares its
# parameters across time**. So the count does not depend on the length of the sequence:
#
# $$\#\text{parameters} = \underbrace{d \cdot h}_{W_{xh}} + \underbrace{h \cdot h}_{W_{hh}}
# + \underbrace{h}_{b_h}$$
#
# A dense layer that reads the whole sequence at once needs a weight per input number, so it
# grows with $T$ (and cannot read a sequence longer than the one it was built for):

# %%
# NBVAL_CHECK_OUTPUT
print(f"formula d*h + h*h + h = {d * h + h * h + h}")
print(f"{'T':>5} {'RNN':>6} {'Dense on all T*d inputs':>24}")
for steps in (5, 50, 500):
    recurrent = keras.Sequential([keras.Input((steps, d)), keras.layers.SimpleRNN(h)])
    dense = keras.Sequential([keras.Input((steps * d,)), keras.layers.Dense(h)])
    print(f"{steps:>5} {recurrent.count_params():>6} {dense.count_params():>24}")

# %% [markdown]
# ## 5. The concatenation trick
#
# The notes simplify the notation by putting the two matrices side by side and the two vectors
# on top of each other:
#
# $$W_{aa} a^{\langle t-1 \rangle} + W_{ax} x^{\langle t \rangle}
# = \underbrace{\begin{bmatrix} W_{aa} & W_{ax} \end{bmatrix}}_{W_a\;(h \times (h + d))}
# \underbrace{\begin{bmatrix} a^{\langle t-1 \rangle} \\ x^{\langle t \rangle}
# \end{bmatrix}}_{(h + d) \times 1}$$
#
# This is block matrix multiplication: each row of $W_a$ meets $a^{\langle t-1 \rangle}$ with
# its first $h$ entries and $x^{\langle t \rangle}$ with the rest. So
# $a^{\langle t \rangle} = g(W_a [a^{\langle t-1 \rangle}; x^{\langle t \rangle}] + b_a)$ is
# the same step with one matrix instead of two. Checked on one example, column vectors:

# %%
# NBVAL_CHECK_OUTPUT
W_ax, W_aa, b_a = W_xh.T, W_hh.T, b_h[:, None]  # Ng's column-vector names
x_t = X[0, 1][:, None]  # x^<2> of the first sequence, (d, 1)
a_prev = H_numpy[0, 0][:, None]  # a^<1>, (h, 1)

two_matrices = np.tanh(W_aa @ a_prev + W_ax @ x_t + b_a)
W_a = np.hstack([W_aa, W_ax])  # side by side: (h, h + d)
stacked = np.vstack([a_prev, x_t])  # on top of each other: (h + d, 1)
one_matrix = np.tanh(W_a @ stacked + b_a)

print("W_a:", W_a.shape, " [a<t-1>; x<t>]:", stacked.shape)
print("one matrix == two matrices:", np.allclose(one_matrix, two_matrices, atol=1e-6))
print("== a<2> from the loop:", np.allclose(one_matrix[:, 0], H_numpy[0, 1], atol=1e-5))

# %% [markdown]
# In the row form of the slides the trick reads $[H_{t-1}, X_t] \begin{bmatrix} W_{hh} \\
# W_{xh} \end{bmatrix}$. Frameworks use it for speed: one large matrix product instead of two
# small ones. The GRU and LSTM notes write every gate this way, $W_f [h_{t-1}, x_t]$.
#
# ## 6. Exercise: write the cell's step
#
# A Keras cell is a layer with two attributes that `keras.layers.RNN` reads, `state_size` and
# `output_size`, a `build` that creates the weights, and a `call` that computes one step:
#
# - `inputs` is $X_t$, shape $(n, d)$;
# - `states` is a list holding one tensor, $H_{t-1}$, shape $(n, h)$;
# - it returns the output and the list of new states. For the vanilla RNN both are $H_t$:
#   `return H_t, [H_t]`.
#
# **Exercise 1.** Write `call` with `keras.ops` (`ops.matmul`, `ops.tanh`), not NumPy: Keras
# compiles the loop into a graph, where NumPy cannot run.


# %% rnn_lessons={"exercise": "rnn_cell_call"}
class MyRNNCell(keras.layers.Layer):
    """One step of the vanilla RNN: H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h).

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
        self.state_size = units  # keras.layers.RNN reads these two
        self.output_size = units

    def build(self, input_shape):
        d = input_shape[-1]
        self.W_xh = self.add_weight(
            name="W_xh", shape=(d, self.units), initializer="glorot_uniform"
        )
        self.W_hh = self.add_weight(
            name="W_hh", shape=(self.units, self.units), initializer="orthogonal"
        )
        self.b_h = self.add_weight(name="b_h", shape=(self.units,), initializer="zeros")

    def call(self, inputs, states):
        ### BEGIN SOLUTION
        H_prev = states[0]
        H_t = ops.tanh(ops.matmul(inputs, self.W_xh) + ops.matmul(H_prev, self.W_hh) + self.b_h)
        return H_t, [H_t]
        ### END SOLUTION


# %% [markdown]
# The check copies its own random weights into your cell, tests each term of the equation
# alone (only the input, only the state, only the bias), then whole sequences with padding
# masks inside `keras.layers.RNN`, against NumPy, `lessons.SimpleRNNCell` and Keras'
# `SimpleRNN`.

# %%
# NBVAL_CHECK_OUTPUT
checks.check_rnn_cell_call(MyRNNCell)

# %% [markdown]
# ## 7. Real data: digits read row by row
#
# The digits data has 1,797 grey-scale images of 8×8 pixels, each a handwritten 0 to 9
# (scikit-learn's copy of a UCI data set; `data/README.md` says where it comes from). Read
# from top to bottom, an image is a sequence: $T_x = 8$ rows, each a vector of 8 pixel values,
# so $x^{\langle t \rangle} \in \mathbb{R}^8$ is row $t$.

# %%
# NBVAL_CHECK_OUTPUT
images, labels = load_digits()
x_all = images.astype("float32") / 16.0  # pixel counts 0..16 -> [0, 1]
print("images:", images.shape, images.dtype, " labels:", labels.shape, labels.dtype)
print("as sequences (m, T_x, features):", x_all.shape)
print("examples per digit:", np.bincount(labels).tolist())

# %%
fig, axes = plt.subplots(1, 10, figsize=(12, 1.8))
for digit, ax in enumerate(axes):
    ax.imshow(images[np.flatnonzero(labels == digit)[0]], cmap="Greys")
    ax.set_title(str(digit))
    ax.set_xticks([])
    ax.set_yticks([0, 7], ["t=1", "t=8"] if digit == 0 else [])
fig.suptitle("One example of each digit; the RNN reads row t at step t", y=1.08)
plt.show()

# %% [markdown]
# We keep a fixed fifth of the images (360) aside to validate on.

# %%
# NBVAL_CHECK_OUTPUT
order = np.random.default_rng(0).permutation(len(labels))
val_idx, train_idx = order[:360], order[360:]
x_train, y_train = x_all[train_idx], labels[train_idx].astype("int64")
x_val, y_val = x_all[val_idx], labels[val_idx].astype("int64")
print("train:", x_train.shape, " validation:", x_val.shape)

# %% [markdown]
# ## 8. Many-to-one: one answer after the last row
#
# Your cell reads the 8 rows; after the last one, $H_8$ goes through the output layer
# $\hat{y} = \text{softmax}(H_8 W_{hq} + b_q)$, ten probabilities. Only the final state is
# used: `keras.layers.RNN` returns it by default. (If your cell does not pass its check yet, the
# model is built from the kit's `lessons.SimpleRNNCell` instead, and the cell's first line says
# so.)

# %%
units = 64
epochs = config.pick(ci=8, full=60)
Cell = yours_or_kit(MyRNNCell, checks.check_rnn_cell_call, lessons.SimpleRNNCell)

lessons.set_seed(0)  # the same start whatever the cells above drew (your checks draw too)
many_to_one = keras.Sequential(
    [
        keras.Input((8, 8)),  # (T_x, features)
        keras.layers.RNN(Cell(units)),  # -> H_8, (batch, units)
        keras.layers.Dense(10, activation="softmax"),  # -> ŷ, (batch, 10)
    ]
)
many_to_one.compile(
    optimizer=keras.optimizers.Adam(3e-3),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
many_to_one.summary()

# %% [markdown]
# The parameter count is again $d \cdot h + h \cdot h + h = 8 \cdot 64 + 64 \cdot 64 + 64$ for
# the cell, plus $64 \cdot 10 + 10$ for the output layer.

# %%
history = many_to_one.fit(
    x_train,
    y_train,
    validation_data=(x_val, y_val),
    epochs=epochs,
    batch_size=32,
    verbose=2,
)
val_accuracy = history.history["val_accuracy"][-1]
print(f"validation accuracy after {epochs} epochs: {val_accuracy:.3f}")

# %%
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3))
for key, style in (("loss", "-"), ("val_loss", "--")):
    ax_loss.plot(history.history[key], style, label=key)
for key, style in (("accuracy", "-"), ("val_accuracy", "--")):
    ax_acc.plot(history.history[key], style, label=key)
ax_loss.set_xlabel("epoch")
ax_acc.set_xlabel("epoch")
ax_loss.set_title("cross-entropy")
ax_acc.set_title("accuracy")
ax_loss.legend()
ax_acc.legend()
plt.show()

# %% [markdown]
# In full mode (60 epochs) the validation accuracy reaches **0.978** (our run): your cell, with
# its 4,672 weights, recognises digits it has never seen. CI mode (8 epochs) asks for 0.85.

# %%
assert val_accuracy > config.pick(ci=0.85, full=0.95), f"validation accuracy {val_accuracy:.3f}"

# %% [markdown]
# ## 9. The loss of a sequence: a sum over time
#
# When the network answers at every step, each step has its own loss. With the target
# $y^{\langle t \rangle}$ one-hot over the classes and $\hat{y}^{\langle t \rangle}$ the
# predicted probabilities, the notes write the cross-entropy of step $t$ and the loss of the
# whole sequence:
#
# $$\mathcal{L}^{\langle t \rangle}(\hat{y}^{\langle t \rangle}, y^{\langle t \rangle})
# = -\sum_i y_i^{\langle t \rangle} \log \hat{y}_i^{\langle t \rangle}$$
#
# $$\mathcal{L} = \sum_{t=1}^{T_y} \mathcal{L}^{\langle t \rangle}(\hat{y}^{\langle t
# \rangle}, y^{\langle t \rangle})$$
#
# Only the target class counts in the inner sum (the other $y_i$ are 0). The outer sum is over
# time, not an average: every step's mistake adds to the loss. Backpropagation through time
# (lesson 02) differentiates exactly this sum.
#
# **Exercise 2.** Write `sequence_loss` with `keras.ops`, so that Keras can train with it. One
# trap: a predicted probability can be exactly 0 for a class that is not the target, and
# $0 \cdot \log 0$ is NaN in floating point. Clip $\hat{y}$ to $[10^{-7}, 1]$ before the log.


# %% rnn_lessons={"exercise": "sequence_loss"}
def sequence_loss(y_true, y_pred):
    """L = Σ_t L^<t>, the cross-entropy summed over time, for each sequence of a batch.

    Args:
        y_true: one-hot targets y^<t>, shape (batch, T, classes).
        y_pred: predicted probabilities ŷ^<t>, shape (batch, T, classes).

    Returns:
        A tensor of shape (batch,): the loss of each sequence.
    """
    ### BEGIN SOLUTION
    y_pred = ops.clip(y_pred, 1e-7, 1.0)  # log(0) would give -inf, and 0 * -inf = NaN
    step_losses = -ops.sum(y_true * ops.log(y_pred), axis=-1)  # L^<t>, (batch, T)
    return ops.sum(step_losses, axis=-1)  # L = Σ_t L^<t>, (batch,)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
checks.check_sequence_loss(sequence_loss)

# %% [markdown]
# When the answer at each step is yes or no, the output layer gives one probability,
# $\hat{y}^{\langle t \rangle} = \sigma(H_t W_{hq} + b_q)$, and the step's loss is the
# **binary** cross-entropy. The notes' example is finding names: for each word of "Harry
# Potter and Hermione Granger invented a new spell", is it part of a person's name
# ($y^{\langle t \rangle} = 1$) or not (0)?
#
# $$\mathcal{L}^{\langle t \rangle}(\hat{y}^{\langle t \rangle}, y^{\langle t \rangle}) =
# -y^{\langle t \rangle} \log \hat{y}^{\langle t \rangle} - (1 - y^{\langle t \rangle})
# \log (1 - \hat{y}^{\langle t \rangle}), \qquad \mathcal{L} = \sum_t
# \mathcal{L}^{\langle t \rangle}$$
#
# It is the cross-entropy above with two classes, "no" and "yes", whose probabilities are
# $1 - \hat{y}$ and $\hat{y}$. Here it is on made-up predictions, three ways: the formula,
# your `sequence_loss` given the two classes, and Keras' `binary_crossentropy` (which averages
# over the steps instead of summing).

# %%
# NBVAL_CHECK_OUTPUT
words = "Harry Potter and Hermione Granger invented a new spell".split()
y = np.array([1, 1, 0, 1, 1, 0, 0, 0, 0], dtype="float32")  # 1: part of a person's name
y_hat = np.array([0.9, 0.8, 0.2, 0.7, 0.6, 0.1, 0.3, 0.1, 0.4], dtype="float32")  # made up
step_losses = -y * np.log(y_hat) - (1 - y) * np.log(1 - y_hat)  # L^<t>, one per word
for word, target, p, loss in zip(words, y, y_hat, step_losses):
    print(f"{word:9} y = {target:.0f}  ŷ = {p:.1f}  L = {loss:.3f}")
two_classes = sequence_loss(np.stack([1 - y, y], -1)[None], np.stack([1 - y_hat, y_hat], -1)[None])
keras_mean = float(keras.losses.binary_crossentropy(y[None], y_hat[None])[0])
for label, total in [
    ("Σ_t L^<t>", step_losses.sum()),
    ("your sequence_loss, (no, yes)", float(two_classes[0])),
    (f"Keras' mean × {len(words)} steps", keras_mean * len(words)),
]:
    print(f"{label + ':':32} {total:.4f}")

# %% [markdown]
# ## 10. Many-to-many: an answer after every row
#
# Now the network guesses the digit after every row it reads, $T_y = T_x = 8$: the target at
# every step is the image's label. With `return_sequences=True` the RNN returns $H_1, \dots,
# H_8$, and the `Dense` layer is applied to each of them (the same $W_{hq}$ at every step). Your
# `sequence_loss` adds the eight cross-entropies (or, until it passes its check, the kit's own).
# Keras then averages the per-sequence losses over the batch.

# %%
y_train_steps = np.repeat(np.eye(10, dtype="float32")[y_train][:, None, :], 8, axis=1)
y_val_steps = np.repeat(np.eye(10, dtype="float32")[y_val][:, None, :], 8, axis=1)
print("targets (m, T_y, classes):", y_train_steps.shape)

lessons.set_seed(0)
many_to_many = keras.Sequential(
    [
        keras.Input((8, 8)),
        keras.layers.RNN(lessons.SimpleRNNCell(units), return_sequences=True),  # (batch, 8, 64)
        keras.layers.Dense(10, activation="softmax"),  # ŷ^<t> at every step: (batch, 8, 10)
    ]
)
learning_rate = config.pick(ci=1e-2, full=3e-3)  # CI mode: few epochs, so bigger steps
loss = yours_or_kit(sequence_loss, checks.check_sequence_loss, checks.keras_sequence_loss)
many_to_many.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss)
history_mm = many_to_many.fit(
    x_train,
    y_train_steps,
    validation_data=(x_val, y_val_steps),
    epochs=epochs,
    batch_size=32,
    verbose=2,
)

# %% [markdown]
# How good is the guess after $t$ rows? We compute the validation accuracy at every step:

# %%
probabilities = many_to_many.predict(x_val, verbose=0)  # (m, 8, 10)
accuracy_per_step = (probabilities.argmax(axis=-1) == y_val[:, None]).mean(axis=0)
for t, accuracy in enumerate(accuracy_per_step, start=1):
    print(f"after {t} row{'s' if t > 1 else ' '}: validation accuracy {accuracy:.3f}")

fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(range(1, 9), accuracy_per_step, "o-")
ax.axhline(0.1, color="grey", linestyle=":", label="chance (0.1)")
ax.set_xlabel("rows read, t")
ax.set_ylabel("validation accuracy")
ax.set_ylim(0, 1)
ax.set_title("The guess improves as the RNN reads more of the image")
ax.legend()
plt.show()

# %% [markdown]
# In full mode (our run) the guess after the first row is right **41 %** of the time (a top
# row tells a 7 from a 1, not much more), half the image gives **83 %**, and the whole image
# **92 %**. The same weights produced all eight answers. The last answer is a little worse
# than the many-to-one model's 0.978: the summed loss asks one hidden state to serve the early,
# uncertain guesses too, and their errors weigh as much as the last one's. CI mode asks for a
# clear rise from the first row to the last.

# %%
assert accuracy_per_step[-1] > config.pick(ci=0.6, full=0.85), accuracy_per_step
assert accuracy_per_step[-1] > accuracy_per_step[0] + 0.3, accuracy_per_step

# %% [markdown]
# ## Summary
#
# - The vanilla RNN is one equation, $H_t = \phi(X_t W_{xh} + H_{t-1} W_{hh} + b_h)$, applied
#   at every step with the same weights; its parameter count does not depend on $T$.
# - A NumPy loop, the kit's `SimpleRNNCell` in `keras.layers.RNN` and Keras' `SimpleRNN`
#   compute the same states; `lessons.from_keras` moves weights from the fast built-in to the
#   readable cell.
# - $W_{aa} a^{\langle t-1 \rangle} + W_{ax} x^{\langle t \rangle}
#   = W_a [a^{\langle t-1 \rangle}; x^{\langle t \rangle}]$: one matrix on the stacked vector.
# - Many-to-one uses only the last state; many-to-many puts an output layer on every state and
#   sums the per-step losses over time.
#
# Next lesson: how the gradient of that sum flows backwards through time, and why it vanishes
# or explodes over long sequences.
