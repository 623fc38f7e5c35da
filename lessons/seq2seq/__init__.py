"""Sequence to sequence: an encoder-decoder of the kit's cells, attention and decoding.

A sequence-to-sequence model turns one sequence into another of a different
length: a date as people write it into its ISO form, a spelling into its
pronunciation, a sentence into its translation. The notes (section 5) split it
in two:

- the **encoder** reads the source x^<1> ... x^<T_x> and ends in a fixed-shape
  state, the encoder's summary of the whole source;
- the **decoder** starts from that state and writes the target
  y^<1> ... y^<T_y> one token at a time, a language model (lesson 03) that
  also sees the source.

Both read tokens through an embedding layer: its weight is a (|V|, e) matrix and
token i reads row i, the same as multiplying the one-hot x^<t> by the matrix.

The decoder's first input is `<bos>` and it ends its output with `<eos>`, so the
vocabularies (`lessons.text.CharVocab` / `WordVocab`, source and target apart)
are built with `bos=True` for the target: `<pad>` = 0, `<unk>` = 1,
`<eos>` = 2, `<bos>` = 3.

What is here (every name importable from `lessons.seq2seq`):

- `layers`: `Encoder`, `Decoder`, `AdditiveAttention` and the model `Seq2Seq`.
- `training`, with teacher forcing: `encode_sources`, `teacher_forcing_pairs`,
  `training_arrays`, `masked_loss`, `masked_accuracy`.
- `decoding`, all through one step function (`decoder_step`): `greedy_decode`,
  `sample_decode`, `beam_search`; `sequence_log_prob` scores a given output.
- `metrics`: `exact_match`, `phoneme_error_rate`, `word_error_rate`.

Example:

>>> from lessons import datasets
>>> from lessons.seq2seq import Seq2Seq, greedy_decode, masked_accuracy, masked_loss
>>> from lessons.seq2seq import training_arrays
>>> from lessons.text import CharVocab
>>> train = datasets.load_dates(locale_prefix=True).train  # "zh_CN 2009年6月25日" -> "2009-06-25"
>>> sources, targets = [e.source for e in train], [e.target for e in train]
>>> model = Seq2Seq(CharVocab(sources), CharVocab(targets, bos=True), units=64,
...                 bidirectional_encoder=True, attention="additive")
>>> model.compile("adam", loss=masked_loss, metrics=[masked_accuracy])
>>> x, y = training_arrays(model, sources, targets)

Training takes about two minutes on a CPU (the tests skip it):

>>> model.fit(x, y, batch_size=128, epochs=5, verbose=0)  # doctest: +SKIP
>>> dates = ["en_US Jun 25, 2009", "de_DE 25. Juni 2009"]
>>> greedy_decode(model, dates, max_len=11)  # doctest: +SKIP
['2009-06-25', '2009-06-25']
"""

from lessons.seq2seq import decoding
from lessons.seq2seq.decoding import (
    Hypothesis,
    beam_search,
    decoder_start,
    decoder_step,
    greedy_decode,
    length_penalty_factor,
    sample_decode,
    sequence_log_prob,
)
from lessons.seq2seq.layers import (
    ATTENTIONS,
    CELLS,
    STATE_NAMES,
    AdditiveAttention,
    Decoder,
    Encoder,
    Seq2Seq,
    make_cell,
    recurrent_layer,
)
from lessons.seq2seq.metrics import exact_match, phoneme_error_rate, word_error_rate
from lessons.seq2seq.training import (
    encode_sources,
    masked_accuracy,
    masked_loss,
    pad_batch,
    teacher_forcing_pairs,
    training_arrays,
)

__all__ = [
    "ATTENTIONS",
    "CELLS",
    "STATE_NAMES",
    "AdditiveAttention",
    "Decoder",
    "Encoder",
    "Hypothesis",
    "Seq2Seq",
    "beam_search",
    "decoder_start",
    "decoder_step",
    "decoding",
    "encode_sources",
    "exact_match",
    "greedy_decode",
    "length_penalty_factor",
    "make_cell",
    "masked_accuracy",
    "masked_loss",
    "pad_batch",
    "phoneme_error_rate",
    "recurrent_layer",
    "sample_decode",
    "sequence_log_prob",
    "teacher_forcing_pairs",
    "training_arrays",
    "word_error_rate",
]
