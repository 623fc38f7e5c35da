"""Synthetic tasks where memory matters."""

import numpy as np


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
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 2:
        raise ValueError(f"Argument `length` must be an integer >= 2, got {length!r}.")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"Argument `n` must be a positive integer, got {n!r}.")
    rng = np.random.default_rng(seed)
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
