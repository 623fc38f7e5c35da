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
#       perplexity:
#         defines: perplexity
#         points: 2
#       sample:
#         defines: sample
#         points: 3
#       word_vocab:
#         defines: build_word_vocab
#         points: 2
#     lesson: 03_language_models
#     title: Language models and sampling
# ---

# %% [markdown] tags=["kit-badge"]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lessons/rnn-lessons-course/blob/v0.1.0/notebooks/03_language_models.ipynb)
#
# # Lesson 03 — Language models and sampling

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
# A **language model** says how likely a piece of text is. A speech recognizer that hears
# "the apple and pair salad" or "the apple and pear salad" asks one to choose: the second is
# more probable, so it is the better transcript. Machine translation, spelling correction and
# text generation all lean on the same score.
#
# In this lesson you train recurrent language models on real text: English (Shakespeare),
# character by character and word by word, a list of first names, and classical Chinese poems.
# Then you make them write, by **sampling** one token at a time.
#
# You will write three functions (marked **Exercise**): a word vocabulary, perplexity, and the
# sampling loop. Each is followed by a check that says what is wrong if something is.

# %% rnn_lessons={"context": true}
import collections
import math
import re
import textwrap
import time

import keras
import matplotlib.pyplot as plt
import numpy as np

from lessons import text
from lessons.checks import lesson03 as checks
from lessons.checks import yours_or_kit
from lessons.datasets import (
    load_names,
    load_shakespeare,
    load_shakespeare_plays,
    load_tang_poems,
)

# %% [markdown]
# ## 1. A language model, one token at a time
#
# Write a text as tokens $y^{\langle 1 \rangle}, \dots, y^{\langle T_y \rangle}$ (characters
# or words). By the chain rule of probability, its probability is a product of next-token
# guesses:
#
# $$P(y^{\langle 1 \rangle}, \dots, y^{\langle T_y \rangle}) = \prod_{t=1}^{T_y}
# P(y^{\langle t \rangle} \mid y^{\langle 1 \rangle}, \dots, y^{\langle t-1 \rangle})$$
#
# A recurrent network computes every factor in one pass. At step $t$ it reads the previous
# token, $x^{\langle t \rangle} = y^{\langle t-1 \rangle}$, updates its state
# $a^{\langle t \rangle}$ (which summarizes everything read so far) and outputs a distribution
# over the vocabulary:
#
# $$\hat{y}^{\langle t \rangle} = \text{softmax}(W_{ya} a^{\langle t \rangle} + b_y),
# \qquad \hat{y}^{\langle t \rangle}_i = P(\text{next token} = i \mid
# y^{\langle 1 \rangle}, \dots, y^{\langle t-1 \rangle})$$
#
# Training compares each guess with the token that really came next. The loss at step $t$ is
# the cross entropy, and the loss of a sequence is their sum:
#
# $$\mathcal{L}^{\langle t \rangle} = -\sum_i y^{\langle t \rangle}_i \log
# \hat{y}^{\langle t \rangle}_i = -\log \hat{y}^{\langle t \rangle}_{y^{\langle t \rangle}},
# \qquad \mathcal{L} = \sum_t \mathcal{L}^{\langle t \rangle}$$
#
# (here $y^{\langle t \rangle}$ is one-hot, so only the true token's term is left).

# %% [markdown]
# ## 2. The text: seven plays
#
# Our English text is seven of Shakespeare's plays in their public-domain Project Gutenberg
# editions (`data/README.md` says where they come from): six tragedies, then *The Tempest*.
# Speaker names stand on their own lines, stage directions are in brackets.

# %%
# NBVAL_CHECK_OUTPUT
shakespeare = load_shakespeare()
print(f"{len(shakespeare):,} characters, {len(set(shakespeare))} distinct ones")
start = shakespeare.index("Scene I. Elsinore")
print(shakespeare[start : start + 330])

# %% [markdown]
# We hold out the **last tenth of every play**: the model never trains on it, and it is where
# we measure how well the model predicts text it has not seen. Taking a piece of each play
# keeps the held-out text like the training text (the same speakers, the same style).

# %%
# NBVAL_CHECK_OUTPUT
plays = load_shakespeare_plays()
train_text = "".join(play[: int(0.9 * len(play))] for play in plays.values())
held_out_text = "".join(play[int(0.9 * len(play)) :] for play in plays.values())
for title, play in plays.items():
    print(f"{title:<28} {len(play):>8,} characters")
print(f"training text: {len(train_text):,} characters; held-out text: {len(held_out_text):,}")

# %% [markdown]
# ## 3. Tokens: characters or words
#
# Before a model can read text, the text is **tokenized**: cut into tokens, each looked up in
# a vocabulary. The lecture notes' recipe for a word-level model:
#
# - split the text into words (and punctuation marks);
# - add `<eos>` (end of sentence) where a sentence ends, so the model can learn where to stop;
#   here we end every line of verse with it;
# - keep the $K$ most frequent words of the training text (the notes build the vocabulary from
#   a top list of the training set's commonest words) and replace every other word by `<unk>`
#   (unknown).
#
# `text.tokenize_words` does the first two steps:

# %%
# NBVAL_CHECK_OUTPUT
line = "To be, or not to be: that is the question:\n"
print(text.tokenize_words(line))

# %% [markdown]
# The vocabulary keeps lesson 00's layout: `<pad>` = 0, `<unk>` = 1, `<eos>` = 2, then the
# words, most frequent first. Equally frequent words go in sorted order, so the vocabulary does
# not depend on the order of the text.
#
# **Exercise 1.** Write `build_word_vocab(tokens, max_words)`. The token list comes from
# `tokenize_words`, so it holds `<eos>` markers: they are special tokens, not words to count.

# %% rnn_lessons={"exercise": "word_vocab"}
SPECIAL_TOKENS = ["<pad>", "<unk>", "<eos>"]


def build_word_vocab(tokens, max_words):
    """The word vocabulary of `tokens`: special tokens, then the top `max_words` words.

    Args:
        tokens: A list of word tokens (strings), e.g. from `text.tokenize_words`.
        max_words: K, the number of words to keep besides the special tokens.

    Returns:
        `(word_to_index, index_to_word)`: `index_to_word` is a list holding the
        three SPECIAL_TOKENS (indices 0, 1, 2), then the `max_words` most frequent
        words of `tokens` (fewer if there are fewer distinct words), most frequent
        first, ties in sorted order; special tokens in `tokens` are not counted.
        `word_to_index` maps each entry of `index_to_word` to its position.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# %%
# NBVAL_CHECK_OUTPUT
checks.check_word_vocab(build_word_vocab)

# %% [markdown]
# The kit's `text.WordVocab` builds the same vocabulary (and encodes and decodes with it). With
# $K$ = 3,000 words, how much of the text becomes `<unk>`?

# %%
# NBVAL_CHECK_OUTPUT
K = 3000
train_words = text.tokenize_words(train_text)
word_to_index, index_to_word = build_word_vocab(train_words, K)
word_vocab = text.WordVocab(train_words, max_words=K)
assert word_vocab.tokens == index_to_word
distinct = len(word_vocab.counts)
print(f"{distinct:,} distinct words in the training text; |V| = {len(word_vocab):,} with K = {K:,}")
print("index_to_word[:12] =", index_to_word[:12])
train_word_ids = word_vocab.encode(train_words)
held_out_word_ids = word_vocab.encode(held_out_text)
for name, ids in [("training", train_word_ids), ("held-out", held_out_word_ids)]:
    print(f"{name:<9} text: {len(ids):>7,} tokens, {np.mean(ids == text.UNK):.1%} of them <unk>")
print(word_vocab.decode(word_vocab.encode("Full fathom five thy father lies")))

# %% [markdown]
# A **character-level** model needs no `<unk>`: the 76 characters of the text are few enough to
# keep them all. We build that vocabulary from the whole text, so that every character of the
# held-out part has an index, and without special tokens (`specials=False`): running text has
# no `<eos>`, so samples will stop at a length limit. Such a vocabulary refuses a character it
# has never seen, rather than silently turn it into something else:

# %%
# NBVAL_CHECK_OUTPUT
char_vocab = text.CharVocab(shakespeare, specials=False)
print(char_vocab)
ham = char_vocab.encode("Ham.")
print("'Ham.' ->", ham.tolist(), "->", repr(char_vocab.decode(ham)))
try:
    char_vocab.encode("Zoë")
except ValueError as error:
    print("ValueError:", error)

# %% [markdown]
# The same line of verse at both levels: the character sequence is about four times longer,
# but its vocabulary is forty times smaller.

# %%
# NBVAL_CHECK_OUTPUT
line = "But, soft! what light through yonder window breaks?"
chars, words = char_vocab.encode(line), word_vocab.encode(line)
print(f"{'':<11} {'|V|':>6} {'T for the line':>15} {'tokens in the training text':>28}")
print(f"{'characters':<11} {len(char_vocab):>6,} {len(chars):>15} {len(train_text):>28,}")
print(f"{'words':<11} {len(word_vocab):>6,} {len(words):>15} {len(train_word_ids):>28,}")
print("words:", [word_vocab.tokens[i] for i in words])

# %% [markdown]
# ## 4. Training windows
#
# A language model learns from the text itself: the target at every step is the next token.
# `text.windows` cuts the encoded text into windows of $T$ + 1 tokens; the input is the first
# $T$, the target the last $T$, so the target is the input **shifted by one step**,
# $y^{\langle t \rangle} = x^{\langle t+1 \rangle}$. It returns a `tf.data.Dataset` of batches.

# %%
# NBVAL_CHECK_OUTPUT
train_ids = char_vocab.encode(train_text)
held_out_ids = char_vocab.encode(held_out_text)
x, y = next(iter(text.windows(train_ids, seq_len=40, batch_size=2)))
print("x:", tuple(x.shape), " y:", tuple(y.shape))
print("x[0] =", repr(char_vocab.decode(x[0].numpy())))
print("y[0] =", repr(char_vocab.decode(y[0].numpy())))
print("y[:, :-1] == x[:, 1:]:", bool(np.all(y.numpy()[:, :-1] == x.numpy()[:, 1:])))

# %% [markdown]
# ## 5. Perplexity
#
# How good is a language model? Average the loss over all $N$ tokens of a held-out text: the
# cross entropy $H = -\frac{1}{N} \sum_t \log \hat{y}^{\langle t \rangle}_{y^{\langle t
# \rangle}}$, in nats. Two numbers say the same thing more readably:
#
# $$\text{perplexity} = e^{H}, \qquad \text{bits per character} = \frac{H}{\ln 2}
# = \log_2 \text{perplexity}$$
#
# Perplexity is "how many tokens the model hesitates between": a model that gives every token
# probability $1/|V|$ has $H = \log |V|$, so perplexity $|V|$; a model that is always sure and
# right has perplexity 1. Bits per character is what a compressor driven by the model would
# spend per character (plain ASCII spends 8).
#
# **Exercise 2.** Write `perplexity(y_hat, targets)` for arrays of probabilities and targets.


# %% rnn_lessons={"exercise": "perplexity"}
def perplexity(y_hat, targets):
    """exp of the mean cross entropy of the predictions `y_hat` for `targets`.

    Args:
        y_hat: Probabilities, shape (..., |V|): y_hat[..., i] is the probability
            the model gave token i (e.g. (batch, T, |V|) from a language model).
        targets: Integer token indices, shape (...) (the same shape without |V|):
            the tokens that really came next.

    Returns:
        A float: exp(-mean(log y_hat[..., target])), averaged over every target.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# %%
# NBVAL_CHECK_OUTPUT
checks.check_perplexity(perplexity)

# %% [markdown]
# A language model from the kit's cells: an `Embedding` turns each index into a
# vector (it is the one-hot $x^{\langle t \rangle}$ times a matrix, done as a lookup), a GRU
# layer (`lessons.StackedRNN` with one layer) computes $a^{\langle t \rangle}$ at every step,
# and a `Dense` softmax layer gives $\hat{y}^{\langle t \rangle}$. The kit's
# `text.perplexity(model, data)` runs a model over a dataset batch by batch. An untrained model
# is about as unsure as the uniform one, whose perplexity is exactly $|V|$:


# %%
def language_model(vocab_size, units, embedding_dim, name):
    """Embedding -> GRU -> Dense softmax: ŷ^<t> at every step t, from the same seed."""
    lessons.set_seed(0)  # the same start for every model, whatever ran before
    return keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(vocab_size, embedding_dim),
            lessons.StackedRNN(units, cell="gru", return_sequences=True),  # the GRU; see below
            keras.layers.Dense(vocab_size, activation="softmax"),
        ],
        name=name,
    )


def uniform_model(vocab_size):
    """A model whose ŷ^<t> is 1/|V| for every token: all weights of its softmax layer are 0."""
    return keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(vocab_size, 1),
            keras.layers.Dense(vocab_size, activation="softmax", kernel_initializer="zeros"),
        ]
    )


# %%
# NBVAL_CHECK_OUTPUT
V = len(char_vocab)
held_out = text.windows(held_out_ids, seq_len=100, batch_size=64)
print(f"uniform model:   perplexity {text.perplexity(uniform_model(V), held_out):.4f} = |V| = {V}")
print(
    f"                 bits/char  {text.bits_per_char(uniform_model(V), held_out):.4f}"
    f" = log2 |V| = {math.log2(V):.4f}"
)

# %% [markdown]
# Your `perplexity` and the kit's agree on a batch of the untrained model's predictions:

# %%
untrained = language_model(V, units=64, embedding_dim=16, name="untrained")
x, y = next(iter(held_out))
y_hat = keras.ops.convert_to_numpy(untrained(x))
yours, kits = perplexity(y_hat, y.numpy()), text.perplexity(untrained, (x.numpy(), y.numpy()))
print(f"untrained model: yours {yours:.4f}, the kit's {kits:.4f} (|V| = {V})")
assert math.isclose(yours, kits, rel_tol=1e-4)

# %% [markdown]
# A stronger baseline than uniform: the **unigram** model, which ignores the context and
# predicts every token with its frequency in the training text (plus one, so that a token never
# seen there is unlikely, not impossible). A language model that reads context must beat it.


# %%
# NBVAL_CHECK_OUTPUT
def unigram_bits(train_ids, held_out_ids, vocab_size):
    """Bits per token on `held_out_ids` of the model P(i) = (count_i + 1) / (N + |V|)."""
    counts = np.bincount(train_ids, minlength=vocab_size) + 1
    return float(-np.mean(np.log2(counts[held_out_ids] / counts.sum())))


char_unigram = unigram_bits(train_ids, held_out_ids, V)
print(
    f"unigram model: {char_unigram:.3f} bits/char on the held-out text "
    f"(perplexity {2**char_unigram:.2f})"
)

# %% [markdown]
# ## 6. Training the character-level model
#
# The model reads windows of $T$ = 100 characters. Sizes come from `config.pick`: CI mode
# trains a small model on a slice of the text for a few seconds; full mode trains a GRU of
# 256 units on the whole training text. Gradients are clipped, the notes' cure for exploding
# gradients in RNNs. Here each weight tensor's gradient is clipped on its own, `clipnorm=1.0`,
# although lesson 02 showed that clipping the global norm (`global_clipnorm`) keeps the step's
# direction and this does not. The reason is measured, not theory: in our trials the small
# model of CI mode, trained with `global_clipnorm=1.0` and Adam, stayed at the unigram model's
# score for all of its steps, predicting each character by its frequency alone, while clipping
# each tensor, or not clipping at all, let it use the characters before the one it guesses
# from the first epoch on. Either kind of clipping stops an explosion.
#
# Which GRU trains depends on the machine. On a CPU, `StackedRNN` builds the kit's `GRUCell`
# inside `keras.layers.RNN` (there as fast as Keras' own `GRU`): the equations of lesson 04,
# step by step. On a GPU it builds Keras' `GRU` (`implementation="keras"`), which runs on the
# fused cuDNN kernel, and `config.pick` chooses a larger size for it: 512 units, 20 epochs. The
# figures printed in this lesson come from the full size on a CPU; the GPU size has not been
# run for this text yet.

# %%
units, epochs, n_train = config.pick(
    ci=(96, 3, 120_000), full=(256, 10, len(train_ids)), gpu=(512, 20, len(train_ids))
)
seq_len, batch_size = 100, 64
train_data = text.windows(
    train_ids[:n_train], seq_len, batch_size, shuffle=True, seed=0, drop_remainder=True
)
held_out = text.windows(held_out_ids[: config.pick(ci=30_000, full=None)], seq_len, 64)


def train(model, train_data, held_out, epochs, learning_rate=3e-3):
    """Adam on the cross entropy, with clipped gradients; returns the history and the seconds.

    The learning rate falls along a cosine from `learning_rate` to a tenth of it.
    """
    steps = epochs * int(train_data.cardinality())
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=0.1)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule, clipnorm=1.0),  # per tensor: see above
        loss="sparse_categorical_crossentropy",
    )
    start = time.time()
    # The windows are shuffled by tf.data already (shuffle=False silences Keras' warning).
    history = model.fit(
        train_data, validation_data=held_out, epochs=epochs, verbose=2, shuffle=False
    )
    return history, time.time() - start


char_model = language_model(V, units, embedding_dim=32, name="shakespeare_chars")
history, seconds = train(char_model, train_data, held_out, epochs, learning_rate=4e-3)
print(f"{char_model.count_params():,} parameters, trained in {seconds:.0f} s")


# %%
def plot_bits(history, title):
    """Training and held-out cross entropy per epoch, in bits per token."""
    bits = {k: np.array(v) / math.log(2) for k, v in history.history.items()}
    epochs_axis = np.arange(1, len(bits["loss"]) + 1)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(epochs_axis, bits["loss"], "o-", label="training (mean over the epoch)")
    ax.plot(epochs_axis, bits["val_loss"], "o-", label="held-out (end of the epoch)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("bits per token")
    ax.set_title(title)
    ax.legend()
    plt.show()


plot_bits(history, "Shakespeare, character level")

# %%
char_bits = text.bits_per_char(char_model, held_out)
char_perplexity = text.perplexity(char_model, held_out)
print(
    f"held-out: {char_bits:.3f} bits/char, perplexity {char_perplexity:.2f} "
    f"(uniform: {math.log2(V):.2f} bits, unigram: {char_unigram:.2f} bits)"
)
assert char_bits < char_unigram - 0.3, "the model should beat the context-free unigram model"

# %% [markdown]
# In full mode (a GRU of 256 units, 10 epochs over the 845,789 training characters in batches
# of 64 windows) the held-out text reaches **2.02 bits per character (perplexity 4.06)**,
# against 6.25 bits for the uniform model and 4.80 for the unigram model. On the training text
# the loss ends near 1.81 bits (the mean over the last epoch). In the last epochs the training
# curve runs below the held-out one: the model has begun to memorize.
#
# The stored run trained in 316 s on a CPU without a GPU, mostly quiet (another job shared it
# now and then): its epochs took 28 to 42 s. On such a machine Keras compiles the training
# step into a TensorFlow graph without XLA. CI mode trains a smaller model for a few seconds,
# enough to beat the unigram model.

# %% [markdown]
# ## 7. Sampling new text
#
# To see what a model has learned, let it write (notes 1.7). Start from $a^{\langle 0 \rangle}
# = 0$ and feed a first input; the model returns $\hat{y}^{\langle 1 \rangle}$. (The notes feed
# $x^{\langle 1 \rangle} = 0$; a vocabulary with `<eos>` gives "a line starts" a token of its
# own, which the model saw in training; here the first input can also be a prefix of text.)
# Then, at each step:
#
# 1. draw a token $y^{\langle t \rangle}$ at random with the probabilities
#    $\hat{y}^{\langle t \rangle}$ (like `np.random.choice`), not the most likely one;
# 2. feed the **drawn** token back as the next input, $x^{\langle t+1 \rangle} =
#    y^{\langle t \rangle}$: no correction from real text any more;
# 3. stop when the model draws `<eos>` (if the vocabulary has it), or after a fixed number of
#    tokens; never output `<unk>`: if it is drawn, draw again.
#
# A **temperature** $\tau$ reshapes $\hat{y}$ before drawing:
#
# $$q_i = \frac{\hat{y}_i^{1/\tau}}{\sum_j \hat{y}_j^{1/\tau}} = \text{softmax}\!\left(
# \frac{\log \hat{y}}{\tau}\right)_i$$
#
# $\tau = 1$ draws from the model as it is; $\tau < 1$ favours the likely tokens (safer,
# duller text); $\tau > 1$ flattens the distribution (bolder text, more mistakes). As $\tau \to
# 0$ all the mass goes to the most likely token, so we define $\tau = 0$ as **greedy** decoding:
# always the argmax. A negative $\tau$ has no meaning. Here is what the model expects after
# "ROMEO.\nO", at three temperatures:

# %%
stepper = text.Stepper(char_model)  # feeds one token at a time, keeps a^<t> between calls
for index in char_vocab.encode("ROMEO.\nO"):
    y_hat = stepper.step(int(index))
top = np.argsort(y_hat)[::-1][:12]
fig, axes = plt.subplots(1, 3, figsize=(13, 2.8), sharey=True)
for ax, tau in zip(axes, (0.5, 1.0, 2.0)):
    labels = [{" ": "␣", "\n": "\\n"}.get(char_vocab.tokens[i], char_vocab.tokens[i]) for i in top]
    ax.bar(labels, text.apply_temperature(y_hat, tau)[top])
    ax.set_title(f"τ = {tau}")
axes[0].set_ylabel("probability of the next character")
plt.show()

# %% [markdown]
# `text.Stepper` is what makes sampling fast: it runs one step of each GRU cell on the state it
# kept, instead of running the whole text so far again at every step. `stepper.step(index)`
# reads one token and returns $\hat{y}$ for the next one.
#
# **Exercise 3.** Write the sampling loop, `sample(...)`. First feed `<eos>` if the vocabulary
# has one: the models below were trained on streams like `<eos>` Mary `<eos>` Anna `<eos>`, so
# `<eos>` tells them "a new line starts". Then feed the prefix; then draw, check for `<eos>`,
# feed back. Work with $\log \hat{y} / \tau$ and subtract its maximum before `np.exp`, so that
# a small $\tau$ cannot underflow every probability to 0.


# %% rnn_lessons={"exercise": "sample"}
def sample(
    model,
    vocab,
    prefix="",
    length=200,
    temperature=1.0,
    seed=None,
    stop_at_eos=True,
    allow_unk=False,
):
    """Text drawn from a language model one token at a time, each draw fed back.

    Args:
        model: A language model: (batch, T) indices -> (batch, T, |V|) probabilities.
            Feed it with `text.Stepper(model)`.
        vocab: Its vocabulary (`text.CharVocab` or `text.WordVocab`): `vocab.encode`,
            `vocab.decode`, and `vocab.pad`, `vocab.unk`, `vocab.eos` (None if absent).
        prefix: The text to start from, read after `vocab.eos` (if `vocab` has one).
        length: The most tokens to generate.
        temperature: τ >= 0; 0 means greedy (argmax). Negative: raise ValueError.
        seed: Seed of the random generator (np.random.default_rng(seed)).
        stop_at_eos: Stop when <eos> is drawn (not returned), if `vocab` has it.
        allow_unk: Whether <unk> may be drawn (by default it may not).

    Returns:
        The generated tokens only (not the prefix), as `vocab.decode(indices)`.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# %%
# NBVAL_CHECK_OUTPUT
checks.check_sample(sample)


# %% [markdown]
# Now the Shakespeare model writes, after "ROMEO." and a line break, at five temperatures. From
# here on the lesson writes with your `sample` if it passes its check, and with the kit's
# `text.sample` otherwise; the cell's first line says which.


# %%
def side_by_side(texts, headers, width=30):
    """Print texts in columns, each wrapped to `width` characters."""
    columns = []
    for body in texts:
        lines = []
        for paragraph in body.split("\n"):
            lines += textwrap.wrap(paragraph, width) or [""]
        columns.append(lines)
    print("  ".join(f"{h:<{width}}" for h in headers))
    print("  ".join("-" * width for _ in headers))
    for row in range(max(len(c) for c in columns)):
        print("  ".join(f"{(c[row] if row < len(c) else ''):<{width}}" for c in columns))


generate = yours_or_kit(sample, checks.check_sample, text.sample)
prefix = "ROMEO.\n"
temperatures = (0, 0.5, 0.8, 1.0, 1.3)
samples = [generate(char_model, char_vocab, prefix, 300, tau, seed=1) for tau in temperatures]
side_by_side([prefix + s for s in samples], [f"τ = {tau}" for tau in temperatures], width=26)

# %% [markdown]
# Greedy decoding ($\tau$ = 0) soon repeats itself: "And the sea shall be so" comes back again
# and again, because the most likely continuation of a common phrase leads back to it.
#
# At $\tau$ = 0.5 the loop is gone and every word is a real one ("'Tis a subject of the
# fool"), though the sentences make little sense. At 0.8 and 1 the model's own mix shows,
# with invented words ("Clessial", "lunnity", "Tompell"). At 1.3 the spelling falls apart
# ("Squfible", "venchank"), even in a speaker's name: "LADY MACDAFv.".
#
# Greedy decoding never leaves ROMEO's speech; the samples drawn at random keep the layout of
# the plays: a speaker's name with a full stop, on its own line, then the speech, and stage
# directions in brackets ("[Exit an Othello and").
#
# A fixed seed gives the same text, a different seed another:

# %%
# NBVAL_CHECK_OUTPUT
first = generate(char_model, char_vocab, prefix, 80, 1.0, seed=7)
print("same seed, same text:", first == generate(char_model, char_vocab, prefix, 80, 1.0, seed=7))
print("other seed, other text:", first != generate(char_model, char_vocab, prefix, 80, 1.0, seed=8))

# %% [markdown]
# ## 8. Character level versus word level
#
# The same text, modelled word by word: $|V|$ = 3,003 and $T$ = 32 words per window (about as
# much text as 115 characters). The `<eos>` at the end of each line lets the model learn where
# verse lines break. The softmax layer now has 3,003 outputs, so the model is larger for the
# same number of units.

# %%
word_units, word_epochs, n_train_words = config.pick(
    ci=(64, 1, 40_000), full=(256, 3, len(train_word_ids))
)
word_train = text.windows(
    train_word_ids[:n_train_words], 32, 32, shuffle=True, seed=0, drop_remainder=True
)
word_held_out = text.windows(held_out_word_ids[: config.pick(ci=8_000, full=None)], 32, 64)
word_model = language_model(len(word_vocab), word_units, embedding_dim=64, name="shakespeare_words")
word_history, word_seconds = train(word_model, word_train, word_held_out, word_epochs)
print(f"{word_model.count_params():,} parameters, trained in {word_seconds:.0f} s")
plot_bits(word_history, "Shakespeare, word level")

# %% [markdown]
# Perplexities per token are not comparable between the two (a word is a harder guess than a
# character). Per **word** they are: the character model spends its bits per character times
# the characters per word, spaces and line breaks included. The word model has it easier on
# one point: for 6% of the words it only has to say `<unk>`, not spell them.
#
# In full mode the word model reaches a held-out perplexity of about 189.5 per word (7.57 bits
# per word), against 7.36 bits per word for the character model: nearly a tie, the character
# model a little ahead, although the word model has the easier `<unk>` on its side. It trained
# for three epochs in 60 s, and
# its held-out curve was still falling at the end. CI mode trains it for a few seconds only.

# %%
word_bits = text.bits_per_char(word_model, word_held_out)  # bits per word token
chars_per_word = len(held_out_text) / len(held_out_word_ids)
print(f"{'':<11} {'|V|':>6} {'parameters':>11} {'held-out perplexity':>20} {'bits per word':>14}")
print(
    f"{'characters':<11} {V:>6,} {char_model.count_params():>11,} {char_perplexity:>15.2f}/char"
    f" {char_bits * chars_per_word:>14.2f}"
)
print(
    f"{'words':<11} {len(word_vocab):>6,} {word_model.count_params():>11,} "
    f"{math.exp(word_bits * math.log(2)):>15.1f}/word {word_bits:>14.2f}"
)
print(f"({chars_per_word:.2f} characters per word token in the held-out text)")

# %% [markdown]
# What each writes, at $\tau$ = 0.8 (the word model's `<eos>` is printed as a line break):

# %%
word_sample = generate(word_model, word_vocab, "romeo .", 90, 0.8, seed=2, stop_at_eos=False)
char_sample = generate(char_model, char_vocab, "ROMEO.\n", 400, 0.8, seed=2)
side_by_side(
    [word_sample.replace(" <eos> ", "\n").replace("<eos>", "\n"), "ROMEO.\n" + char_sample],
    ["word level (after 'romeo .')", "character level"],
    width=45,
)

# %% [markdown]
# The scores per word were nearly equal, yet the samples are not: the word model's is mostly
# punctuation marks and short, common words, with little grammar between them, while the
# character model writes speeches in the layout of the plays, invented words among real ones.
# One number does not tell everything about a language model; read what it writes, too.
#
# The word model only ever writes real words (or `<unk>`, which sampling refuses), but it
# cannot invent a name or a spelling; the character model can write any string, and must learn
# spelling first. The notes' trade-off: characters need no `<unk>` and a tiny vocabulary, at
# the price of sequences several times longer, which makes long-range dependencies harder and
# training slower; most systems work with words (or pieces of words).

# %% [markdown]
# ## 9. New names
#
# The notes' exercise invents dinosaur names with a character-level model. With real data, we
# do it for the 5,163 first names of lesson 00. Each name ends with `<eos>`, so the model learns
# where names stop; `vocab.encode_lines` joins them into one stream, `<eos>` Mary `<eos>` Anna
# `<eos>` ..., and sampling from an empty prefix reads `<eos>` first: "a new name starts".

# %%
# NBVAL_CHECK_OUTPUT
names = load_names()
name_vocab = text.CharVocab(names)  # <pad>, <unk>, <eos>, then the 52 letters: lesson 00's
print(name_vocab)
shuffled = list(np.random.default_rng(0).permutation(names))  # the list is sorted
train_names, held_out_names = shuffled[:4650], shuffled[4650:]
name_ids = name_vocab.encode_lines(train_names)
print(f"{len(train_names)} training names -> {len(name_ids):,} tokens:", name_ids[:12].tolist())
print(repr(name_vocab.decode(name_ids[:12])))

# %%
name_units, name_epochs = config.pick(ci=(64, 3), full=(128, 20))
names_train = text.windows(name_ids, 32, 32, shuffle=True, seed=0, drop_remainder=True)
names_held_out = text.windows(name_vocab.encode_lines(held_out_names), 32, 64)
name_model = language_model(len(name_vocab), name_units, embedding_dim=16, name="names")
name_history, name_seconds = train(name_model, names_train, names_held_out, name_epochs)
name_bits = text.bits_per_char(name_model, names_held_out)
print(f"held-out names: {name_bits:.3f} bits/char; trained in {name_seconds:.0f} s")
plot_bits(name_history, "First names, character level")

# %%
rng = np.random.default_rng(3)
for tau in (0.6, 1.0):
    new = [generate(name_model, name_vocab, "", 20, tau, seed=rng) for _ in range(14)]
    novel = sum(name not in names for name in new)
    print(f"τ = {tau}: {', '.join(new)}")
    print(f"         {novel} of {len(new)} are not in the census list\n")

# %% [markdown]
# Most samples are names nobody in the list has, yet they look like names: the model learned
# which letters start names, which follow which, and how names end. At $\tau$ = 1.0 a few go
# wrong ("Jonr"). In full mode the held-out names score 2.92 bits per character.

# %% [markdown]
# ## 10. A second language: Tang poems
#
# Nothing above was specific to English. Chinese is written without spaces, and its "letters"
# are thousands of characters, so a character-level model is natural there. Our text is 3,960
# five-character Tang poems (traditional characters): four or eight lines of five characters,
# with "，" and "。" alternating at the line ends. One poem per line, so `<eos>` ends a poem.

# %%
# NBVAL_CHECK_OUTPUT
poems = load_tang_poems()
poem_vocab = text.CharVocab(poems)
print(f"{len(poems):,} poems, {sum(map(len, poems)):,} characters; |V| = {len(poem_vocab):,}")
print(poems[0])
print("most frequent:", "".join(c for c, _ in collections.Counter("".join(poems)).most_common(20)))
train_poems, held_out_poems = poems[:3560], poems[3560:]

# %% [markdown]
# The same `language_model`, `windows` and `train`, now with $|V|$ = 4,149: with 128 units the
# softmax layer alone has $128 \times 4{,}149 \approx 531{,}000$ weights, and the embedding
# another $4{,}149 \times 64$; the GRU in between is the small part.

# %%
poem_units, poem_epochs, n_poem_ids = config.pick(ci=(64, 2, 25_000), full=(128, 10, None))
train_poem_ids = poem_vocab.encode_lines(train_poems)
held_out_poem_ids = poem_vocab.encode_lines(held_out_poems)
poems_train = text.windows(
    train_poem_ids[:n_poem_ids], 49, 16, shuffle=True, seed=0, drop_remainder=True
)
poems_held_out = text.windows(held_out_poem_ids, 64, 64)
poem_model = language_model(len(poem_vocab), poem_units, embedding_dim=64, name="tang_poems")
poem_history, poem_seconds = train(  # a larger first step: see below
    poem_model, poems_train, poems_held_out, poem_epochs, learning_rate=1e-2
)
poem_bits = text.bits_per_char(poem_model, poems_held_out)
poem_unigram = unigram_bits(train_poem_ids, held_out_poem_ids, len(poem_vocab))
print(
    f"held-out poems: {poem_bits:.2f} bits/char (uniform {math.log2(len(poem_vocab)):.2f}, "
    f"unigram {poem_unigram:.2f}); trained in {poem_seconds:.0f} s"
)
plot_bits(poem_history, "Tang poems, character level")
assert poem_bits < math.log2(len(poem_vocab)) - 1, "the model should beat the uniform one"

# %% [markdown]
# In full mode (a GRU of 128 units, 10 epochs, 94 s in the stored run, on the same CPU) the
# held-out poems score 8.77 bits per character, against 9.23 for the unigram model and 12.02
# for the uniform one.
#
# The training curve has three parts. For three epochs the held-out loss stays between 9.33
# and 9.49 bits per character, just above the unigram model's 9.23. That is the score of a
# model that knows how often each character occurs, and nothing more: the model has learned
# the frequencies, not yet how characters follow each other. In the fourth and fifth epochs
# the held-out loss leaves this plateau: the model has begun to use the characters before the
# one it guesses. The held-out loss is lowest after the sixth epoch, 8.72 bits; then it rises
# a little while the training loss keeps falling: the model has begun to memorize the training
# poems. (Keras prints the loss in nats; the curve divides it by $\ln 2$.)
#
# This model trains with a larger learning rate than the others, 1e-2. With 4e-3, in our trials,
# it stayed on the plateau far longer: all ten epochs with this lesson's clipping (it ended no
# better than counting characters), five epochs with the global norm clipped, and through every
# epoch we ran with no clipping, with another seed, or at 2e-3. A flat stretch in a training
# curve does not always mean that the model has learned all it can.
#
# New poems, each from a first character (spring, moon, mountain, autumn, white, river):

# %%
COUPLET = "[^，。]{5}，[^，。]{5}。"  # two five-character lines
FOUR_OR_EIGHT_LINES = re.compile(f"(?:{COUPLET}){{2}}|(?:{COUPLET}){{4}}")
new_poems = [
    first + generate(poem_model, poem_vocab, first, 60, 0.8, seed=k)
    for k, first in enumerate("春月山秋白江")
]
for poem in new_poems:
    print(poem)
lines = [line for poem in new_poems for line in re.findall("[^，。]*[，。]", poem)]
five = sum(len(line) == 6 for line in lines)  # five characters and the punctuation mark
in_form = sum(bool(FOUR_OR_EIGHT_LINES.fullmatch(poem)) for poem in new_poems)
print(
    f"{five} of {len(lines)} lines have five characters; "
    f"{in_form} of {len(new_poems)} poems have exactly 4 or 8 such lines"
)

# %% [markdown]
# This model rarely keeps the form. The lines it finishes have the right length: in the six
# samples, 16 of the 16 lines that end with "，" or "。" have five characters. But five samples
# stop in the middle of a line, after at most three lines (春生孤不 has none), and the sixth
# runs on to the length limit; "，" and "。" do not always take turns (秋不塞觀煙。 ends a
# first line), and 0 of the 6 poems have exactly four or eight lines.
#
# The model learned to count to five from the text alone, in its state $a^{\langle t
# \rangle}$; where a poem ends, and which mark ends a line, it has not learned yet. The
# imagery (clouds, wind, flowers, pines) comes from what the poems talk about most: see the
# most frequent characters above.

# %% [markdown]
# ## Summary
#
# - A language model factorizes $P(y^{\langle 1 \rangle}, \dots, y^{\langle T_y \rangle})$
#   into next-token guesses; an RNN makes them all, reading $x^{\langle t \rangle} =
#   y^{\langle t-1 \rangle}$ and outputting $\hat{y}^{\langle t \rangle} = \text{softmax}(
#   W_{ya} a^{\langle t \rangle} + b_y)$, trained with the summed cross entropy.
# - Tokenize: a vocabulary of characters, or of the top-$K$ words with `<unk>` for the rest;
#   `<eos>` marks where a sentence, line, name or poem ends.
# - Training windows are the text with its target shifted by one step.
# - Perplexity $e^H$ and bits per character $H / \ln 2$ measure a model on held-out text; the
#   uniform model scores $|V|$, the unigram model is the baseline to beat.
# - Sampling draws from $\hat{y}$, feeds the draw back, stops at `<eos>` or a length limit and
#   refuses `<unk>`; the temperature trades safety for variety, and $\tau = 0$ is greedy.
# - The same code handles 55 characters (names), 76 (Shakespeare), 3,003 words and 4,149
#   Chinese characters.
