"""Checks for lesson 08 (regularization): dropout masks, zoneout, AR/TAR, early stopping.

`check_dropout_masks` draws many masks from the student's function and tests
them: the values (0 or 1/(1 − p)), then the layout of the coins (each
sequence and unit its own; identical along time for one mask per sequence,
not for fresh masks), then by statistics the fraction dropped and, for fresh
masks, how often two steps agree, with bounds a correct function misses
about once in a million runs. The layout comes first because the bounds
assume one coin per entry. Generators seeded alike must give the same masks,
seeded differently other masks.

`check_zoneout` compares the inference branch with p·old + (1 − p)·new from
NumPy, and the training branch: every entry is either the old or the new
value, one coin per unit and example, the old value with probability p, and
fresh coins call by call.

`check_ar_tar_penalty` compares with a NumPy loop over the real time steps,
then changes the padded steps, which must change nothing, and moves the
padding to the front (keras.utils.pad_sequences' default).

`check_early_stopping` replays validation losses through Keras' own
`keras.callbacks.EarlyStopping` and compares the epochs.
"""

import keras
import numpy as np

from lessons.checks import (
    CheckFailed,
    all_passed,
    error_text,
    expect,
    expect_items,
    passed,
    run_student_code,
)

# The kit's own answers to each exercise, which a student's code must not hand in
# (lessons.checks.tripwire watches them while a check or the grader's probe runs).
KIT_ANSWERS = {
    "ar_tar_penalty": [
        "lessons.regularize.ar_tar_penalty",
        "lessons.ActivationRegularization",
        "lessons.checks.lesson08.reference_ar_tar",
    ],
    "dropout_masks": [
        "lessons.checks.lesson08.reference_dropout_masks",
    ],
    "early_stopping": [
        "lessons.checks.lesson08.reference_early_stopping",
    ],
    "zoneout": [
        "lessons.Zoneout",
    ],
}

SIGMAS = 5.0  # a correct random function fails a statistical bound about once in 10^6 runs


# --- references ---------------------------------------------------------------------
def reference_ar_tar(H, mask, alpha, beta):
    """α · mean ‖H_t‖²/h over real steps + β · mean ‖H_t − H_{t−1}‖²/h over real pairs."""
    H = np.asarray(H, np.float64)
    mask = np.ones(H.shape[:2], bool) if mask is None else np.asarray(mask, bool)
    squares, changes = [], []
    for b in range(H.shape[0]):
        for t in range(H.shape[1]):
            if mask[b, t]:
                squares.append(np.mean(H[b, t] ** 2))
                if t > 0 and mask[b, t - 1]:
                    changes.append(np.mean((H[b, t] - H[b, t - 1]) ** 2))
    ar = np.mean(squares) if squares else 0.0
    tar = np.mean(changes) if changes else 0.0
    return alpha * ar + beta * tar


def reference_dropout_masks(rng, batch, steps, units, rate, per_sequence):
    """Masks of 0 and 1/(1 − p): one coin per (sequence, unit), or per (sequence, step, unit)."""
    shape = (batch, 1, units) if per_sequence else (batch, steps, units)
    kept = (rng.random(shape) >= rate) / (1.0 - rate)
    return np.broadcast_to(kept, (batch, steps, units)).copy()


class _Trainer:
    """What `EarlyStopping` needs of a model: a flag it sets to stop training."""

    stop_training = False


def reference_early_stopping(val_losses, patience):
    """(last epoch trained, best epoch), both from Keras' own EarlyStopping, 0-based."""
    callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience)
    trainer = _Trainer()
    callback.set_model(trainer)
    callback.on_train_begin()
    last = 0
    for epoch, loss in enumerate(val_losses):
        last = epoch
        callback.on_epoch_end(epoch, {"val_loss": float(loss)})
        if trainer.stop_training:
            break
    return last, int(callback.best_epoch)


# --- shared pieces ----------------------------------------------------------------
def _numpy(value, what):
    __tracebackhide__ = True
    try:
        return np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)
    except Exception as error:
        raise CheckFailed(
            f"{what} should return an array or a tensor; it returned {type(value).__name__}: "
            f"{error_text(error)}"
        ) from None


def _within(observed, p, n):
    """Whether a fraction observed in n Bernoulli(p) draws is within SIGMAS of p."""
    return bool(abs(observed - p) <= SIGMAS * np.sqrt(p * (1 - p) / n) + 1e-12)


# --- exercise: dropout_masks --------------------------------------------------------
def check_dropout_masks(dropout_masks):
    """Check `dropout_masks(rng, batch, steps, units, rate, per_sequence)` (exercise 1)."""
    __tracebackhide__ = True
    for per_sequence in (False, True):
        kind = "one mask per sequence" if per_sequence else "a fresh mask at every step"
        call = f"dropout_masks(rng, 40, 30, 50, 0.3, per_sequence={per_sequence})"
        mask = _draw(dropout_masks, call, 40, 30, 50, 0.3, per_sequence)
        _check_values(mask, 0.3, call)
        # The coins' layout first: the statistics after it assume one coin per entry drawn.
        _check_rows_differ(mask, call)
        _check_time(mask, call, per_sequence)
        _check_fraction(mask, 0.3, call, per_sequence)
        if not per_sequence:
            _check_independent_steps(mask, 0.3, call)
        passed(f"per_sequence={per_sequence} ({kind}): values, fraction dropped, steps alike")

    call = "dropout_masks(rng, 3, 4, 5, 0.0, per_sequence=False)"
    mask = _draw(dropout_masks, call, 3, 4, 5, 0.0, False)
    expect(
        np.all(mask == 1.0),
        f"{call} should drop nothing: every entry 1. Got entries {np.unique(mask)}.",
    )
    passed("rate 0: nothing dropped, every entry 1")

    first = _draw(dropout_masks, "dropout_masks with rng seeded 7", 2, 5, 6, 0.5, False, seed=7)
    again = _draw(dropout_masks, "dropout_masks with rng seeded 7", 2, 5, 6, 0.5, False, seed=7)
    expect(
        np.array_equal(first, again),
        "Two calls with generators seeded alike gave different masks. Draw every random "
        "number from the `rng` argument (e.g. `rng.random(shape)`), not from np.random "
        "or a generator of your own, so that a seed makes a run repeatable.",
    )
    other = _draw(dropout_masks, "dropout_masks with rng seeded 8", 2, 5, 6, 0.5, False, seed=8)
    expect(
        not np.array_equal(first, other),
        "Generators seeded 7 and 8 gave the same masks: the masks do not come from `rng`. "
        "Draw every random number from the `rng` argument, not from a generator of your own "
        "with a fixed seed.",
    )
    passed("the masks come from `rng`: the same seed gives the same masks")
    all_passed("dropout_masks")


def _draw(dropout_masks, call, batch, steps, units, rate, per_sequence, seed=808):
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    mask = run_student_code(
        dropout_masks, rng, batch, steps, units, rate, per_sequence, what=f"`{call}`"
    )
    mask = _numpy(mask, f"`{call}`")
    expect(
        mask.shape == (batch, steps, units),
        f"`{call}` should return shape (batch, steps, units) = {(batch, steps, units)}, "
        f"got {mask.shape}. With one mask per sequence, repeat it along the time axis "
        "(e.g. np.broadcast_to or np.repeat).",
    )
    return mask


def _check_values(mask, rate, call):
    __tracebackhide__ = True
    values = np.unique(np.round(mask, 6))
    kept = 1.0 / (1.0 - rate)
    if set(values) <= {0.0, 1.0}:
        raise CheckFailed(
            f"`{call}` returned 0s and 1s. Scale the kept units by 1 / (1 − p) = {kept:.4f}, "
            "so that every unit's expected value stays 1 and nothing needs rescaling at "
            "inference."
        )
    if set(values) <= {0.0, round(1.0 - rate, 6)}:
        raise CheckFailed(
            f"`{call}` multiplied the kept units by 1 − p = {1 - rate}; divide by it instead: "
            f"kept units are 1 / (1 − p) = {kept:.4f}."
        )
    expect(
        set(values) <= {0.0, round(kept, 6)},
        f"`{call}` should contain only 0 (dropped) and 1 / (1 − p) = {kept:.4f} (kept); it "
        f"contains {values[:6]}{' ...' if len(values) > 6 else ''}.",
    )


def _check_fraction(mask, rate, call, per_sequence):
    __tracebackhide__ = True
    dropped = float(np.mean(mask == 0))
    n = mask.shape[0] * mask.shape[2] * (1 if per_sequence else mask.shape[1])
    if _within(dropped, 1 - rate, n) and not _within(dropped, rate, n):
        raise CheckFailed(
            f"`{call}` dropped {dropped:.1%} of the units, about 1 − p: it keeps a unit with "
            f"probability p = {rate}. p is the rate of *dropping*: keep a unit when "
            "rng.random(...) >= p."
        )
    expect(
        _within(dropped, rate, n),
        f"`{call}` dropped {dropped:.1%} of the units; with p = {rate} it should be about "
        f"{rate:.0%} (each unit dropped with probability p, independently).",
    )


def _check_time(mask, call, per_sequence):
    __tracebackhide__ = True
    same_as_next = float(np.mean(mask[:, 1:] == mask[:, :-1]))
    if per_sequence:
        expect(
            same_as_next == 1.0,
            f"`{call}`: with per_sequence=True every time step must use the same mask, but "
            f"only {same_as_next:.1%} of the entries equal the one at the step before. Draw "
            "one (batch, units) mask and repeat it along the time axis.",
        )
    elif same_as_next == 1.0:
        raise CheckFailed(
            f"`{call}`: with per_sequence=False each time step needs a fresh mask, but every "
            "step repeats the first one. Draw a (batch, steps, units) array of coins."
        )


def _check_independent_steps(mask, rate, call):
    __tracebackhide__ = True
    same_as_next = float(np.mean(mask[:, 1:] == mask[:, :-1]))
    expected = rate**2 + (1 - rate) ** 2  # two independent draws agree
    n = mask[:, 1:].size
    expect(
        _within(same_as_next, expected, n),
        f"`{call}`: a unit's mask at step t agrees with step t − 1 in {same_as_next:.1%} of "
        f"the cases; independent draws would agree in about {expected:.0%}. Draw every "
        "step's mask independently.",
    )


def _check_rows_differ(mask, call):
    __tracebackhide__ = True
    expect(
        not np.all(mask == mask[:1]),
        f"`{call}` gave every sequence of the batch the same mask. Each example needs its "
        "own coins: the mask's shape is (batch, ..., units), not (1, ..., units).",
    )
    expect(
        not np.all(mask == mask[..., :1]),
        f"`{call}` drops whole time steps (all units alike). Each unit needs its own coin.",
    )


# --- exercise: zoneout ----------------------------------------------------------------
def check_zoneout(zoneout):
    """Check `zoneout(old, new, rate, training, seed)` (exercise 2)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(802)
    old = rng.normal(size=(200, 64)).astype("float32")
    new = old + rng.uniform(0.5, 1.5, size=old.shape).astype("float32")  # differs everywhere

    for rate in (0.3, 0.0):
        call = f"zoneout(old, new, rate={rate}, training=False)"
        got = _zone(zoneout, call, old, new, rate, False)
        want = rate * old.astype(np.float64) + (1 - rate) * new
        if rate and np.allclose(got, new, atol=1e-5):
            raise CheckFailed(
                f"`{call}` returned the new values. At inference zoneout uses its expected "
                "value, p·old + (1 − p)·new, as dropout uses its expectation; returning "
                "the new state is a plain RNN the model was never trained as."
            )
        if rate and np.allclose(got, (1 - rate) * old + rate * new, atol=1e-5):
            raise CheckFailed(
                f"`{call}` returned (1 − p)·old + p·new: the weights are swapped. p is the "
                "probability of keeping the OLD value: p·old + (1 − p)·new."
            )
        expect(
            np.allclose(got, want, atol=1e-5),
            f"`{call}` should return p·old + (1 − p)·new; it differs by up to "
            f"{np.abs(got - want).max():.3g}.",
        )
    passed("inference: p·old + (1 − p)·new, and rate 0 gives the new values")

    seed = keras.random.SeedGenerator(8)
    call = "zoneout(old, new, rate=0.3, training=True, seed)"
    first = _zone(zoneout, call, old, new, 0.3, True, seed)
    is_old = np.isclose(first, old, atol=1e-6)
    is_new = np.isclose(first, new, atol=1e-6)
    neither = ~is_old & ~is_new
    if neither.any() and np.allclose(first[neither], 0.0):
        raise CheckFailed(
            f"`{call}` set some units to 0. That is dropout; zoneout keeps the OLD value "
            "instead: where the coin says so, return `old`, elsewhere `new`."
        )
    expect(
        np.all(is_old | is_new),
        f"`{call}`: every entry must be either the old or the new value (S_t = D_t ⊙ "
        f"S_{{t−1}} + (1 − D_t) ⊙ S̃_t with D_t of 0s and 1s); {np.mean(~is_old & ~is_new):.1%} "
        "are neither. Do not scale or mix them in training.",
    )
    # The coins' shape first: the bounds on the fraction below assume one coin per entry.
    rows_alike = float(np.mean(is_old.all(axis=1) | is_new.all(axis=1)))
    expect(
        rows_alike < 0.5,
        f"`{call}`: in {rows_alike:.0%} of the examples all 64 units made the same choice. "
        "Draw one coin per unit and example, shape like `new`, not one per example.",
    )
    columns_alike = float(np.mean(is_old.all(axis=0) | is_new.all(axis=0)))
    expect(
        columns_alike < 0.5,
        f"`{call}`: for {columns_alike:.0%} of the units all 200 examples of the batch made the "
        "same choice. Draw one coin per unit and example, shape like `new` (batch, units), not "
        "one per unit shared by the whole batch.",
    )
    kept = float(is_old.mean())
    if _within(kept, 0.7, old.size) and not _within(kept, 0.3, old.size):
        raise CheckFailed(
            f"`{call}` kept the old value in {kept:.1%} of the units, about 1 − p. p is the "
            "probability of keeping the OLD value (zoning out)."
        )
    expect(
        _within(kept, 0.3, old.size),
        f"`{call}` kept the old value in {kept:.1%} of the units; it should be about p = 30 %.",
    )
    passed("training: each unit keeps its old value with probability p, unit by unit")

    second = _zone(zoneout, call, old, new, 0.3, True, seed)
    expect(
        not np.array_equal(first, second),
        f"Two calls of `{call}` with the same seed generator zoned out the same units. Pass "
        "the generator to keras.random (`keras.random.uniform(shape, seed=seed)`), which "
        "moves it on, so each time step gets fresh coins.",
    )
    passed("each call draws fresh coins")
    all_passed("zoneout")


def _zone(zoneout, call, old, new, rate, training, seed=None):
    __tracebackhide__ = True
    seed = seed if seed is not None else keras.random.SeedGenerator(1)
    got = run_student_code(zoneout, old, new, rate, training, seed, what=f"`{call}`")
    got = _numpy(got, f"`{call}`")
    expect(
        got.shape == old.shape,
        f"`{call}` should return the shape of `new`, {old.shape}; got {got.shape}.",
    )
    return got


# --- exercise: ar_tar_penalty -----------------------------------------------------------
def check_ar_tar_penalty(ar_tar_penalty):
    """Check `ar_tar_penalty(H, mask, alpha, beta)` (exercise 3)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(803)
    H = rng.normal(size=(3, 6, 4)).astype("float32")
    full = np.ones((3, 6), bool)

    for alpha, beta, part in ((1.0, 0.0, "AR"), (0.0, 1.0, "TAR"), (2.0, 1.0, "AR + TAR")):
        _compare_penalty(ar_tar_penalty, H, None, alpha, beta, f"{part} without padding")
    passed("AR, TAR and both, without padding (mask=None)")

    lengths = [6, 3, 1]
    mask = np.arange(6)[None, :] < np.array(lengths)[:, None]
    padded = np.where(mask[..., None], H, 0.0).astype("float32")
    for alpha, beta, part in ((1.0, 0.0, "AR"), (0.0, 1.0, "TAR"), (2.0, 1.0, "AR + TAR")):
        _compare_penalty(ar_tar_penalty, padded, mask, alpha, beta, f"{part} with padding")
    junk = np.where(mask[..., None], H, 9.0).astype("float32")
    _compare_penalty(ar_tar_penalty, junk, mask, 2.0, 1.0, "AR + TAR, padding holding 9s")
    front = mask[:, ::-1]  # keras.utils.pad_sequences pads at the front by default
    front_padded = np.where(front[..., None], H, 0.0).astype("float32")
    _compare_penalty(
        ar_tar_penalty, front_padded, front, 0.0, 1.0, "TAR with the padding at the front"
    )
    passed("padding left out: rows of length 6, 3 and 1, whatever the padded steps hold")

    _compare_penalty(
        ar_tar_penalty, H[:, :1], full[:, :1], 0.0, 1.0, "TAR of one-step sequences (no pairs)"
    )
    passed("one-step sequences have no pairs: TAR is 0")
    all_passed("ar_tar_penalty")


def _compare_penalty(ar_tar_penalty, H, mask, alpha, beta, what):
    __tracebackhide__ = True
    call = f"ar_tar_penalty(H, mask, alpha={alpha}, beta={beta}) for {what}"
    got = run_student_code(ar_tar_penalty, H, mask, alpha, beta, what=f"`{call}`")
    got = _numpy(got, f"`{call}`")
    expect(got.size == 1, f"`{call}` should return one number (a scalar); got shape {got.shape}.")
    got = float(got.reshape(()))
    want = reference_ar_tar(H, mask, alpha, beta)
    if np.isclose(got, want, rtol=1e-4, atol=1e-6):
        return
    hints = _ar_tar_hints(H, mask, alpha, beta, got)
    raise CheckFailed(
        f"`{call}` returned {got:.6g}, expected {want:.6g}."
        + (f" {hints}" if hints else " Take the mean of the squares over units, then over")
        + ("" if hints else " the real steps (AR) or the pairs of real steps (TAR).")
    )


def _ar_tar_hints(H, mask, alpha, beta, got):
    """Name the likely mistake by recomputing the penalty the wrong ways students write it."""
    H = np.asarray(H, np.float64)
    real = np.ones(H.shape[:2]) if mask is None else np.asarray(mask, np.float64)
    per_step = np.mean(H**2, axis=-1)
    change = np.mean((H[:, 1:] - H[:, :-1]) ** 2, axis=-1)
    pairs = real[:, 1:] * real[:, :-1]
    ar = _mean(per_step, real)
    one_real = (
        "TAR counted pairs where H_t is real but H_{t−1}, or the other way round, is padding: "
        "a pair counts only when both steps are real (mask[:, 1:] * mask[:, :-1])."
    )
    guesses = [
        (
            "You averaged over every step, padding included: divide by the number of real "
            "steps (the mask's sum), not by batch × time.",
            alpha * per_step.mean() + beta * _mean(change, np.ones_like(change)),
        ),
        (one_real, alpha * ar + beta * _mean(change, real[:, 1:])),
        (one_real, alpha * ar + beta * _mean(change, real[:, :-1])),
        (
            "You summed over the units instead of averaging: AR and TAR are means over units "
            "too (‖H_t‖² / h).",
            alpha * _mean(per_step * H.shape[-1], real) + beta * _mean(change * H.shape[-1], pairs),
        ),
        (
            "alpha and beta are swapped: alpha weighs AR (the size of H_t), beta weighs TAR "
            "(its change).",
            beta * ar + alpha * _mean(change, pairs),
        ),
        (
            "You did not square: AR and TAR are means of squares.",
            alpha * _mean(np.mean(np.abs(H), axis=-1), real)
            + beta * _mean(np.mean(np.abs(H[:, 1:] - H[:, :-1]), axis=-1), pairs),
        ),
    ]
    for hint, value in guesses:
        if np.isclose(got, value, rtol=1e-4, atol=1e-6):
            return hint
    return ""


def _mean(values, weights):
    return float((values * weights).sum() / max(weights.sum(), 1.0))


# --- exercise: early_stopping ---------------------------------------------------------
EARLY_STOPPING_CASES = {
    "a loss that falls, then rises": ([0.9, 0.7, 0.6, 0.65, 0.7, 0.8, 0.9], 2),
    "a loss that keeps falling": ([0.9, 0.8, 0.7, 0.6, 0.5], 2),
    "a tie with the best loss (not an improvement)": ([0.9, 0.6, 0.6, 0.6, 0.5], 2),
    "a late recovery within the patience": ([0.5, 0.6, 0.7, 0.4, 0.8, 0.9, 1.0], 3),
    "patience 1": ([0.8, 0.5, 0.6, 0.4, 0.7], 1),
    "the first epoch is the best": ([0.3, 0.4, 0.5, 0.6, 0.7, 0.8], 3),
}


def check_early_stopping(early_stopping):
    """Check `early_stopping(val_losses, patience)` (exercise 4)."""
    __tracebackhide__ = True
    for description, (losses, patience) in EARLY_STOPPING_CASES.items():
        call = f"early_stopping({losses}, patience={patience})"
        got = run_student_code(early_stopping, list(losses), patience, what=f"`{call}`")
        expect_items(
            got,
            2,
            f"`{call}` should return a pair (stopped_epoch, best_epoch); got {got!r}.",
        )
        stopped, best = (int(v) for v in got)
        want_stopped, want_best = reference_early_stopping(losses, patience)
        if (stopped, best) == (want_stopped, want_best):
            continue
        if (stopped, best) == (want_stopped + 1, want_best + 1):
            hint = "You counted epochs from 1; count from 0, as Keras' logs index them."
        elif stopped == want_stopped and best > stopped and best == int(np.argmin(losses)):
            hint = (
                f"Epoch {best} has the lowest loss of the whole list, but training stopped "
                f"at epoch {want_stopped}, before it: the best epoch is the best of the epochs "
                "that trained."
            )
        elif best != want_best:
            hint = (
                f"The best epoch is {want_best} (loss {losses[want_best]}), you said {best}. "
                "An epoch improves only if its loss is strictly below the best so far."
            )
        elif stopped < want_stopped:
            hint = (
                f"Training stops too early: after {patience} epoch(s) without improvement, "
                f"not {stopped - want_best}. Count the epochs since the best one."
            )
        else:
            hint = (
                f"Training stops too late: it should stop at epoch {want_stopped}, after "
                f"{patience} epoch(s) in a row without improvement (or at the last epoch if "
                "that never happens). stopped_epoch is the index of the last epoch trained, "
                "counted from 0, not the number of epochs."
            )
        raise CheckFailed(
            f"For {description}, `{call}` returned ({stopped}, {best}); Keras' "
            f"EarlyStopping trains up to epoch {want_stopped} and keeps epoch {want_best}. " + hint
        )
    passed(f"the same epochs as keras.callbacks.EarlyStopping in {len(EARLY_STOPPING_CASES)} cases")
    all_passed("early_stopping")


# BEGIN HIDDEN TESTS
# The probes of lesson 08 (regularization): dropout masks, zoneout, the AR/TAR penalty and
# early stopping.
#
# Dropout masks and zoneout are random, and students may draw their coins in
# any order, so their probes never return the masks. They return what every
# correct implementation gives identically for any seed: shapes, the set of
# values, and booleans computed here from many coins (the fraction dropped or
# kept within 5 standard deviations of p, masks identical along time or as
# independent as fresh draws, rows and units with coins of their own, fresh
# coins on every call). A correct function fails one of these bounds about once
# in a million gradings. Zoneout's inference branch is deterministic and
# compared as an array. The AR/TAR penalty and early stopping are
# deterministic: their values on inputs drawn from the seed (junk in the
# padding, padding at the front, one-step sequences, mask=None, ties between
# losses).

from instructor.grading import capture, within  # noqa: E402


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


# END HIDDEN TESTS


# The kit's own answers fail a check (lessons.checks.tripwire); after every check is defined.
from lessons.checks.tripwire import guard_checks  # noqa: E402

guard_checks(globals())
