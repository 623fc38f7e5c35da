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
#       dates_exact:
#         printed: es_ES {}% 100.0%
#         says: at {} % exact match
#       plain_short:
#         printed: 0-15 535 {}%
#         says: without attention {} % (≤ 15
#       plain_16_19:
#         printed: 16-19 1072 {}%
#         says: characters), {} %,
#       plain_20_25:
#         printed: 20-25 365 {}%
#         says: '%, {} % and'
#       plain_26:
#         printed: 26-99 528 {}%
#         says: and {} % (26 or more)
#       attention_all:
#         printed: 26-99 528 88.3% {}%
#         says: attention reads {} % of the held-out
#       per_plain:
#         printed: ours, no attention, greedy {}%
#         says: '(greedy: {} % →'
#       per_attention:
#         printed: ours, with attention, greedy {}%
#         says: → {} % PER
#       wer_plain:
#         printed: ours, no attention, greedy 22.7% {}%
#         says: PER, {} % →
#       wer_attention:
#         printed: ours, with attention, greedy 10.2% {}%
#         says: → {} % WER)
#       per_beam:
#         printed: ours, with attention, beam 4 {}%
#         says: little more ({} % /
#       wer_beam:
#         printed: ours, with attention, beam 4 9.7% {}%
#         says: '/ {} %):'
#       early_eos:
#         printed: greedy {}% 0.0%
#         says: fails this way ({} % early
#       mean_length:
#         printed: greedy 1.0% 0.0% {}
#         says: mean length {} phonemes
#       reference_length:
#         printed: '(references: mean length {} phonemes'
#         says: against {}), so beam
#       greedy_per:
#         printed: greedy 1.0% 0.0% 6.16 {}%
#         says: only from {} % to
#       beam_per:
#         printed: beam 4, α = 0 1.0% 0.0% 6.15 {}%
#         says: to {} %, and the length
#       dates_loss_before:
#         printed: 'held-out loss: untrained {},'
#         says: falls from {} nats per token
#       g2p_attention_epoch_1:
#         printed: 'masked_accuracy: 0.7298 - val_loss: {}'
#         says: held-out loss ({} nats per phoneme)
#       g2p_plain_epoch_5:
#         printed: 'masked_accuracy: 0.8541 - val_loss: {}'
#         says: other model's after five ({})
#       length_penalty_per:
#         printed: beam 4, α = 1 1.0% 0.0% 6.17 {}%
#         says: changes little ({} %)
#     exercises:
#       attention_weights:
#         defines: attention_weights
#         points: 3
#       beam_step:
#         defines: beam_step
#         points: 3
#       masked_loss:
#         defines: masked_cross_entropy
#         points: 2
#       teacher_forcing:
#         defines: shift_right
#         points: 2
#     lesson: 09_seq2seq
#     title: Encoder-decoder models and attention
# ---

# %% [markdown] tags=["kit-badge"]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lessons/rnn-lessons/blob/main/solutions/09_seq2seq.ipynb)
#
# # Lesson 09 — Encoder-decoder models and attention

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
# Until now an output had the length of its input: one label per sequence, or one per step.
# Many tasks break that rule. "zh_CN 2009年6月25日" and "en_US Thursday, June 25, 2009" both
# mean `2009-06-25`; the spelling *knight* has six letters and three sounds, `N AY T`.
#
# A **sequence-to-sequence** model (seq2seq) handles inputs and outputs of any lengths. It has
# two recurrent networks: an **encoder** reads the source and sums it up in a state of fixed
# shape, and a **decoder** writes the target one token at a time from that state.
#
# You will write four pieces (marked **Exercise**): the decoder's training inputs (teacher
# forcing), the loss that ignores padding, one step of beam search, and the attention weights.
# Each is followed by a check that says what is wrong if something is.

# %% rnn_lessons={"context": true}
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import ops

from lessons import datasets, seq2seq
from lessons.checks import lesson09 as checks
from lessons.checks import yours_or_kit
from lessons.fonts import use_cjk_font
from lessons.seq2seq import (
    Seq2Seq,
    beam_search,
    decoder_start,
    decoder_step,
    exact_match,
    greedy_decode,
    masked_accuracy,
    masked_loss,
    phoneme_error_rate,
    training_arrays,
    word_error_rate,
)
from lessons.text import CharVocab, WordVocab

# %% [markdown]
# ## 1. From tokens to vectors, and the encoder-decoder
#
# Both networks read tokens through an **embedding layer**. Its weight is a matrix
# $W_e$ of shape $(|V|, e)$: one row of $e$ numbers per token. Token $i$ reads row $i$.
#
# That is the same as multiplying the token's one-hot vector by the matrix:
#
# $$\mathbf{x}^{\langle t \rangle} = \text{onehot}(y)\, W_e = W_e[y, :]$$
#
# The lookup is just faster: no multiplication by a vector that is almost all zeros.

# %%
# NBVAL_CHECK_OUTPUT
embedding = keras.layers.Embedding(input_dim=7, output_dim=3)
tokens = np.array([[4, 5, 6, 2]])  # one sequence of 4 token ids, |V| = 7
looked_up = ops.convert_to_numpy(embedding(tokens))  # (1, 4, 3)
one_hot = np.eye(7, dtype="float32")[tokens]  # (1, 4, 7)
W_e = ops.convert_to_numpy(embedding.embeddings)  # (7, 3)
print("lookup:", looked_up.shape, " one-hot:", one_hot.shape, " W_e:", W_e.shape)
print("lookup == one-hot @ W_e:", np.allclose(looked_up, one_hot @ W_e))

# %% [markdown]
# Now the model. Write the source as $x^{\langle 1 \rangle}, \dots, x^{\langle T_x \rangle}$
# and the target as $y^{\langle 1 \rangle}, \dots, y^{\langle T_y \rangle}$; a batch holds
# $n$ pairs, $h$ is the number of hidden units.
#
# **Encoder.** A GRU reads the embedded source:
#
# $$\mathbf{H}^{enc}_t = \text{GRU}(\mathbf{X}_t, \mathbf{H}^{enc}_{t-1}), \qquad
# \mathbf{X}_t \in \mathbb{R}^{n \times e},\ \mathbf{H}^{enc}_t \in \mathbb{R}^{n \times h}$$
#
# Its last state $\mathbf{c} = \mathbf{H}^{enc}_{T_x}$ is the summary of the whole source.
#
# **Decoder.** Another GRU starts from $\mathbf{c}$ and, at step $t$, reads the token before,
# $y^{\langle t-1 \rangle}$ (a `<bos>` token at $t = 1$), together with $\mathbf{c}$:
#
# $$\mathbf{H}_0 = \mathbf{c}, \qquad \mathbf{H}_t = \text{GRU}([\text{embed}(y^{\langle t-1
# \rangle}); \mathbf{c}], \mathbf{H}_{t-1}), \qquad \mathbf{O}_t = \mathbf{H}_t W_{hq} +
# \mathbf{b}_q$$
#
# $\hat{y}^{\langle t \rangle} = \text{softmax}(\mathbf{O}_t)$ is the distribution of the next
# token; the decoder is a language model (lesson 03) that also sees the source. It stops when
# it writes `<eos>`.
#
# Here are the shapes at every step, in a small model of `lessons.seq2seq`:

# %%
# NBVAL_CHECK_OUTPUT
toy_sources, toy_targets = ["en_US Jun 25, 2009", "de_DE 3.1.51"], ["2009-06-25", "1951-01-03"]
toy = Seq2Seq(CharVocab(toy_sources), CharVocab(toy_targets, bos=True), embedding_dim=8, units=16)
(toy_ids, toy_input), toy_target = training_arrays(toy, toy_sources, toy_targets)
enc_outputs, enc_states, source_mask = toy.encoder(toy_ids)
print(f"source ids          {toy_ids.shape}        (n, T_x): the longer source + <eos>")
print(f"embedded source     {tuple(toy.encoder.embedding(toy_ids).shape)}     (n, T_x, e)")
print(f"encoder outputs H_t {tuple(enc_outputs.shape)}    (n, T_x, h)")
print(f"context c = H_T_x   {tuple(enc_states[0][0].shape)}        (n, h)")
print(f"decoder input       {toy_input.shape}        (n, T_y): <bos> y_1 ... y_T")
X_dec = toy.decoder.step_inputs(toy_input, toy.decoder.start(enc_outputs, enc_states, source_mask))
print(f"decoder step input  {tuple(X_dec.shape)}    (n, T_y, e + h): [embed(y_t-1); c]")
print(f"logits O_t          {tuple(toy((toy_ids, toy_input)).shape)}    (n, T_y, |V_target|)")
print(f"decoder target      {toy_target.shape}        (n, T_y): y_1 ... y_T <eos>")

# %% [markdown]
# ### Teacher forcing
#
# In training, the decoder does not read its own guesses: it reads the **true** previous token
# (teacher forcing). So one forward pass computes every step at once, like lesson 03's
# language model. For a target $y_1 \dots y_T$:
#
# - decoder input: `<bos>` $y_1 \dots y_T$ (the target shifted one step right),
# - decoder target: $y_1 \dots y_T$ `<eos>` (what each step should say).
#
# Rows of a batch are padded with `<pad>` = 0 to the longest one.
#
# **Exercise 1.** Write `shift_right(targets, bos, eos, pad=0)`.


# %% rnn_lessons={"exercise": "teacher_forcing"}
def shift_right(targets, bos, eos, pad=0):
    """The decoder's inputs and targets for teacher forcing.

    Args:
        targets: A list of targets, each a list of token ids y_1 ... y_T
            (without <bos> and <eos>; T may differ between targets, and may be 0).
        bos, eos: The ids of <bos> and <eos>.
        pad: The id of <pad>. Default 0.

    Returns:
        `(decoder_input, decoder_target)`: two integer arrays of shape
        (len(targets), longest T + 1). Row i of decoder_input is <bos> y_1 ... y_T,
        row i of decoder_target is y_1 ... y_T <eos>, both padded with `pad`.
    """
    ### BEGIN SOLUTION
    width = max(len(t) for t in targets) + 1
    decoder_input = np.full((len(targets), width), pad, dtype=np.int32)
    decoder_target = np.full((len(targets), width), pad, dtype=np.int32)
    for row, ids in enumerate(targets):
        decoder_input[row, : len(ids) + 1] = [bos, *ids]
        decoder_target[row, : len(ids) + 1] = [*ids, eos]
    return decoder_input, decoder_target
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
checks.check_teacher_forcing(shift_right)

# %% [markdown]
# The kit's `seq2seq.teacher_forcing_pairs` does the same from texts:

# %%
# NBVAL_CHECK_OUTPUT
vocab = toy.target_vocab
mine = shift_right([list(vocab.encode(t)) for t in toy_targets], vocab.bos, vocab.eos)
kit = seq2seq.teacher_forcing_pairs(toy_targets, vocab)
print("same as teacher_forcing_pairs:", all(np.array_equal(a, b) for a, b in zip(mine, kit)))
print("input :", vocab.decode(mine[0][0]).replace("<bos>", "<bos> "))
print("target:", vocab.decode(mine[1][0]).replace("<eos>", " <eos>"))

# %% [markdown]
# ### A loss that ignores padding
#
# The loss is lesson 03's cross entropy, averaged over the **real** target tokens only. With
# $m_{i,t} = 1$ where $y_{i,t}$ is a real token and $0$ at `<pad>`:
#
# $$\mathcal{L} = \frac{\sum_{i,t} m_{i,t} \, \big(-\log \text{softmax}(\mathbf{O}_{i,t})
# [y_{i,t}]\big)}{\sum_{i,t} m_{i,t}}$$
#
# A plain mean over every position would count padding: a batch padded longer would get
# another loss, and the model would learn to predict `<pad>` after `<eos>`.
#
# **Exercise 2.** Write `masked_cross_entropy(y_true, logits)` with `keras.ops` (so that it
# would also work as a Keras loss).


# %% rnn_lessons={"exercise": "masked_loss"}
def masked_cross_entropy(y_true, logits):
    """Mean cross entropy over the real tokens of a batch (<pad> = 0 counts for nothing).

    Args:
        y_true: Integer targets, shape (batch, T), 0 after each row's end.
        logits: The decoder's scores O_t, shape (batch, T, |V|) (not yet softmaxed).

    Returns:
        A scalar: Σ m · (−log softmax(O)[y]) / Σ m.
    """
    ### BEGIN SOLUTION
    y_true = ops.cast(y_true, "int32")
    log_p = ops.log_softmax(ops.convert_to_tensor(logits), axis=-1)
    picked = ops.take_along_axis(log_p, y_true[..., None], axis=-1)[..., 0]
    m = ops.cast(ops.not_equal(y_true, 0), log_p.dtype)
    return -ops.sum(picked * m) / ops.maximum(ops.sum(m), 1.0)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
checks.check_masked_loss(masked_cross_entropy)

# %%
# NBVAL_CHECK_OUTPUT
toy_logits = toy((toy_ids, toy_input))
same = np.isclose(
    float(masked_cross_entropy(toy_target, toy_logits)), float(masked_loss(toy_target, toy_logits))
)
print("equal to seq2seq.masked_loss:", same)

# %% [markdown]
# ## 2. Dates in five languages
#
# Our first task: read a date the way people write it and give its ISO 8601 form. The data
# (`datasets.load_dates`) were written by Babel's CLDR formats in five locales (zh_CN, en_US,
# fr_FR, de_DE, es_ES) and four styles (full, long, medium, short), for days from 1950 to 2049.
#
# A short date alone can be ambiguous: en_US writes "4/1/22" for April 1, es_ES for January 4.
# So every source starts with its locale (`locale_prefix=True`). No day of the test split
# appears in training, in any locale or format.

# %%
# NBVAL_CHECK_OUTPUT
dates = datasets.load_dates(locale_prefix=True)
print(len(dates.train), "training pairs,", len(dates.test), "test pairs")
for example in dates.test[:8]:
    print(f"  {example.source:34} -> {example.target}   ({example.format})")

# %% [markdown]
# The model: a bidirectional GRU encoder (lesson 07), a GRU decoder, and attention (section 3
# says what it is). Characters are the tokens on both sides. In CI mode it is tiny and sees a
# few thousand pairs; in full mode it has 64 units per direction and sees all 45,000 pairs.
#
# A bidirectional encoder ends with two states, $\overrightarrow{\mathbf{H}}_{T_x}$ (after
# the last character) and $\overleftarrow{\mathbf{H}}_1$ (after reading back to the first),
# $2h$ numbers where the decoder's GRU has $h$. A learned **bridge** joins them into the
# decoder's first state (`Encoder.combine_directions`):
#
# $$\mathbf{H}_0 = \tanh\big([\overrightarrow{\mathbf{H}}_{T_x};
# \overleftarrow{\mathbf{H}}_1] W_{bh} + \mathbf{b}_{bh}\big)$$
#
# ```python
# bridge(ops.concatenate([f, b], axis=-1))  # a Dense(h, tanh)
# ```
#
# So in these models $\mathbf{c} = \mathbf{H}_0$, not the encoder's last output. The encoder's
# outputs $[\overrightarrow{\mathbf{H}}_s; \overleftarrow{\mathbf{H}}_s]$, $2h$ numbers at
# every source position $s$, are what attention reads.
#
# Which layers train depends on the machine. The figures printed in this lesson come from a
# full-mode run on a CPU, with the kit's `GRUCell` inside `keras.layers.RNN`: the equations you
# read, step by step. On a GPU `Seq2Seq` builds Keras' own `GRU` layers instead (its default
# there, `implementation="keras"`), which run on the fused cuDNN kernel; that GRU is the
# `reset_after=True` form of lesson 04. `lessons.from_keras(model)` gives the same model back
# with the kit's cells and the same weights.

# %%
JIT = config.pick(ci=False, full=True)
LOCALES = ["zh_CN", "en_US", "fr_FR", "de_DE", "es_ES"]
n_dates = config.pick(ci=2000, full=len(dates.train))
date_units = config.pick(ci=24, full=64)
date_epochs = config.pick(ci=3, full=3)
train_dates = dates.train[:n_dates]
date_sources = [e.source for e in dates.train]  # the vocabulary: every character of training
date_vocabs = CharVocab(date_sources), CharVocab([e.target for e in dates.train], bos=True)


def date_model(attention):
    model = Seq2Seq(
        *date_vocabs,
        embedding_dim=config.pick(ci=16, full=32),
        units=date_units,
        bidirectional_encoder=True,
        attention=attention,
    )
    rate = config.pick(ci=1e-2, full=5e-3)
    model.compile(
        keras.optimizers.Adam(rate),
        loss=masked_loss,
        metrics=[masked_accuracy],
        jit_compile=config.jit_compile(JIT),  # XLA on a CPU; on a GPU, what Keras accepts
    )
    return model


BATCH_SIZE = 128


def fit(model, sources, targets, epochs, held_out):
    """Train; return the loss and accuracy after each epoch, on training and held-out pairs."""
    x, y = training_arrays(model, sources, targets)
    validation = training_arrays(model, *held_out)
    start = time.perf_counter()
    history = model.fit(
        x, y, batch_size=BATCH_SIZE, epochs=epochs, validation_data=validation, verbose=2
    )
    print(f"trained in {time.perf_counter() - start:.0f} s")
    return history.history


def plot_curves(histories, title):
    """Loss per epoch, training (solid) and held-out (dashed), one colour per model."""
    fig, ax = plt.subplots(figsize=(6, 3))
    for (name, history), colour in zip(histories.items(), ["C0", "C1", "C2"]):
        epochs = np.arange(1, len(history["loss"]) + 1)
        ax.plot(epochs, history["loss"], "-o", color=colour, label=f"{name}, training")
        ax.plot(epochs, history["val_loss"], "--o", color=colour, label=f"{name}, held-out")
    ax.set_xticks(epochs)
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross entropy (nats/token)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    plt.show()


date_train_x = [e.source for e in train_dates]
date_train_y = [e.target for e in train_dates]
test_dates = dates.test[: config.pick(ci=250, full=len(dates.test))]
test_sources = [e.source for e in test_dates]
test_targets = [e.target for e in test_dates]

attentive = date_model("additive")
x_test, y_test = training_arrays(attentive, test_sources, test_targets)
loss_before = float(attentive.evaluate(x_test, y_test, verbose=0)[0])
date_held_out = (test_sources, test_targets)
history = fit(attentive, date_train_x, date_train_y, epochs=1, held_out=date_held_out)

# %% [markdown]
# The loss must fall during training: a model that learns nothing keeps the loss it started
# with.

# %%
loss_after_1 = float(attentive.evaluate(x_test, y_test, verbose=0)[0])
print(f"held-out loss: untrained {loss_before:.3f}, after 1 epoch {loss_after_1:.3f}")
assert loss_after_1 < 0.8 * loss_before, "the loss did not fall"

# %% [markdown]
# Before the second epoch, we keep this one-epoch model's test outputs: section 3 compares it
# with a model without attention trained as long.

# %%
one_epoch_outputs = greedy_decode(attentive, test_sources, max_len=11)
if date_epochs > 1:
    more = fit(attentive, date_train_x, date_train_y, date_epochs - 1, held_out=date_held_out)
    history = {name: history[name] + more[name] for name in history}
plot_curves({"attention": history}, "dates: loss after each epoch")

# %% [markdown]
# ### Decoding: greedy or beam search
#
# After training, the decoder reads its own outputs. **Greedy** decoding writes the most likely
# token at each step. It can be short-sighted: a step's best token may lead to a worse whole
# output.
#
# **Beam search** keeps the $k$ best partial outputs (the *beams*). At each step every beam is
# extended by every token, with the summed score
#
# $$\log P(y_1 \dots y_t \mid x) = \log P(y_1 \dots y_{t-1} \mid x) + \log P(y_t \mid y_{<t},
# x),$$
#
# and the best $k$ (beam, token) pairs over all beams survive. $k = 1$ is greedy decoding.
#
# **Exercise 3.** Write `beam_step(beam_scores, next_log_probs, k)`, one such expansion.


# %% rnn_lessons={"exercise": "beam_step"}
def beam_step(beam_scores, next_log_probs, k):
    """One expansion of beam search: the best k (beam, token) pairs, by summed score.

    Args:
        beam_scores: Float array (B,), log P(y_1 ... y_{t-1} | x) of each beam.
        next_log_probs: Float array (B, |V|), log P(y_t = v | beam b, x); -inf for
            a token that is impossible (never keep one of those).
        k: How many pairs to keep, >= 1.

    Returns:
        A list of at most k `(beam, token, score)` triples, score = beam_scores[beam]
        + next_log_probs[beam, token], best first (fewer than k when fewer pairs
        are possible).
    """
    ### BEGIN SOLUTION
    totals = np.asarray(beam_scores, dtype=np.float64)[:, None] + next_log_probs
    kept = []
    for flat in np.argsort(-totals, axis=None, kind="stable")[:k]:
        beam, token = np.unravel_index(flat, totals.shape)
        if np.isfinite(totals[beam, token]):
            kept.append((int(beam), int(token), float(totals[beam, token])))
    return kept
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
checks.check_beam_step(beam_step)

# %% [markdown]
# Your step, on the trained model's first decoding step, keeps the same first tokens as the
# kit's `beam_search` (until it passes its check, the kit's own step stands in, and the cell's
# first line says so):

# %%
source = dates.test[0].source
state = decoder_start(attentive, attentive.source_vocab.encode(source, add_eos=True)[None])
log_probs, _, _ = decoder_step(attentive, [attentive.target_vocab.bos], state)
step = yours_or_kit(beam_step, checks.check_beam_step, checks.reference_beam_step)
first = step(np.zeros(1), log_probs, k=4)
hypotheses = beam_search(attentive, source, beam_size=4, max_len=11)
print(source)
print("  the first step keeps:  ", [attentive.target_vocab.tokens[t] for _, t, _ in first])
print("  beam_search's outputs:", [(h.text, round(h.log_prob, 4)) for h in hypotheses])
starts = {h.text[:1] for h in hypotheses if h.text}
assert starts <= {attentive.target_vocab.tokens[t] for _, t, _ in first}

# %% [markdown]
# With $k = 1$ beam search must give exactly the greedy output:

# %%
few = test_sources[: config.pick(ci=15, full=100)]
greedy_few = greedy_decode(attentive, few, max_len=11)
beam1_few = [beam_search(attentive, s, beam_size=1, max_len=11)[0].text for s in few]
assert beam1_few == greedy_few, "beam search with k = 1 differs from greedy decoding"
print(f"beam 1 == greedy on all {len(few)} sources")

# %% [markdown]
# Exact match per locale on the held-out dates, greedy against beam search ($k = 4$):

# %%
beam_per_locale = config.pick(ci=10, full=100)
greedy_outputs = greedy_decode(attentive, test_sources, max_len=11)
print(
    f"{'locale':8} {'greedy':>8} {'beam 4':>8}   (greedy on {len(test_dates)} dates, "
    f"beam on {beam_per_locale} per locale)"
)
date_table = {}
for locale in LOCALES:
    rows = [k for k, e in enumerate(test_dates) if e.locale == locale]
    greedy_em = exact_match([test_targets[k] for k in rows], [greedy_outputs[k] for k in rows])
    beam_rows = rows[:beam_per_locale]
    beams = [beam_search(attentive, test_sources[k], 4, max_len=11)[0].text for k in beam_rows]
    beam_em = exact_match([test_targets[k] for k in beam_rows], beams)
    date_table[locale] = greedy_em, beam_em
    print(f"{locale:8} {greedy_em:8.1%} {beam_em:8.1%}")

# %% [markdown]
# In CI mode the model is tiny and saw 2,000 pairs for three epochs: it gets a few dates
# right, not most. A small but real test: its character accuracy on held-out dates must beat
# the best guess that ignores the source (the most frequent character at each position of
# the training targets).

# %%
train_targets = np.array([list(t) for t in date_train_y])
position_guess = [max(set(col), key=list(col).count) for col in train_targets.T]
chance = np.mean([np.mean([a == b for a, b in zip(t, position_guess)]) for t in test_targets])
char_accuracy = np.mean(
    [
        np.mean([a == b for a, b in zip(t, o.ljust(10))])
        for t, o in zip(test_targets, greedy_outputs)
    ]
)
print(f"character accuracy {char_accuracy:.1%} against {chance:.1%} for the best blind guess")
assert char_accuracy > chance + 0.1, "the date model does not beat chance"

# %% [markdown]
# The first epoch does nearly all the work: the held-out loss falls from 2.708 nats per token
# to 0.000 (to three decimals), and the next two epochs only polish it. In full mode (three
# epochs on 45,000 pairs, 64 units per direction) the model reads the held-out dates of every
# locale at 100 % exact match, greedy (2,500 dates) and beam search
# (100 per locale) alike: on a task this clean the most likely token at each step is right,
# so the beam has nothing to add.
#
# ## 3. The bottleneck, and attention
#
# Without attention, the decoder sees the source only through $\mathbf{c}$, one vector of $h$
# numbers, however long the source. A long source must squeeze through this **bottleneck**.
#
# **Attention** lets each decoder step look back at every encoder output and take what it
# needs. The encoder's outputs are the **keys** $\mathbf{k}_s$, one per source position $s$;
# the decoder brings a **query** $\mathbf{q}_t$ at each step $t$. The *additive* score of
# Bahdanau et al. (2015) rates each key against the query:
#
# $$e_{t,s} = \mathbf{v}^\top \tanh(W_q \mathbf{q}_t + W_k \mathbf{k}_s)
# \qquad \text{how well source position } s \text{ fits step } t$$
#
# $$\alpha_{t,s} = \frac{\exp(e_{t,s})}{\sum_{s' \text{ real}} \exp(e_{t,s'})}
# \qquad \text{a softmax over the real source positions}$$
#
# $$\mathbf{c}_t = \sum_s \alpha_{t,s} \mathbf{k}_s \qquad
# \text{a context of its own at every step}$$
#
# Padded positions must get weight 0, or the decoder would read padding. The kit writes
# vectors as rows, as the cells do: $W_q \mathbf{q}_t$ is `q @ W_q`.
#
# **The model trained here.** Where the query comes from, and where the context goes, is a
# choice. `lessons.seq2seq` follows Luong et al. (2015): the query is the decoder's output at
# this step, and the context is mixed into the output, not fed back into the GRU. One decoder
# step (`Decoder.step`, then `Decoder.readout`), each equation with its line in
# `lessons/seq2seq/layers.py`:
#
# $$\mathbf{X}_t = \text{embed}(y^{\langle t-1 \rangle}), \qquad
# \mathbf{H}_t = \text{GRU}(\mathbf{X}_t, \mathbf{H}_{t-1})$$
#
# ```python
# X = self.embedding(tokens)
# H, states = rnn.cell(H, states, training=False)
# ```
#
# $$\mathbf{q}_t = \mathbf{H}_t, \quad \mathbf{k}_s = [\overrightarrow{\mathbf{H}}_s;
# \overleftarrow{\mathbf{H}}_s], \quad e_{t,s},\ \alpha_{t,s},\ \mathbf{c}_t \text{ as above}$$
#
# ```python
# C, weights = self.attention(H, state["keys"], keys_mask=state["keys_mask"])
# ```
#
# $$\tilde{\mathbf{H}}_t = \tanh([\mathbf{c}_t; \mathbf{H}_t] W_c + \mathbf{b}_c)
# \qquad \text{the attentional state}$$
#
# ```python
# H_tilde = self.attentional(ops.concatenate([C, H], axis=-1))  # a Dense(h, tanh): W_c
# ```
#
# $$\mathbf{O}_t = \tilde{\mathbf{H}}_t W_{hq} + \mathbf{b}_q, \qquad
# \hat{y}^{\langle t \rangle} = \text{softmax}(\mathbf{O}_t)$$
#
# ```python
# return self.output_layer(H_tilde), weights
# ```
#
# **Bahdanau's placement.** In Bahdanau et al.'s own model the query is the state *before*
# the step, and the context goes *into* the GRU:
#
# - the query $\mathbf{q}_t$: here $\mathbf{H}_t$; Bahdanau $\mathbf{H}_{t-1}$;
# - the GRU reads: here $\text{embed}(y^{\langle t-1 \rangle})$; Bahdanau
#   $[\text{embed}(y^{\langle t-1 \rangle}); \mathbf{c}_t]$;
# - the output layer reads: here $\tilde{\mathbf{H}}_t$; Bahdanau $\mathbf{H}_t$ (in the paper
#   also $\mathbf{c}_t$ and $y^{\langle t-1 \rangle}$).
#
# The score, the softmax and the weighted mean are the same in both. What changes is the
# order of work. In Bahdanau's model step $t$'s GRU needs $\mathbf{c}_t$, which needs
# $\mathbf{H}_{t-1}$: in training, the decoder must run one step at a time, attention inside
# the loop. In Luong's, the GRU never reads a context, so with teacher forcing it runs over the
# whole target at once (one `keras.layers.RNN` call), and attention follows for all steps in
# one batched product. The price: what the decoder attended to at step $t$ reaches step $t+1$
# only through the token it wrote. (Luong et al. also describe *input feeding*, which gives
# $\tilde{\mathbf{H}}_{t-1}$ to the next step's GRU and brings the loop back; the kit does not
# use it.)
#
# **Exercise 4.** Write `attention_weights(query, keys, keys_mask, W_q, W_k, v)` in NumPy.


# %% rnn_lessons={"exercise": "attention_weights"}
def attention_weights(query, keys, keys_mask, W_q, W_k, v):
    """Additive attention weights α_{t,s} = softmax over real s of vᵀ tanh(W_q q_t + W_k k_s).

    Args:
        query: (batch, T_y, d_q), the decoder's states q_t.
        keys: (batch, T_x, d_k), the encoder's outputs k_s.
        keys_mask: Boolean (batch, T_x), True at real source positions.
        W_q: (d_q, a). W_k: (d_k, a). v: (a,).

    Returns:
        α, shape (batch, T_y, T_x): each row sums to 1 over the real positions,
        and padded positions get exactly 0.
    """
    ### BEGIN SOLUTION
    q = query @ W_q  # (batch, T_y, a)
    k = keys @ W_k  # (batch, T_x, a)
    e = np.tanh(q[:, :, None, :] + k[:, None, :, :]) @ v  # (batch, T_y, T_x)
    e = np.where(keys_mask[:, None, :], e, -np.inf)
    e = e - e.max(axis=-1, keepdims=True)  # a stable softmax
    alpha = np.exp(e)
    return alpha / alpha.sum(axis=-1, keepdims=True)
    ### END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
checks.check_attention_weights(attention_weights)

# %% [markdown]
# Now the same model **without** attention, trained as long as the attention model's first
# epoch. Which dates does each get right, by the length of the source?

# %%
plain = date_model(None)
plain_history = fit(plain, date_train_x, date_train_y, epochs=1, held_out=date_held_out)
plain_outputs = greedy_decode(plain, test_sources, max_len=11)

# %%
lengths = np.array([len(s) for s in test_sources])
bins = [(0, 15), (16, 19), (20, 25), (26, 99)]
print(f"{'source length':14} {'dates':>6} {'no attention':>13} {'attention':>10}  (1 epoch each)")
by_length = []
for low, high in bins:
    rows = [k for k, n in enumerate(lengths) if low <= n <= high]
    refs = [test_targets[k] for k in rows]
    plain_em = exact_match(refs, [plain_outputs[k] for k in rows])
    attn_em = exact_match(refs, [one_epoch_outputs[k] for k in rows])
    by_length.append((plain_em, attn_em))
    print(f"{f'{low}-{high}':14} {len(rows):6d} {plain_em:13.1%} {attn_em:10.1%}")

labels = [f"{low}-{high}" for low, high in bins]
positions = np.arange(len(bins))
plt.figure(figsize=(6, 3))
plt.bar(positions - 0.2, [p for p, _ in by_length], 0.4, label="no attention")
plt.bar(positions + 0.2, [a for _, a in by_length], 0.4, label="attention")
plt.xticks(positions, labels)
plt.xlabel("source length (characters, with the locale)")
plt.ylabel("exact match")
plt.legend()
plt.show()

# %% [markdown]
# In full mode, after one epoch each, attention reads 100 % of the held-out dates at every
# length, the model without attention 74 % (≤ 15 characters), 83 %, 92 % and 88 % (26 or
# more). Its errors are not where the bottleneck theory puts them: a date is short enough for
# 64 numbers to hold, and its hardest sources are the all-digit short formats ("de_DE
# 16.09.17"), where every character matters. Attention wins by letting each output digit read
# its source digits directly, instead of decoding them from one vector.
#
# Where does the attention look? The heat map shows $\alpha_{t,s}$ for two dates: one row per
# output character, one column per source character.

# %%
examples = [
    next(e for e in test_dates if e.locale == "zh_CN" and e.format == "long"),
    next(e for e in test_dates if e.locale == "en_US" and e.format == "full"),
]
outputs, maps = greedy_decode(attentive, [e.source for e in examples], 11, return_attention=True)
# Matplotlib's default font has no Chinese characters: a CJK font is added as a fallback where
# one is installed (lessons.fonts); without one, 年 月 日 are labelled y m d. A space is ␣.
SHOWN_AS = {" ": "␣"} if use_cjk_font() else {"年": "y", "月": "m", "日": "d", " ": "␣"}
fig, axes = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [1, 2]})
for ax, example, output, alpha in zip(axes, examples, outputs, maps):
    ax.imshow(alpha, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    source_labels = [SHOWN_AS.get(c, c) for c in example.source]
    ax.set_xticks(range(alpha.shape[1]), [*source_labels, "<eos>"], fontsize=8)
    ax.set_yticks(range(alpha.shape[0]), [*output, "<eos>"][: alpha.shape[0]])
    ax.set_xlabel("source")
    ax.set_ylabel("output")
    ax.set_title(f"{''.join(source_labels)} -> {output}", fontsize=9)
plt.tight_layout()
plt.show()

# %% [markdown]
# The bright cells show that to write the year the decoder looks at the source's year digits,
# and to write the month it looks at the month (the digits before 月, or the month's name):
# the model learned an alignment between source and output that no one gave it.
#
# ## 4. From spelling to pronunciation
#
# Grapheme-to-phoneme conversion (G2P) turns a spelling into phonemes: `knight` → `N AY T`,
# `though` → `DH OW`. English spelling is irregular, so a model must learn many patterns and
# their exceptions. The data: the CMU Pronouncing Dictionary (`datasets.load_cmudict`), 39
# phonemes without stress marks, split by word.
#
# Two measures, as G2P papers report them:
#
# - **PER**, phoneme error rate: the edit distance to the closest correct pronunciation, in
#   phonemes, summed over words and divided by the number of reference phonemes;
# - **WER**, word error rate: the fraction of words with at least one wrong phoneme.

# %%
# NBVAL_CHECK_OUTPUT
cmudict = datasets.load_cmudict()
print(len(cmudict.train), "training words,", len(cmudict.test), "test words")
for word, pronunciations in cmudict.test[1000:1005]:
    print(f"  {word:12} {' | '.join(pronunciations)}")

# %% [markdown]
# To keep the run short, we train on a random subset of the training words (40,000 of
# 112,433 in full mode), each with its first (main) pronunciation, and score on a random
# subset of the test words against all their pronunciations. Targets are phoneme lists, so
# `WordVocab` keeps them as they are. (CI mode trains only the attention model, on 300
# words: its table shows that the code runs, not what G2P can do.)
#
# On a GPU, `config.pick` chooses a larger size meant to reach the published figures below:
# every training word but the 2,000 held out for the curves, 256 units per direction,
# embeddings of 64 numbers, 15 epochs, and every test word scored. No GPU has run it yet: the
# figures printed in this lesson come from the full size on a CPU.

# %%
subset = np.random.default_rng(9)  # a fixed subset, whatever ran before
n_held_out = config.pick(ci=100, full=2000)  # training words kept out, for the curves
n_words = config.pick(ci=300, full=40_000, gpu=len(cmudict.train) - n_held_out)
n_test_words = config.pick(ci=100, full=1000, gpu=len(cmudict.test))
n_beam_words = config.pick(ci=20, full=300)
train_words = [cmudict.train[k] for k in subset.permutation(len(cmudict.train))[:n_words]]
test_words = [cmudict.test[k] for k in subset.permutation(len(cmudict.test))[:n_test_words]]
g2p_sources = [w for w, _ in train_words]
g2p_targets = [p[0].split() for _, p in train_words]
g2p_vocabs = (
    CharVocab([w for w, _ in cmudict.train]),
    WordVocab([ph for _, ps in cmudict.train for ph in ps[0].split()], bos=True),
)


def g2p_model(attention):
    model = Seq2Seq(
        *g2p_vocabs,
        embedding_dim=config.pick(ci=16, full=32, gpu=64),
        units=config.pick(ci=24, full=64, gpu=256),
        bidirectional_encoder=True,
        attention=attention,
    )
    rate = config.pick(ci=1e-2, full=5e-3)
    model.compile(
        keras.optimizers.Adam(rate),
        loss=masked_loss,
        metrics=[masked_accuracy],
        jit_compile=config.jit_compile(JIT),  # XLA on a CPU; on a GPU, what Keras accepts
    )
    return model


g2p_epochs = config.pick(ci=1, full=5, gpu=15)
# Held-out words for the curves: training words outside the subset, never trained on.
trained_on = set(g2p_sources)
held_out_words = [cmudict.train[k] for k in subset.permutation(len(cmudict.train))]
held_out_words = [(w, p) for w, p in held_out_words if w not in trained_on][:n_held_out]
g2p_held_out = ([w for w, _ in held_out_words], [p[0].split() for _, p in held_out_words])
g2p, g2p_curves = {}, {}
for attention in config.pick(ci=["additive"], full=[None, "additive"]):
    g2p[attention] = g2p_model(attention)
    name = "attention" if attention else "no attention"
    g2p_curves[name] = fit(g2p[attention], g2p_sources, g2p_targets, g2p_epochs, g2p_held_out)
plot_curves(g2p_curves, "G2P: loss after each epoch")

# %%
references = [p for _, p in test_words]
spellings = [w for w, _ in test_words]
g2p_table = {}
for attention, model in g2p.items():
    name = "with attention" if attention else "no attention"
    greedy = greedy_decode(model, spellings, max_len=25)
    beam = [beam_search(model, w, 4, max_len=25)[0].text for w in spellings[:n_beam_words]]
    g2p_table[name, "greedy"] = greedy
    g2p_table[name, "beam 4"] = beam

print(f"{'model':34} {'PER':>7} {'WER':>7}")
for (name, decoding), outputs in g2p_table.items():
    refs = references[: len(outputs)]
    per, wer = phoneme_error_rate(refs, outputs), word_error_rate(refs, outputs)
    print(f"{f'ours, {name}, {decoding}':34} {per:7.1%} {wer:7.1%}")
print(f"{'Yao & Zweig 2015, encoder-decoder':34} {'7.6%':>7} {'28.6%':>7}")
print(f"{'Yao & Zweig 2015, bidirectional':34} {'5.5%':>7} {'23.6%':>7}")
print(f"(greedy on {len(spellings)} test words, beam on the first {n_beam_words})")

# %% [markdown]
# The published rows are the encoder-decoder LSTM results on CMUdict of Yao & Zweig (2015,
# arXiv 1506.00196), as quoted secondhand: we have not checked them against the paper. Their
# split differs from ours:
# they train on about 106,000 words of CMUdict's standard G2P split and test on about 12,000,
# with stress removed as here, and train far longer; we train on a random
# 40,000-word subset of our own 90 % by-word split for five epochs, so our numbers measure
# what a small model learns in minutes, not the state of the art. In full mode attention
# halves the phoneme error rate (greedy: 22.7 % → 10.2 % PER, 60.0 % → 39.6 % WER) and beam
# search gains a little more (9.7 % / 38.0 %): a word's phonemes follow its letters in order,
# an alignment that attention learns easily. The curves show it from the start: after one
# epoch the attention model's held-out loss (0.40 nats per phoneme) is already below the
# other model's after five (0.49).
#
# Attention's alignment is easiest to see here, letters against sounds. Three words whose
# spelling and sound part ways: a silent *k*, *ph* for one sound, an *x* that makes two.

# %%
g2p_words = ["knight", "phoenix", "xylophone"]
g2p_outputs, g2p_maps = greedy_decode(g2p["additive"], g2p_words, 25, return_attention=True)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
for ax, word, output, alpha in zip(axes, g2p_words, g2p_outputs, g2p_maps):
    phonemes = [*output.split(), "<eos>"][: len(alpha)]
    ax.imshow(alpha, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(word) + 1), [*word, "<eos>"], fontsize=8)
    ax.set_yticks(range(len(phonemes)), phonemes, fontsize=8)
    ax.set_xlabel("letter")
    ax.set_ylabel("phoneme written")
    ax.set_title(f"{word} -> {output}", fontsize=9)
plt.tight_layout()
plt.show()

# %% [markdown]
# The weights run down the diagonal, letter by letter, and bend where spelling and sound part.
# In *knight* the N reads the n and the silent k gets almost nothing, and the T reads the t
# far more than the silent gh; *phoenix*'s F reads the p alone; *xylophone*'s x is read
# twice, once for K and once for S. No one told the model which letters make which sound.
#
# ## 5. Why seq2seq fails
#
# **Exposure bias.** Teacher forcing trains the decoder only on true prefixes. At test time it
# reads its own outputs; after its first mistake it is in a situation it never saw in training,
# and errors can pile up. Here is one word, step by step: what the model predicts when it is
# given the true prefix (teacher forcing), and what it writes when it reads its own outputs.

# %%
model = g2p["additive"]
greedy = g2p_table["with attention", "greedy"]
tokens = model.target_vocab.tokens


def teacher_forced(word, reference):
    """The most likely token at each step, given the true prefix <bos> y_1 ... y_{t-1}."""
    (ids, dec_in), _ = training_arrays(model, [word], [reference.split()])
    return [tokens[t] for t in np.argmax(ops.convert_to_numpy(model((ids, dec_in)))[0], axis=-1)]


def drifts(k):
    """Whether greedy's output, after its first mistake, differs from the teacher-forced guesses."""
    true = references[k][0].split() + ["<eos>"]
    free, forced = greedy[k].split() + ["<eos>"], teacher_forced(spellings[k], references[k][0])
    first = next((t for t, (a, b) in enumerate(zip(true, free)) if a != b), len(free))
    return free[first + 1 :] != forced[first + 1 : len(free)]


wrong = [k for k, (r, o) in enumerate(zip(references, greedy)) if o not in r][:40]
k = next((k for k in wrong if drifts(k)), wrong[0] if wrong else 0)
word, reference = spellings[k], references[k][0]
forced_tokens = teacher_forced(word, reference)
free_tokens = greedy[k].split() + ["<eos>"]
true_tokens = reference.split() + ["<eos>"]
print(f"{word}: reference {reference!r}, greedy {greedy[k]!r}")
print(f"{'step':>4} {'true':>6} {'teacher-forced':>15} {'free-running':>13}")
for t in range(max(len(true_tokens), len(free_tokens))):
    cells = [lst[t] if t < len(lst) else "" for lst in (true_tokens, forced_tokens, free_tokens)]
    print(f"{t + 1:4d} {cells[0]:>6} {cells[1]:>15} {cells[2]:>13}")

# %% [markdown]
# Once the free-running decoder takes a wrong turn, the following steps are conditioned on
# its own mistake, while under teacher forcing every step starts again from the truth.
# (Scheduled sampling, which sometimes feeds the model its own guesses in training, is one
# remedy.)
#
# **Repetitions and early `<eos>`.** Two other failures are common: a decoder that loops on
# the same token, and one that stops too soon. Plain beam search makes the second worse: every
# token adds a negative log-probability, so shorter outputs score higher. The **length
# penalty** of GNMT (Wu et al., 2016) ranks finished outputs by
#
# $$\text{score}(Y) = \frac{\log P(Y \mid x)}{\text{lp}(Y)}, \qquad \text{lp}(Y) =
# \left(\frac{5 + |Y|}{6}\right)^{\alpha},$$
#
# dividing longer outputs' (more negative) totals by more. Let us count, on the attention
# model, outputs that stop early (two or more phonemes shorter than the closest correct
# pronunciation) and outputs that repeat a phoneme three times in a row:


# %%
def failures(refs, outputs):
    short = repeats = 0
    for ref, out in zip(refs, outputs):
        phones = out.split()
        closest = min(ref, key=lambda r: abs(len(r.split()) - len(phones)))
        short += len(phones) <= len(closest.split()) - 2
        repeats += any(a == b == c for a, b, c in zip(phones, phones[1:], phones[2:]))
    n = len(outputs)
    return short / n, repeats / n, np.mean([len(o.split()) for o in outputs])


few_words, few_refs = spellings[:n_beam_words], references[:n_beam_words]
decodings = {
    "greedy": greedy_decode(model, few_words, max_len=25),
    "beam 4, α = 0": [beam_search(model, w, 4, 25)[0].text for w in few_words],
    "beam 4, α = 1": [beam_search(model, w, 4, 25, length_penalty=1.0)[0].text for w in few_words],
}
mean_ref = np.mean([len(r[0].split()) for r in few_refs])
print(f"{'decoding':16} {'early <eos>':>12} {'repetitions':>12} {'mean length':>12} {'PER':>7}")
for name, outputs in decodings.items():
    short, repeats, length = failures(few_refs, outputs)
    per = phoneme_error_rate(few_refs, outputs)
    print(f"{name:16} {short:12.1%} {repeats:12.1%} {length:12.2f} {per:7.1%}")
print(f"(references: mean length {mean_ref:.2f} phonemes, {len(few_words)} words)")

# %% [markdown]
# Beam search finds outputs the model itself finds more likely than greedy's; the length
# penalty then favours the longer finished ones among the beam's, which helps when the model
# stops too soon and hurts when it already writes the right length. Neither fixes a model
# that is wrong: a beam can only choose among what the model deems likely. In full mode this
# attention model barely fails this way (1 % early `<eos>`, no repetitions, mean length 6.16
# phonemes against 6.21), so beam search lowers the PER only from 9.9 % to 9.7 %, and the
# length penalty changes little (9.8 %); weaker models (try the one without attention, or
# fewer epochs) stop early and repeat more.
#
# ## Summary
#
# - An embedding is a one-hot vector times a matrix, done as a row lookup.
# - An encoder sums up the source; a decoder, a conditioned language model, writes the target
#   from `<bos>` to `<eos>`. Training uses teacher forcing and a loss over real tokens only.
# - Greedy decoding takes the best token at each step; beam search keeps the $k$ best
#   prefixes by summed log-probability, and $k = 1$ is greedy.
# - A single context vector is a bottleneck for long sources; attention gives each output step
#   its own context, a softmax-weighted mean over the real source positions, and its weights
#   show an alignment the model learned by itself.
# - Teacher forcing causes exposure bias; decoders repeat or stop early, and the length
#   penalty changes which finished outputs beam search prefers.
