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
#       bidirectional_states:
#         defines: bidirectional_states
#         points: 3
#       masked_token_accuracy:
#         defines: masked_token_accuracy
#         points: 2
#       reverse_padded:
#         defines: reverse_padded
#         points: 2
#     lesson: 07_bidirectional
#     title: Bidirectional RNNs, and why they cannot be language models
# ---

# %% [markdown] tags=["kit-badge"]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lessons/rnn-lessons-course/blob/v0.1.0/notebooks/07_bidirectional.ipynb)
#
# # Lesson 07 — Bidirectional RNNs, and why they cannot be language models

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
# Every RNN so far read its input from left to right: its state $H_t$ summarizes $X_1, \dots,
# X_t$ and nothing after. Often the rest of the sequence is there too, and it matters. This
# lesson adds a second RNN that reads from right to left, and puts the two side by side: a
# **bidirectional RNN**.
#
# We write its equations in NumPy, check them against `keras.layers.Bidirectional`, and meet
# its one trap, padding. Then a bidirectional tagger labels every word of real English
# sentences with its part of speech, and beats a one-way tagger of the same kind. Last, we
# train a bidirectional *language model* and watch it cheat.
#
# You will write three functions (marked **Exercise**): reversing padded sequences, the two
# directions of a bidirectional RNN, and an accuracy that ignores padding.

# %% rnn_lessons={"context": true}
import collections

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from keras import ops

from lessons import datasets, text
from lessons.checks import lesson07 as checks
from lessons.checks import yours_or_kit

# %% [markdown]
# ## 1. The future matters
#
# Fill the gap, three times:
#
# | sentence | a word that fits |
# |---|---|
# | 我 \_\_\_。 | 饿 (I am hungry.) |
# | 我 \_\_\_ 非常饿。 | 不是 (I am *not* very hungry.) |
# | 我 \_\_\_ 非常饿，我可以吃下一只猪。 | 非常 (I am *very, very* hungry: I could eat a pig.) |
#
# The words **before** the gap are the same each time: 我. What fits depends on what comes
# **after** it. An RNN that reads from left to right is at the gap with the same state in all
# three sentences, so it must make the same guess.
#
# The notes' second example is a named-entity one. Is "Teddy" part of a person's name?
#
# - He said, "Teddy bears are on sale!"
# - He said, "Teddy Roosevelt was a great President!"
#
# After the first three words, He said, "Teddy, the two sentences are identical. A
# left-to-right RNN has read exactly the same $x^{\langle 1 \rangle}, x^{\langle 2 \rangle},
# x^{\langle 3 \rangle}$, so its state $a^{\langle 3 \rangle}$ and its answer
# $\hat{y}^{\langle 3 \rangle}$ are the same for both. Only the words that follow (bears,
# Roosevelt) tell the two apart.
#
# ## 2. Two RNNs, one for each direction
#
# The fix: run a second RNN over the sequence from right to left, with weights of its own, and
# give the output layer both states. With a batch of $n$ sequences, $d$ input features and $h$
# hidden units per direction (the slides' notation, $f$ for forward, $b$ for backward):
#
# $$\overrightarrow{H}_t = \phi\big(X_t W_{xh}^{(f)} + \overrightarrow{H}_{t-1} W_{hh}^{(f)}
# + b_h^{(f)}\big)$$
#
# $$\overleftarrow{H}_t = \phi\big(X_t W_{xh}^{(b)} + \overleftarrow{H}_{t+1} W_{hh}^{(b)}
# + b_h^{(b)}\big)$$
#
# $$H_t = \big[\overrightarrow{H}_t, \overleftarrow{H}_t\big]
# \qquad O_t = H_t W_{hq} + b_q$$
#
# - $\overrightarrow{H}_t \in \mathbb{R}^{n \times h}$ depends on $X_1, \dots, X_t$ (it starts
#   from $\overrightarrow{H}_0 = 0$); $\overleftarrow{H}_t \in \mathbb{R}^{n \times h}$ depends
#   on $X_t, \dots, X_T$ (it starts from $\overleftarrow{H}_{T+1} = 0$ and runs backwards).
# - $H_t = [\overrightarrow{H}_t, \overleftarrow{H}_t] \in \mathbb{R}^{n \times 2h}$ puts the
#   two side by side (concatenated along the features), so $W_{hq}$ is $2h \times q$.
# - The two directions share nothing: $W^{(f)}$ and $W^{(b)}$ are separate weights, twice the
#   parameters of one RNN.
#
# Andrew Ng writes the output for one example as $\hat{y}^{\langle t \rangle} =
# g(W_y [\overrightarrow{a}^{\langle t \rangle}, \overleftarrow{a}^{\langle t \rangle}] + b_y)$:
# the same thing with column vectors. Each arrow can be any cell: the vanilla step above, a
# GRU or an LSTM.
#
# In NumPy, one loop per direction:


# %%
def birnn_forward_numpy(X, forward, backward):
    """H_t = [→H_t, ←H_t] of a bidirectional vanilla RNN. X: (n, T, d) -> (n, T, 2h).

    `forward` and `backward` are (W_xh, W_hh, b_h) triples, one per direction.
    """
    n, T, _ = X.shape
    W_xh, W_hh, b_h = forward
    H, H_fwd = np.zeros((n, W_hh.shape[0])), []
    for t in range(T):  # t = 1, ..., T
        H = np.tanh(X[:, t] @ W_xh + H @ W_hh + b_h)  # →H_t = φ(X_t W_xh + →H_{t-1} W_hh + b_h)
        H_fwd.append(H)
    W_xh, W_hh, b_h = backward
    H, H_bwd = np.zeros((n, W_hh.shape[0])), [None] * T
    for t in reversed(range(T)):  # t = T, ..., 1
        H = np.tanh(X[:, t] @ W_xh + H @ W_hh + b_h)  # ←H_t = φ(X_t W_xh + ←H_{t+1} W_hh + b_h)
        H_bwd[t] = H  # stored at its own step t
    return np.concatenate([np.stack(H_fwd, 1), np.stack(H_bwd, 1)], axis=-1)  # [→H_t, ←H_t]


# %%
# NBVAL_CHECK_OUTPUT
n, T, d, h = 2, 5, 3, 4
rng = np.random.default_rng(7)


def random_weights(d, h):
    """(W_xh, W_hh, b_h) for one direction."""
    return (
        rng.normal(0, 0.5, size=(d, h)).astype("float32"),
        rng.normal(0, 0.5, size=(h, h)).astype("float32"),
        rng.normal(0, 0.1, size=h).astype("float32"),
    )


X = rng.normal(size=(n, T, d)).astype("float32")
forward_weights, backward_weights = random_weights(d, h), random_weights(d, h)
H_numpy = birnn_forward_numpy(X, forward_weights, backward_weights)
print("X:", X.shape, "(n, T, d)  ->  H:", H_numpy.shape, "(n, T, 2h)")

# %% [markdown]
# ## 3. The same with Keras: `Bidirectional`
#
# `keras.layers.Bidirectional` wraps a recurrent layer, makes a second one with fresh weights
# that reads backwards (`go_backwards=True`), and concatenates their outputs step by step. We
# wrap the kit's vanilla cell, `lessons.SimpleRNNCell` (the step you wrote in lesson 01), and
# copy our two weight triples into its two copies:

# %%
# NBVAL_CHECK_OUTPUT
birnn = keras.layers.Bidirectional(
    keras.layers.RNN(lessons.SimpleRNNCell(h), return_sequences=True), merge_mode="concat"
)
birnn.build((None, None, d))
for layer, weights in (
    (birnn.forward_layer, forward_weights),
    (birnn.backward_layer, backward_weights),
):
    for name, value in zip(("W_xh", "W_hh", "b_h"), weights):
        getattr(layer.cell, name).assign(value)

H_keras = ops.convert_to_numpy(birnn(X))
for layer in (birnn.forward_layer, birnn.backward_layer):
    shapes = [(w.path.split("/")[-1], tuple(w.shape)) for w in layer.weights]
    print(f"{layer.name:<28} go_backwards={layer.go_backwards!s:<5}", shapes)
print("parameters:", birnn.count_params(), "= 2 × (d·h + h·h + h) =", 2 * (d * h + h * h + h))
print("Bidirectional == NumPy loops:", np.allclose(H_keras, H_numpy, atol=1e-5))

# %% [markdown]
# Keras' backward layer reads $X_T, X_{T-1}, \dots, X_1$ and produces its outputs in that
# order; `Bidirectional` flips them back, so that position $t$ of the result holds
# $\overleftarrow{H}_t$, next to $\overrightarrow{H}_t$. The kit's `lessons.StackedRNN(h,
# num_layers=1, cell="rnn", bidirectional=True, return_sequences=True)` builds the same layer.
#
# ### Deep and bidirectional
#
# Stacking (lesson 06) and reading both ways combine: every layer is a bidirectional pair, and
# layer $i$ reads **both** directions of layer $i-1$, $H^{(i-1)}_t =
# [\overrightarrow{H}^{(i-1)}_t; \overleftarrow{H}^{(i-1)}_t]$, with $H^{(0)}_t = X_t$:
#
# $$\overrightarrow{H}^{(i)}_t = \phi\big(H^{(i-1)}_t \overrightarrow{W}^{(i)}_{xh} +
# \overrightarrow{H}^{(i)}_{t-1} \overrightarrow{W}^{(i)}_{hh} +
# \overrightarrow{b}^{(i)}_h\big)$$
#
# $$\overleftarrow{H}^{(i)}_t = \phi\big(H^{(i-1)}_t \overleftarrow{W}^{(i)}_{xh} +
# \overleftarrow{H}^{(i)}_{t+1} \overleftarrow{W}^{(i)}_{hh} + \overleftarrow{b}^{(i)}_h\big)$$
#
# $$O_t = g\big([\overrightarrow{H}^{(L)}_t; \overleftarrow{H}^{(L)}_t] W_{hq} + b_q\big)$$
#
# Only the top layer's two directions reach the output. The notes write the same with column
# vectors and other letters: $\vec{h}^{(i)}_t = f(\vec{W}^{(i)} h^{(i-1)}_t + \vec{V}^{(i)}
# \vec{h}^{(i)}_{t-1} + \vec{b}^{(i)})$ and $y_t = g(U[\vec{h}^{(L)}_t;
# \overleftarrow{h}^{(L)}_t] + c)$: their $W$, $V$, $U$, $c$ are our $W_{xh}$, $W_{hh}$,
# $W_{hq}$, $b_q$, transposed. In the kit, `lessons.StackedRNN(h, num_layers=L,
# bidirectional=True, return_sequences=True)` builds layer $i$ as a forward layer and a
# backward one with weights of their own, and feeds layer $i$'s output, both directions
# concatenated, to layer $i+1$:
#
# ```python
# self._rnn(j), merge_mode=self.merge_mode, backward_layer=self._rnn(j, backwards=True)
# H = layer(U, mask=mask, training=training)
# ```
#
# ## 4. Padding, the trap
#
# Sentences have different lengths. In a batch they are **padded** at the end to the longest
# one, and a mask says which steps are real (lesson 00). Going forward, padding is harmless:
# the RNN has finished the real steps before it meets any, and `keras.layers.RNN` keeps the
# state unchanged at masked steps.
#
# Going backward it is not. Take a sentence of $L = 3$ real steps, padded to $T = 5$:
#
# $$[X_1, X_2, X_3, 0, 0] \;\xrightarrow{\text{flip}}\; [0, 0, X_3, X_2, X_1]$$
#
# Flip the whole row and the backward RNN reads two steps of padding **before** $X_3$, so
# $\overleftarrow{H}_3$ no longer starts from $\overleftarrow{H}_4 = 0$: the padding leaks into
# every backward state, and the same sentence gets different states in a batch with a longer
# neighbour than alone. The right reversal flips only the real steps and leaves the padding at
# the end:
#
# $$[X_1, X_2, X_3, 0, 0] \;\longrightarrow\; [X_3, X_2, X_1, 0, 0]$$
#
# (`tf.reverse_sequence` does this.) Keras' own backward layers get it right another way: they
# flip the mask along with the row, so the flipped padding is masked and skipped.
#
# **Exercise 1.** Write `reverse_padded(X, mask)`. The mask is True at real steps, and they come
# first in each row. It must work for token ids `(batch, T)` and for vectors
# `(batch, T, features)`; return a new array (leave `X` as it is).


# %% rnn_lessons={"exercise": "reverse_padded"}
def reverse_padded(X, mask):
    """Reverse each sequence's real steps; leave its padding at the end.

    Args:
        X: A NumPy array (batch, T) or (batch, T, features), padded at the end.
        mask: A boolean array (batch, T), True at the real steps (they come first).

    Returns:
        A new array like X where row i holds X[i, L_i - 1], ..., X[i, 0], then
        row i's padding unchanged, with L_i = mask[i].sum().
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# %%
# NBVAL_CHECK_OUTPUT
checks.check_reverse_padded(reverse_padded)

# %% [markdown]
# Reversing twice gives the row back, which is how the backward outputs return to their places:

# %%
# NBVAL_CHECK_OUTPUT
ids = np.array([[5, 6, 7, 0, 0], [1, 2, 3, 4, 9]])
id_mask = ids != 0
print("X              ", ids.tolist())
print("np.flip(X, 1)  ", np.flip(ids, axis=1).tolist(), " <- padding in front")
print("reverse_padded ", reverse_padded(ids, id_mask).tolist())
print("twice          ", reverse_padded(reverse_padded(ids, id_mask), id_mask).tolist())

# %% [markdown]
# ## 5. Both directions, with padding
#
# Here is one direction: `run_rnn` runs a cell from left to right over a padded batch. At a
# padded step it keeps the state and outputs 0, as `keras.layers.RNN` does. It works for any of
# the kit's cells, with one state (GRU) or two (LSTM's $H_t$ and $C_t$).


# %% rnn_lessons={"context": true}
def run_rnn(cell, X, mask):
    """The outputs H_1, ..., H_T of `cell` run from left to right over a padded batch.

    Args:
        cell: A built recurrent cell (`lessons.GRUCell(h)`, `lessons.LSTMCell(h)`, ...).
        X: Float array (batch, T, features).
        mask: Boolean array (batch, T), True at the real steps.

    Returns:
        A float32 array (batch, T, h); 0 at the padded steps, where the state is kept.
    """
    n, T, _ = X.shape
    sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
    states = [np.zeros((n, size), "float32") for size in sizes]  # H_0 = 0 (and C_0 = 0)
    outputs = np.zeros((n, T, cell.output_size), "float32")
    for t in range(T):
        H_t, new_states = cell(X[:, t], states)
        real = mask[:, t, None]  # (n, 1): is step t a real step of each sequence?
        states = [
            np.where(real, ops.convert_to_numpy(s), old) for s, old in zip(new_states, states)
        ]
        outputs[:, t] = np.where(real, ops.convert_to_numpy(H_t), 0.0)
    return outputs


# %% [markdown]
# **Exercise 2.** Write `bidirectional_states(cell_fwd, cell_bwd, X, mask)`, which returns
# $H_t = [\overrightarrow{H}_t, \overleftarrow{H}_t]$ for every step. The backward direction
# is the forward machinery on a reversed sequence: reverse (your `reverse_padded`), run
# `cell_bwd` with `run_rnn`, and reverse its outputs back, so that each
# $\overleftarrow{H}_t$ lands at its own step $t$. Forward first in the concatenation.


# %% rnn_lessons={"exercise": "bidirectional_states"}
def bidirectional_states(cell_fwd, cell_bwd, X, mask):
    """H_t = [→H_t, ←H_t] of a bidirectional RNN over a padded batch.

    Args:
        cell_fwd: The forward cell (weights W^(f)), built.
        cell_bwd: The backward cell (weights W^(b)), built, with as many units.
        X: Float array (batch, T, features), padded at the end.
        mask: Boolean array (batch, T), True at the real steps.

    Returns:
        A float32 array (batch, T, 2h): at each real step t, →H_t (the first h
        features) then ←H_t. Padded steps are not checked.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# %% [markdown]
# The check compares your function with `keras.layers.Bidirectional` around `keras.layers.RNN`
# layers holding copies of the same cells, fed the same mask: GRU cells, LSTM cells, with
# and without padding.

# %%
# NBVAL_CHECK_OUTPUT
checks.check_bidirectional_states(bidirectional_states)

# %% [markdown]
# What the mask buys: a sentence gets the same states alone as in a batch next to a longer
# one. The naive flip (the whole padded row reversed, then run without a mask) gets the
# forward half right and the backward half wrong:

# %%
# NBVAL_CHECK_OUTPUT
biases = keras.initializers.RandomNormal(0.0, 0.5, seed=3)  # a trained cell's b_h is not 0
cell_fwd = lessons.GRUCell(4, bias_initializer=biases)
cell_bwd = lessons.GRUCell(4, bias_initializer=biases)
short = rng.normal(size=(1, 3, 2)).astype("float32")  # one sentence, L = 3
padded = np.concatenate([np.pad(short, ((0, 0), (0, 3), (0, 0))), rng.normal(size=(1, 6, 2))])
padded = padded.astype("float32")  # the same sentence padded to T = 6, and a longer one
padded_mask = np.array([[True] * 3 + [False] * 3, [True] * 6])

alone = bidirectional_states(cell_fwd, cell_bwd, short, np.ones((1, 3), bool))[0]
in_batch = bidirectional_states(cell_fwd, cell_bwd, padded, padded_mask)[0, :3]
naive_backward = run_rnn(cell_bwd, np.flip(padded, 1), np.ones((2, 6), bool))[:, ::-1]
print("alone == in a padded batch:", np.allclose(alone, in_batch, atol=1e-6))
print(
    "naive flip, ←H_t of the short sentence right:",
    np.allclose(naive_backward[0, :3], alone[:, 4:], atol=1e-6),
)

# %% [markdown]
# ## 6. A tagging task where the future helps: parts of speech
#
# A **part-of-speech tagger** labels every word of a sentence with its word class: noun, verb,
# adjective, and so on. It is a many-to-many task with $T_y = T_x$, one output per input, and
# the whole sentence is known before tagging starts: exactly the setting where a bidirectional
# RNN can be used.
#
# Our data is the **Brown corpus**: 500 samples of American English printed in 1961 (news,
# fiction, science, ...), tagged by hand at Brown University. Its 472 detailed tags are merged
# into the 12 universal tags of Petrov, Das & McDonald; `data/README.md` lists the mapping. The
# kit ships 24,000 of its sentences, split once and for all into training, validation and test
# sentences.

# %%
# NBVAL_CHECK_OUTPUT
brown = datasets.load_brown_pos()
TAGS = datasets.UNIVERSAL_TAGS
print({split: len(sentences) for split, sentences in zip(brown._fields, brown)})
print("tags:", TAGS)
example = brown.train[5]
print(f"\n{example.category}:")
for word, tag in zip(example.words, example.tags):
    print(f"  {word:<12} {tag}")

# %% [markdown]
# The tags are not equally common; ADP gathers prepositions (of, in) and subordinating
# conjunctions (that, if), PRT the particles (up in "give up") and the infinitive "to":

# %%
# NBVAL_CHECK_OUTPUT
tag_counts = collections.Counter(tag for s in brown.train for tag in s.tags)
total = sum(tag_counts.values())
print(f"{total:,} training tokens")
for tag, count in tag_counts.most_common():
    print(f"  {tag:<5} {count:>7,}  {count / total:6.1%}")

# %% [markdown]
# Many words take more than one tag, and for some the tag is decided by what comes **next**:
#
# - **that**: "said *that* he" (ADP, introducing a clause), "*that* man" (DET), "the book *that*
#   fell" (PRON);
# - **to**: "went *to* town" (ADP) or "went *to* see" (PRT, the infinitive);
# - words ending in **-ing**: "she was *running*" (VERB), "*running* water" (ADJ), "the
#   *running* of the bulls" (NOUN).
#
# How the training sentences tag them:


# %%
# NBVAL_CHECK_OUTPUT
def tag_distribution(select, sentences):
    """Tag counts of the tokens whose lower-cased word satisfies `select`."""
    return collections.Counter(
        tag for s in sentences for w, tag in zip(s.words, s.tags) if select(w.lower())
    )


AMBIGUOUS = {
    "that": lambda w: w == "that",
    "to": lambda w: w == "to",
    "-ing words": lambda w: w.endswith("ing") and len(w) > 4,
}
for name, select in AMBIGUOUS.items():
    counts = tag_distribution(select, brown.train)
    print(f"{name:<11}", ", ".join(f"{t} {c:,}" for t, c in counts.most_common(4)))

# %% [markdown]
# ### Words to numbers
#
# The vocabulary holds every word seen at least twice in the training sentences, in its own
# case (a capital helps to spot a name); the rest become `<unk>`. Rare words are replaced in
# training too, so the model learns what to do with `<unk>`: look at the context. Tags become
# indices 0 to 11; padded steps get the target 0 as well, but the mask removes them from the
# loss.

# %%
n_train = config.pick(ci=3_000, full=len(brown.train))
train_sentences = brown.train[:n_train]
word_counts = collections.Counter(w for s in train_sentences for w in s.words)
vocab = text.WordVocab(
    [w for s in train_sentences for w in s.words],
    max_words=sum(count >= 2 for count in word_counts.values()),
)
tag_index = {tag: k for k, tag in enumerate(TAGS)}
print(f"{n_train:,} training sentences; |V| = {len(vocab):,} (with <pad>, <unk>, <eos>)")

# %% [markdown]
# A baseline that reads no context at all: give each word of the vocabulary the tag it has most
# often in the training sentences, and `<unk>` the most common tag, NOUN. Any tagger with the
# same vocabulary must beat this.

# %%
word_tags = collections.defaultdict(collections.Counter)
for s in train_sentences:
    for word, tag in zip(s.words, s.tags):
        word_tags[word][tag] += 1
most_frequent_tag = {
    w: counts.most_common(1)[0][0] for w, counts in word_tags.items() if w in vocab
}
test_pairs = [(w, t) for s in brown.test for w, t in zip(s.words, s.tags)]
baseline = np.mean([most_frequent_tag.get(w, "NOUN") == t for w, t in test_pairs])
unknown = np.mean([w not in vocab for w, _ in test_pairs])
print(
    f"most frequent tag per word: test accuracy {baseline:.3f} ({unknown:.1%} of test words <unk>)"
)

# %% [markdown]
# Sentences of similar length go into the same batch, so that each batch needs little padding
# (a batch is padded to its own longest sentence). The tagged batches come as a
# `tf.data.Dataset`, like lesson 03's windows.


# %%
def encode(sentences):
    """Word ids and tag ids of each sentence: two lists of 1-D int32 arrays."""
    words = [vocab.encode(list(s.words)) for s in sentences]
    tags = [np.array([tag_index[t] for t in s.tags], "int32") for s in sentences]
    return words, tags


def pad(sequences, T):
    """Sequences of indices as one int32 array (len(sequences), T), padded at the end with 0."""
    out = np.zeros((len(sequences), T), "int32")
    for i, sequence in enumerate(sequences):
        out[i, : len(sequence)] = sequence
    return out


def tagging_batches(words, tags, batch_size, shuffle=False, seed=0):
    """A tf.data.Dataset of (word ids, tag ids) batches of sentences of similar length.

    Sentences are sorted by length and cut into batches, each padded only to its
    own longest sentence: little padding, so little wasted work. With `shuffle`
    the batches come in a new order at every epoch.
    """
    order = np.argsort([len(w) for w in words], kind="stable")
    batches = []
    for start in range(0, len(order), batch_size):
        group = order[start : start + batch_size]
        T = max(len(words[i]) for i in group)
        batches.append((pad([words[i] for i in group], T), pad([tags[i] for i in group], T)))
    rng = np.random.default_rng(seed)

    def generate():
        for k in rng.permutation(len(batches)) if shuffle else range(len(batches)):
            yield batches[k]

    spec = tf.TensorSpec((None, None), tf.int32)
    dataset = tf.data.Dataset.from_generator(generate, output_signature=(spec, spec))
    return dataset.apply(tf.data.experimental.assert_cardinality(len(batches)))


train_words, train_tags = encode(train_sentences)
val_words, val_tags = encode(brown.validation)
test_words, test_tags = encode(brown.test)
train_data = tagging_batches(train_words, train_tags, 64, shuffle=True)
val_data = tagging_batches(val_words, val_tags, 256)
x, y = next(iter(train_data))
print("one training batch:", tuple(x.shape), tuple(y.shape))

# %% [markdown]
# ### Accuracy without the padding
#
# A tagger's score is its **token accuracy**: the share of real words that get the right tag.
# Padded steps are not words. Count them and a batch padded with more steps gets a different
# score for the same predictions; and since their target is 0 (NOUN), a model that happens to
# predict NOUN there collects free points.
#
# **Exercise 3.** Write `masked_token_accuracy(y_true, y_pred, mask)`: (real tokens whose
# most probable tag is the true one) / (real tokens).


# %% rnn_lessons={"exercise": "masked_token_accuracy"}
def masked_token_accuracy(y_true, y_pred, mask):
    """The share of real tokens tagged right.

    Args:
        y_true: Integer tags, shape (batch, T); anything at padded steps.
        y_pred: Tag probabilities, shape (batch, T, tags).
        mask: Boolean, shape (batch, T): True at real tokens.

    Returns:
        A float: (tokens with mask True and argmax(y_pred) == y_true) / (tokens
        with mask True).
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# %%
# NBVAL_CHECK_OUTPUT
checks.check_masked_token_accuracy(masked_token_accuracy)

# %% [markdown]
# ### One tagger each way
#
# The two taggers differ in one switch. An `Embedding` turns word ids into vectors (with
# `mask_zero=True` it also computes the mask from the `<pad>` id 0), a recurrent layer made of
# the kit's `GRUCell` returns a state at every step, and a `Dense` softmax gives the 12 tag
# probabilities at every step: $O_t = H_t W_{hq} + b_q$, then softmax. With
# `bidirectional=True`, `lessons.StackedRNN` wraps the GRU in `keras.layers.Bidirectional`, so
# $H_t$ is $[\overrightarrow{H}_t, \overleftarrow{H}_t]$ and twice as wide.
#
# The mask travels with the tensors, from the embedding through the GRU and the `Dense` layer to
# the loss: Keras leaves the padded steps out of the cross-entropy (and of its "accuracy").
#
# Which GRU trains depends on the machine. The figures printed below come from a full-mode run on
# a CPU, where `StackedRNN` builds the kit's `GRUCell` inside `keras.layers.RNN` (as fast there
# as Keras' own layer). On a GPU it builds Keras' `GRU` (its default there,
# `implementation="keras"`), which runs on the fused cuDNN kernel: the `reset_after=True` form of
# lesson 04, so the figures differ a little. Each model starts from the same seed.

# %%
units, embedding_dim, epochs = config.pick(ci=(32, 32, 3), full=(64, 64, 3))
learning_rate = config.pick(ci=5e-3, full=3e-3)  # CI mode: few steps, so bigger ones


def tagger(bidirectional):
    """Embedding -> GRU (one way or both) -> Dense softmax: tag probabilities at every step."""
    return keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(len(vocab), embedding_dim, mask_zero=True),
            lessons.StackedRNN(
                units,
                num_layers=1,
                cell="gru",
                bidirectional=bidirectional,
                return_sequences=True,
                seed=1,
            ),
            keras.layers.Dense(len(TAGS), activation="softmax"),
        ],
        name="bidirectional" if bidirectional else "unidirectional",
    )


def train_tagger(model):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    # The batches are shuffled by `tagging_batches` (shuffle=False silences Keras' warning).
    return model.fit(train_data, validation_data=val_data, epochs=epochs, verbose=2, shuffle=False)


histories = {}
taggers = {}
for bidirectional in (False, True):
    lessons.set_seed(0)  # the same start for both, whatever ran before
    model = tagger(bidirectional)
    print(f"--- {model.name}: {model.count_params():,} parameters")
    histories[model.name] = train_tagger(model)
    taggers[model.name] = model

# %%
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3))
epochs_axis = np.arange(1, epochs + 1)
for (name, history), color in zip(histories.items(), ("tab:blue", "tab:orange")):
    ax_loss.plot(epochs_axis, history.history["loss"], "o-", color=color, label=f"{name}, training")
    ax_loss.plot(
        epochs_axis, history.history["val_loss"], "o--", color=color, label=f"{name}, validation"
    )
    ax_acc.plot(epochs_axis, history.history["val_accuracy"], "o--", color=color, label=name)
ax_loss.set_title("cross-entropy per real token")
ax_acc.set_title("validation token accuracy")
for ax in (ax_loss, ax_acc):
    ax.set_xlabel("epoch")
    ax.set_xticks(epochs_axis)
    ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ### The test sentences
#
# For the final score we pad all 2,000 test sentences to one length and use your
# `masked_token_accuracy` (if it does not pass its check yet, the kit's own, and the cell's first
# line says so). Besides the overall number: the words the vocabulary does not know
# (`<unk>`: only the context can tell), and the ambiguous words from above.

# %%
T_test = max(len(w) for w in test_words)
x_test, y_test = pad(test_words, T_test), pad(test_tags, T_test)
mask_test = x_test != 0
lower_test = [[w.lower() for w in s.words] + [""] * (T_test - len(s.words)) for s in brown.test]
groups = {"all words": mask_test, "<unk> words": x_test == text.UNK}
for name, select in AMBIGUOUS.items():
    groups[name] = np.array([[select(w) for w in row] for row in lower_test]) & mask_test

score = yours_or_kit(
    masked_token_accuracy, checks.check_masked_token_accuracy, checks.reference_masked_accuracy
)
probabilities = {name: model.predict(x_test, verbose=0) for name, model in taggers.items()}
accuracy = {
    (group, name): score(y_test, probabilities[name], select)
    for group, select in groups.items()
    for name in taggers
}
print(f"{'test tokens':<12} {'count':>6} {'unidirectional':>15} {'bidirectional':>14}")
for group, select in groups.items():
    uni, bi = accuracy[group, "unidirectional"], accuracy[group, "bidirectional"]
    print(f"{group:<12} {select.sum():>6,} {uni:>15.3f} {bi:>14.3f}")
print(f"(most frequent tag per word: {baseline:.3f})")

# %% [markdown]
# In full mode (GRUs of 64 units per direction, 3 epochs on the 20,000 training sentences) the
# bidirectional tagger tags **0.962** of the test words right against **0.946** for the one-way
# tagger (most frequent tag per word, same vocabulary: 0.930). The gap is widest exactly where
# the right context decides: "to" 0.745 → 0.932, "that" 0.781 → 0.853, -ing words
# 0.790 → 0.852, `<unk>` words 0.659 → 0.700. Size is not the reason: most of the 1.05 million
# parameters sit in the embedding, and the backward GRU with the wider output layer adds only
# 25,536 (2.4 %). CI mode trains on 3,000 sentences for 3 epochs and asks the bidirectional
# tagger to win by a clear margin.

# %%
margin = accuracy["all words", "bidirectional"] - accuracy["all words", "unidirectional"]
assert margin > config.pick(ci=0.01, full=0.015), f"bidirectional ahead by only {margin:.3f}"
assert accuracy["all words", "bidirectional"] > baseline, (
    "should beat the most-frequent-tag baseline"
)

# %% [markdown]
# Per tag, the share of each tag's test tokens that got it right (the tag's **recall**):

# %%
true_flat = y_test[mask_test]
predicted_flat = {name: p.argmax(-1)[mask_test] for name, p in probabilities.items()}
fig, ax = plt.subplots(figsize=(10, 3))
for k, name in enumerate(taggers):
    recall = [np.mean(predicted_flat[name][true_flat == j] == j) for j in range(len(TAGS))]
    ax.bar(np.arange(len(TAGS)) + 0.4 * k - 0.2, recall, width=0.4, label=name)
ax.set_xticks(range(len(TAGS)), [f"{t}\n{np.sum(true_flat == j):,}" for j, t in enumerate(TAGS)])
ax.set_ylim(0.0, 1.15)
ax.set_yticks(np.linspace(0, 1, 6))
ax.set_ylabel("recall on the test words")
ax.legend(loc="upper center", ncol=2)
plt.show()
for j, tag in enumerate(TAGS):
    recalls = [np.mean(predicted_flat[name][true_flat == j] == j) for name in taggers]
    scores = "  ".join(f"{name} {r:.3f}" for name, r in zip(taggers, recalls))
    print(f"{tag:<5} {np.sum(true_flat == j):>6,} test words  {scores}")

# %% [markdown]
# In full mode the particles and adverbs gain most: PRT 0.833 → 0.947, ADV 0.840 → 0.931. Is
# "to" the infinitive marker, is "up" or "out" a particle of the verb before it or an adverb?
# The words after decide. ADJ follows (0.814 → 0.856); the other tags gain less, most of them
# being near 1 already. NOUN loses a little (0.971 → 0.966): the unsure one-way tagger leans
# towards the most common tag. X (foreign words and interjections, 75 test words) gains as
# much, 0.360 → 0.453, but that is only a handful of words, and it stays the hardest tag for
# both.
#
# ### Same beginning, different endings
#
# Section 1's argument in numbers. A one-way tagger's output at step $t$ is a function of
# $x^{\langle 1 \rangle}, \dots, x^{\langle t \rangle}$ alone, so two sentences that begin
# alike get **exactly** the same tag probabilities up to the point where they part. The
# bidirectional tagger's probabilities for the same word differ:

# %%
pairs = [
    ("They knew that story well .", "They knew that it was late .", 2),  # DET, then ADP
    ("She was going to Paris .", "She was going to sleep .", 3),  # ADP, then PRT
]
for first, second, position in pairs:
    both = pad([vocab.encode(first.split()), vocab.encode(second.split())], 8)  # one shape
    word = first.split()[position]
    for name, model in taggers.items():
        p = model.predict_on_batch(both)[:, position]
        tags = [f"{TAGS[k.argmax()]} ({k.max():.2f})" for k in p]
        same = np.allclose(p[0], p[1], atol=1e-6)
        print(f"{name:<15} '{word}': {tags[0]:<12} vs {tags[1]:<12} identical: {same}")
    print(f"   in  '{first}'  vs  '{second}'\n")

# %% [markdown]
# ## 7. Why a bidirectional RNN cannot be a language model
#
# A language model (lesson 03) predicts the next token: at step $t$ it reads
# $x^{\langle t \rangle} = y^{\langle t-1 \rangle}$ and outputs $\hat{y}^{\langle t \rangle}$,
# a guess for $y^{\langle t \rangle} = x^{\langle t+1 \rangle}$. Training windows hold the
# whole sequence, so nothing stops us from putting a bidirectional layer there. Let us do it,
# on lesson 00's first names, character by character, next to an honest one-way model.

# %%
# NBVAL_CHECK_OUTPUT
names = datasets.load_names()
name_vocab = text.CharVocab(names)
shuffled = list(np.random.default_rng(0).permutation(names))
train_names, held_out_names = shuffled[:4650], shuffled[4650:]
name_ids = name_vocab.encode_lines(train_names)
held_out_ids = name_vocab.encode_lines(held_out_names)
print(
    f"{len(name_vocab)} tokens; {len(name_ids):,} training characters, "
    f"{len(held_out_ids):,} held out"
)
print(repr(name_vocab.decode(name_ids[:20])))

# %%
lm_units, lm_epochs, lm_learning_rate = config.pick(ci=(32, 6, 1e-2), full=(64, 15, 5e-3))
seq_len = 32
name_windows = text.windows(name_ids, seq_len, 64, shuffle=True, seed=0, drop_remainder=True)
held_out_windows = text.windows(held_out_ids, seq_len, 64)  # for the measurements below


def char_model(bidirectional):
    """Embedding -> GRU (one way or both) -> Dense softmax over the characters."""
    # With bidirectional=True the stack wraps the GRU in keras.layers.Bidirectional, which
    # adds a backward copy of the layer with fresh weights.
    recurrent = lessons.StackedRNN(
        lm_units, cell="gru", bidirectional=bidirectional, return_sequences=True, seed=1
    )
    return keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(len(name_vocab), 16, mask_zero=True),  # <pad> = 0: padding
            recurrent,
            keras.layers.Dense(len(name_vocab), activation="softmax"),
        ],
        name="bidirectional" if bidirectional else "unidirectional",
    )


lms, lm_histories = {}, {}
for bidirectional in (False, True):
    lessons.set_seed(0)
    model = char_model(bidirectional)
    model.compile(
        optimizer=keras.optimizers.Adam(lm_learning_rate), loss="sparse_categorical_crossentropy"
    )
    print(f"--- {model.name}")
    lm_histories[model.name] = model.fit(name_windows, epochs=lm_epochs, verbose=2, shuffle=False)
    lms[model.name] = model

# %%
fig, ax = plt.subplots(figsize=(6, 3))
for name, history in lm_histories.items():
    ax.plot(np.arange(1, lm_epochs + 1), history.history["loss"], "o-", label=name)
ax.set_xlabel("epoch")
ax.set_xticks(range(1, lm_epochs + 1, max(1, lm_epochs // 8)))
ax.set_ylabel("cross-entropy (nats per character)")
ax.set_title("Next-character prediction on names: training loss")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The bidirectional model's loss dives towards zero: it predicts the
# next character almost perfectly. It has not learned spelling; it has learned to **peek**.
# Its backward state at step $t$,
#
# $$\overleftarrow{H}_t = \phi\big(X_t W_{xh}^{(b)} + \overleftarrow{H}_{t+1} W_{hh}^{(b)}
# + b_h^{(b)}\big),$$
#
# has already read $X_{t+1}$, and $X_{t+1} = y^{\langle t \rangle}$ is the answer. Copying it
# out is a much easier job than predicting it.
#
# Where is it honest? At the last step of a window there is no $X_{T+1}$ to read. The loss at
# each position of the held-out windows:

# %%
x_held, y_held = (np.concatenate([b[k].numpy() for b in held_out_windows]) for k in (0, 1))
position_loss = {}
for name, model in lms.items():
    p = model.predict(x_held, batch_size=len(x_held), verbose=0)  # one batch: one trace
    p_true = np.take_along_axis(p, y_held[..., None], axis=-1)[..., 0]
    position_loss[name] = -np.log(p_true).mean(axis=0)

fig, ax = plt.subplots(figsize=(7, 3))
for name, loss in position_loss.items():
    ax.plot(np.arange(1, seq_len + 1), loss, "o-", label=name)
ax.set_xlabel("position t in the window")
ax.set_ylabel("held-out cross-entropy")
ax.set_title("At the last position there is no future to peek at")
ax.legend()
plt.show()
for name, loss in position_loss.items():
    before_last, last = loss[:-1].mean(), loss[-1]
    print(
        f"{name:<15} positions 1..{seq_len - 1}: {before_last:.3f} nats; "
        f"position {seq_len}: {last:.3f}"
    )

# %% [markdown]
# ### It copies
#
# Put any letter after "Mar" and ask each model for the letter that follows "Mar". The one-way
# model cannot see what we put there, so it gives the same answer every time. The
# bidirectional model "predicts" whatever letter sits in the next slot:

# %%
planted = list("abcdefghijklmnopqrstuvwxyz")
rows = np.array([[name_vocab.eos, *name_vocab.encode("Mar" + c)] for c in planted], "int32")
guesses = {}
for name, model in lms.items():
    p = model.predict_on_batch(rows)[:, 3]  # ŷ after <eos> M a r: the guess for the 4th letter
    guesses[name] = [(name_vocab.tokens[k], q[k]) for q, k in zip(p, p.argmax(-1))]
print(f"{'next slot holds':<16} {'unidirectional guesses':<24} {'bidirectional guesses'}")
for k in range(0, 26, 5):
    (uni_letter, uni_p), (bi_letter, bi_p) = (
        guesses["unidirectional"][k],
        guesses["bidirectional"][k],
    )
    print(f"Mar{planted[k]:<13} {uni_letter!r} ({uni_p:.2f}){'':<14} {bi_letter!r} ({bi_p:.2f})")
copied = sum(letter == c for c, (letter, _) in zip(planted, guesses["bidirectional"]))
print(f"the bidirectional model's guess is the planted letter for {copied} of 26 letters")

# %% [markdown]
# A language model is used where the future does **not** exist yet: to score text as it
# arrives, or to write it. So measure both models honestly: predict $y^{\langle t \rangle}$
# from $x^{\langle 1 \rangle}, \dots, x^{\langle t \rangle}$ only. With the mask that is easy:
# give the model each prefix followed by `<pad>`, and read its output at the prefix's last
# step. The mask stops the backward GRU from reading anything after it.


# %%
def future_hidden_loss(model, x, y):
    """Mean -log ŷ[y_t] at every step t, each from a copy of x with steps after t padded away."""
    n, T = x.shape
    visible = np.arange(T)[None, :, None] >= np.arange(T)[None, None, :]  # (1, t, position)
    prefixes = np.where(visible, x[:, None, :], text.PAD).reshape(n * T, T)  # row (i, t)
    p = model.predict(prefixes, batch_size=512, verbose=0).reshape(n, T, T, -1)
    p_at_t = p[:, np.arange(T), np.arange(T)]  # row (i, t), read at its last step t
    return float(-np.log(np.take_along_axis(p_at_t, y[..., None], -1)).mean())


n_honest = config.pick(ci=32, full=256)
print(f"{'':<15} {'future visible':>15} {'future hidden':>14}   (nats per character)")
honest = {}
for name, model in lms.items():
    visible_loss = float(position_loss[name][:-1].mean())
    honest[name] = future_hidden_loss(model, x_held[:n_honest], y_held[:n_honest])
    print(f"{name:<15} {visible_loss:>15.3f} {honest[name]:>14.3f}")

# %% [markdown]
# The one-way model scores the same either way: its output at $t$ never depended on the future.
# The bidirectional model, robbed of its crib, is now **worse** than the one-way model, though
# its training loss was many times lower: nearly all it learned was copying. What honest
# skill it has comes from the one position in 32 of every window that had no future, where it
# had to guess.
#
# Writing new names shows the same. `text.sample` refuses a bidirectional model outright:

# %%
# NBVAL_CHECK_OUTPUT
try:
    text.sample(lms["bidirectional"], name_vocab, "", 10)
except ValueError as error:
    print("ValueError:", error)


# %% [markdown]
# So we write the loop ourselves. Generation can only do what `future_hidden_loss` did: run the
# model on the name so far, read $\hat{y}$ at its last step, draw a character, append it, and
# run again. (For the one-way model this gives exactly what stepping its cell would.)


# %%
def generate_names(model, count, max_length=16, seed=0):
    """`count` names drawn one character at a time, the model re-run on all so far each step."""
    rng = np.random.default_rng(seed)
    rows = np.zeros((count, max_length + 1), "int32")
    rows[:, 0] = name_vocab.eos  # "a new name starts"
    done = np.zeros(count, bool)
    for t in range(max_length):
        p = model.predict_on_batch(rows)[:, t].astype("float64")  # ŷ after x^<1..t+1>
        p[:, [text.PAD, text.UNK]] = 0.0
        p /= p.sum(axis=1, keepdims=True)
        drawn = np.array([rng.choice(len(q), p=q) for q in p])
        rows[:, t + 1] = np.where(done, text.PAD, drawn)
        done |= drawn == name_vocab.eos
    names_out = []
    for row in rows[:, 1:]:
        ids = row[row != text.PAD]
        end = np.flatnonzero(ids == name_vocab.eos)
        names_out.append(name_vocab.decode(ids[: end[0]] if end.size else ids))
    return names_out


for name, model in lms.items():
    print(f"{name:<15}", ", ".join(generate_names(model, 12, seed=3)))

# %% [markdown]
# In full mode (GRUs of 64 units, 15 epochs) the bidirectional model's training loss ends at
# **0.055** nats per character against 2.02 for the one-way model, and on held-out names it
# scores 0.004 wherever it can peek. It "predicts" the letter planted after "Mar" for 25 of the
# 26 letters. With the future hidden it scores **2.52**, worse than the one-way model's 2.06.
#
# Its names show it less plainly than the losses. Both models write some good names (Ronie,
# Jorlee, Killyn from the one-way model; Lusia, Kristia, Josta from the bidirectional one) and
# some poor ones (Mrodbell, Ceeredod; Bvwllo, Ceapeir), but the bidirectional model more often
# puts a capital in the middle of a name: AlAsti, PAngeta, JUasta, against the one-way
# model's RGilita.
#
# Why: training never asked the bidirectional model to predict. At every step but the last of
# each window the answer was sitting in $\overleftarrow{H}_t$, and it learned to read it from
# there. When it writes, that slot is empty: the backward GRU has read only $X_t$, and the
# model falls back on the guessing it practised at one position in 32. Even there it guesses
# worse than the one-way model: at the last position it scores 2.749 nats on held-out names,
# the one-way model 2.219. The slides' verdict:
# trained like this, a bidirectional RNN is **not suitable for inference** of the next token,
# because at inference the future is exactly what is missing.
#
# What a bidirectional RNN remains good for is **encoding** a sequence that is fully known: a
# tagger, a sentiment classifier (the notes' "the movie was terribly exciting", where the last
# word turns "terribly" into praise), the encoder of a translation model. BERT is
# bidirectional too, and avoids the peeking by hiding words of the input and asking for them
# back, instead of asking for the next one.

# %%
bi_train = lm_histories["bidirectional"].history["loss"][-1]
uni_train = lm_histories["unidirectional"].history["loss"][-1]
assert bi_train < config.pick(ci=0.5, full=0.1) * uni_train, (bi_train, uni_train)
assert copied >= config.pick(ci=13, full=22), f"copied only {copied} of 26 planted letters"
assert len({letter for letter, _ in guesses["unidirectional"]}) == 1, "it cannot see the slot"
assert honest["bidirectional"] > honest["unidirectional"] + config.pick(ci=0.05, full=0.15), honest

# %% [markdown]
# ## Summary
#
# - A bidirectional RNN runs one RNN forward and one backward, with separate weights, and
#   concatenates their states: $H_t = [\overrightarrow{H}_t, \overleftarrow{H}_t]$,
#   $O_t = H_t W_{hq} + b_q$. Every output sees the whole sequence.
# - `keras.layers.Bidirectional` (or `lessons.StackedRNN(..., bidirectional=True)`) does it
#   around any cell; the backward outputs are flipped back so that step $t$ holds
#   $\overleftarrow{H}_t$.
# - With padding, reverse only the real steps (or flip the mask too): a backward RNN that reads
#   padding first computes wrong states for every short sequence.
# - Score taggers on real tokens only: padded steps are not words.
# - When the right context decides (that, to, -ing, unknown words), a bidirectional tagger
#   wins clearly over a one-way one.
# - It needs the whole input before it outputs anything, so it cannot predict the next token:
#   trained as a language model it copies the answer from the future, reaches a near-zero
#   loss, and then, with no future to copy from, predicts and writes worse than a one-way
#   model. Use it to encode, not to generate.
