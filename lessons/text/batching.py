"""Training data for language models and taggers: windows cut from a corpus, padded batches.

`windows` and `bucketed_batches` return TensorFlow's `tf.data.Dataset`, which
Keras 3's `fit`, `evaluate` and `predict` read on every backend (JAX and
PyTorch included): they need TensorFlow installed, not the TensorFlow backend.
`window_arrays` and `pad_sequences` are NumPy alone.
"""

import numpy as np

from lessons.arguments import check_bool, check_int
from lessons.arguments import rng as random_generator
from lessons.text.vocab import is_index_vector


def _tf(name):
    """TensorFlow, for its `tf.data`; a clear error where it is not installed."""
    try:
        import tensorflow as tf
    except ImportError as error:
        raise ImportError(
            f"`{name}` builds a tf.data.Dataset and needs TensorFlow (`pip install "
            "tensorflow`), on any Keras backend; without it, `window_arrays` gives the "
            "same windows as NumPy arrays for `fit(x, y)`."
        ) from error
    return tf


# --- training windows -----------------------------------------------------------------------
def _check_ids(ids, name="ids"):
    ids = np.asarray(ids)
    if not is_index_vector(ids):
        raise TypeError(
            f"Argument `{name}` must be a 1-D sequence of integer indices (e.g. from "
            f"vocab.encode), got shape {ids.shape} and dtype {ids.dtype}."
        )
    if ids.size == 0:
        raise ValueError(f"Argument `{name}` is empty: the corpus has no tokens.")
    return ids.astype(np.int32)


def window_arrays(ids, seq_len):
    """The (input, target) windows of `windows` as two NumPy arrays (no batching).

    Window k covers ids[k L : k L + L + 1] with L = `seq_len`: its input is the
    first L of those indices, its target the last L, so target[t] = input[t + 1]
    (y^<t> = x^<t+1>). Consecutive windows overlap by one index, so every token
    but the first is a target exactly once; a tail too short for a window is dropped.

    Returns:
        `(inputs, targets)`, two int32 arrays of shape (n, L), n = (len(ids) - 1) // L.
    """
    ids = _check_ids(ids)
    seq_len = check_int("seq_len", seq_len)
    n = (len(ids) - 1) // seq_len
    if n == 0:
        raise ValueError(
            f"Argument `seq_len` is {seq_len}, but the corpus has only {len(ids)} tokens: "
            f"a window needs seq_len + 1 = {seq_len + 1}. Use a shorter seq_len."
        )
    rows = np.arange(n)[:, None] * seq_len + np.arange(seq_len + 1)[None, :]
    cut = ids[rows]
    return cut[:, :-1], cut[:, 1:]


def windows(ids, seq_len, batch_size=64, shuffle=False, seed=None, drop_remainder=False):
    """A `tf.data.Dataset` of (input, target) windows cut from one long index sequence.

    Args:
        ids: The corpus as a 1-D sequence of indices (`vocab.encode(text)`).
        seq_len: T, the number of steps per window.
        batch_size: Windows per batch. Default 64.
        shuffle: Whether to shuffle the windows (again at every epoch). Default False.
        seed: Seed of the shuffle, for runs that repeat.
        drop_remainder: Whether to drop a last, smaller batch. Training with XLA
            wants True (every batch the same shape); evaluation False (every
            window counts). Default False.

    Returns:
        A `tf.data.Dataset` of `(x, y)` int32 batches of shape (batch, seq_len),
        with y[:, t] = x[:, t + 1]: the target is the input shifted by one step.

    Example:

    >>> x, y = next(iter(windows(np.arange(10), seq_len=4, batch_size=2)))
    >>> x.numpy().tolist(), y.numpy().tolist()
    ([[0, 1, 2, 3], [4, 5, 6, 7]], [[1, 2, 3, 4], [5, 6, 7, 8]])
    """
    tf = _tf("windows")
    inputs, targets = window_arrays(ids, seq_len)
    batch_size = check_int("batch_size", batch_size)
    dataset = tf.data.Dataset.from_tensor_slices((inputs, targets))
    if check_bool("shuffle", shuffle):
        dataset = dataset.shuffle(len(inputs), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=check_bool("drop_remainder", drop_remainder))
    return dataset.prefetch(tf.data.AUTOTUNE)


def pad_sequences(sequences, length=None):
    """Index sequences as one int32 array (n, length), padded at the end with `<pad>` = 0.

    `length` defaults to the longest sequence; longer sequences are an error,
    not cut, so that no token is lost without a word.
    """
    sequences = [np.asarray(s) for s in sequences]
    longest = max((len(s) for s in sequences), default=0)
    length = longest if length is None else check_int("length", length)
    if longest > length:
        raise ValueError(
            f"Argument `length` is {length}, but a sequence has {longest} tokens; "
            "pass a length of at least the longest sequence (or leave it out)."
        )
    out = np.zeros((len(sequences), length), dtype=np.int32)
    for i, s in enumerate(sequences):
        out[i, : len(s)] = s
    return out


def bucketed_batches(inputs, targets, batch_size=64, shuffle=False, seed=0):
    """A `tf.data.Dataset` of padded (input, target) batches of similar-length sequences.

    For many-to-many tasks such as tagging, where input i and target i have the
    same length. The sequences are sorted by length and cut into batches, each
    padded with 0 only to its own longest sequence, so little work is spent on
    padding. With `shuffle`, the batches come in a new order at every epoch
    (a sequence always shares its batch with the same neighbours).

    Args:
        inputs: A list of 1-D integer sequences (e.g. word ids).
        targets: A list of 1-D integer sequences, `len(targets[i]) == len(inputs[i])`.
        batch_size: Sequences per batch. Default 64.
        shuffle: Whether to shuffle the order of the batches. Default False.
        seed: Seed of the shuffle.

    Returns:
        A `tf.data.Dataset` of `(x, y)` int32 batches of shape (batch, T_batch).
    """
    tf = _tf("bucketed_batches")
    if len(inputs) != len(targets) or len(inputs) == 0:
        raise ValueError(
            "Arguments `inputs` and `targets` must be non-empty lists of the same length, "
            f"got {len(inputs)} inputs and {len(targets)} targets."
        )
    lengths = [len(x) for x in inputs]
    for i, (x, y) in enumerate(zip(inputs, targets)):
        if len(x) != len(y) or len(x) == 0:
            raise ValueError(
                f"Sequence {i}: `inputs` and `targets` must be non-empty and of the same "
                f"length, got {len(x)} and {len(y)}."
            )
    batch_size = check_int("batch_size", batch_size)
    shuffle = check_bool("shuffle", shuffle)
    order = np.argsort(lengths, kind="stable")
    groups = [order[k : k + batch_size] for k in range(0, len(order), batch_size)]
    batches = [
        (pad_sequences([inputs[i] for i in g]), pad_sequences([targets[i] for i in g]))
        for g in groups
    ]
    rng = random_generator(seed)

    def generate():
        for k in rng.permutation(len(batches)) if shuffle else range(len(batches)):
            yield batches[k]

    spec = tf.TensorSpec((None, None), tf.int32)
    dataset = tf.data.Dataset.from_generator(generate, output_signature=(spec, spec))
    return dataset.apply(tf.data.experimental.assert_cardinality(len(batches)))
