"""Decoding a trained `Seq2Seq`: greedy, sampled and beam search, all through one step function."""

import weakref
from typing import NamedTuple

import keras
import numpy as np
from keras import ops

from lessons import text
from lessons.arguments import check_bool, check_int, check_number
from lessons.arguments import rng as random_generator
from lessons.seq2seq.layers import Seq2Seq
from lessons.seq2seq.training import (
    _is_index_sequence,
    _is_token_list,
    encode_sources,
    teacher_forcing_pairs,
)


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
    return_attention = check_bool("return_attention", return_attention)
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
    temperature = check_number("temperature", temperature, hint=text.TEMPERATURE_HINT)
    rng = random_generator(seed)

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
    alpha = check_number("length_penalty", length_penalty)
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
    steps = len(per_step) if check_bool("add_eos", add_eos) else len(per_step) - 1
    return float(np.sum(per_step[:steps].astype(np.float64)))
