"""Lesson 08: reference solutions pass every check, wrong ones are caught and named.

The reference solutions are the exercise cells of `solutions/08_regularization.py`,
executed on their own with the lesson's imports. The wrong implementations are
mistakes students make; each must raise `CheckFailed` with a message that names the
problem. Correct implementations written another way must pass.
"""

import keras
import lesson_source
import numpy as np
import pytest
from keras import ops
from lesson_source import caught_by

from lessons.checks import lesson08 as checks

LESSON, CHECKS, exercise_cells, run_cells, solution = lesson_source.harness("08_regularization")


def assert_passes(check, function, capsys):
    check(function)
    assert "All checks passed" in capsys.readouterr().out


# --- dropout_masks ----------------------------------------------------------------------------
def _repeat(masks, batch, steps, units):
    return np.broadcast_to(masks, (batch, steps, units)).copy()


def _shape(batch, steps, units, per_sequence):
    return (batch, 1, units) if per_sequence else (batch, steps, units)


@caught_by(
    checks.check_dropout_masks, ["returned 0s and 1s", "Scale the kept units", "1 / (1 − p)"]
)
def masks_unscaled(rng, batch, steps, units, rate, per_sequence):
    keep = rng.random(_shape(batch, steps, units, per_sequence)) >= rate
    return _repeat(keep.astype(float), batch, steps, units)


@caught_by(checks.check_dropout_masks, ["multiplied the kept units by 1 − p", "divide"])
def masks_times_keep_probability(rng, batch, steps, units, rate, per_sequence):
    keep = rng.random(_shape(batch, steps, units, per_sequence)) >= rate
    return _repeat(keep * (1.0 - rate), batch, steps, units)


@caught_by(checks.check_dropout_masks, ["about 1 − p", "rate of *dropping*", ">= p"])
def masks_keep_with_probability_p(rng, batch, steps, units, rate, per_sequence):
    keep = rng.random(_shape(batch, steps, units, per_sequence)) < rate
    return _repeat(keep / (1.0 - rate), batch, steps, units)


@caught_by(checks.check_dropout_masks, ["per_sequence=True", "same mask"])
def masks_always_fresh(rng, batch, steps, units, rate, per_sequence):
    return (rng.random((batch, steps, units)) >= rate) / (1.0 - rate)


@caught_by(checks.check_dropout_masks, ["per_sequence=False", "fresh mask"])
def masks_per_sequence_reversed(rng, batch, steps, units, rate, per_sequence):
    return (
        masks_always_fresh(rng, batch, steps, units, rate, False)
        if per_sequence
        else (_repeat((rng.random((batch, 1, units)) >= rate) / (1.0 - rate), batch, steps, units))
    )


@caught_by(checks.check_dropout_masks, ["every sequence of the batch the same mask"])
def masks_one_for_the_batch(rng, batch, steps, units, rate, per_sequence):
    shape = (1, 1, units) if per_sequence else (1, steps, units)
    return _repeat((rng.random(shape) >= rate) / (1.0 - rate), batch, steps, units)


@caught_by(checks.check_dropout_masks, ["drops whole time steps", "own coin"])
def masks_whole_steps(rng, batch, steps, units, rate, per_sequence):
    shape = (batch, 1, 1) if per_sequence else (batch, steps, 1)
    return _repeat((rng.random(shape) >= rate) / (1.0 - rate), batch, steps, units)


@caught_by(checks.check_dropout_masks, ["seeded alike gave different masks", "rng"])
def masks_from_np_random(rng, batch, steps, units, rate, per_sequence):
    keep = np.random.random(_shape(batch, steps, units, per_sequence)) >= rate
    return _repeat(keep / (1.0 - rate), batch, steps, units)


@caught_by(checks.check_dropout_masks, ["seeded 7 and 8 gave the same masks", "rng"])
def masks_from_a_fixed_generator(rng, batch, steps, units, rate, per_sequence):
    mine = np.random.default_rng(0)
    keep = mine.random(_shape(batch, steps, units, per_sequence)) >= rate
    return _repeat(keep / (1.0 - rate), batch, steps, units)


@caught_by(checks.check_dropout_masks, ["shape (batch, steps, units)", "(40, 30, 50)"])
def masks_without_time(rng, batch, steps, units, rate, per_sequence):
    return (rng.random((batch, units)) >= rate) / (1.0 - rate)


test_wrong_dropout_masks_are_caught = lesson_source.catches(checks.check_dropout_masks)


def masks_from_binomial(rng, batch, steps, units, rate, per_sequence):
    draws = 1 if per_sequence else steps
    keep = rng.binomial(1, 1.0 - rate, size=(batch, draws, units))
    return np.repeat(keep / (1.0 - rate), steps // draws, axis=1).astype("float32")


def masks_from_choice(rng, batch, steps, units, rate, per_sequence):
    values = np.array([0.0, 1.0 / (1.0 - rate)])
    if per_sequence:
        one = values[(rng.random((batch, units)) >= rate).astype(int)]
        return np.stack([one] * steps, axis=1)
    return values[(rng.random((batch, steps, units)) >= rate).astype(int)]


@pytest.mark.parametrize("masks", [masks_from_binomial, masks_from_choice])
def test_other_right_dropout_masks_pass(masks, capsys):
    assert_passes(checks.check_dropout_masks, masks, capsys)


# --- zoneout ----------------------------------------------------------------------------------
def _coins(new, seed):
    return keras.random.uniform(ops.shape(new), seed=seed)


@caught_by(checks.check_zoneout, ["about 1 − p", "OLD value"])
def zoneout_keeps_new_with_p(old, new, rate, training, seed=None):
    if not training:
        return rate * old + (1.0 - rate) * new
    return ops.where(_coins(new, seed) < rate, new, old)


@caught_by(checks.check_zoneout, ["set some units to 0", "dropout", "OLD value"])
def zoneout_zeroes(old, new, rate, training, seed=None):
    if not training:
        return rate * old + (1.0 - rate) * new
    return ops.where(_coins(new, seed) < rate, 0.0, new)


@caught_by(checks.check_zoneout, ["returned the new values", "expected value"])
def zoneout_new_at_inference(old, new, rate, training, seed=None):
    if not training:
        return new
    return ops.where(_coins(new, seed) < rate, old, new)


@caught_by(checks.check_zoneout, ["swapped", "p·old + (1 − p)·new"])
def zoneout_weights_swapped(old, new, rate, training, seed=None):
    if not training:
        return (1.0 - rate) * old + rate * new
    return ops.where(_coins(new, seed) < rate, old, new)


@caught_by(checks.check_zoneout, ["all 64 units made the same choice", "coin"])
def zoneout_coin_per_example(old, new, rate, training, seed=None):
    if not training:
        return rate * old + (1.0 - rate) * new
    coins = keras.random.uniform((ops.shape(new)[0], 1), seed=seed)
    return ops.where(coins < rate, old, new)


@caught_by(checks.check_zoneout, ["all 200 examples", "coin"])
def zoneout_coin_per_unit(old, new, rate, training, seed=None):
    if not training:
        return rate * old + (1.0 - rate) * new
    coins = keras.random.uniform((1, ops.shape(new)[1]), seed=seed)
    return ops.where(coins < rate, old, new)


@caught_by(checks.check_zoneout, ["zoned out the same units", "fresh coins"])
def zoneout_fixed_seed(old, new, rate, training, seed=None):
    if not training:
        return rate * old + (1.0 - rate) * new
    return ops.where(keras.random.uniform(ops.shape(new), seed=1) < rate, old, new)


@caught_by(checks.check_zoneout, ["either the old or the new value"])
def zoneout_mixed_in_training(old, new, rate, training, seed=None):
    return rate * old + (1.0 - rate) * new


test_wrong_zoneout_is_caught = lesson_source.catches(checks.check_zoneout)


def zoneout_binomial(old, new, rate, training, seed=None):
    if not training:
        return rate * old + (1.0 - rate) * new
    D = keras.random.binomial(ops.shape(new), counts=1, probabilities=rate, seed=seed)
    return D * old + (1.0 - D) * new


def zoneout_cast_comparison(old, new, rate, training, seed=None):
    old, new = ops.convert_to_tensor(old), ops.convert_to_tensor(new)
    if training:
        D = ops.cast(keras.random.uniform(ops.shape(new), seed=seed) < rate, new.dtype)
    else:
        D = rate
    return new + D * (old - new)


def zoneout_with_keras_dropout(old, new, rate, training, seed=None):
    """Keras' dropout zeroes with probability `rate`: the zeroes mark the units that zone out."""
    if not training:
        return ops.add(ops.multiply(rate, old), ops.multiply(1.0 - rate, new))
    kept = keras.random.dropout(ops.ones_like(new), rate, seed=seed)
    return ops.where(ops.equal(kept, 0.0), old, new)


@pytest.mark.parametrize(
    "zoneout", [zoneout_binomial, zoneout_cast_comparison, zoneout_with_keras_dropout]
)
def test_other_right_zoneouts_pass(zoneout, capsys):
    assert_passes(checks.check_zoneout, zoneout, capsys)


# --- ar_tar_penalty ---------------------------------------------------------------------------
def _real(H, mask):
    H = ops.convert_to_tensor(H, dtype="float32")
    return H, ops.ones(ops.shape(H)[:2]) if mask is None else ops.cast(mask, "float32")


def _weighted_mean(values, weights):
    return ops.sum(values * weights) / ops.maximum(ops.sum(weights), 1.0)


@caught_by(
    checks.check_ar_tar_penalty, ["AR with padding", "padding included", "number of real steps"]
)
def penalty_over_padding(H, mask, alpha, beta):
    H = ops.convert_to_tensor(H, dtype="float32")
    ar = ops.mean(ops.square(H))
    tar = ops.mean(ops.square(H[:, 1:] - H[:, :-1])) if H.shape[1] > 1 else 0.0
    return alpha * ar + beta * tar


@caught_by(checks.check_ar_tar_penalty, ["padding included"])
def penalty_masked_then_divided_by_all(H, mask, alpha, beta):
    H, real = _real(H, mask)
    squares = ops.mean(ops.square(H), axis=-1) * real
    changes = ops.mean(ops.square(H[:, 1:] - H[:, :-1]), axis=-1) * real[:, 1:] * real[:, :-1]
    tar = ops.mean(changes) if H.shape[1] > 1 else 0.0
    return alpha * ops.mean(squares) + beta * tar


def _both_real(real):
    return real[:, 1:] * real[:, :-1]


def masked_penalty(size=ops.square, over_units=ops.mean, pairs=_both_real, swapped=False):
    """AR + TAR averaged over the real steps, with one of the students' slips switched on."""

    def penalty(H, mask, alpha, beta):
        H, real = _real(H, mask)
        ar = _weighted_mean(over_units(size(H), axis=-1), real)
        tar = _weighted_mean(over_units(size(H[:, 1:] - H[:, :-1]), axis=-1), pairs(real))
        return beta * ar + alpha * tar if swapped else alpha * ar + beta * tar

    return penalty


penalty_pairs_with_one_real_step = caught_by(
    checks.check_ar_tar_penalty, ["padding at the front", "both steps are real"]
)(masked_penalty(pairs=lambda real: real[:, 1:]))
penalty_pairs_with_the_earlier_step_real = caught_by(
    checks.check_ar_tar_penalty, ["TAR with padding", "both steps are real"]
)(masked_penalty(pairs=lambda real: real[:, :-1]))
penalty_summed_over_units = caught_by(
    checks.check_ar_tar_penalty, ["summed over the units", "means over units"]
)(masked_penalty(over_units=ops.sum))
penalty_weights_swapped = caught_by(checks.check_ar_tar_penalty, ["swapped", "alpha weighs AR"])(
    masked_penalty(swapped=True)
)
penalty_not_squared = caught_by(checks.check_ar_tar_penalty, ["did not square"])(
    masked_penalty(size=ops.abs)
)
penalty_not_squared_at_all = caught_by(checks.check_ar_tar_penalty, ["mean of the squares"])(
    masked_penalty(size=lambda values: values)
)


@caught_by(checks.check_ar_tar_penalty, ["one number", "(3, 6)"])
def penalty_per_step(H, mask, alpha, beta):
    H, real = _real(H, mask)
    return alpha * ops.mean(ops.square(H), axis=-1) * real


@caught_by(checks.check_ar_tar_penalty, ["without padding", "raised"])
def penalty_needs_a_mask(H, mask, alpha, beta):
    real = ops.cast(mask, "float32")  # fails for mask=None
    H = ops.convert_to_tensor(H, dtype="float32")
    return alpha * _weighted_mean(ops.mean(ops.square(H), axis=-1), real)


test_wrong_ar_tar_penalty_is_caught = lesson_source.catches(checks.check_ar_tar_penalty)


def penalty_with_numpy(H, mask, alpha, beta):
    H = np.asarray(H, np.float64)
    real = np.ones(H.shape[:2], bool) if mask is None else np.asarray(mask, bool)
    pairs = real[:, 1:] & real[:, :-1]
    ar = np.mean(H[real] ** 2) if real.any() else 0.0
    changes = (H[:, 1:] - H[:, :-1])[pairs]
    tar = np.mean(changes**2) if changes.size else 0.0
    return alpha * ar + beta * tar


def penalty_with_where_and_counts(H, mask, alpha, beta):
    H = ops.convert_to_tensor(H, dtype="float32")
    real = ops.ones(ops.shape(H)[:2], dtype="bool") if mask is None else ops.cast(mask, "bool")
    squares = ops.where(real, ops.mean(H**2, axis=-1), 0.0)
    ar = ops.sum(squares) / ops.maximum(ops.cast(ops.count_nonzero(real), "float32"), 1.0)
    pairs = ops.logical_and(real[:, 1:], real[:, :-1])
    changes = ops.where(pairs, ops.mean((H[:, 1:] - H[:, :-1]) ** 2, axis=-1), 0.0)
    count = ops.cast(ops.count_nonzero(pairs), "float32")
    tar = ops.sum(changes) / ops.maximum(count, 1.0)
    return alpha * ar + beta * tar


@pytest.mark.parametrize("penalty", [penalty_with_numpy, penalty_with_where_and_counts])
def test_other_right_penalties_pass(penalty, capsys):
    assert_passes(checks.check_ar_tar_penalty, penalty, capsys)


# --- early_stopping ---------------------------------------------------------------------------
def _stopping(val_losses, patience, stop_after, ties=False):
    """Early stopping after `stop_after` epochs without improvement; `ties` count as one."""
    best = 0
    for epoch in range(1, len(val_losses)):
        loss = val_losses[epoch]
        if loss < val_losses[best] or (ties and loss == val_losses[best]):
            best = epoch
        elif epoch - best >= stop_after:  # the epochs since the best one
            return epoch, best
    return len(val_losses) - 1, best


@caught_by(checks.check_early_stopping, ["counted epochs from 1", "count from 0"])
def stopping_from_one(val_losses, patience):
    stopped, best = _stopping(val_losses, patience, patience)
    return stopped + 1, best + 1


@caught_by(checks.check_early_stopping, ["a tie with the best loss", "strictly below"])
def stopping_with_ties(val_losses, patience):
    return _stopping(val_losses, patience, patience, ties=True)


@caught_by(
    checks.check_early_stopping, ["too early", "after 2 epoch(s) without improvement, not 1"]
)
def stopping_one_early(val_losses, patience):
    return _stopping(val_losses, patience, patience - 1)


@caught_by(checks.check_early_stopping, ["too late", "should stop at epoch 4"])
def stopping_one_late(val_losses, patience):
    return _stopping(val_losses, patience, patience + 1)


@caught_by(checks.check_early_stopping, ["too late", "not the number of epochs"])
def stopping_count_of_epochs(val_losses, patience):
    stopped, best = _stopping(val_losses, patience, patience)
    return stopped + 1, best


@caught_by(checks.check_early_stopping, ["lowest loss of the whole list", "that trained"])
def stopping_best_of_the_whole_list(val_losses, patience):
    stopped, _ = _stopping(val_losses, patience, patience)
    return stopped, int(np.argmin(val_losses))


@caught_by(checks.check_early_stopping, ["should return a pair (stopped_epoch, best_epoch)"])
def stopping_losses_only(val_losses, patience):
    return _stopping(val_losses, patience, patience)[0]


test_wrong_early_stopping_is_caught = lesson_source.catches(checks.check_early_stopping)


def stopping_like_keras(val_losses, patience):
    """Keras' own bookkeeping: the best loss so far and a wait counter."""
    best_loss, best_epoch, wait = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses):
        wait += 1
        if loss < best_loss:
            best_loss, best_epoch, wait = loss, epoch, 0
        if wait >= patience:
            return epoch, best_epoch
    return len(val_losses) - 1, best_epoch


def stopping_from_prefixes(val_losses, patience):
    """Stop at the first epoch whose last `patience` losses are all no better than before."""
    losses = np.asarray(val_losses)
    for epoch in range(patience, len(losses)):
        if losses[epoch - patience + 1 : epoch + 1].min() >= losses[: epoch - patience + 1].min():
            return epoch, int(np.argmin(losses[: epoch + 1]))
    return len(losses) - 1, int(np.argmin(losses))


@pytest.mark.parametrize("stopping", [stopping_like_keras, stopping_from_prefixes])
def test_other_right_early_stoppings_pass(stopping, capsys):
    assert_passes(checks.check_early_stopping, stopping, capsys)


# --- the references ---------------------------------------------------------------------------
def test_reference_early_stopping_is_what_fit_does():
    """Keras' EarlyStopping replayed by the check stops where `model.fit` stops."""
    losses = [0.9, 0.6, 0.6, 0.5, 0.7, 0.8, 0.8, 0.9]

    class Replay(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = losses[epoch]

    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(loss="mse", run_eagerly=True)
    history = model.fit(
        np.zeros((2, 1)), np.zeros((2, 1)), epochs=len(losses), verbose=0,
        callbacks=[Replay(), stopper],
    )  # fmt: skip
    assert len(history.epoch) == 6  # epochs 0-5: two without improvement after epoch 3
    assert checks.reference_early_stopping(losses, 2) == (5, 3) == (5, stopper.best_epoch)


def test_reference_ar_tar_is_the_kit_penalty(rng):
    from lessons.regularize import ar_tar_penalty

    H = rng.normal(size=(3, 5, 4)).astype("float32")
    mask = np.arange(5)[None, :] < np.array([5, 2, 1])[:, None]
    for m in (None, mask):
        want = checks.reference_ar_tar(H, m, 2.0, 1.0)
        got = float(ops.convert_to_numpy(ar_tar_penalty(H, m, alpha=2.0, beta=1.0)))
        assert np.isclose(got, want, rtol=1e-5)
