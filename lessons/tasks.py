"""Synthetic tasks where memory matters."""

import numpy as np

from lessons.arguments import check_int
from lessons.arguments import rng as random_generator


def adding_problem(n, length, seed=0):
    """The adding problem (Hochreiter & Schmidhuber, 1997).

    Each sequence has `length` steps of two features: a random number in
    [0, 1) and a marker that is 1 at exactly two steps, one in the first half
    and one in the second. The target is the sum of the two marked numbers,
    so the network must remember the first one for at least length/2 steps.
    Always predicting 1 scores an MSE of 1/6 ≈ 0.167 (the trivial baseline).

    Args:
        n: Number of sequences.
        length: Steps per sequence (at least 2).
        seed: Seed for NumPy's generator.

    Returns:
        `(x, y)` with shapes `(n, length, 2)` and `(n, 1)`, float32.
    """
    length = check_int("length", length, minimum=2)
    n = check_int("n", n)
    rng = random_generator(seed)
    values = rng.random((n, length), dtype=np.float32)
    half = length // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, length, size=n)
    markers = np.zeros((n, length), dtype=np.float32)
    markers[np.arange(n), first] = 1.0
    markers[np.arange(n), second] = 1.0
    x = np.stack([values, markers], axis=-1)
    y = (values[np.arange(n), first] + values[np.arange(n), second])[:, None]
    return x, y.astype(np.float32)


ADDING_BASELINE_MSE = 1.0 / 6.0


def copy_problem(n, delay, k=1, alphabet=8, seed=0):
    """The copy (remember) task: read k symbols, wait `delay` blank steps, write them back.

    Each sequence has 2k + delay steps of `alphabet + 1` features. The first k
    steps show k random symbols (one-hot in the first `alphabet` features); the
    next `delay` steps are blank (all zeros); during the last k steps the extra
    feature is 1, the cue "recall now", and nothing else is shown. The targets
    are the k symbols in their order, to be produced at those last k steps. So
    the first symbol must be held for k + delay steps. A model that does not
    remember can only guess: accuracy 1/alphabet (error 1 − 1/alphabet, the
    trivial baseline, `copy_baseline_error`), cross-entropy log(alphabet).

    Args:
        n: Number of sequences.
        delay: T, the number of blank steps between the symbols and the cue (>= 0).
        k: Symbols to remember per sequence. Default 1.
        alphabet: Number of distinct symbols (>= 2). Default 8.
        seed: Seed for NumPy's generator.

    Returns:
        `(x, y)`: x float32 of shape `(n, 2k + delay, alphabet + 1)`, y int32 of
        shape `(n, k)` with values in 0..alphabet-1 (y[i, j] is the symbol shown
        at step j, to be written at step k + delay + j).

    Example:

    >>> x, y = copy_problem(2, delay=4, k=2, alphabet=3)
    >>> x.shape, y.shape
    ((2, 8, 4), (2, 2))
    >>> bool((x[:, :2, :3].argmax(-1) == y).all())
    True
    """
    n = check_int("n", n, 1)
    delay = check_int("delay", delay, 0)
    k = check_int("k", k, 1)
    alphabet = check_int("alphabet", alphabet, 2)
    rng = random_generator(seed)
    y = rng.integers(0, alphabet, size=(n, k)).astype(np.int32)
    x = np.zeros((n, 2 * k + delay, alphabet + 1), dtype=np.float32)
    rows, steps = np.arange(n)[:, None], np.arange(k)[None, :]
    x[rows, steps, y] = 1.0  # the symbols, one-hot, at steps 0..k-1
    x[:, k + delay :, alphabet] = 1.0  # the cue at the last k steps
    return x, y


def copy_baseline_error(alphabet=8):
    """The copy task's error rate when guessing: 1 − 1/alphabet (0.875 for 8 symbols)."""
    return 1.0 - 1.0 / check_int("alphabet", alphabet, 2)
