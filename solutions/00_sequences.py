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
#       names:
#         printed: '{} names, e.g.'
#         says: a list of {} US first names
#     exercises:
#       char_vocab:
#         defines: build_char_vocab
#         points: 2
#       encode_name:
#         defines: encode_name
#         points: 1
#       pad_and_mask:
#         defines: pad_and_mask
#         points: 2
#     lesson: 00_sequences
#     title: Sequences and the shapes of RNN problems
# ---

# %% [markdown] tags=["kit-badge"]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lessons/rnn-lessons/blob/main/solutions/00_sequences.ipynb)
#
# # Lesson 00 — Sequences and the shapes of RNN problems

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
# This lesson turns data into the tensors a recurrent network reads, and shows the five ways an
# RNN can connect an input sequence to an output. Nothing is trained yet: every number printed
# here is a shape, a count or an exact check.
#
# You will write three small functions (marked **Exercise**), each followed by a check that says
# what is wrong if something is.

# %% rnn_lessons={"context": true}
import keras
import matplotlib.pyplot as plt
import numpy as np

from lessons.checks import lesson00 as checks
from lessons.checks import yours_or_kit
from lessons.datasets import load_names

# %% [markdown]
# ## 1. Why sequence models
#
# Much real data comes as an ordered list, where each element only makes sense next to its
# neighbours. Sometimes the input is such a list, sometimes the output, sometimes both:
#
# | task | input x | output y |
# |---|---|---|
# | speech recognition | an audio clip (a sequence of sound frames) | its transcript (words) |
# | music generation | nothing, or a genre or a first note | a sequence of notes |
# | sentiment classification | a review: "not worth the ticket" | one rating, e.g. 1 to 5 stars |
# | DNA analysis | a strand of the bases A, C, G, T | which stretch codes for a protein |
# | machine translation | a French sentence | its English translation (another length) |
# | video activity recognition | a sequence of frames | the activity: running, waving, ... |
# | named-entity recognition | a sentence | for each word: is it part of a person's name? |
#
# An ordinary feed-forward network fits these badly, for two reasons. Its input has a fixed
# size, but sentences and clips do not. And what it learns about a word in position 3 does not
# carry over to the same word in position 7. A recurrent network reads one element per time step
# with the **same weights at every step**, so it handles any length and shares what it learns.

# %% [markdown]
# ## 2. Notation
#
# Take named-entity recognition: the input is a sentence, the output marks each word that is
# part of a person's name.
#
# - $x^{\langle t \rangle}$ is the $t$-th element of the input, and $T_x$ is the input's length.
# - $y^{\langle t \rangle}$ is the $t$-th element of the output, and $T_y$ is its length. Here
#   there is one tag per word, so $T_y = T_x$.
# - With many training examples, $x^{(i)\langle t \rangle}$ is the $t$-th element of example
#   $i$, and $T_x^{(i)}$ its length. Lengths differ from one example to the next.

# %%
# NBVAL_CHECK_OUTPUT
x = "Yesterday Ada Lovelace wrote to Charles Babbage".split()
y = [0, 1, 1, 0, 0, 1, 1]  # 1 = part of a person's name
print(f"T_x = {len(x)}, T_y = {len(y)}")
for t, (word, tag) in enumerate(zip(x, y), start=1):
    print(f"x^<{t}> = {word:<10} y^<{t}> = {tag}")

# %% [markdown]
# Our data is a list of 5,163 US first names (from the 1990 census; `data/README.md` says where it
# comes from). We read each name as a sequence of **characters**: for "Mary",
# $x^{\langle 1 \rangle} = $ "M", ..., $x^{\langle 4 \rangle} = $ "y", and $T_x = 4$.

# %%
# NBVAL_CHECK_OUTPUT
names = load_names()
lengths = np.array([len(name) for name in names])  # T_x^(i) for every name i
print(f"{len(names)} names, e.g. {names[:3]} ... {names[-2:]}")
print(f"T_x^(i) ranges from {lengths.min()} to {lengths.max()}; the mean is {lengths.mean():.2f}")

# %% [markdown]
# The lengths vary, which is exactly what a recurrent network must cope with (section 6):

# %%
T_values, counts = np.unique(lengths, return_counts=True)
fig, ax = plt.subplots(figsize=(6, 2.8))
ax.bar(T_values, counts, color="tab:blue")
ax.set_xticks(T_values)
ax.set_xlabel("name length $T_x^{(i)}$ (characters)")
ax.set_ylabel("number of names")
ax.set_title("Lengths of the 5,163 names")
plt.show()

# %% [markdown]
# ## 3. A character vocabulary
#
# A network reads numbers, not letters. A **vocabulary** lists every token the model knows, and a
# token's position in the list is its **index**. A word-level model would use, say, the 10,000
# most frequent words; for names, the letters are enough, so the vocabulary stays small.
#
# Besides characters, the vocabulary holds special tokens, at fixed indices:
#
# | index | token | meaning |
# |---|---|---|
# | 0 | `<pad>` | filler after the end of a short sequence (section 6) |
# | 1 | `<unk>` | any character the vocabulary does not contain (UNK) |
# | 2 | `<eos>` | end of sequence: the name stops here (EOS) |
# | 3, 4, ... | characters | every character seen in the names, once each, sorted |
#
# Sorting makes the vocabulary the same whatever order the names come in.

# %% [markdown]
# **Exercise 1.** Write `build_char_vocab(names)`. It returns `index_to_char`, the list of tokens
# (position = index), and `char_to_index`, the dict that maps each token back to its index.

# %% rnn_lessons={"exercise": "char_vocab"}
SPECIAL_TOKENS = ["<pad>", "<unk>", "<eos>"]
PAD, UNK, EOS = 0, 1, 2  # the special tokens' indices


def build_char_vocab(names):
    """The character vocabulary of `names`.

    Args:
        names: A list of strings.

    Returns:
        `(char_to_index, index_to_char)`: `index_to_char` is a list holding the
        three SPECIAL_TOKENS (indices 0, 1, 2), then every character that occurs
        in `names`, once each, in sorted order; `char_to_index` is a dict that
        maps each token of `index_to_char` to its position there.
    """
    ### BEGIN SOLUTION
    characters = sorted({char for name in names for char in name})
    index_to_char = SPECIAL_TOKENS + characters
    char_to_index = {token: index for index, token in enumerate(index_to_char)}
    return char_to_index, index_to_char
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
checks.check_char_vocab(build_char_vocab)

# %% [markdown]
# Built from all the names, the vocabulary has the 26 capital letters (names start with one),
# the 26 small ones and the three special tokens. (This cell and the ones after it use your
# function when it passes its check, and the kit's own otherwise, so the lesson goes on either
# way; the cell's first line says which.)

# %%
# NBVAL_CHECK_OUTPUT
build = yours_or_kit(build_char_vocab, checks.check_char_vocab, checks.reference_vocab)
char_to_index, index_to_char = build(names)
V = len(index_to_char)  # |V|, the vocabulary size
print(f"|V| = {V}")
print("index_to_char[:8] =", index_to_char[:8])
print("char_to_index['M'] =", char_to_index["M"], " char_to_index['y'] =", char_to_index["y"])

# %% [markdown]
# ## 4. Names as index sequences
#
# A name becomes the list of its characters' indices, followed by `<eos>`. The end marker lets a
# model that *writes* names say "this name is finished", so a name of $n$ letters gives
# $T_x = n + 1$ steps. A character outside the vocabulary (an accented letter, say) becomes
# `<unk>`.
#
# **Exercise 2.** Write `encode_name(name, char_to_index)`.


# %% rnn_lessons={"exercise": "encode_name"}
def encode_name(name, char_to_index):
    """The index sequence of `name`: one index per character, then EOS.

    A character that is not a key of `char_to_index` becomes UNK. The result
    is a list of len(name) + 1 ints whose last element is EOS.
    """
    ### BEGIN SOLUTION
    return [char_to_index.get(char, UNK) for char in name] + [EOS]
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
checks.check_encode_name(encode_name)

# %% [markdown]
# Decoding is a lookup in `index_to_char`. "Zoë" is not in the census list, and "ë" is not in the
# vocabulary, so it comes back as `<unk>`:

# %%
# NBVAL_CHECK_OUTPUT
encode = yours_or_kit(encode_name, checks.check_encode_name, checks.reference_encode)
for name in ["Mary", "Zoë"]:
    indices = encode(name, char_to_index)
    print(f"{name!r} -> {indices} -> {[index_to_char[i] for i in indices]}")

# %% [markdown]
# ## 5. One-hot vectors
#
# The network reads each step $x^{\langle t \rangle}$ as a vector of length $|V|$ that is 1 at
# the character's index $k_t$ and 0 everywhere else:
#
# $$x^{\langle t \rangle}_j = \begin{cases} 1 & j = k_t \\ 0 & \text{otherwise} \end{cases}
# \qquad x^{\langle t \rangle} \in \{0, 1\}^{|V|}$$
#
# `keras.ops.one_hot` does this for a whole sequence at once, and `argmax` undoes it.

# %%
# NBVAL_CHECK_OUTPUT
mary = encode("Mary", char_to_index)
x_mary = keras.ops.convert_to_numpy(keras.ops.one_hot(np.array(mary), V))  # (T_x, |V|)
print("shape (T_x, |V|):", x_mary.shape)
print("each row sums to 1:", bool((x_mary.sum(axis=1) == 1).all()))
print("argmax gives the indices back:", x_mary.argmax(axis=1).tolist() == mary)

# %% [markdown]
# ## 6. Padding and masks
#
# To go through the network together, the $m$ sequences of a batch must fit one array of shape
# $(m, T_{\max})$, with $T_{\max} = \max_i T_x^{(i)}$. Shorter sequences are **padded**: filled
# with `<pad>` after their end. A **mask** records which positions are real:
#
# $$\text{mask}^{(i)\langle t \rangle} = \begin{cases} \text{True} & t \le T_x^{(i)} \\
# \text{False} & t > T_x^{(i)} \end{cases}$$
#
# **Exercise 3.** Write `pad_and_mask(sequences, pad_value=0)`. Build the mask from the
# lengths: a real element may happen to equal `pad_value`.

# %% rnn_lessons={"exercise": "pad_and_mask"}
import numpy as np


def pad_and_mask(sequences, pad_value=0):
    """Pad `sequences` at the end to a common length and mark the real positions.

    Args:
        sequences: A list of N integer sequences (lists or 1-D arrays) of any lengths.
        pad_value: The integer written in the padded positions. Default 0 (= PAD).

    Returns:
        `(padded, mask)`: `padded` is an integer array of shape (N, T_max), where
        T_max is the longest length (0 when there are no sequences); row i holds
        sequence i, then `pad_value` up to T_max. `mask` is a boolean array of the
        same shape: True where `padded` holds a real element, False at padding.
    """
    ### BEGIN SOLUTION
    lengths = np.array([len(sequence) for sequence in sequences], dtype=int)
    T_max = int(lengths.max(initial=0))
    padded = np.full((len(sequences), T_max), pad_value, dtype=int)
    for i, sequence in enumerate(sequences):
        padded[i, : lengths[i]] = sequence
    mask = np.arange(T_max)[None, :] < lengths[:, None]  # t < T_x^(i), counting t from 0
    return padded, mask
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
checks.check_pad_and_mask(pad_and_mask)

# %% [markdown]
# A batch of six names of different lengths, padded to the longest one (with `<eos>`):

# %%
# NBVAL_CHECK_OUTPUT
batch_names = ["Ed", "Eve", "Mary", "Oliver", "Jacqueline", "Christopher"]
assert all(name in names for name in batch_names)
sequences = [encode(name, char_to_index) for name in batch_names]
pad = yours_or_kit(pad_and_mask, checks.check_pad_and_mask, checks.reference_pad_and_mask)
padded, mask = pad(sequences, pad_value=PAD)
batch_lengths = mask.sum(axis=1)  # T_x^(i), <eos> included
print("padded:", padded.shape, padded.dtype, "  mask:", mask.shape, mask.dtype)
for name, T_x, row in zip(batch_names, batch_lengths, padded):
    print(f"{name:<12} T_x = {T_x:>2}  {row.tolist()}")

# %%
fig, (ax_ids, ax_mask) = plt.subplots(1, 2, figsize=(11, 3), sharey=True)
ax_ids.imshow(padded, cmap="viridis")
for i, row in enumerate(padded):
    for t, index in enumerate(row):
        token = index_to_char[index]
        label = {"<pad>": "·", "<eos>": "⏎"}.get(token, token)
        ax_ids.text(t, i, label, ha="center", va="center", color="white", fontsize=9)
ax_ids.set_title("padded: indices (letters shown; ⏎ = <eos>, · = <pad>)")
ax_mask.imshow(mask, cmap="Greys", vmin=0, vmax=1)
ax_mask.set_title("mask: black = real step, white = padding")
for ax in (ax_ids, ax_mask):
    ax.set_xlabel("time step t (from 0)")
ax_ids.set_yticks(range(len(batch_names)), batch_names)
plt.show()

# %% [markdown]
# ## 7. A padded batch through a recurrent network
#
# Keras wants a batch of sequences as a 3-D array **(batch, time, features)**: here
# $(m, T_{\max}, |V|)$, one one-hot vector per step. We also zero the vectors at padded steps,
# so padding carries no information (and `keras.layers.Masking` can find it, in section 8).


# %%
# NBVAL_CHECK_OUTPUT
def one_hot_batch(padded, mask):
    """(m, T_max) indices -> (m, T_max, |V|) one-hot vectors, all zeros at padded steps."""
    one_hot = keras.ops.convert_to_numpy(keras.ops.one_hot(padded, V))
    return one_hot * mask[:, :, None]


X = one_hot_batch(padded, mask)
print("X:", X.shape, " (m, T_max, |V|)")

# %% [markdown]
# A GRU layer made from the kit's `GRUCell` reads the batch. Given the mask, it skips the update
# at a padded step and carries the state over unchanged:
#
# $$a^{\langle t \rangle} = a^{\langle t-1 \rangle} \quad \text{whenever }
# \text{mask}^{(i)\langle t \rangle} = \text{False}$$
#
# So the final state of a short name is its state after its last real step, `<eos>`. The cell
# below checks this for every name, and that without the mask the padding would change it.

# %%
# NBVAL_CHECK_OUTPUT
gru = keras.layers.RNN(lessons.GRUCell(8), return_sequences=True, return_state=True)
states, final_state = (keras.ops.convert_to_numpy(s) for s in gru(X, mask=mask))
_, final_no_mask = (keras.ops.convert_to_numpy(s) for s in gru(X))

print("states:", states.shape, " final state:", final_state.shape)
print(f"{'name':<12} {'T_x':>3}  kept over padding  final = last real  = alone  mask matters")
for i, (name, T_x) in enumerate(zip(batch_names, batch_lengths)):
    last_real = states[i, T_x - 1]  # a^<T_x>, after <eos>
    kept = all(np.array_equal(states[i, t], last_real) for t in range(T_x, padded.shape[1]))
    _, alone = gru(X[i : i + 1, :T_x])  # the same name with no padding at all
    same_alone = np.allclose(final_state[i], keras.ops.convert_to_numpy(alone)[0], atol=1e-6)
    differs = not np.allclose(final_state[i], final_no_mask[i], atol=1e-6)
    print(
        f"{name:<12} {T_x:>3}  {kept!s:<17}  {np.array_equal(final_state[i], last_real)!s:<17}"
        f"  {same_alone!s:<5}  {differs}"
    )

# %% [markdown]
# "mask matters" is False only for "Christopher", the longest name: it has no padding to skip.

# %% [markdown]
# ## 8. The five shapes of RNN problems
#
# How the input and output sequences line up gives five patterns. Here each one is drawn, then
# built as a tiny Keras model from the kit's cells, with our names as data:
#
# 1. **one-to-one** ($T_x = T_y = 1$): no sequence at all, an ordinary network. Example: predict
#    a name's second letter from its first.
# 2. **one-to-many** ($T_x = 1$, $T_y > 1$): music generation, where one seed (or nothing) yields
#    a sequence. Example: write a name, given its first letter.
# 3. **many-to-one** ($T_x > 1$, $T_y = 1$): sentiment classification, where a review gives one
#    rating. Example: read a name, output the probability that it is on the census' female list.
# 4. **many-to-many with $T_x = T_y$**: named-entity recognition, one output per input step.
#    Example: at each character, predict the next one, as a character-level language model does.
# 5. **encoder–decoder, $T_x \ne T_y$**: machine translation. An *encoder* RNN reads the whole
#    input; its final state becomes the initial state of a *decoder* RNN that writes the output,
#    which may be longer or shorter. Example: a name to its short form (Christopher → Chris).


# %%
def draw_shape(ax, steps, title):
    """Draw an unrolled RNN: `steps` is a list of (has_input, has_output), one per time step."""
    n_outputs = sum(has_output for _, has_output in steps)
    left = (5 - (len(steps) - 1)) / 2  # centre the drawing in a 6-step-wide box
    k = 0  # outputs drawn so far
    for t, (has_input, has_output) in enumerate(steps):
        u = left + t  # horizontal position of step t
        ax.add_patch(plt.Rectangle((u - 0.3, 0.7), 0.6, 0.6, color="tab:blue", alpha=0.8))
        ax.text(u, 1.0, "$a$", ha="center", va="center", color="white")
        if has_input:
            ax.annotate("", (u, 0.7), (u, 0.25), arrowprops={"arrowstyle": "->"})
            ax.text(u, 0.0, rf"$x^{{\langle {t + 1} \rangle}}$", ha="center", va="center")
        if has_output:
            k += 1
            label = rf"$\hat{{y}}^{{\langle {k} \rangle}}$" if n_outputs > 1 else r"$\hat{y}$"
            ax.annotate("", (u, 1.75), (u, 1.3), arrowprops={"arrowstyle": "->"})
            ax.text(u, 2.05, label, ha="center", va="center")
        if t > 0:  # the state a^<t-1> flows into the next step
            ax.annotate("", (u - 0.3, 1.0), (u - 0.7, 1.0), arrowprops={"arrowstyle": "->"})
    ax.set_xlim(-0.5, 5.5)
    ax.set_ylim(-0.35, 2.35)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=10)
    ax.axis("off")


SHAPES = {
    "one-to-one": [(1, 1)],
    "one-to-many": [(1, 1), (0, 1), (0, 1), (0, 1)],
    "many-to-one": [(1, 0), (1, 0), (1, 0), (1, 1)],
    "many-to-many, $T_x = T_y$": [(1, 1)] * 4,
    "encoder–decoder, $T_x \\ne T_y$": [(1, 0)] * 4 + [(0, 1)] * 2,
}
fig, axes = plt.subplots(1, 5, figsize=(16, 2.6), gridspec_kw={"wspace": 0.05})
for ax, (title, steps) in zip(axes, SHAPES.items()):
    draw_shape(ax, steps, title)
plt.show()

# %% [markdown]
# The models below use `keras.layers.RNN` around the kit's cells: `SimpleRNNCell`, `GRUCell`
# and `LSTMCell`. A few more Keras layers build the shapes:
#
# - `return_sequences=True` returns $a^{\langle t \rangle}$ at every step, $(m, T, h)$, instead
#   of only the last one, $(m, h)$.
# - `RepeatVector(T_y)` copies one vector to $T_y$ steps: the one-to-many input.
# - `TimeDistributed(Dense(...))` applies the same output layer at every step,
#   $\hat{y}^{\langle t \rangle} = \text{softmax}(W_{ya} a^{\langle t \rangle} + b_y)$.
# - `Masking()` rebuilds the mask from the data: a step whose features are all 0 is padding.
# - `return_state=True` also returns the final state; `initial_state=` starts an RNN from one.
#
# The weights are untrained, so only the shapes mean something yet. $h = 8$ units throughout.

# %%
H = 8  # hidden units
T_y_short = 6  # the decoder's output length: "Chris" and <eos>
layers = keras.layers


def one_to_one():
    """First letter (m, 1, |V|) -> scores for the second letter (m, |V|): one RNN step."""
    return keras.Sequential(
        [keras.Input((1, V)), layers.RNN(lessons.SimpleRNNCell(H)), layers.Dense(V, "softmax")]
    )


def one_to_many(T_y):
    """First letter (m, |V|) -> a name of T_y characters (m, T_y, |V|)."""
    return keras.Sequential(
        [
            keras.Input((V,)),
            layers.RepeatVector(T_y),  # the same input at every step
            layers.RNN(lessons.GRUCell(H), return_sequences=True),
            layers.TimeDistributed(layers.Dense(V, "softmax")),
        ]
    )


def many_to_one():
    """A padded name (m, T_x, |V|) -> P(female list) (m, 1), read after its last real step."""
    return keras.Sequential(
        [
            keras.Input((None, V)),  # None: any T_x
            layers.Masking(),
            layers.RNN(lessons.LSTMCell(H)),
            layers.Dense(1, "sigmoid"),
        ]
    )


def many_to_many():
    """A padded name (m, T_x, |V|) -> next-character scores at every step (m, T_x, |V|)."""
    return keras.Sequential(
        [
            keras.Input((None, V)),
            layers.Masking(),
            layers.RNN(lessons.GRUCell(H), return_sequences=True),
            layers.TimeDistributed(layers.Dense(V, "softmax")),
        ]
    )


def encoder_decoder():
    """Name (m, T_x, |V|) and decoder inputs (m, T_y, |V|) -> output scores (m, T_y, |V|)."""
    source = keras.Input((None, V), name="source")
    _, h, c = layers.RNN(lessons.LSTMCell(H), return_state=True)(layers.Masking()(source))
    decoder_inputs = keras.Input((None, V), name="decoder_inputs")
    # The encoder's final state, its summary of the name, is the decoder's initial state.
    decoder = layers.RNN(lessons.LSTMCell(H), return_sequences=True)
    decoded = decoder(decoder_inputs, initial_state=[h, c])
    scores = layers.TimeDistributed(layers.Dense(V, "softmax"))(decoded)
    return keras.Model([source, decoder_inputs], scores)


# %% [markdown]
# The inputs all come from the batch of six names. The decoder of the encoder–decoder model also
# reads a sequence of $T_y$ steps: during training, the target shifted by one, after a start
# token (here we reuse `<eos>`): "`<eos>` C h r i s" to write "C h r i s `<eos>`". Only to see the
# shapes, we feed `<eos>` at every step.

# %%
# NBVAL_CHECK_OUTPUT
first_letters = X[:, 0, :]  # (m, |V|)
start_tokens = np.full((len(batch_names), T_y_short), EOS)
decoder_inputs = keras.ops.convert_to_numpy(keras.ops.one_hot(start_tokens, V))  # (m, T_y, |V|)
runs = [
    ("one-to-one", one_to_one(), [first_letters[:, None, :]]),
    ("one-to-many", one_to_many(T_y_short), [first_letters]),
    ("many-to-one", many_to_one(), [X]),
    ("many-to-many", many_to_many(), [X]),
    ("encoder-decoder", encoder_decoder(), [X, decoder_inputs]),
]
print(f"{'shape':<16} {'input(s)':<30} {'output':<14} {'parameters':>10}")
for title, model, inputs in runs:
    outputs = model(inputs if len(inputs) > 1 else inputs[0])
    shown = " + ".join(str(array.shape) for array in inputs)
    print(f"{title:<16} {shown:<30} {str(tuple(outputs.shape)):<14} {model.count_params():>10}")

# %% [markdown]
# Read the table as $(m, T, \text{features})$:
#
# - Only the models with a sequence output keep a time axis: one-to-many and encoder–decoder
#   have $T_y = 6$, many-to-many keeps $T_y = T_x = 12$, the other two have none.
# - The parameter counts do not depend on $T_x$: the same weights run at every step. The
#   many-to-one model accepts a batch of any length; three names padded to 5 steps work too:

# %%
# NBVAL_CHECK_OUTPUT
X_short = one_hot_batch(*pad(sequences[:3]))
classifier = runs[2][1]
print("input", X_short.shape, "-> output", tuple(classifier(X_short).shape))

# %% [markdown]
# ## Summary
#
# - A sequence example $x^{(i)}$ has elements $x^{(i)\langle t \rangle}$, $t = 1, \dots,
#   T_x^{(i)}$; the length varies from example to example.
# - A vocabulary maps tokens to indices; `<unk>` stands for unknown characters, `<eos>` marks
#   the end, `<pad>` fills the gap after it.
# - One-hot vectors turn indices into $|V|$-long inputs; a batch is $(m, T_{\max}, |V|)$.
# - Padding gives the batch one length; the mask tells the RNN to keep its state at padded steps.
# - The five shapes (one-to-one, one-to-many, many-to-one, many-to-many, encoder–decoder) differ
#   only in where inputs go in and outputs come out; the recurrent cell is the same.
#
# Next lessons: what happens inside the cell, $a^{\langle t \rangle} = g(W_{aa} a^{\langle t-1
# \rangle} + W_{ax} x^{\langle t \rangle} + b_a)$, and how it learns.
