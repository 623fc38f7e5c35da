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

What is here:

- `Encoder`, `Decoder`, `AdditiveAttention` (layers) and `Seq2Seq` (the model).
- Training with teacher forcing: `teacher_forcing_pairs`, `training_arrays`,
  `masked_loss`, `masked_accuracy`.
- Decoding, all through one step function (`decoder_step`): `greedy_decode`,
  `sample_decode`, `beam_search`; `sequence_log_prob` scores a given output.
- Metrics: `exact_match`, `phoneme_error_rate`, `word_error_rate`.

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
>>> model.fit(x, y, batch_size=128, epochs=5)
>>> greedy_decode(model, ["en_US Jun 25, 2009", "de_DE 25. Juni 2009"], max_len=11)
['2009-06-25', '2009-06-25']
"""

import math
import numbers
import weakref
from typing import NamedTuple

import keras
import numpy as np
from keras import ops
from keras.layers import Layer

from lessons import text
from lessons.arguments import check_int
from lessons.cell import check_rate, check_units
from lessons.gru import GRUCell
from lessons.lstm import LSTMCell

CELLS = {"gru": GRUCell, "lstm": LSTMCell}
STATE_NAMES = {"gru": ("H",), "lstm": ("H", "C")}  # what each layer hands over, in order
ATTENTIONS = (None, "additive")
VOCAB_CLASSES = {"CharVocab": text.CharVocab, "WordVocab": text.WordVocab}
# A score for "not a real position": exp(-1e9 - max) is exactly 0 in float32.
NOT_A_POSITION = -1e9


# --- argument checks ------------------------------------------------------------------------------
def _check_choice(name, value, choices):
    if not (value is None or isinstance(value, str)) or value not in choices:
        raise ValueError(f"Argument `{name}` must be one of {list(choices)}, got {value!r}.")
    return value


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"Argument `{name}` must be True or False, got {value!r}.")
    return bool(value)


def _check_vocab(name, vocab, needs):
    """`vocab` if it is a kit vocabulary holding the special tokens in `needs`."""
    if not isinstance(vocab, text.Vocab):
        raise TypeError(
            f"Argument `{name}` must be a CharVocab or WordVocab, got {type(vocab).__name__}."
        )
    missing = [f"<{token}>" for token in needs if getattr(vocab, token) is None]
    if missing:
        hint = " (build it with bos=True)" if "<bos>" in missing else ""
        raise ValueError(
            f"Argument `{name}` has no {' or '.join(missing)}, which a sequence-to-sequence "
            f"model needs{hint}; got {vocab!r}."
        )
    return vocab


def make_cell(cell, units, dropout=0.0):
    """A new kit cell: `GRUCell(units)` for "gru", `LSTMCell(units)` for "lstm"."""
    return CELLS[_check_choice("cell", cell, CELLS)](units, dropout=dropout)


def recurrent_layer(cell, units, dropout=0.0):
    """`keras.layers.RNN` around a new kit cell, giving every step's output and the last state."""
    return keras.layers.RNN(
        make_cell(cell, units, dropout), return_sequences=True, return_state=True
    )


# --- attention ------------------------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="lessons")
class AdditiveAttention(Layer):
    """Additive attention (Bahdanau et al., 2015): which source positions to read now.

    For every query q_t (the decoder at step t) and every key k_s (the encoder
    at source position s)::

        e_{t,s} = v^T tanh(W_q q_t + W_k k_s)        score: how well s fits step t
        α_{t,s} = exp(e_{t,s}) / Σ_{s' real} exp(e_{t,s'})   softmax over real positions
        c_t     = Σ_s α_{t,s} k_s                    context: a weighted mean of keys

    Padding positions get the score -1e9 before the softmax, so their weight is
    exactly 0 and the weights of the real positions sum to 1. Written with row
    vectors, as the kit's cells are: W_q q_t is `q_t @ W_q`.

    Args:
        units: Positive integer, the size a of the space where queries and keys
            meet (W_q is (d_q, a), W_k is (d_k, a), v is (a,)).

    Call arguments:
        query: The queries, shape `(batch, T_y, d_q)`.
        keys: The keys (also the values that are averaged), shape `(batch, T_x, d_k)`.
        keys_mask: Boolean `(batch, T_x)`, True at real positions; None means
            all are real.

    Returns:
        `(context, weights)`: c of shape `(batch, T_y, d_k)` and α of shape
        `(batch, T_y, T_x)`, each row of α summing to 1.

    Example:

    >>> attention = AdditiveAttention(8)
    >>> context, weights = attention(np.ones((2, 3, 4)), np.ones((2, 5, 6)))
    >>> context.shape, weights.shape
    (TensorShape([2, 3, 6]), TensorShape([2, 3, 5]))
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = check_units(units)

    def build(self, query_shape, keys_shape):
        a = self.units
        self.W_q = self.add_weight(name="W_q", shape=(query_shape[-1], a))
        self.W_k = self.add_weight(name="W_k", shape=(keys_shape[-1], a))
        self.v = self.add_weight(name="v", shape=(a,))

    def call(self, query, keys, keys_mask=None):
        q = ops.matmul(query, self.W_q)[:, :, None, :]  # W_q q_t: (batch, T_y, 1, a)
        k = ops.matmul(keys, self.W_k)[:, None, :, :]  # W_k k_s: (batch, 1, T_x, a)
        e = ops.sum(ops.tanh(q + k) * self.v, axis=-1)  # e_{t,s} = v^T tanh(...): (b, T_y, T_x)
        if keys_mask is not None:
            e = ops.where(ops.cast(keys_mask, "bool")[:, None, :], e, NOT_A_POSITION)
        weights = ops.softmax(e, axis=-1)  # α_{t,s}
        context = ops.matmul(weights, keys)  # c_t = Σ_s α_{t,s} k_s
        return context, weights

    def get_config(self):
        return {**super().get_config(), "units": self.units}


# --- encoder --------------------------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="lessons")
class Encoder(Layer):
    """Reads the source and sums it up in a fixed-shape state (notes 5, 编码器).

    The source's tokens are embedded, then read by `num_layers` recurrent layers
    (layer j reads the outputs of layer j-1). Padding (`<pad>` = 0) is masked:
    a row's last state is the state after its last real token.

    With `bidirectional=True` each layer reads the source both ways and its
    outputs are [H→_t; H←_t] (2 × units features). The decoder needs a state of
    `units`, so the two directions' last states are combined by a learned
    projection, per layer::

        H_0 = tanh([H→_T; H←_1] W_bh + b_bh)      (the GRU's and LSTM's H)
        C_0 = [C→_T; C←_1] W_bc + b_bc            (the LSTM's cell state, unbounded)

    Args:
        vocab_size: |V| of the source vocabulary.
        embedding_dim: e, the size of each token's vector. Default 32.
        units: Hidden units per layer and direction. Default 64.
        cell: "gru" or "lstm". Default "gru".
        num_layers: Recurrent layers stacked. Default 1.
        bidirectional: Read the source both ways. Default False.
        dropout: Fraction of each layer's inputs dropped in training (one mask
            per sequence). Default 0.

    Call arguments:
        source_ids: Integer indices `(batch, T_x)`, padded with 0.
        training: Whether dropout is applied.

    Returns:
        `(outputs, states, source_mask)`: every step's top-layer output
        `(batch, T_x, units or 2 units)`, the last states as one list per layer
        (`[H]` for a GRU, `[H, C]` for an LSTM, each `(batch, units)`), and the
        boolean mask `(batch, T_x)` of real tokens.

    Example:

    >>> encoder = Encoder(vocab_size=20, units=8, cell="lstm", bidirectional=True)
    >>> outputs, states, mask = encoder(np.array([[5, 6, 7, 0]]))
    >>> outputs.shape, [s.shape for s in states[0]]
    (TensorShape([1, 4, 16]), [TensorShape([1, 8]), TensorShape([1, 8])])
    """

    def __init__(
        self,
        vocab_size,
        embedding_dim=32,
        units=64,
        cell="gru",
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocab_size = check_int("vocab_size", vocab_size)
        self.embedding_dim = check_int("embedding_dim", embedding_dim)
        self.units = check_units(units)
        self.cell = _check_choice("cell", cell, CELLS)
        self.num_layers = check_int("num_layers", num_layers)
        self.bidirectional = _check_bool("bidirectional", bidirectional)
        self.dropout = check_rate("dropout", dropout)
        self.embedding = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")
        self.rnns = []
        self.bridges = []  # per layer, one projection per state: [W_bh] or [W_bh, W_bc]
        for j in range(self.num_layers):
            rnn = recurrent_layer(cell, units, dropout)
            if self.bidirectional:
                rnn = keras.layers.Bidirectional(rnn, name=f"bidirectional_{j}")
                self.bridges.append(
                    [
                        keras.layers.Dense(units, activation=act, name=f"bridge_{j}_{name}")
                        for name, act in zip(STATE_NAMES[cell], ("tanh", None))
                    ]
                )
            self.rnns.append(rnn)

    def build(self, source_ids_shape):
        self.embedding.build(source_ids_shape)
        features = self.embedding_dim
        for j, rnn in enumerate(self.rnns):
            rnn.build((None, None, features))
            features = self.units * (2 if self.bidirectional else 1)
            for bridge in self.bridges[j] if self.bidirectional else []:
                bridge.build((None, 2 * self.units))

    def call(self, source_ids, training=False):
        source_mask = ops.not_equal(source_ids, text.PAD)  # True at real tokens
        outputs = self.embedding(source_ids)  # x^<t> as a vector: row x^<t> of the matrix
        states = []
        for j, rnn in enumerate(self.rnns):
            outputs, *last = rnn(outputs, mask=source_mask, training=training)
            if self.bidirectional:
                last = self.combine_directions(j, last)
            states.append(list(last))
        return outputs, states, source_mask

    def combine_directions(self, layer, last):
        """The two directions' last states, [→; ←], projected to one state of `units`."""
        n = len(STATE_NAMES[self.cell])
        forward, backward = last[:n], last[n:]  # Bidirectional returns → states, then ←
        return [
            bridge(ops.concatenate([f, b], axis=-1))
            for bridge, f, b in zip(self.bridges[layer], forward, backward)
        ]

    def get_config(self):
        config = {
            "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim,
            "units": self.units,
            "cell": self.cell,
            "num_layers": self.num_layers,
            "bidirectional": self.bidirectional,
            "dropout": self.dropout,
        }
        return {**super().get_config(), **config}


# --- decoder --------------------------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="lessons")
class Decoder(Layer):
    """Writes the target one token at a time, starting from the encoder's state (notes 5, 解码器).

    Layer j's state starts as the encoder's last state of layer j, so the
    encoder and decoder have the same cell, units and number of layers. At step
    t the decoder reads the token before, y^<t-1> (`<bos>` at t = 1), and:

    - without attention, also the context c = the encoder's last top-layer H,
      the same vector at every step (as in the notes' figure)::

          X_t = [embed(y^<t-1>); c]
          H_t = cell(X_t, H_{t-1})                   (num_layers cells, stacked)
          z_t = H_t W_hq + b_q                       scores (logits) over the target vocabulary

    - with attention="additive", a context of its own at each step, read from
      the encoder's outputs with `AdditiveAttention`, the query being the
      decoder's top output H_t (the score is Bahdanau's; using H_t rather than
      H_{t-1} as the query is Luong et al.'s (2015) arrangement, which lets the
      recurrent layers run over a whole target at once in training)::

          X_t = embed(y^<t-1>)
          H_t = cell(X_t, H_{t-1})
          c_t, α_t = attention(H_t, encoder outputs)
          H̃_t = tanh([c_t; H_t] W_c + b_c)           the attentional state
          z_t = H̃_t W_hq + b_q

    ŷ^<t> = softmax(z_t); the decoder returns z_t (the logits), which the loss
    and the decoders turn into (log-)probabilities in a numerically safe way.

    Args:
        vocab_size: |V| of the target vocabulary.
        embedding_dim: e. Default 32.
        units: Hidden units per layer; must equal the encoder's. Default 64.
        cell: "gru" or "lstm"; must equal the encoder's. Default "gru".
        num_layers: Must equal the encoder's. Default 1.
        attention: None or "additive". Default None.
        dropout: Fraction of each layer's inputs dropped in training. Default 0.

    Call arguments:
        decoder_input: `(batch, T_y)` indices: `<bos> y_1 ... y_{T-1}`, padded.
        encoder_outputs: The encoder's `(batch, T_x, d)` outputs.
        encoder_states: The encoder's last states, one list per layer.
        source_mask: Boolean `(batch, T_x)`, True at real source tokens.
        training: Whether dropout is applied.

    Returns:
        `(logits, weights)`: z of shape `(batch, T_y, vocab_size)` and, with
        attention, α of shape `(batch, T_y, T_x)` (else None).

    Raises:
        ValueError: `encoder_states` does not fit this decoder (another number
            of layers, another cell or another number of units).
    """

    def __init__(
        self,
        vocab_size,
        embedding_dim=32,
        units=64,
        cell="gru",
        num_layers=1,
        attention=None,
        dropout=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocab_size = check_int("vocab_size", vocab_size)
        self.embedding_dim = check_int("embedding_dim", embedding_dim)
        self.units = check_units(units)
        self.cell = _check_choice("cell", cell, CELLS)
        self.num_layers = check_int("num_layers", num_layers)
        self.attention_kind = _check_choice("attention", attention, ATTENTIONS)
        self.dropout = check_rate("dropout", dropout)
        self.embedding = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")
        self.rnns = [recurrent_layer(cell, units, dropout) for _ in range(self.num_layers)]
        self.attention = None
        if attention == "additive":
            self.attention = AdditiveAttention(units, name="attention")
            self.attentional = keras.layers.Dense(units, activation="tanh", name="W_c")
        self.output_layer = keras.layers.Dense(vocab_size, name="W_hq")  # logits z_t

    def build(self, decoder_input_shape, encoder_outputs_shape):
        self.embedding.build(decoder_input_shape)
        features = self.embedding_dim + (self.units if self.attention is None else 0)
        for rnn in self.rnns:
            rnn.build((None, None, features))
            features = self.units
        if self.attention is not None:
            self.attention.build((None, None, self.units), encoder_outputs_shape)
            self.attentional.build((None, None, encoder_outputs_shape[-1] + self.units))
        self.output_layer.build((None, None, self.units))

    # --- the state that decoding carries from step to step ---------------------------------
    def start(self, encoder_outputs, encoder_states, source_mask):
        """What the decoder needs at step 1: a dict of tensors, each with the batch first.

        "states": the recurrent layers' states (the encoder's, checked to fit);
        "context": c, without attention (else absent); "keys" and "keys_mask":
        the encoder's outputs and mask, with attention.
        """
        self.check_encoder_states(encoder_states)
        state = {"states": [list(s) for s in encoder_states]}
        if self.attention is None:
            state["context"] = encoder_states[-1][0]  # c = the top layer's last H
        else:
            state["keys"] = encoder_outputs
            state["keys_mask"] = source_mask
        return state

    def check_encoder_states(self, encoder_states):
        names = STATE_NAMES[self.cell]
        expected = (
            f"this decoder has {self.num_layers} {self.cell.upper()} layer(s) of "
            f"{self.units} units, so it expects {self.num_layers} list(s), one per layer, of "
            f"{len(names)} tensor(s) {list(names)} of shape (batch, {self.units})"
        )
        if not isinstance(encoder_states, (list, tuple)) or len(encoder_states) != self.num_layers:
            count = len(encoder_states) if isinstance(encoder_states, (list, tuple)) else "not a"
            raise ValueError(
                f"Argument `encoder_states` does not fit the decoder: {expected}; got {count} "
                "list(s). Build the encoder and decoder with the same cell, units and num_layers."
            )
        for j, layer_states in enumerate(encoder_states):
            shapes = [tuple(s.shape) for s in layer_states]
            if len(shapes) != len(names) or any(s[-1] != self.units for s in shapes):
                raise ValueError(
                    f"Argument `encoder_states` does not fit the decoder: {expected}; layer {j} "
                    f"holds tensors of shapes {shapes}. Build the encoder and decoder with the "
                    "same cell, units and num_layers."
                )

    # --- the pieces shared by `call` (whole sequences) and `step` (one step) ---------------
    def step_inputs(self, tokens, state):
        """X_t = [embed(y^<t-1>); c] without attention, embed(y^<t-1>) with it."""
        X = self.embedding(tokens)
        if self.attention is not None:
            return X
        c = state["context"]
        if len(X.shape) == 3:  # a whole sequence: the same c at every step
            c = c[:, None, :] * ops.ones_like(X[:, :, :1])
        return ops.concatenate([X, c], axis=-1)

    def readout(self, H, state):
        """Logits z_t from the top layer's H_t (and the context c_t with attention)."""
        if self.attention is None:
            return self.output_layer(H), None
        C, weights = self.attention(H, state["keys"], keys_mask=state["keys_mask"])
        H_tilde = self.attentional(ops.concatenate([C, H], axis=-1))  # tanh([c_t; H_t] W_c + b_c)
        return self.output_layer(H_tilde), weights

    def call(self, decoder_input, encoder_outputs, encoder_states, source_mask, training=False):
        state = self.start(encoder_outputs, encoder_states, source_mask)
        H = self.step_inputs(decoder_input, state)
        for rnn, initial in zip(self.rnns, state["states"]):
            H, *_ = rnn(H, initial_state=initial, training=training)
        return self.readout(H, state)

    def step(self, tokens, state):
        """One step for a batch: logits `(batch, |V|)`, the next state, α `(batch, T_x)` or None.

        The same weights as `call`: each layer's cell is run once on its state.
        """
        H = self.step_inputs(tokens, state)
        new_states = []
        for rnn, states in zip(self.rnns, state["states"]):
            H, states = rnn.cell(H, states, training=False)  # H_t = cell(X_t, H_{t-1})
            new_states.append(list(states))
        logits, weights = self.readout(H[:, None, :], state)
        weights = None if weights is None else weights[:, 0]
        return logits[:, 0], {**state, "states": new_states}, weights

    def get_config(self):
        config = {
            "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim,
            "units": self.units,
            "cell": self.cell,
            "num_layers": self.num_layers,
            "attention": self.attention_kind,
            "dropout": self.dropout,
        }
        return {**super().get_config(), **config}


# --- the model ------------------------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="lessons")
class Seq2Seq(keras.Model):
    """An encoder-decoder: P(y^<1> ... y^<T_y> | x^<1> ... x^<T_x>), one token at a time.

    It keeps its two vocabularies (and saves them with the model), so the
    decoding functions take texts and give texts back.

    Args:
        source_vocab: The source's `CharVocab` or `WordVocab`; needs `<pad>`.
            Sources are encoded with `<eos>` at the end when it has one.
        target_vocab: The target's vocabulary; needs `<pad>`, `<eos>` and
            `<bos>` (build it with `bos=True`).
        embedding_dim: e, for both embeddings. Default 32.
        units: Hidden units of every recurrent layer. Default 64.
        cell: "gru" or "lstm". Default "gru".
        num_layers: Recurrent layers in the encoder, and as many in the
            decoder. Default 1.
        bidirectional_encoder: Whether the encoder reads the source both ways
            (its two last states are then projected into one). Default False.
        attention: None (the decoder reads the encoder's last state as a
            context at every step) or "additive". Default None.
        dropout: Fraction of the recurrent layers' inputs dropped in training.
            Default 0.

    Call arguments:
        inputs: `(source_ids, decoder_input)`: `(batch, T_x)` and `(batch, T_y)`
            integer arrays (see `training_arrays`).
        training: Whether dropout is applied.
        return_attention: Also return the attention weights. Default False.

    Returns:
        The logits z, `(batch, T_y, |V_target|)`; with `return_attention=True`,
        `(logits, weights)`, weights `(batch, T_y, T_x)` or None.

    Example:

    >>> model = Seq2Seq(CharVocab(["abc"]), CharVocab(["abc"], bos=True), units=16)
    >>> model.compile("adam", loss=masked_loss, metrics=[masked_accuracy])
    >>> (source_ids, decoder_input), decoder_target = training_arrays(model, ["abc"], ["cba"])
    >>> model((source_ids, decoder_input)).shape
    TensorShape([1, 4, 7])
    """

    def __init__(
        self,
        source_vocab,
        target_vocab,
        embedding_dim=32,
        units=64,
        cell="gru",
        num_layers=1,
        bidirectional_encoder=False,
        attention=None,
        dropout=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.source_vocab = _check_vocab("source_vocab", source_vocab, ["pad"])
        self.target_vocab = _check_vocab("target_vocab", target_vocab, ["pad", "eos", "bos"])
        self.encoder = Encoder(
            len(source_vocab),
            embedding_dim,
            units,
            cell,
            num_layers,
            bidirectional_encoder,
            dropout,
            name="encoder",
        )
        self.decoder = Decoder(
            len(target_vocab),
            embedding_dim,
            units,
            cell,
            num_layers,
            attention,
            dropout,
            name="decoder",
        )
        self.build()

    def build(self, input_shape=None):
        """Create every weight now: run the encoder and decoder once on a tiny batch."""
        if self.built:
            return
        tokens = np.ones((1, 2), dtype="int32")  # two <unk>: any vocabulary has index 1
        outputs, states, source_mask = self.encoder(tokens)
        self.decoder(tokens, outputs, states, source_mask)
        self.built = True

    def build_from_config(self, config):
        self.build()

    def call(self, inputs, training=False, return_attention=False):
        source_ids, decoder_input = inputs
        outputs, states, source_mask = self.encoder(source_ids, training=training)
        logits, weights = self.decoder(
            decoder_input, outputs, states, source_mask, training=training
        )
        return (logits, weights) if return_attention else logits

    def start(self, source_ids):
        """Encode a batch of sources; the decoder's state for step 1 (see `Decoder.start`)."""
        outputs, states, source_mask = self.encoder(source_ids, training=False)
        return self.decoder.start(outputs, states, source_mask)

    def get_config(self):
        config = {
            "source_vocab": _vocab_config(self.source_vocab),
            "target_vocab": _vocab_config(self.target_vocab),
            "embedding_dim": self.encoder.embedding_dim,
            "units": self.encoder.units,
            "cell": self.encoder.cell,
            "num_layers": self.encoder.num_layers,
            "bidirectional_encoder": self.encoder.bidirectional,
            "attention": self.decoder.attention_kind,
            "dropout": self.encoder.dropout,
        }
        return {"name": self.name, "trainable": self.trainable, **config}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in ("source_vocab", "target_vocab"):
            saved = config[name]
            config[name] = VOCAB_CLASSES[saved["class"]].from_tokens(saved["tokens"])
        return cls(**config)


def _vocab_config(vocab):
    return {"class": type(vocab).__name__, "tokens": list(vocab.tokens)}


# --- data: sources, teacher forcing ---------------------------------------------------------------
def pad_batch(sequences, pad=text.PAD):
    """1-D index sequences as one int32 array `(n, longest)`, right-padded with `pad`."""
    longest = max((len(s) for s in sequences), default=0)
    batch = np.full((len(sequences), longest), pad, dtype=np.int32)
    for row, ids in zip(batch, sequences):
        row[: len(ids)] = ids
    return batch


def _is_token_list(item):
    return isinstance(item, (list, tuple)) and all(isinstance(t, str) for t in item)


def _is_index_sequence(item):
    try:
        ids = np.asarray(item)
    except ValueError:  # ragged: a list of sequences
        return False
    return ids.ndim == 1 and (ids.size == 0 or np.issubdtype(ids.dtype, np.integer))


def _encode(item, vocab, name, position):
    """One text (a string, or a list of word tokens) or index sequence as a 1-D int32 array."""
    if isinstance(item, str) or (_is_token_list(item) and len(item) > 0):
        try:
            return vocab.encode(item)
        except (TypeError, ValueError) as error:  # say which argument and item it was
            message = str(error).replace("Argument `text`", "it")
            raise type(error)(f"Argument `{name}`, item {position} ({item!r}): {message}") from None
    ids = np.asarray(item)
    if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
        raise TypeError(
            f"Argument `{name}`, item {position}, must be a string, a list of word tokens or a "
            f"1-D sequence of integer indices; got {item!r}."
        )
    bad = ids[(ids < 0) | (ids >= len(vocab))]
    if bad.size:
        raise ValueError(
            f"Argument `{name}`, item {position}, holds the index {int(bad[0])}, outside the "
            f"vocabulary's 0..{len(vocab) - 1}."
        )
    return ids.astype(np.int32)


def _items(name, items):
    if isinstance(items, (str, np.ndarray)) or not isinstance(items, (list, tuple)):
        raise TypeError(
            f"Argument `{name}` must be a list of texts (strings, or lists of word tokens) or "
            f"of index sequences, got {type(items).__name__}."
        )
    if not items:
        raise ValueError(f"Argument `{name}` is empty: give at least one sequence.")
    return items


def encode_sources(sources, vocab, name="sources"):
    """Source texts as one padded batch `(n, T_x)`, each ending in `<eos>` if `vocab` has it.

    The `<eos>` tells the encoder (and the attention) where the source ends.

    Raises:
        ValueError: a token is not in `vocab` and it has no `<unk>`; a source is
            empty and `vocab` has no `<eos>`.
    """
    rows = []
    for position, item in enumerate(_items(name, sources)):
        ids = _encode(item, vocab, name, position)
        if vocab.eos is not None:
            ids = np.append(ids, vocab.eos).astype(np.int32)
        if len(ids) == 0:
            raise ValueError(f"Argument `{name}`, item {position}, is empty.")
        rows.append(ids)
    return pad_batch(rows)


def teacher_forcing_pairs(target_ids, vocab):
    """The decoder's inputs and targets for teacher forcing.

    For a target y_1 ... y_T the decoder reads the true previous token at each
    step, not its own guess::

        decoder_input  = <bos> y_1 ... y_T            (y^<t-1> at step t)
        decoder_target = y_1 ... y_T <eos>            (what step t should say)

    Rows are right-padded with `<pad>` = 0, which the loss skips.

    Args:
        target_ids: A list of targets: strings (or lists of word tokens), encoded
            with `vocab`, or 1-D index sequences, all without `<bos>` and `<eos>`.
        vocab: The target vocabulary (with `<bos>` and `<eos>`).

    Returns:
        `(decoder_input, decoder_target)`, two int32 arrays of shape `(n, T + 1)`,
        T the longest target.

    Example:

    >>> vocab = CharVocab(["ab"], bos=True)          # <pad> <unk> <eos> <bos> a b
    >>> decoder_input, decoder_target = teacher_forcing_pairs(["ab", "b"], vocab)
    >>> decoder_input.tolist(), decoder_target.tolist()
    ([[3, 4, 5], [3, 5, 0]], [[4, 5, 2], [5, 2, 0]])
    """
    _check_vocab("vocab", vocab, ["pad", "eos", "bos"])
    encoded = [
        _encode(t, vocab, "target_ids", k) for k, t in enumerate(_items("target_ids", target_ids))
    ]
    decoder_input = pad_batch([np.concatenate([[vocab.bos], ids]) for ids in encoded])
    decoder_target = pad_batch([np.concatenate([ids, [vocab.eos]]) for ids in encoded])
    return decoder_input, decoder_target


def training_arrays(model, sources, targets):
    """`((source_ids, decoder_input), decoder_target)`: what `model.fit` takes, from texts.

    Args:
        model: A `Seq2Seq` (its vocabularies encode the texts).
        sources: A list of source texts.
        targets: The list of their target texts, as long.
    """
    if len(_items("sources", sources)) != len(_items("targets", targets)):
        raise ValueError(
            f"Arguments `sources` and `targets` must be as long, got {len(sources)} and "
            f"{len(targets)}."
        )
    source_ids = encode_sources(sources, model.source_vocab)
    decoder_input, decoder_target = teacher_forcing_pairs(targets, model.target_vocab)
    return (source_ids, decoder_input), decoder_target


# --- loss and accuracy over real tokens -----------------------------------------------------------
def _real_tokens(y_true, dtype):
    return ops.cast(ops.not_equal(y_true, text.PAD), dtype)  # m = 1 at real tokens, 0 at <pad>


@keras.saving.register_keras_serializable(package="lessons")  # a saved, compiled model
def masked_loss(y_true, y_pred):
    """Cross entropy per real target token; `<pad>` positions count for nothing.

    With m_{i,t} = 1 where y_{i,t} is a real token and 0 at `<pad>`::

        L = Σ_{i,t} m_{i,t} (−log softmax(z_{i,t})[y_{i,t}]) / Σ_{i,t} m_{i,t}

    A mean over the real tokens of the whole batch, not over its padded length:
    padding the batch longer leaves L unchanged, and a batch gives the mean of
    the token losses of its examples taken one by one.

    Args:
        y_true: Target indices `(batch, T)`, `<pad>` = 0 after the end.
        y_pred: Logits `(batch, T, |V|)`.

    Returns:
        A scalar.
    """
    y_true = ops.cast(y_true, "int32")
    nll = keras.losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=True)
    m = _real_tokens(y_true, nll.dtype)
    return ops.sum(nll * m) / ops.maximum(ops.sum(m), 1.0)


@keras.saving.register_keras_serializable(package="lessons")  # a saved, compiled model
def masked_accuracy(y_true, y_pred):
    """The fraction of real target tokens whose most likely prediction is right.

        accuracy = Σ_{i,t} m_{i,t} [argmax z_{i,t} = y_{i,t}] / Σ_{i,t} m_{i,t}

    (As a Keras metric it is averaged over batches, each batch weighing the same.)
    """
    y_true = ops.cast(y_true, "int32")
    right = ops.cast(ops.equal(ops.cast(ops.argmax(y_pred, axis=-1), "int32"), y_true), "float32")
    m = _real_tokens(y_true, "float32")
    return ops.sum(right * m) / ops.maximum(ops.sum(m), 1.0)


# --- decoding -------------------------------------------------------------------------------------
class Hypothesis(NamedTuple):
    """One output of `beam_search`.

    Attributes:
        text: The output decoded with the target vocabulary (without `<eos>`).
        ids: Its token indices y_1 ... y_T, without `<eos>`.
        log_prob: log P(y_1 ... y_T <eos> | x), the sum of the steps' log-probabilities
            (without the `<eos>` term when not `finished`).
        score: What the hypotheses are ranked by: log_prob / lp(|Y|) (see `beam_search`).
        finished: Whether it ended with `<eos>` (else it was cut at `max_len`).
    """

    text: str
    ids: tuple
    log_prob: float
    score: float
    finished: bool


def _source_batch(model, source):
    """(source_ids, single): a batch of encoded sources, and whether one source was given."""
    if not isinstance(model, Seq2Seq):
        raise TypeError(f"Argument `model` must be a Seq2Seq, got {type(model).__name__}.")
    single = isinstance(source, str) or (isinstance(source, np.ndarray) and source.ndim == 1)
    if isinstance(source, np.ndarray) and source.ndim == 2:
        source = list(source)
    sources = [source] if single else source
    return encode_sources(sources, model.source_vocab, name="source"), single


def _banned_tokens(vocab):
    """Tokens a decoder never writes: `<pad>` and `<bos>` are never targets."""
    return [vocab.pad, vocab.bos]


# Whether the decoders compile `start` and `step` with tf.function (once per model, a few
# seconds): 3x faster on a large batch. False runs them eagerly, step by step, where a
# print() or a debugger shows the tensors: slower, same numbers.
COMPILE_DECODING = True
_compiled = weakref.WeakKeyDictionary()  # model -> its compiled (start, step)


def _start_and_step(model):
    """`model.start` and `model.decoder.step`, compiled once per model with TensorFlow.

    Run eagerly, Keras' RNN loop over a source and the many small ops of a
    step cost about 3x more. The functions hold the model only weakly, so a
    model that is no longer used can still be freed.
    """
    if not COMPILE_DECODING:
        return model.start, model.decoder.step
    if model not in _compiled:
        model_ref = weakref.ref(model)

        def start(source_ids):
            return model_ref().start(source_ids)

        def step(tokens, state):
            return model_ref().decoder.step(tokens, state)

        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            start = tf.function(start, reduce_retracing=True)
            step = tf.function(step, reduce_retracing=True)
        _compiled[model] = (start, step)
    return _compiled[model]


def decoder_start(model, source_ids):
    """Encode a batch of source indices: the decoder's state for step 1 (`Seq2Seq.start`)."""
    return _start_and_step(model)[0](np.asarray(source_ids, dtype=np.int32))


def decoder_step(model, tokens, state):
    """One step of the decoder for a batch: log P(· | y^<t-1>, ..., x), and the next state.

    The one function every decoder below calls. `<pad>` and `<bos>` get
    log-probability -inf (they are never targets); the others keep the model's
    log softmax(z_t), so a sum of them is exactly what the model assigns.

    Args:
        model: A `Seq2Seq`.
        tokens: Integer array `(batch,)`, the tokens y^<t-1> just written.
        state: The decoder state (from `model.start`, or from the last step).

    Returns:
        `(log_probs, state, weights)`: float64 `(batch, |V|)`, the next state, and
        the attention weights `(batch, T_x)` as NumPy (None without attention).
    """
    step = _start_and_step(model)[1]
    logits, state, weights = step(np.asarray(tokens, dtype=np.int32), state)
    log_probs = keras.ops.convert_to_numpy(ops.log_softmax(logits, axis=-1)).astype(np.float64)
    log_probs[:, _banned_tokens(model.target_vocab)] = -np.inf
    if weights is not None:
        weights = keras.ops.convert_to_numpy(weights)
    return log_probs, state, weights


def _run_decoder(model, source, max_len, choose, return_attention):
    """The loop shared by greedy and sampled decoding: the whole batch, one step at a time."""
    max_len = check_int("max_len", max_len)
    return_attention = _check_bool("return_attention", return_attention)
    source_ids, single = _source_batch(model, source)
    vocab = model.target_vocab
    state = decoder_start(model, source_ids)
    tokens = np.full(len(source_ids), vocab.bos, dtype=np.int32)  # y^<0> = <bos>
    written, attention = [], []
    done = np.zeros(len(source_ids), dtype=bool)
    for _ in range(max_len):
        log_probs, state, weights = decoder_step(model, tokens, state)
        tokens = np.where(done, vocab.pad, choose(log_probs)).astype(np.int32)
        written.append(tokens)
        attention.append(weights)
        done |= tokens == vocab.eos
        if done.all():
            break
    written = np.stack(written, axis=1)
    texts = [vocab.decode(_until_eos(row, vocab.eos)) for row in written]
    result = texts[0] if single else texts
    if not return_attention:
        return result
    weights = _attention_maps(attention, written, source_ids, vocab.eos)
    return result, (weights[0] if single else weights)


def _until_eos(ids, eos):
    ids = list(ids)
    return ids[: ids.index(eos)] if eos in ids else ids


def _attention_maps(attention, written, source_ids, eos):
    """Per example, α as `(output steps incl. <eos>, real source tokens)`, or None."""
    if attention[0] is None:
        return [None] * len(written)
    stacked = np.stack(attention, axis=1)  # (batch, steps, T_x)
    maps = []
    for alpha, row, source in zip(stacked, written, source_ids):
        steps = min(len(_until_eos(row, eos)) + 1, len(row))
        maps.append(alpha[:steps, : int(np.sum(source != text.PAD))])
    return maps


def greedy_decode(model, source, max_len=50, return_attention=False):
    """Decode by always writing the most likely next token: y^<t> = argmax P(· | y^<<t>, x).

    A whole batch is decoded at once, one step for all rows at a time; a row
    that has written `<eos>` is done (its later steps are ignored).

    Args:
        model: A `Seq2Seq`.
        source: A source text, or a list of them (strings, lists of word
            tokens, or index sequences without `<eos>`).
        max_len: The most steps, `<eos>` included: an output without `<eos>`
            after `max_len` tokens is cut there. Default 50.
        return_attention: Also return the attention weights. Default False.

    Returns:
        The output text (a list of texts for a list of sources), without
        `<eos>`. With `return_attention=True`, `(texts, weights)`: weights per
        source an array `(output steps, source tokens incl. <eos>)`, or None
        without attention.

    Raises:
        ValueError: `max_len` < 1; a source token is not in the source
            vocabulary and it has no `<unk>`.
    """
    return _run_decoder(model, source, max_len, _argmax, return_attention)


def _argmax(log_probs):
    return np.argmax(log_probs, axis=-1)


def sample_decode(model, source, max_len=50, temperature=1.0, seed=None, return_attention=False):
    """Decode by drawing each next token from P(· | y^<<t>, x), reshaped by a temperature.

    As `lessons.text.sample`: τ = 1 draws from the model's distribution, τ < 1
    sharpens it, τ > 1 flattens it, τ = 0 is greedy decoding.

    Args:
        model, source, max_len, return_attention: as `greedy_decode`.
        temperature: τ, a finite number >= 0. Default 1.
        seed: None, an integer or a `np.random.Generator`.

    Returns:
        As `greedy_decode`.
    """
    temperature = text._check_temperature(temperature)
    rng = text._rng(seed)

    def draw(log_probs):
        if temperature == 0:
            return _argmax(log_probs)
        scaled = log_probs / temperature  # log p_i / τ
        p = np.exp(scaled - scaled.max(axis=-1, keepdims=True))  # p_i^(1/τ), then normalized
        cumulative = np.cumsum(p / p.sum(axis=-1, keepdims=True), axis=-1)
        u = 1.0 - rng.random((len(p), 1))  # in (0, 1]: a token of probability 0 is never drawn
        return np.minimum((cumulative < u).sum(axis=-1), p.shape[-1] - 1)  # inverse CDF

    return _run_decoder(model, source, max_len, draw, return_attention)


def length_penalty_factor(length, alpha):
    """GNMT's length penalty (Wu et al., 2016): lp(Y) = ((5 + |Y|) / 6)^α.

    Beam search ranks finished hypotheses by log P(Y | x) / lp(Y). Every token
    adds a negative log-probability, so plain log P favours short outputs;
    α > 0 divides longer outputs' (more negative) totals by more. α = 0 gives
    lp = 1: plain log P.
    """
    return ((5.0 + length) / 6.0) ** alpha


def _check_length_penalty(alpha):
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"Argument `length_penalty` must be a number >= 0, got {alpha!r}.")
    if not math.isfinite(alpha) or alpha < 0:
        raise ValueError(f"Argument `length_penalty` must be a finite number >= 0, got {alpha}.")
    return float(alpha)


def beam_search(model, source, beam_size=4, max_len=50, length_penalty=0.0):
    """The `beam_size` most likely outputs, found by keeping several partial outputs alive.

    At every step each alive hypothesis is extended by every token, giving
    log P(y_1 ... y_t | x) = log P(y_1 ... y_{t-1} | x) + log P(y_t | y_<t, x).
    Of all these candidates the best k are kept, k = `beam_size` minus the
    number of finished hypotheses: a candidate that ends with `<eos>` is
    finished and keeps its place, the others stay alive and go on (Jurafsky &
    Martin's beam decoding). The search stops when `beam_size` hypotheses are
    finished or after `max_len` steps; alive ones are then returned cut
    (`finished=False`). The alive hypotheses run as one batch through the same
    step function as `greedy_decode`, so `beam_size=1` gives exactly the greedy
    output.

    Candidates of one step all have the same length, so the length penalty
    cannot change which survive; it only ranks the returned hypotheses::

        score(Y) = log P(Y | x) / lp(Y),   lp(Y) = ((5 + |Y|) / 6)^α   (GNMT)

    where |Y| counts the output tokens, `<eos>` included.

    Args:
        model: A `Seq2Seq`.
        source: One source text (a string, a list of word tokens, or a 1-D
            index sequence without `<eos>`).
        beam_size: How many hypotheses to keep and return, >= 1. Default 4.
        max_len: The most steps, `<eos>` included, >= 1. Default 50.
        length_penalty: α >= 0. Default 0 (rank by log P).

    Returns:
        A list of at most `beam_size` `Hypothesis(text, ids, log_prob, score,
        finished)`, best score first; `log_prob` is the raw log-probability,
        equal to what the model gives that output under teacher forcing.

    Raises:
        ValueError: `beam_size` < 1, `max_len` < 1, `length_penalty` < 0, or a
            source token not in the vocabulary when it has no `<unk>`.
    """
    beam_size = check_int("beam_size", beam_size)
    max_len = check_int("max_len", max_len)
    alpha = _check_length_penalty(length_penalty)
    if not (isinstance(source, str) or _is_token_list(source) or _is_index_sequence(source)):
        raise TypeError(
            "Argument `source` must be one source (a string, a list of word tokens or a 1-D "
            f"index sequence); to decode many, call beam_search once per source. Got {source!r}."
        )
    source_ids, _ = _source_batch(model, [source])
    vocab = model.target_vocab
    state = decoder_start(model, source_ids)
    alive = [((), 0.0)]  # (ids, log P) of each alive hypothesis, one state row each
    finished = []
    for _ in range(max_len):
        tokens = [ids[-1] if ids else vocab.bos for ids, _ in alive]
        log_probs, state, _ = decoder_step(model, tokens, state)
        totals = np.array([lp for _, lp in alive])[:, None] + log_probs  # (alive, |V|)
        best = np.argsort(-totals, axis=None, kind="stable")[: beam_size - len(finished)]
        next_alive, rows = [], []
        for flat in best:
            row, token = divmod(int(flat), totals.shape[1])
            if totals[row, token] == -np.inf:
                break  # only banned tokens are left
            ids = alive[row][0] + (token,)
            if token == vocab.eos:
                finished.append((ids[:-1], float(totals[row, token]), True))
            else:
                next_alive.append((ids, float(totals[row, token])))
                rows.append(row)
        alive = next_alive
        if not alive:
            break
        state = _take_rows(state, rows)
    finished += [(ids, lp, False) for ids, lp in alive]
    hypotheses = [
        Hypothesis(
            vocab.decode(ids), ids, lp, lp / length_penalty_factor(len(ids) + done, alpha), done
        )
        for ids, lp, done in finished
    ]
    return sorted(hypotheses, key=lambda h: -h.score)[:beam_size]


def _take_rows(state, rows):
    """The decoder state of the hypotheses `rows` (a row may be taken twice, or not at all)."""
    rows = np.asarray(rows, dtype=np.int32)
    take = lambda tensor: ops.take(tensor, rows, axis=0)  # noqa: E731
    new = {key: take(value) for key, value in state.items() if key != "states"}
    new["states"] = [[take(s) for s in layer] for layer in state["states"]]
    return new


def sequence_log_prob(model, source, target, add_eos=True):
    """log P(target | source) under teacher forcing: Σ_t log P(y_t | y_<t, x).

    One forward pass of the model on `<bos> y_1 ... y_T`, adding up the
    log-probabilities of `y_1 ... y_T <eos>` (without the `<eos>` term when
    `add_eos=False`, for an output that was cut).

    Args:
        model: A `Seq2Seq`.
        source: One source text (or 1-D index sequence).
        target: One target text (or 1-D index sequence, without `<bos>`/`<eos>`).
        add_eos: Whether the output ends with `<eos>`. Default True.

    Returns:
        A float (log-probabilities are <= 0).
    """
    source_ids, _ = _source_batch(model, [source])
    decoder_input, decoder_target = teacher_forcing_pairs([target], model.target_vocab)
    logits = model((source_ids, decoder_input), training=False)
    log_probs = keras.ops.convert_to_numpy(ops.log_softmax(logits, axis=-1))[0]
    per_step = log_probs[np.arange(decoder_target.shape[1]), decoder_target[0]]
    steps = len(per_step) if _check_bool("add_eos", add_eos) else len(per_step) - 1
    return float(np.sum(per_step[:steps].astype(np.float64)))


# --- metrics --------------------------------------------------------------------------------------
def exact_match(references, hypotheses):
    """The fraction of outputs equal to their reference (or to one of its alternatives).

    Texts are compared token by token, tokens being separated by whitespace.

    Args and Returns: as `phoneme_error_rate`, a float in [0, 1].

    Example:

    >>> exact_match(["2009-06-25", "1951-01-03"], ["2009-06-25", "1951-01-30"])
    0.5
    """
    pairs = _metric_pairs(references, hypotheses)
    return sum(any(ref == hyp for ref in refs) for refs, hyp in pairs) / len(pairs)


def _tokens(pronunciation, name):
    """ "K AE T" -> ["K", "AE", "T"]."""
    if isinstance(pronunciation, str):
        return pronunciation.split()
    raise TypeError(
        f"Argument `{name}` must hold strings of tokens separated by spaces ('K AE T'), "
        f"got {pronunciation!r}."
    )


def _metric_pairs(references, hypotheses):
    """[(alternatives as token lists, hypothesis as a token list)], checked."""
    if isinstance(references, str) or isinstance(hypotheses, str):
        raise TypeError("Arguments `references` and `hypotheses` must be lists, not strings.")
    references, hypotheses = list(references), list(hypotheses)
    if len(references) != len(hypotheses) or not references:
        raise ValueError(
            "Arguments `references` and `hypotheses` must be non-empty and as long, got "
            f"{len(references)} and {len(hypotheses)}."
        )
    pairs = []
    for ref, hyp in zip(references, hypotheses):
        alternatives = [ref] if isinstance(ref, str) else list(ref)
        if not alternatives:
            raise ValueError("Argument `references` holds an empty list of alternatives.")
        pairs.append(([_tokens(a, "references") for a in alternatives], _tokens(hyp, "hypotheses")))
    return pairs


def _distance(reference, hypothesis):
    """Levenshtein distance: the fewest substitutions, insertions and deletions of tokens."""
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(reference, hypothesis)


def phoneme_error_rate(references, hypotheses):
    """PER: edit distance over phonemes, summed, divided by the references' phonemes.

        PER = Σ_i d(r_i, h_i) / Σ_i |r_i|

    d is the Levenshtein distance counted in phonemes (substitutions + deletions
    + insertions). A word with several correct pronunciations is scored against
    the closest one (smallest d; on a tie, the shorter).

    Args:
        references: One entry per word: a pronunciation "K AE T" (phonemes
            separated by spaces), or a list/tuple of alternatives.
        hypotheses: One pronunciation string per word.

    Returns:
        A float >= 0 (it can exceed 1 when outputs are much too long).

    Example:

    >>> phoneme_error_rate(["K AE T", "D AO G"], ["K AE T S", "D AA G"])
    0.3333333333333333
    """
    errors = reference_length = 0
    for alternatives, hyp in _metric_pairs(references, hypotheses):
        d, length = min((_distance(ref, hyp), len(ref)) for ref in alternatives)
        errors += d
        reference_length += length
    return errors / max(reference_length, 1)


def word_error_rate(references, hypotheses):
    """WER as grapheme-to-phoneme papers count it: the fraction of words pronounced wrong.

    A word is wrong when its hypothesis differs from every correct pronunciation
    in at least one phoneme; WER = 1 - `exact_match`. (Speech recognition's WER
    is another measure: an edit distance over the words of a sentence.)

    Args and Returns: as `phoneme_error_rate`, a float in [0, 1].

    Example:

    >>> tomato = ("T AH M EY T OW", "T AH M AA T OW")  # two right pronunciations
    >>> word_error_rate([tomato, "K AE T"], ["T AH M AA T OW", "K AE"])
    0.5
    """
    return 1.0 - exact_match(references, hypotheses)
