"""Hidden tests for lesson 08 (regularization): dropout masks, zoneout, the AR/TAR penalty and
early stopping.

Dropout masks and zoneout are random, and students may draw their coins in
any order, so their probes never return the masks. They return what every
correct implementation gives identically for any seed: shapes, the set of
values, and booleans computed here from many coins (the fraction dropped or
kept within 5 standard deviations of p, masks identical along time or as
independent as fresh draws, rows and units with coins of their own, fresh
coins on every call). A correct function fails one of these bounds about once
in a million gradings. Zoneout's inference branch is deterministic and
compared as an array. The AR/TAR penalty and early stopping are
deterministic: their values on inputs drawn from the seed (junk in the
padding, padding at the front, one-step sequences, mask=None, ties between
losses).
"""

import numpy as np

from instructor.grading import capture, within

SIGMAS = 5.0


def _within(observed, p, n):
    """Whether a fraction observed in n Bernoulli(p) draws is within SIGMAS of p."""
    return bool(abs(observed - p) <= SIGMAS * np.sqrt(p * (1 - p) / n) + 1e-12)


def _array(value):
    return np.asarray(value, dtype=np.float64)


# --- dropout_masks ------------------------------------------------------------------------
def _mask_summary(dropout_masks, shape, rate, per_sequence, seed):
    batch, steps, units = shape
    mask = _array(
        dropout_masks(np.random.default_rng(seed), batch, steps, units, rate, per_sequence)
    )
    if mask.shape != shape:
        return {"shape": list(mask.shape)}
    dropped = float(np.mean(mask == 0))
    coins = batch * units * (1 if per_sequence else steps)
    same_as_next = float(np.mean(mask[:, 1:] == mask[:, :-1]))
    summary = {
        "shape": list(mask.shape),
        "values (the first 10, rounded)": np.unique(np.round(mask, 6))[:10].tolist(),
        "fraction dropped within 5 sigma of p": _within(dropped, rate, coins),
        "identical along time": bool(same_as_next == 1.0),
        "rows differ": bool(not np.all(mask == mask[:1])),
        "units differ": bool(not np.all(mask == mask[..., :1])),
    }
    if not per_sequence:
        agree = rate**2 + (1 - rate) ** 2  # two independent coins agree
        summary["step-to-step agreement within 5 sigma of p² + (1 − p)²"] = _within(
            same_as_next, agree, mask[:, 1:].size
        )
    return summary


def _masks(dropout_masks, seed, per_sequence):
    rng = np.random.default_rng([seed, int(per_sequence)])
    rates = np.round(rng.uniform(0.1, 0.6, size=2), 2).tolist()
    shapes = [
        (int(rng.integers(30, 50)), int(rng.integers(15, 30)), int(rng.integers(40, 70)))
        for _ in range(3)
    ]
    seeds = rng.integers(0, 2**31, size=5).tolist()
    cases = {
        f"p = {rates[0]}": _mask_summary(
            dropout_masks, shapes[0], rates[0], per_sequence, seeds[0]
        ),
        f"p = {rates[1]}, another shape": _mask_summary(
            dropout_masks, shapes[1], rates[1], per_sequence, seeds[1]
        ),
        "p = 0": _mask_summary(dropout_masks, shapes[2], 0.0, per_sequence, seeds[2]),
    }
    small = (3, 6, 8, 0.5, per_sequence)
    first = _array(dropout_masks(np.random.default_rng(seeds[3]), *small))
    again = _array(dropout_masks(np.random.default_rng(seeds[3]), *small))
    other = _array(dropout_masks(np.random.default_rng(seeds[4]), *small))
    cases["the same seed, the same masks"] = bool(np.array_equal(first, again))
    cases["another seed, other masks"] = bool(not np.array_equal(first, other))
    return cases


def probe_dropout_masks(dropout_masks, seed):
    return {
        "a fresh mask at every step": capture(_masks, dropout_masks, seed, False),
        "one mask per sequence": capture(_masks, dropout_masks, seed, True),
    }


# --- zoneout --------------------------------------------------------------------------
def _states(seed):
    rng = np.random.default_rng([seed, 2])
    batch, units = int(rng.integers(120, 180)), int(rng.integers(30, 60))
    old = rng.normal(size=(batch, units)).astype("float32")
    step = rng.uniform(0.5, 1.5, size=old.shape) * rng.choice([-1.0, 1.0], size=old.shape)
    new = (old + step).astype("float32")  # differs from old everywhere
    rate = round(float(rng.uniform(0.15, 0.6)), 2)
    return old, new, rate, int(rng.integers(0, 2**31))


def _zoneout_inference(zoneout, seed):
    import keras

    old, new, rate, generator_seed = _states(seed)
    return {
        f"rate {rate}": _array(zoneout(old, new, rate, False, keras.random.SeedGenerator(1))),
        "rate 0": _array(zoneout(old, new, 0.0, False, keras.random.SeedGenerator(2))),
    }


def _zoneout_training(zoneout, seed):
    import keras

    old, new, rate, generator_seed = _states(seed)
    generator = keras.random.SeedGenerator(generator_seed)
    first = _array(zoneout(old, new, rate, True, generator))
    if first.shape != old.shape:
        return {"shape": list(first.shape)}
    second = _array(zoneout(old, new, rate, True, generator))
    nothing_kept = _array(zoneout(old, new, 0.0, True, generator))
    is_old = np.isclose(first, old, atol=1e-6)
    is_new = np.isclose(first, new, atol=1e-6)
    return {
        "shape": list(first.shape),
        "every entry old or new": bool(np.all(is_old | is_new)),
        f"fraction old within 5 sigma of p = {rate}": _within(float(is_old.mean()), rate, old.size),
        "coins differ across units (not one per example)": bool(
            np.mean(is_old.all(axis=1) | is_new.all(axis=1)) < 0.5
        ),
        "coins differ across examples (not one per unit)": bool(
            np.mean(is_old.all(axis=0) | is_new.all(axis=0)) < 0.5
        ),
        "fresh coins on a second call": bool(
            second.shape == first.shape and not np.array_equal(first, second)
        ),
        "rate 0 keeps every new value": bool(
            nothing_kept.shape == new.shape and np.allclose(nothing_kept, new, atol=1e-6)
        ),
    }


def probe_zoneout(zoneout, seed):
    return {
        "inference": capture(_zoneout_inference, zoneout, seed),
        "training": capture(_zoneout_training, zoneout, seed),
    }


compare_zoneout = within(rtol=1e-4, atol=1e-5)  # float32 arithmetic


# --- ar_tar_penalty -----------------------------------------------------------------------
def _penalty(ar_tar_penalty, H, mask, alpha, beta):
    value = ar_tar_penalty(H.copy(), None if mask is None else mask.copy(), alpha, beta)
    return float(_array(value).reshape(()))


def _front_mask(lengths, T):
    return np.arange(T)[None, :] >= T - np.asarray(lengths)[:, None]


def probe_ar_tar_penalty(ar_tar_penalty, seed):
    rng = np.random.default_rng(seed)
    batch, T, units = int(rng.integers(3, 6)), int(rng.integers(5, 9)), int(rng.integers(3, 7))
    H = rng.normal(size=(batch, T, units)).astype("float32")
    alpha, beta = (round(float(a), 2) for a in rng.uniform(0.5, 3.0, size=2))
    lengths = rng.integers(1, T + 1, size=batch)
    lengths[:3] = [T, 1, 2]  # a full row, a one-step row, one pair
    back = np.arange(T)[None, :] < lengths[:, None]
    junk = rng.normal(9.0, 3.0, size=H.shape).astype("float32")
    with_junk = np.where(back[..., None], H, junk).astype("float32")
    front = _front_mask(lengths, T)
    front_padded = np.where(front[..., None], H, 0.0).astype("float32")
    one_step = rng.normal(size=(4, 1, units)).astype("float32")

    padding = {  # the first call outside `capture`: a blank exercise is missing, not wrong
        "padded rows, junk in the padding": _penalty(ar_tar_penalty, with_junk, back, alpha, beta)
    }
    for description, args in {
        "AR only, padded rows": (with_junk, back, alpha, 0.0),
        "TAR only, padded rows": (with_junk, back, 0.0, beta),
        "TAR only, padding at the front": (front_padded, front, 0.0, beta),
        "padding at the front": (front_padded, front, alpha, beta),
    }.items():
        padding[description] = capture(_penalty, ar_tar_penalty, *args)
    no_padding = {
        description: capture(_penalty, ar_tar_penalty, *args)
        for description, args in {
            "mask=None": (H, None, alpha, beta),
            "AR only, mask=None": (H, None, alpha, 0.0),
            "TAR only, mask=None": (H, None, 0.0, beta),
            "every step real in the mask": (H, np.ones((batch, T), bool), alpha, beta),
            "one-step sequences (no pairs)": (one_step, np.ones((4, 1), bool), alpha, beta),
        }.items()
    }
    return {"padding": padding, "no padding": no_padding}


compare_ar_tar_penalty = within(rtol=1e-4, atol=1e-6)  # float32 arithmetic


# --- early_stopping ---------------------------------------------------------------------
def _epochs(early_stopping, losses, patience):
    stopped, best = early_stopping(list(losses), patience)
    return [int(stopped), int(best)]


def probe_early_stopping(early_stopping, seed):
    rng = np.random.default_rng(seed)
    walk = np.round(1.0 + np.cumsum(rng.normal(-0.03, 0.1, 12)), 3)
    b = round(float(rng.uniform(0.3, 0.8)), 2)
    tie = [b + 0.3, b, b, b, b - 0.1, b + 0.2]  # Keras stops at the third b: ties don't improve
    ties = rng.integers(2, 7, size=10) / 10  # few values: ties with the best loss
    valley = np.round(np.concatenate([np.linspace(1.0, 0.5, 4), np.linspace(0.55, 0.9, 6)]), 3)
    cases = {
        "a random walk, patience 2": (walk, 2),
        "losses with ties, patience 2": (ties, 2),
        "losses with ties, patience 1": (ties, 1),
        "a loss that falls, then rises, patience 3": (valley, 3),
        "a loss that keeps falling": (np.sort(rng.uniform(0.1, 1.0, 6))[::-1], 2),
        "the first epoch is the best": (np.concatenate([[0.1], rng.uniform(0.2, 1.0, 6)]), 3),
        "ties with the best loss, then a better one": (tie, 2),
        "a late recovery within the patience": ([0.8, 0.5, 0.5, 0.6, 0.4, 0.7, 0.7], 3),
        "one epoch": ([float(rng.uniform(0.1, 1.0))], 2),
        "patience longer than training": (rng.uniform(0.1, 1.0, 4), 6),
    }
    first, *rest = cases.items()
    results = {first[0]: _epochs(early_stopping, [float(v) for v in first[1][0]], first[1][1])}
    for description, (losses, patience) in rest:
        results[description] = capture(
            _epochs, early_stopping, [float(v) for v in losses], patience
        )
    return {"epochs": results}
