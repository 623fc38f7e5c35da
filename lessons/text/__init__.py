"""Text for language models: vocabularies, training windows, perplexity and sampling.

A language model gives the probability of a sequence one token at a time
(lecture notes, sequence models 1.6)::

    P(y^<1>, ..., y^<T_y>) = P(y^<1>) P(y^<2> | y^<1>) ... P(y^<T_y> | y^<1>, ..., y^<T_y - 1>)

An RNN computes each factor: it reads x^<t> = y^<t-1> and outputs
ŷ^<t> = softmax(W_ya a^<t> + b_y), a distribution over the vocabulary for the
next token. This package holds what such a model needs around it (every name importable
from `lessons.text`):

- `CharVocab`, `WordVocab`: tokens <-> indices, with lesson 00's special tokens
  `<pad>` = 0, `<unk>` = 1, `<eos>` = 2 (`PAD`, `UNK`, `EOS`); `tokenize_words`.
  With `bos=True` they also hold `<bos>` = 3 (`BOS`), the start token a
  sequence-to-sequence decoder reads first (`lessons.seq2seq`).
- `windows`: a `tf.data.Dataset` of (input, target) windows cut from a corpus,
  the target being the input shifted by one step; `bucketed_batches` and
  `pad_sequences`: padded batches of sentences of similar length (tagging).
- `cross_entropy`, `perplexity`, `bits_per_char`: how well a model predicts
  held-out text (a uniform model scores a perplexity of exactly |V|).
- `sample`, `apply_temperature`, `Stepper`: new text, drawn one token at a
  time and fed back (notes 1.7).

Temperature τ: ŷ is reshaped to p_i^(1/τ) (normalized) before each draw.
`temperature=0` is allowed and means greedy decoding (always the argmax, the
limit τ -> 0); a negative, NaN or infinite temperature raises ValueError, a
non-number TypeError.

The model interface. Every function here that takes a `model` expects a
language model that maps a batch of index sequences, integers of shape
`(batch, T)`, to probabilities of shape `(batch, T, |V|)`: at step t, a
distribution over the vocabulary for the token that follows x^<t> (so the
model ends with a softmax, as ŷ does on the slides). For example::

    model = keras.Sequential([
        keras.Input((None,), dtype="int32"),
        keras.layers.Embedding(len(vocab), 32),          # x^<t> as a vector
        keras.layers.RNN(lessons.GRUCell(256), return_sequences=True),  # a^<t>
        keras.layers.Dense(len(vocab), activation="softmax"),          # ŷ^<t>
    ])

The embedding is the one-hot x^<t> times a matrix, done as a lookup.
"""

from lessons.text.batching import bucketed_batches, pad_sequences, window_arrays, windows
from lessons.text.language_model import (
    TEMPERATURE_HINT,
    Stepper,
    apply_temperature,
    bits_per_char,
    cross_entropy,
    perplexity,
    sample,
)
from lessons.text.vocab import (
    BOS,
    BOS_TOKEN,
    EOS,
    PAD,
    SPECIAL_TOKENS,
    UNK,
    CharVocab,
    Vocab,
    WordVocab,
    tokenize_words,
)

__all__ = [
    "BOS",
    "BOS_TOKEN",
    "EOS",
    "PAD",
    "SPECIAL_TOKENS",
    "TEMPERATURE_HINT",
    "UNK",
    "CharVocab",
    "Stepper",
    "Vocab",
    "WordVocab",
    "apply_temperature",
    "bits_per_char",
    "bucketed_batches",
    "cross_entropy",
    "pad_sequences",
    "perplexity",
    "sample",
    "tokenize_words",
    "window_arrays",
    "windows",
]
