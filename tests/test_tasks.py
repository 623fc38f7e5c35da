"""The synthetic memory tasks: shapes, statistics over many samples, bad input.

Nothing here compares with one seeded array: each test checks a property that
every draw must have (two markers, one per half; the cue at the last k steps)
or a statistic over thousands of sequences that a correct generator meets
with overwhelming probability.
"""

import math

import numpy as np
import pytest

from lessons.tasks import (
    ADDING_BASELINE_MSE,
    adding_problem,
    copy_baseline_error,
    copy_problem,
)


# --- the adding problem --------------------------------------------------------------------
@pytest.mark.parametrize("length", [2, 7, 50])
def test_adding_problem_shapes_markers_and_targets(length):
    x, y = adding_problem(3000, length, seed=1)
    assert x.shape == (3000, length, 2) and y.shape == (3000, 1)
    assert x.dtype == np.float32 and y.dtype == np.float32
    values, markers = x[..., 0], x[..., 1]
    assert set(np.unique(markers)) <= {0.0, 1.0}
    half = length // 2
    assert (markers[:, :half].sum(axis=1) == 1).all()  # one marker in the first half
    assert (markers[:, half:].sum(axis=1) == 1).all()  # and one in the second
    np.testing.assert_allclose(y[:, 0], (values * markers).sum(axis=1), rtol=1e-6)


def test_adding_problem_statistics():
    x, y = adding_problem(20_000, 20, seed=2)
    values, markers = x[..., 0], x[..., 1]
    assert values.min() >= 0.0 and values.max() < 1.0
    assert abs(values.mean() - 0.5) < 0.005 and abs(values.var() - 1 / 12) < 0.002
    # The target is the sum of two independent uniforms: mean 1, variance 1/6, so always
    # answering 1 scores the baseline MSE.
    assert abs(y.mean() - 1.0) < 0.01
    assert abs(np.mean((y - 1.0) ** 2) - ADDING_BASELINE_MSE) < 0.005
    # Each marker's position is uniform over its half.
    for positions in (markers[:, :10].argmax(axis=1), markers[:, 10:].argmax(axis=1)):
        counts = np.bincount(positions, minlength=10)
        assert counts.min() > 0.85 * 2000 and counts.max() < 1.15 * 2000


def test_adding_problem_repeats_with_a_seed_and_changes_without():
    a, b, c = (adding_problem(64, 10, seed=s)[0] for s in (5, 5, 6))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        ({"n": 4, "length": 1}, ValueError, "length"),
        ({"n": 4, "length": 3.0}, TypeError, "length"),  # a wrong type, as everywhere in the kit
        ({"n": 0, "length": 5}, ValueError, "`n`"),
        ({"n": True, "length": 5}, TypeError, "`n`"),
    ],
)
def test_adding_problem_bad_input_names_the_argument(kwargs, error, word):
    with pytest.raises(error, match=word):
        adding_problem(**kwargs)


# --- the copy task -------------------------------------------------------------------------
@pytest.mark.parametrize("k, delay, alphabet", [(1, 0, 2), (1, 30, 8), (3, 5, 4)])
def test_copy_problem_layout(k, delay, alphabet):
    x, y = copy_problem(500, delay, k=k, alphabet=alphabet, seed=3)
    assert x.shape == (500, 2 * k + delay, alphabet + 1) and x.dtype == np.float32
    assert y.shape == (500, k) and y.dtype == np.int32
    assert y.min() >= 0 and y.max() < alphabet
    symbols, cue = x[..., :alphabet], x[..., alphabet]
    # The first k steps show the targets, one-hot; nothing else shows a symbol.
    assert (symbols[:, :k].sum(axis=-1) == 1).all()
    assert (symbols[:, :k].argmax(axis=-1) == y).all()
    assert (symbols[:, k:] == 0).all()
    # The cue is on exactly at the last k steps; the blank stretch is all zeros.
    assert (cue[:, -k:] == 1).all() and (cue[:, :-k] == 0).all()
    assert (x[:, k : k + delay] == 0).all()


def test_copy_problem_symbols_are_uniform_and_independent():
    alphabet = 8
    _, y = copy_problem(16_000, 5, k=2, alphabet=alphabet, seed=4)
    for j in range(2):
        counts = np.bincount(y[:, j], minlength=alphabet)
        assert counts.min() > 0.9 * 2000 and counts.max() < 1.1 * 2000
    # The two symbols of a sequence are independent: every pair about equally often.
    pairs = np.bincount(y[:, 0] * alphabet + y[:, 1], minlength=alphabet**2)
    assert pairs.min() > 0.6 * 250 and pairs.max() < 1.4 * 250
    # Guessing the most frequent symbol is no better than the stated baseline.
    best_guess_error = 1 - np.bincount(y.ravel()).max() / y.size
    assert abs(best_guess_error - copy_baseline_error(alphabet)) < 0.01


def test_copy_problem_repeats_with_a_seed_and_changes_without():
    a, b, c = (copy_problem(64, 10, k=2, seed=s)[1] for s in (5, 5, 6))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_copy_baseline_error():
    assert copy_baseline_error() == 0.875
    assert math.isclose(copy_baseline_error(2), 0.5)


@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        ({"n": 0, "delay": 5}, ValueError, "`n`"),
        ({"n": 2.0, "delay": 5}, TypeError, "`n`"),
        ({"n": 2, "delay": -1}, ValueError, "`delay`"),
        ({"n": 2, "delay": "5"}, TypeError, "`delay`"),
        ({"n": 2, "delay": 5, "k": 0}, ValueError, "`k`"),
        ({"n": 2, "delay": 5, "k": True}, TypeError, "`k`"),
        ({"n": 2, "delay": 5, "alphabet": 1}, ValueError, "`alphabet`"),
        ({"n": 2, "delay": 5, "alphabet": None}, TypeError, "`alphabet`"),
    ],
)
def test_copy_problem_bad_input_names_the_argument(kwargs, error, word):
    with pytest.raises(error, match=word):
        copy_problem(**kwargs)
    if "alphabet" in kwargs:
        with pytest.raises(error, match=word):
            copy_baseline_error(kwargs["alphabet"])
