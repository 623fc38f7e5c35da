"""A language model at work: cross entropy and perplexity, stepping a model, sampling."""

import math
import weakref

import keras
import numpy as np

from lessons.arguments import check_bool, check_int, check_number
from lessons.arguments import rng as random_generator
from lessons.text.vocab import Vocab

TEMPERATURE_HINT = " (0 = greedy: always the most likely token)"


# --- perplexity ----------------------------------------------------------------------------
def _predict(model, x):
    """The model's ŷ for a batch x, as a NumPy array (compiled predict when it is Keras)."""
    if hasattr(model, "predict_on_batch"):
        return np.asarray(model.predict_on_batch(x))
    return keras.ops.convert_to_numpy(model(x))


def _check_probabilities(y_hat, where):
    totals = y_hat.sum(axis=-1)
    if np.any(y_hat < 0) or not np.allclose(totals, 1.0, atol=1e-3):
        raise ValueError(
            f"The model's output {where} should be probabilities over the vocabulary "
            "(non-negative, summing to 1 at each step), but at the first step they sum to "
            f"{float(totals.flat[0]):.4g}. End the model with Dense(|V|, activation='softmax')."
        )


def _batches(data, batch_size=64):
    if isinstance(data, tuple) and len(data) == 2:
        x, y = (np.asarray(a) for a in data)
        if x.shape != y.shape or x.ndim != 2:
            raise ValueError(
                "Argument `data` as a tuple must be (x, y), two integer arrays of the same "
                f"shape (n, T); got shapes {x.shape} and {y.shape}."
            )
        for start in range(0, len(x), batch_size):
            yield x[start : start + batch_size], y[start : start + batch_size]
        return
    if not hasattr(data, "__iter__") or isinstance(data, (str, np.ndarray)):
        raise TypeError(
            "Argument `data` must be a tf.data.Dataset of (x, y) batches (from `windows`) "
            f"or a tuple (x, y) of arrays, got {type(data).__name__}."
        )
    for x, y in data:
        yield np.asarray(x), np.asarray(y)


def cross_entropy(model, data):
    """The mean of -log ŷ^<t>[y^<t>] over every target of `data`, in nats.

    This is the notes' loss L = Σ_t L^<t>, with L^<t> = -Σ_i y_i^<t> log ŷ_i^<t>,
    divided by the number of targets; summed in float64.

    Args:
        model: A language model (see the module docstring for the interface).
        data: A `tf.data.Dataset` of (x, y) batches, e.g. from `windows`, or a
            tuple (x, y) of integer arrays of shape (n, T).

    Returns:
        A float. A target given probability 0 makes it `inf`.
    """
    total, count = 0.0, 0
    for k, (x, y) in enumerate(_batches(data)):
        y_hat = _predict(model, x)
        if y_hat.shape[:-1] != y.shape:
            raise ValueError(
                f"The model's output has shape {y_hat.shape}; for inputs of shape {x.shape} it "
                f"should be {x.shape + (y_hat.shape[-1],)} (one distribution per step). Use "
                "return_sequences=True on the recurrent layers."
            )
        if k == 0:
            _check_probabilities(y_hat, "for the first batch")
        if y.size and (y.min() < 0 or y.max() >= y_hat.shape[-1]):
            raise ValueError(
                f"A target index ({int(y.max())}) is outside the model's {y_hat.shape[-1]} "
                "outputs: was the data encoded with another vocabulary?"
            )
        p = np.take_along_axis(y_hat, y[..., None].astype(np.int64), axis=-1)[..., 0]
        with np.errstate(divide="ignore"):
            total += float(-np.log(p.astype(np.float64)).sum())
        count += y.size
    if count == 0:
        raise ValueError("Argument `data` holds no targets.")
    return total / count


def perplexity(model, data):
    """exp(cross entropy): the model is as unsure as a uniform choice among this many tokens.

    A model that gives every token probability 1/|V| scores exactly |V| (up to
    float32 rounding); a model that is always sure and right scores 1.

    Args and Returns: as `cross_entropy`, but returns exp(nats).
    """
    return math.exp(cross_entropy(model, data))


def bits_per_char(model, data):
    """Cross entropy in bits, log2(perplexity): per character for a character model.

    It is the average number of bits an ideal compressor driven by the model
    would spend per token. A uniform model over |V| tokens scores log2 |V|.

    Args and Returns: as `cross_entropy`, but returns nats / ln 2.
    """
    return cross_entropy(model, data) / math.log(2)


# --- stepping a model ------------------------------------------------------------------------
# Layers that work on each time step on its own: a Stepper can run them on one step.
_PER_STEP_LAYERS = (
    keras.layers.Embedding,
    keras.layers.Dense,
    keras.layers.Dropout,
    keras.layers.Activation,
    keras.layers.Softmax,
    keras.layers.LayerNormalization,
)
_compiled_steps = weakref.WeakKeyDictionary()  # model -> its compiled one-step function


def _steppable_layers(model):
    """The model's layers if a Stepper can run them one step at a time, else None."""
    if not isinstance(model, keras.Sequential):
        return None
    from lessons.deep import StackedRNN

    layers = []
    for layer in model.layers:
        bidirectional_stack = isinstance(layer, StackedRNN) and layer.bidirectional
        if isinstance(layer, keras.layers.Bidirectional) or bidirectional_stack:
            raise ValueError(
                f"Layer {layer.name!r} is bidirectional: it reads the future, so the model "
                "cannot be a language model (it cannot predict x^<t+1> before it has seen it)."
            )
        if isinstance(layer, keras.layers.TimeDistributed):
            layer = layer.layer
        if isinstance(layer, keras.layers.RNN):
            if not layer.return_sequences or layer.go_backwards:
                raise ValueError(
                    f"Recurrent layer {layer.name!r} must have return_sequences=True and "
                    "go_backwards=False to be part of a language model (one ŷ^<t> per step)."
                )
        elif not isinstance(layer, _PER_STEP_LAYERS):
            return None  # unknown layer: run the whole model instead
        layers.append(layer)
    return layers


def _one_step_function(layers):
    """step(x, states) -> (ŷ, new states): every layer once, recurrent cells on their state."""

    def step(x, states):
        new_states = []
        for layer in layers:
            if isinstance(layer, keras.layers.RNN):
                # One step of the cell: a^<t> = cell(x^<t>, a^<t-1>), no dropout.
                x, state = layer.cell(x, states[len(new_states)], training=False)
                new_states.append(list(state) if isinstance(state, (list, tuple)) else [state])
            else:
                x = layer(x, training=False)
        return x, new_states

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        # One trace per model; the loop over layers is plain Python, so no AutoGraph.
        return tf.function(step, autograph=False, reduce_retracing=True)  # ~10x eager speed
    return step


class Stepper:
    """Feeds a language model one token at a time, keeping its state between calls.

    Sampling feeds x^<t>, reads ŷ^<t>, draws y^<t> and feeds it back as x^<t+1>.
    Running the model on the whole sequence again at every step would redo all
    earlier steps; a Stepper instead keeps each recurrent layer's state a^<t> and
    runs one step of its cell per call.

    That works for a `keras.Sequential` whose layers are recurrent
    (`keras.layers.RNN` around a cell, or `GRU`, `LSTM`, `SimpleRNN`, all with
    `return_sequences=True`) or act on each step on its own (`Embedding`, `Dense`,
    `Dropout`, `Activation`, `Softmax`, `LayerNormalization`, `TimeDistributed`).
    Any other model, or any callable with the model interface, is run on the
    whole history at each step instead: slower, same probabilities.

    Args:
        model: A language model (see the module docstring).

    Example:

    >>> from lessons.text import CharVocab
    >>> vocab = CharVocab(["abc"])       # <pad> <unk> <eos> a b c
    >>> model = keras.Sequential([
    ...     keras.Input((None,), dtype="int32"),
    ...     keras.layers.Embedding(len(vocab), 4),
    ...     keras.layers.GRU(8, return_sequences=True),
    ...     keras.layers.Dense(len(vocab), activation="softmax"),
    ... ])
    >>> stepper = Stepper(model)         # a^<0> = 0
    >>> y_hat = stepper.step(vocab.eos)  # ŷ^<1>, a NumPy array of |V| probabilities
    >>> y_hat.shape, round(float(y_hat.sum()), 6)
    ((6,), 1.0)
    >>> stepper.reset()                  # back to a^<0> = 0
    """

    def __init__(self, model):
        if not callable(model):
            raise TypeError(f"Argument `model` must be a Keras model, got {type(model).__name__}.")
        self.model = model
        self.layers = _steppable_layers(model)
        self.steps_cells = self.layers is not None
        if self.steps_cells:
            if model not in _compiled_steps:
                _compiled_steps[model] = _one_step_function(self.layers)
            self._step = _compiled_steps[model]
        self.reset()

    def reset(self):
        """Start again from a^<0> = 0, with no tokens read."""
        self._read = np.zeros(256, dtype=np.int32)  # the tokens read so far, then spare room
        self._count = 0
        if self.steps_cells:
            self._states = [
                layer.cell.get_initial_state(batch_size=1)
                for layer in self.layers
                if isinstance(layer, keras.layers.RNN)
            ]

    @property
    def history(self):
        """The tokens read since the last `reset`, as a list of indices."""
        return self._read[: self._count].tolist()

    def step(self, index):
        """Read one token; return ŷ for the next one, |V| float64 probabilities."""
        index = check_int("index", index, minimum=0)  # a token index
        if self._count == len(self._read):
            self._read = np.concatenate([self._read, np.zeros_like(self._read)])
        self._read[self._count] = index
        self._count += 1
        if self.steps_cells:
            y_hat, self._states = self._step(np.asarray([index], dtype=np.int32), self._states)
            y_hat = keras.ops.convert_to_numpy(y_hat)[0]
        else:  # run the whole history, keep the last step
            y_hat = _predict(self.model, self._read[None, : self._count])[0, -1]
        y_hat = np.array(y_hat, dtype=np.float64)  # a copy the caller may change
        if self._count == 1:
            _check_probabilities(y_hat, "at a step")
        return y_hat


# --- sampling ----------------------------------------------------------------------------------
def apply_temperature(probs, temperature):
    """Reshape a distribution: p_i^(1/τ), normalized; that is softmax(logits / τ).

    τ = 1 leaves it as it is; τ < 1 sharpens it (the likely tokens get likelier);
    τ > 1 flattens it towards uniform. As τ -> 0 it tends to all mass on the most
    likely token, so `temperature=0` means exactly that (greedy decoding).

    Args:
        probs: A 1-D array of probabilities (zeros allowed).
        temperature: τ, a finite number >= 0.

    Returns:
        A 1-D float64 array of probabilities summing to 1.
    """
    temperature = check_number("temperature", temperature, hint=TEMPERATURE_HINT)
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 1 or p.size == 0 or np.any(p < 0) or not np.any(p > 0):
        raise ValueError(
            "Argument `probs` must be a non-empty 1-D array of non-negative numbers, "
            f"not all 0; got shape {p.shape}."
        )
    if temperature == 0:
        greedy = np.zeros_like(p)
        greedy[np.argmax(p)] = 1.0
        return greedy
    with np.errstate(divide="ignore"):
        scaled = np.log(p) / temperature  # log p_i / τ; a 0 stays -inf
    scaled -= scaled.max()  # so the largest term is e^0 = 1: a small τ cannot underflow all
    q = np.exp(scaled)
    return q / q.sum()


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
    """New text from a language model, drawn one token at a time (notes 1.7).

    First the model reads `<eos>`, if the vocabulary has one ("the previous line
    just ended", as in the `encode_lines` stream it was trained on), then the
    prefix: so the prefix starts a new line, name or poem. Then, at each step:
    take ŷ^<t>, drop the tokens that may not be drawn
    (`<pad>` always, `<unk>` unless `allow_unk`), reshape with the temperature,
    draw a token from it, and feed that token back as x^<t+1>.

    Refusing `<unk>` gives exactly the distribution of "draw again until it is
    not `<unk>`": the other tokens' probabilities, renormalized.

    Args:
        model: A language model (see the module docstring), e.g. Embedding ->
            `keras.layers.RNN(lessons.GRUCell(n), return_sequences=True)` ->
            Dense(|V|, softmax). Run step by step with a `Stepper`.
        vocab: The `CharVocab` or `WordVocab` the model was trained with.
        prefix: Text to start from (a string), read after `<eos>`; may be ""
            when the vocabulary has `<eos>`.
        length: The most tokens to generate (an integer >= 0). Default 200.
        temperature: τ >= 0: 1 draws from ŷ as it is, < 1 is more conservative,
            > 1 more adventurous, 0 is greedy (always the most likely token, no
            randomness). Negative raises ValueError. Default 1.
        seed: None, an integer or a `np.random.Generator`: the same seed gives the
            same text.
        stop_at_eos: Stop when `<eos>` is drawn (it is not returned), if the
            vocabulary has one. False keeps drawing, and `<eos>` appears in the
            text. Default True.
        allow_unk: Whether `<unk>` may be drawn. Default False.

    Returns:
        The generated text only (without the prefix), decoded with `vocab.decode`:
        at most `length` tokens.

    Raises:
        TypeError, ValueError: a bad argument, named in the message; the model's
            outputs are not |V| probabilities.
    """
    if not isinstance(vocab, Vocab):
        raise TypeError(
            f"Argument `vocab` must be a CharVocab or WordVocab, got {type(vocab).__name__}."
        )
    if not isinstance(prefix, str):
        raise TypeError(f"Argument `prefix` must be a string, got {type(prefix).__name__}.")
    length = check_int("length", length, minimum=0)
    temperature = check_number("temperature", temperature, hint=TEMPERATURE_HINT)
    rng = random_generator(seed)
    stop_at_eos = check_bool("stop_at_eos", stop_at_eos)
    allow_unk = check_bool("allow_unk", allow_unk)

    start = [] if vocab.eos is None else [vocab.eos]  # "the previous line just ended"
    prefix_ids = start + vocab.encode(prefix).tolist()
    if not prefix_ids:
        raise ValueError(
            "Argument `prefix` is empty and the vocabulary has no <eos> to start from; "
            "give at least one token of text."
        )
    banned = [i for i in (vocab.pad, None if allow_unk else vocab.unk) if i is not None]

    stepper = Stepper(model)
    for index in prefix_ids:
        y_hat = stepper.step(index)
    if len(y_hat) != len(vocab):
        raise ValueError(
            f"The model predicts {len(y_hat)} tokens but `vocab` has {len(vocab)}: "
            "use the vocabulary the model was trained with."
        )
    generated = []
    for _ in range(length):
        y_hat[banned] = 0.0
        if not np.any(y_hat > 0):
            raise ValueError("The model gives probability 0 to every token that may be drawn.")
        q = apply_temperature(y_hat, temperature)
        index = int(rng.choice(len(q), p=q))
        if stop_at_eos and index == vocab.eos:
            break
        generated.append(index)
        y_hat = stepper.step(index)
    return vocab.decode(generated)
