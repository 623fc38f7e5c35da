"""Checks for lesson 07 (bidirectional RNNs): reversing padded sequences, both directions, accuracy.

`check_reverse_padded` compares the student's reversal with a NumPy loop written
here (each row's real steps reversed, its padding left at the end), on float
sequences and on token ids, with and without padding, and names the usual
mistakes: the padding flipped to the front, the batch or the features reversed,
one step too many or too few.

`check_bidirectional_states` gives the student's function two of the kit's cells
(GRU, then LSTM) and compares its result with `keras.layers.Bidirectional` made
of `keras.layers.RNN` layers holding copies of the same cells, fed the same
padding mask. Only the real steps are compared. It names the usual mistakes:
the backward outputs left in reading order, the padding read first, the halves
concatenated as [←H_t, →H_t], one cell used for both directions.

`check_masked_token_accuracy` compares the student's accuracy with a NumPy
reference (correct real tokens / real tokens), then pads the same batch with
more steps, which must not change the number.
"""

import keras
import numpy as np

from lessons.checks import CheckFailed, all_passed, expect, passed, run_student_code
from lessons.checks.engine import as_array, short
from lessons.gru import GRUCell
from lessons.lstm import LSTMCell

# The kit's own answers to each exercise, which a student's code must not hand in
# (lessons.checks.tripwire watches them while a check or the grader's probe runs).
KIT_ANSWERS = {
    "bidirectional_states": [
        "lessons.StackedRNN",
        "lessons.checks.lesson07.keras_bidirectional",
    ],
    "masked_token_accuracy": [
        "lessons.seq2seq.masked_accuracy",
        "lessons.checks.lesson07.reference_masked_accuracy",
    ],
    "reverse_padded": [
        "lessons.checks.lesson07.reference_reverse_padded",
    ],
}

ATOL = 1e-5  # float32 arithmetic in the cells


# --- references -------------------------------------------------------------------
def reference_reverse_padded(X, mask):
    """Each row's real steps in reverse order; padded steps stay where they are."""
    X = np.asarray(X)
    out = X.copy()
    for i, length in enumerate(np.asarray(mask).sum(axis=1)):
        out[i, :length] = X[i, :length][::-1]
    return out


def reference_masked_accuracy(y_true, y_pred, mask):
    """Correct real tokens / real tokens, the prediction being the argmax over the last axis."""
    right = (np.argmax(y_pred, axis=-1) == y_true) & mask
    return right.sum() / mask.sum()


def clone_cell(cell):
    """A fresh cell of the same class and config holding the same weights."""
    twin = type(cell).from_config(cell.get_config())
    twin.build((None, cell.weights[0].shape[0]))
    twin.set_weights(cell.get_weights())
    return twin


def keras_bidirectional(cell_fwd, cell_bwd, X, mask):
    """[→H_t, ←H_t] from `keras.layers.Bidirectional` around copies of the two cells."""
    layer = keras.layers.Bidirectional(
        keras.layers.RNN(clone_cell(cell_fwd), return_sequences=True),
        backward_layer=keras.layers.RNN(
            clone_cell(cell_bwd), return_sequences=True, go_backwards=True
        ),
    )
    layer.build((None, None, X.shape[-1]))
    layer.forward_layer.cell.set_weights(cell_fwd.get_weights())  # Bidirectional re-made it
    layer.backward_layer.cell.set_weights(cell_bwd.get_weights())
    return as_array(layer(X, mask=mask))


def keras_rnn(cell, X, mask=None, go_backwards=False):
    """One direction with `keras.layers.RNN`, outputs in the order of the sequence."""
    layer = keras.layers.RNN(clone_cell(cell), return_sequences=True, go_backwards=go_backwards)
    H = as_array(layer(X, mask=mask))
    return H[:, ::-1] if go_backwards else H  # Keras returns a backward run in reading order


# --- shared pieces ----------------------------------------------------------------
def _padding_mask(lengths, T):
    return np.arange(T)[None, :] < np.asarray(lengths)[:, None]


def _first_difference(got, want, mask):
    """(example, step) of the first real step where `got` and `want` differ."""
    bad = ~np.isclose(got, want, atol=1e-4).all(axis=-1) & mask
    i, t = np.argwhere(bad)[0]
    return int(i), int(t)


# --- exercise: reverse_padded -------------------------------------------------------
def check_reverse_padded(reverse_padded):
    """Check `reverse_padded(X, mask)` (lesson 07, exercise 1)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(701)
    lengths = [6, 3, 1, 4]
    mask = _padding_mask(lengths, 6)
    X = rng.normal(size=(4, 6, 2)).round(2) * mask[..., None]  # padding reads 0, as after padding
    _check_one_reversal(reverse_padded, X, mask, "a batch of sequences (batch, T, features)")
    passed("(batch, T, features): each row's real steps reversed, padding left at the end")

    ids = rng.integers(1, 50, size=(3, 5)) * _padding_mask([5, 2, 4], 5)
    _check_one_reversal(reverse_padded, ids, _padding_mask([5, 2, 4], 5), "token ids (batch, T)")
    passed("token ids (batch, T): the same reversal, padding 0 left at the end")

    full = rng.normal(size=(2, 4, 3))
    _check_one_reversal(reverse_padded, full, np.ones((2, 4), bool), "a batch without padding")
    passed("no padding at all: the whole sequence reversed, as np.flip(X, axis=1) would")
    all_passed("reverse_padded")


def _check_one_reversal(reverse_padded, X, mask, what):
    __tracebackhide__ = True
    call = f"reverse_padded(X, mask) on {what}"
    given = X.copy()
    got = run_student_code(reverse_padded, given, mask.copy(), what=call)
    expect(
        np.array_equal(given, X),
        f"{call} changed the array it was given: return a new array (start from X.copy()), "
        "for the caller still needs X in its own order.",
    )
    got = np.asarray(keras.ops.convert_to_numpy(got))
    want = reference_reverse_padded(X, mask)
    expect(
        got.shape == want.shape,
        f"{call}: the result should have the shape of X, {want.shape}; got {got.shape}.",
    )
    if np.allclose(got, want):
        return
    lengths = mask.sum(axis=1)
    candidates = {
        "you reversed the whole padded row, so its padding moved to the front: the RNN would "
        "read the padding first. Reverse only the first L_i steps of row i (L_i = "
        "mask[i].sum()) and leave the padding at the end.": np.flip(X, axis=1),
        "nothing was reversed: the result equals X.": X,
        "you reversed the order of the sequences in the batch (axis 0); reverse time, "
        "axis 1, within each row.": np.flip(X, axis=0),
        "you reversed one step too many: row i's real steps are X[i, :L_i], so the first "
        "padded step ended up in front.": _reverse_first(X, lengths + 1),
        "you reversed one step too few: the last real step stayed where it was. Row i's real "
        "steps are X[i, :L_i], with L_i = mask[i].sum().": _reverse_first(X, lengths - 1),
    }
    if X.ndim == 3:
        candidates["you reversed the features (the last axis); reverse time, axis 1."] = np.flip(
            X, axis=-1
        )
    for mistake, value in candidates.items():
        if value.shape == got.shape and np.allclose(got, value) and not np.allclose(value, want):
            raise CheckFailed(f"{call}: {mistake}")
    i = int(np.argwhere(~np.isclose(got, want).reshape(len(X), X.shape[1], -1).all(axis=-1))[0][0])
    raise CheckFailed(
        f"{call}: row {i} (length {lengths[i]}) should be\n{short(want[i], 3)},\ngot\n"
        f"{short(got[i], 3)}.\nIts first {lengths[i]} steps reversed, the padding after them "
        "unchanged."
    )


def _reverse_first(X, counts):
    out = X.copy()
    for i, count in enumerate(np.clip(counts, 0, X.shape[1])):
        out[i, :count] = X[i, :count][::-1]
    return out


# --- exercise: bidirectional_states -----------------------------------------------------
def _cells(kind, d, h, seed):
    made = []
    for k in range(2):
        cell_class = GRUCell if kind == "GRU" else LSTMCell
        cell = cell_class(
            h,
            kernel_initializer=keras.initializers.RandomNormal(0.0, 0.7, seed=seed + 10 * k),
            recurrent_initializer=keras.initializers.RandomNormal(0.0, 0.5, seed=seed + 10 * k + 1),
            bias_initializer=keras.initializers.RandomNormal(0.0, 0.3, seed=seed + 10 * k + 2),
        )
        cell.build((None, d))
        made.append(cell)
    return made


def check_bidirectional_states(bidirectional_states):
    """Check `bidirectional_states(cell_fwd, cell_bwd, X, mask)` (lesson 07, exercise 2)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(702)
    cases = [
        ("GRU", 3, 4, [6, 4, 1, 3], "GRU cells, 4 padded sequences"),
        ("LSTM", 2, 3, [5, 5, 2], "LSTM cells, 3 padded sequences"),
        ("GRU", 3, 2, [4, 4], "GRU cells, no padding"),
    ]
    for kind, d, h, lengths, what in cases:
        T = max(lengths)
        mask = _padding_mask(lengths, T)
        X = (rng.normal(size=(len(lengths), T, d)) * mask[..., None]).astype("float32")
        cell_fwd, cell_bwd = _cells(kind, d, h, seed=int(rng.integers(1000)))
        _check_one_case(bidirectional_states, cell_fwd, cell_bwd, X, mask, what)
        passed(f"{what}: [→H_t, ←H_t] equals keras.layers.Bidirectional's at every real step")
    all_passed("bidirectional_states")


def _check_one_case(bidirectional_states, cell_fwd, cell_bwd, X, mask, what):
    __tracebackhide__ = True
    call = f"bidirectional_states(cell_fwd, cell_bwd, X, mask) with {what}"
    n, T, _ = X.shape
    h = cell_fwd.units
    X_before = X.copy()
    got = run_student_code(bidirectional_states, cell_fwd, cell_bwd, X, mask.copy(), what=call)
    expect(
        np.array_equal(X, X_before),
        f"{call} changed X in place: reverse into a new array (reverse_padded returns one).",
    )
    got = as_array(got)
    want = keras_bidirectional(cell_fwd, cell_bwd, X, mask)
    F, B = want[..., :h], want[..., h:]
    real = mask[..., None]
    if got.shape == (n, T, h):
        for value, mistake in (
            (F, "it is →H_t alone: the backward direction is missing"),
            (B, "it is ←H_t alone: the forward direction is missing"),
            (F + B, "you added the two directions; the slides concatenate them"),
        ):
            expect(
                not np.allclose(got * real, value * real, atol=ATOL),
                f"{call}: the result has {h} features per step, {mistake}. Return "
                f"H_t = [→H_t, ←H_t], shape (batch, T, 2h) = {(n, T, 2 * h)}.",
            )
    expect(
        got.shape == want.shape,
        f"{call}: expected H_t = [→H_t, ←H_t] of shape (batch, T, 2h) = {want.shape} "
        f"(h = {h} units per direction), got {got.shape}.",
    )
    if np.allclose(got * real, want * real, atol=ATOL):
        return
    _diagnose_directions(got, want, cell_fwd, cell_bwd, X, mask, call)


def _diagnose_directions(got, want, cell_fwd, cell_bwd, X, mask, call):
    __tracebackhide__ = True
    h = cell_fwd.units
    F, B = want[..., :h], want[..., h:]
    real = mask[..., None]
    lengths = mask.sum(axis=1)
    candidates = {  # each computed only when the ones before did not match
        "the halves are in the wrong order: you returned [←H_t, →H_t]. The slides write "
        "H_t = [→H_t, ←H_t], forward first (np.concatenate([H_fwd, H_bwd], axis=-1)).": (
            lambda: np.concatenate([B, F], -1)
        ),
        "the backward half is in reading order: the backward RNN's k-th output belongs to "
        "step L_i − 1 − k, so reverse its outputs back (reverse_padded again) before you "
        "concatenate.": lambda: np.concatenate([F, reference_reverse_padded(B, mask)], -1),
        "the backward half was computed with cell_fwd: each direction has its own weights, "
        "W^(f) and W^(b); run cell_bwd on the reversed sequence.": lambda: np.concatenate(
            [F, keras_rnn(cell_fwd, X, mask, go_backwards=True)], -1
        ),
        "the backward half is cell_bwd run from left to right: reverse the sequence first, so "
        "that ←H_t depends on X_t, ..., X_T.": lambda: np.concatenate(
            [F, keras_rnn(cell_bwd, X, mask)], -1
        ),
    }
    for mistake, value in candidates.items():
        if np.allclose(got * real, value() * real, atol=ATOL):
            raise CheckFailed(f"{call}: {mistake}")
    if not np.allclose(got[..., :h] * real, F * real, atol=ATOL):
        i, t = _first_difference(got[..., :h], F, mask)
        raise CheckFailed(
            f"{call}: the forward half H_t[..., :h] should be →H_t, cell_fwd run from left to "
            f"right (run_rnn(cell_fwd, X, mask)). Sequence {i}, step {t}: expected "
            f"{short(F[i, t], 3)}, got {short(got[i, t, :h], 3)}."
        )
    rows_right = np.array(
        [np.allclose(got[i, :L, h:], B[i, :L], atol=ATOL) for i, L in enumerate(lengths)]
    )
    padded = lengths < X.shape[1]
    if rows_right[~padded].all() and not rows_right[padded].any():
        raise CheckFailed(
            f"{call}: ←H_t is right for the sequences without padding and wrong for every "
            "padded one: the backward RNN read the padding before the last real step "
            "(reversing a padded row moves its padding to the front). It must start at step "
            "L_i − 1 with the state 0: reverse only the real steps (your reverse_padded) and "
            "pass the mask to run_rnn."
        )
    i, t = _first_difference(got[..., h:], B, mask)
    raise CheckFailed(
        f"{call}: the backward half H_t[..., h:] should be ←H_t, cell_bwd run from the last "
        f"real step back to the first. Sequence {i} (length {lengths[i]}), step {t}: expected "
        f"{short(B[i, t], 3)}, got {short(got[i, t, h:], 3)}."
    )


# --- exercise: masked_token_accuracy ------------------------------------------------------
def _tagging_batch(rng, lengths, T, classes=5):
    """Targets (padded with 0), probabilities and the mask of a made-up tagging batch.

    At padded steps the prediction is class 0, the padding's own target, so
    padding that is counted looks like a free correct answer.
    """
    mask = _padding_mask(lengths, T)
    y_true = rng.integers(0, classes, size=(len(lengths), T)) * mask
    logits = rng.normal(size=(len(lengths), T, classes))
    logits[..., 0] += np.where(mask, 0.0, 10.0)
    y_pred = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    return y_true, y_pred, mask


def check_masked_token_accuracy(masked_token_accuracy):
    """Check `masked_token_accuracy(y_true, y_pred, mask)` (lesson 07, exercise 3)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(703)
    lengths = [7, 4, 2]
    y_true, y_pred, mask = _tagging_batch(rng, lengths, 7)
    got = _accuracy(masked_token_accuracy, y_true, y_pred, mask, "a batch of 3 sentences")
    want = reference_masked_accuracy(y_true, y_pred, mask)
    right = (np.argmax(y_pred, -1) == y_true) & mask
    if not np.isclose(got, want, atol=1e-6):
        per_sentence = np.mean([right[i].sum() / L for i, L in enumerate(lengths)])
        candidates = {
            "it counts the padded steps too (correct / all batch × T positions, where a padded "
            "step predicted as 0 looks right). Count only the steps where mask is True.": np.mean(
                np.argmax(y_pred, -1) == y_true
            ),
            "it divides by every position, batch × T; divide by the number of real tokens, "
            "mask.sum().": right.sum() / mask.size,
            "it is the mean of the sentences' accuracies, so a 2-word sentence weighs as much as "
            "a 7-word one; the token accuracy is (correct real tokens) / (real tokens).": (
                per_sentence
            ),
            "it is the number of correct tokens; divide by the number of real tokens.": (
                right.sum()
            ),
            "it is the error rate, 1 − accuracy.": 1 - want,
        }
        for mistake, value in candidates.items():
            if np.isclose(got, value, atol=1e-6):
                raise CheckFailed(
                    f"masked_token_accuracy: {mistake} Expected {want:.4f}, got {got:.4f}."
                )
        raise CheckFailed(
            f"masked_token_accuracy on a batch of 3 sentences of {lengths} tokens: expected "
            f"{want:.4f} ({right.sum()} of {mask.sum()} real tokens predicted right, the "
            f"prediction being the argmax of y_pred), got {got:.4f}."
        )
    passed(f"a batch of 3 sentences: {right.sum()} of {mask.sum()} real tokens right")

    longer_true, longer_pred, longer_mask = _pad_longer(rng, y_true, y_pred, mask, extra=5)
    longer = _accuracy(
        masked_token_accuracy, longer_true, longer_pred, longer_mask, "the same batch padded longer"
    )
    expect(
        np.isclose(longer, want, atol=1e-6),
        f"masked_token_accuracy: padding the same batch with 5 more steps changed the accuracy "
        f"from {got:.4f} to {longer:.4f}; padded steps must not count. Use the mask.",
    )
    passed("the same batch padded with 5 more steps: the same accuracy")

    y_true, y_pred, mask = _tagging_batch(rng, [1], 3)
    y_pred[0, 0] = np.eye(5)[y_true[0, 0]]
    one = _accuracy(masked_token_accuracy, y_true, y_pred, mask, "one sentence of one token")
    expect(
        np.isclose(one, 1.0),
        f"masked_token_accuracy: one sentence of one token, predicted right, padded to 3 "
        f"steps: expected 1.0, got {one:.4f}.",
    )
    passed("one token, predicted right, padded to 3 steps: 1.0")
    all_passed("masked_token_accuracy")


def _pad_longer(rng, y_true, y_pred, mask, extra):
    n, T, C = y_pred.shape
    _, pad_pred, _ = _tagging_batch(rng, [0] * n, extra, C)
    return (
        np.concatenate([y_true, np.zeros((n, extra), y_true.dtype)], axis=1),
        np.concatenate([y_pred, pad_pred], axis=1),
        np.concatenate([mask, np.zeros((n, extra), bool)], axis=1),
    )


def _accuracy(masked_token_accuracy, y_true, y_pred, mask, what):
    __tracebackhide__ = True
    call = f"masked_token_accuracy(y_true, y_pred, mask) on {what}"
    got = run_student_code(masked_token_accuracy, y_true, y_pred, mask, what=call)
    try:
        value = float(np.asarray(keras.ops.convert_to_numpy(got)))
    except (TypeError, ValueError):
        raise CheckFailed(
            f"{call} should return one number, the accuracy; it returned {type(got).__name__}"
            + (f" of shape {np.shape(got)}" if np.ndim(got) else "")
            + "."
        ) from None
    return value


# BEGIN HIDDEN TESTS
# The probes of lesson 07 (bidirectional RNNs): reversing padded rows, the two
# directions' states, and the tagging accuracy over real tokens only.
#
# `bidirectional_states` calls the notebook's helper `run_rnn`, a context cell
# of the solution (run before the exercise cells in the reference). Padded
# steps are set to 0 before comparing, since the exercise leaves them open.

from instructor.grading import within  # noqa: E402


def _mask(lengths, T):
    return np.arange(T)[None, :] < np.asarray(lengths)[:, None]


def probe_reverse_padded(reverse_padded, seed):
    rng = np.random.default_rng(seed)
    cases = {}
    for description, (lengths, T, features) in {
        "token ids, rows of different lengths": ([5, 2, 4, 1], 5, None),
        "vectors (batch, T, features)": ([3, 6, 1], 6, 3),
        "a row of padding only": ([0, 3], 4, 2),
    }.items():
        shape = (len(lengths), T) if features is None else (len(lengths), T, features)
        X = rng.integers(1, 50, shape) if features is None else rng.normal(size=shape)
        mask = _mask(lengths, T)
        given = X.copy()
        out = np.asarray(reverse_padded(given, mask))
        cases[description] = {"result": out, "X unchanged": bool(np.array_equal(given, X))}
    return {"reverse": cases}


def _seeded_cells(kind, seed, d, h):
    import lessons

    rng = np.random.default_rng(seed)
    cells = []
    for _ in range(2):
        cell = lessons.GRUCell(h) if kind == "gru" else lessons.LSTMCell(h)
        cell.build((None, d))
        for w in cell.weights:
            w.assign(rng.normal(0, 0.5, w.shape).astype("float32"))
        cells.append(cell)
    return cells


def probe_bidirectional_states(bidirectional_states, seed):
    rng = np.random.default_rng(seed)
    cases = {}
    for description, (kind, lengths) in {
        "GRU cells, a padded batch": ("gru", [5, 2, 4]),
        "LSTM cells, a padded batch": ("lstm", [3, 5, 1]),
        "GRU cells, no padding": ("gru", [5, 5]),
    }.items():
        d, h, T = 3, 4, 5
        cell_fwd, cell_bwd = _seeded_cells(kind, rng.integers(1 << 30), d, h)
        X = rng.normal(size=(len(lengths), T, d)).astype("float32")
        mask = _mask(lengths, T)
        out = np.asarray(bidirectional_states(cell_fwd, cell_bwd, X.copy(), mask))
        if out.shape[:2] == mask.shape:
            out = np.where(mask[..., None], out, 0.0).astype("float32")  # padding is left open
        cases[description] = out
    return {"states": cases}


def probe_masked_token_accuracy(accuracy, seed):
    rng = np.random.default_rng(seed)
    lengths, T, tags = [7, 3, 5, 1], 7, 4
    y_true = rng.integers(0, tags, (4, T))
    y_pred = rng.dirichlet(np.ones(tags), (4, T)).astype("float32")
    y_pred[np.arange(4), 0, y_true[:, 0]] += 1.0  # some right answers for sure
    mask = _mask(lengths, T)
    longer = 4  # the same batch with 4 more padded steps of junk
    y_true_long = np.concatenate([y_true, rng.integers(0, tags, (4, longer))], axis=1)
    y_pred_long = np.concatenate([y_pred, rng.dirichlet(np.ones(tags), (4, longer))], axis=1)
    mask_long = np.concatenate([mask, np.zeros((4, longer), bool)], axis=1)
    return {
        "accuracy": {
            "a padded batch": float(accuracy(y_true, y_pred, mask)),
            "the same batch padded longer": float(accuracy(y_true_long, y_pred_long, mask_long)),
        }
    }


compare_bidirectional_states = within(rtol=1e-4, atol=1e-5)  # float32 arithmetic
# END HIDDEN TESTS


# The kit's own answers fail a check (lessons.checks.tripwire); after every check is defined.
from lessons.checks.tripwire import guard_checks  # noqa: E402

guard_checks(globals())
