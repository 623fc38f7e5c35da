"""The encoder-decoder's layers: `AdditiveAttention`, `Encoder`, `Decoder`; the model `Seq2Seq`."""

import keras
import numpy as np
from keras import ops
from keras.layers import Layer

from lessons import text
from lessons.arguments import check_bool, check_choice, check_int, check_rate, check_units
from lessons.deep import bidirectional_layer
from lessons.fastpath import builtin_layer, resolve
from lessons.gru import GRUCell
from lessons.lstm import LSTMCell

CELLS = {"gru": GRUCell, "lstm": LSTMCell}
STATE_NAMES = {"gru": ("H",), "lstm": ("H", "C")}  # what each layer hands over, in order
ATTENTIONS = (None, "additive")
VOCAB_CLASSES = {"CharVocab": text.CharVocab, "WordVocab": text.WordVocab}
# A score for "not a real position": exp(-1e9 - max) is exactly 0 in float32.
NOT_A_POSITION = -1e9


# --- argument checks ------------------------------------------------------------------------------
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


def make_cell(cell, units, dropout=0.0, reset_after=False):
    """A new kit cell: `GRUCell(units)` for "gru", `LSTMCell(units)` for "lstm"."""
    gru = {"reset_after": bool(reset_after)} if cell == "gru" else {}
    return CELLS[check_choice("cell", cell, CELLS)](units, dropout=dropout, **gru)


def recurrent_layer(cell, units, dropout=0.0, implementation="kit", reset_after=False):
    """A layer giving every step's output and the last state.

    `keras.layers.RNN` around a new kit cell ("kit"), or Keras' built-in GRU
    or LSTM with the settings cuDNN needs ("keras", `lessons.fastpath`).
    """
    options = {"return_sequences": True, "return_state": True}
    if implementation == "keras":
        return builtin_layer(cell, units, reset_after, dropout=dropout, **options)
    return keras.layers.RNN(make_cell(cell, units, dropout, reset_after), **options)


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
        implementation, reset_after: As for `Seq2Seq`.

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
        implementation=None,
        reset_after=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocab_size = check_int("vocab_size", vocab_size)
        self.embedding_dim = check_int("embedding_dim", embedding_dim)
        self.units = check_units(units)
        self.cell = check_choice("cell", cell, CELLS)
        self.num_layers = check_int("num_layers", num_layers)
        self.bidirectional = check_bool("bidirectional", bidirectional)
        self.dropout = check_rate("dropout", dropout)
        self.implementation, self.reset_after = resolve(implementation, cell, reset_after)
        layer_options = (self.implementation, self.reset_after)
        self.embedding = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")
        self.rnns = []
        # W_bh (and W_bc) of every layer, in one flat list: Keras before 3.15.1 does not save
        # layers held in a list of lists (`bridges` gives them per layer).
        self.bridge_layers = []
        for j in range(self.num_layers):
            rnn = recurrent_layer(cell, units, dropout, *layer_options)
            if self.bidirectional:
                rnn = bidirectional_layer(rnn, name=f"bidirectional_{j}")
                self.bridge_layers += [
                    keras.layers.Dense(units, activation=act, name=f"bridge_{j}_{name}")
                    for name, act in zip(STATE_NAMES[cell], ("tanh", None))
                ]
            self.rnns.append(rnn)

    @property
    def bridges(self):
        """Per layer, one projection per state: [W_bh] or [W_bh, W_bc] (empty one-way)."""
        n = len(STATE_NAMES[self.cell])
        return [self.bridge_layers[j * n : (j + 1) * n] for j in range(self.num_layers)]

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
            "implementation": self.implementation,
            "reset_after": self.reset_after,
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
        implementation, reset_after: As for `Seq2Seq`; must equal the encoder's
            for `lessons.from_keras` to convert the model.

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
        implementation=None,
        reset_after=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocab_size = check_int("vocab_size", vocab_size)
        self.embedding_dim = check_int("embedding_dim", embedding_dim)
        self.units = check_units(units)
        self.cell = check_choice("cell", cell, CELLS)
        self.num_layers = check_int("num_layers", num_layers)
        self.attention_kind = check_choice("attention", attention, ATTENTIONS)
        self.dropout = check_rate("dropout", dropout)
        self.implementation, self.reset_after = resolve(implementation, cell, reset_after)
        self.embedding = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")
        self.rnns = [
            recurrent_layer(cell, units, dropout, self.implementation, self.reset_after)
            for _ in range(self.num_layers)
        ]
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
            "implementation": self.implementation,
            "reset_after": self.reset_after,
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
        implementation: "kit" (the kit's cells, whose gates can be
            recorded), "keras" (Keras' built-in GRU or LSTM with the settings
            cuDNN needs: fast on a GPU) or None (the default):
            `lessons.config.implementation()`, "keras" on a GPU, "kit" on a
            CPU. The encoder and decoder get the same. `lessons.from_keras`
            turns a trained "keras" model into the "kit" one (same weights),
            whose attention and gates can be read step by step.
        reset_after: GRU only: R_t applied after the product with W_hh (the
            cuDNN form) or before it (the slides'). Default: True with
            "keras" (cuDNN needs it), False with "kit"; False with "keras"
            raises a ValueError.

    Call arguments:
        inputs: `(source_ids, decoder_input)`: `(batch, T_x)` and `(batch, T_y)`
            integer arrays (see `training_arrays`).
        training: Whether dropout is applied.
        return_attention: Also return the attention weights. Default False.

    Returns:
        The logits z, `(batch, T_y, |V_target|)`; with `return_attention=True`,
        `(logits, weights)`, weights `(batch, T_y, T_x)` or None.

    Example:

    >>> from lessons.seq2seq import masked_accuracy, masked_loss, training_arrays
    >>> from lessons.text import CharVocab
    >>> model = Seq2Seq(CharVocab(["abc"]), CharVocab(["abc"], bos=True), units=16)
    >>> model.compile("adam", loss=masked_loss, metrics=[masked_accuracy])
    >>> (source_ids, decoder_input), decoder_target = training_arrays(model, ["abc"], ["cba"])
    >>> tuple(model((source_ids, decoder_input)).shape)
    (1, 4, 7)
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
        implementation=None,
        reset_after=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        # One choice for both halves: the decoder starts from the encoder's states.
        implementation, reset_after = resolve(implementation, cell, reset_after)
        self.source_vocab = _check_vocab("source_vocab", source_vocab, ["pad"])
        self.target_vocab = _check_vocab("target_vocab", target_vocab, ["pad", "eos", "bos"])
        # Named here, so an error says `bidirectional_encoder`, not the encoder's `bidirectional`.
        bidirectional_encoder = check_bool("bidirectional_encoder", bidirectional_encoder)
        self.encoder = Encoder(
            len(source_vocab),
            embedding_dim,
            units,
            cell,
            num_layers,
            bidirectional_encoder,
            dropout,
            implementation,
            reset_after,
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
            implementation,
            reset_after,
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

    @property
    def implementation(self):
        """ "kit" or "keras": the encoder's and the decoder's recurrent layers."""
        return self.encoder.implementation

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
            "implementation": self.encoder.implementation,
            "reset_after": self.encoder.reset_after,
        }
        return {"name": self.name, "trainable": self.trainable, **config}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.setdefault("implementation", "kit")  # saved before the choice existed
        for name in ("source_vocab", "target_vocab"):
            saved = config[name]
            config[name] = VOCAB_CLASSES[saved["class"]].from_tokens(saved["tokens"])
        return cls(**config)


def _vocab_config(vocab):
    return {"class": type(vocab).__name__, "tokens": list(vocab.tokens)}
