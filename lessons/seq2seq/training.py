"""Training a `Seq2Seq` with teacher forcing: encoded sources, shifted targets, the masked loss."""

import keras
import numpy as np
from keras import ops

from lessons import text
from lessons.seq2seq.layers import _check_vocab
from lessons.text.vocab import check_indices, is_index_vector


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
    return is_index_vector(ids)


def _encode(item, vocab, name, position):
    """One text (a string, or a list of word tokens) or index sequence as a 1-D int32 array."""
    if isinstance(item, str) or (_is_token_list(item) and len(item) > 0):
        try:
            return vocab.encode(item)
        except (TypeError, ValueError) as error:  # say which argument and item it was
            message = str(error).replace("Argument `text`", "it")
            raise type(error)(f"Argument `{name}`, item {position} ({item!r}): {message}") from None
    ids = np.asarray(item)
    check_indices(
        ids,
        len(vocab),
        f"Argument `{name}`, item {position}, must be a string, a list of word tokens or a "
        f"1-D sequence of integer indices; got {item!r}.",
        f"Argument `{name}`, item {position}, holds the index {{}}, outside the vocabulary's "
        f"0..{len(vocab) - 1}.",
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

    >>> from lessons.text import CharVocab
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
