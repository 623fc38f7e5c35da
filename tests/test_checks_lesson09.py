"""Lesson 09: reference solutions pass every check, wrong ones are caught with a useful message.

The reference solutions are the exercise cells of `solutions/09_seq2seq.py`,
executed on their own. The wrong implementations are mistakes students make;
each must raise `CheckFailed` with a message that names the problem.
"""

import keras
import lesson_source
import numpy as np
import pytest
from keras import ops
from lesson_source import caught_by, probe

from lessons import seq2seq
from lessons.checks import lesson09 as checks
from lessons.text import CharVocab

LESSON, CHECKS, exercise_cells, run_cells, solution = lesson_source.harness("09_seq2seq")


# --- teacher forcing ----------------------------------------------------------------------
def test_the_reference_agrees_with_the_library():
    vocab = CharVocab(["0123456789-"], bos=True)
    targets = ["2009-06-25", "51", ""]
    ids = [list(vocab.encode(t)) for t in targets]
    want = seq2seq.teacher_forcing_pairs([np.array(i, dtype=np.int32) for i in ids], vocab)
    got = checks.reference_shift_right(ids, vocab.bos, vocab.eos)
    assert all(np.array_equal(a, b) for a, b in zip(got, want))


def _shift(targets, bos, eos, pad, make_in, make_out):
    width = max(len(t) for t in targets) + 1
    decoder_input = np.full((len(targets), width), pad)
    decoder_target = np.full((len(targets), width), pad)
    for row, ids in enumerate(targets):
        x, y = make_in(ids, bos, eos), make_out(ids, bos, eos)
        decoder_input[row, : len(x)] = x
        decoder_target[row, : len(y)] = y
    return decoder_input, decoder_target


@caught_by(checks.check_teacher_forcing, "<bos>")
def no_bos(targets, bos, eos, pad=0):
    return _shift(targets, bos, eos, pad, lambda y, b, e: [*y, e], lambda y, b, e: [*y, e])


@caught_by(checks.check_teacher_forcing, "<eos>")
def no_eos(targets, bos, eos, pad=0):
    return _shift(targets, bos, eos, pad, lambda y, b, e: [b, *y], lambda y, b, e: list(y))


@caught_by(checks.check_teacher_forcing, "swapped")
def swapped(targets, bos, eos, pad=0):
    x, y = _shift(targets, bos, eos, pad, lambda y, b, e: [b, *y], lambda y, b, e: [*y, e])
    return y, x


@caught_by(checks.check_teacher_forcing, "before any padding")
def eos_after_padding(targets, bos, eos, pad=0):
    x, y = _shift(targets, bos, eos, pad, lambda y, b, e: [b, *y], lambda y, b, e: list(y))
    y[:, -1] = eos  # <eos> in the last column, after the padding of short rows
    return x, y


@caught_by(checks.check_teacher_forcing, "integer")
def float_ids(targets, bos, eos, pad=0):
    x, y = _shift(targets, bos, eos, pad, lambda y, b, e: [b, *y], lambda y, b, e: [*y, e])
    return x.astype(float), y.astype(float)


test_teacher_forcing_catches = lesson_source.catches(checks.check_teacher_forcing)


# --- masked loss --------------------------------------------------------------------------
def _nll(y_true, logits):
    log_p = ops.log_softmax(ops.convert_to_tensor(logits), axis=-1)
    y = ops.cast(y_true, "int32")
    return -ops.take_along_axis(log_p, y[..., None], axis=-1)[..., 0], ops.cast(y != 0, "float32")


@caught_by(checks.check_masked_loss, "counts padding")
def mean_with_padding(y_true, logits):
    nll, _ = _nll(y_true, logits)
    return ops.mean(nll)


@caught_by(checks.check_masked_loss, "sum")
def summed(y_true, logits):
    nll, m = _nll(y_true, logits)
    return ops.sum(nll * m)


@caught_by(checks.check_masked_loss, "per sequence")
def per_sequence_mean(y_true, logits):
    nll, m = _nll(y_true, logits)
    return ops.mean(ops.sum(nll * m, axis=1) / ops.sum(m, axis=1))


@caught_by(checks.check_masked_loss, "softmax")
def logits_as_probabilities(y_true, logits):
    p = np.clip(np.asarray(logits), 1e-7, 1.0)
    picked = np.take_along_axis(p, np.asarray(y_true)[..., None], axis=-1)[..., 0]
    m = np.asarray(y_true) != 0
    return float((-np.log(picked) * m).sum() / m.sum())


def log_softmax_over(axis):
    """The solution's loss with the log softmax over another axis than the vocabulary."""

    def loss(y_true, logits):
        log_p = ops.log_softmax(ops.convert_to_tensor(logits), axis=axis)
        y = ops.cast(y_true, "int32")
        picked = ops.take_along_axis(log_p, y[..., None], axis=-1)[..., 0]
        m = ops.cast(y != 0, "float32")
        return -ops.sum(picked * m) / ops.sum(m)

    return loss


@caught_by(checks.check_masked_loss, "without from_logits=True")
def keras_loss_without_from_logits(y_true, logits):
    loss = keras.losses.sparse_categorical_crossentropy(y_true, logits)  # from_logits=False
    m = ops.cast(ops.not_equal(y_true, 0), "float32")
    return ops.sum(loss * m) / ops.sum(m)


@caught_by(checks.check_masked_loss, "without from_logits=True")
def keras_loss_class_without_from_logits(y_true, logits):
    m = ops.cast(ops.not_equal(y_true, 0), "float32")
    return keras.losses.SparseCategoricalCrossentropy()(y_true, logits, sample_weight=m)


def library_loss(y_true, logits):
    return seq2seq.masked_loss(y_true, logits)


caught_by(checks.check_masked_loss, "log softmax taken over axis 1 (the time steps)")(
    log_softmax_over(1)
)
caught_by(checks.check_masked_loss, "log softmax taken over axis 0 (the batch)")(
    log_softmax_over(0)
)
test_masked_loss_catches = lesson_source.catches(checks.check_masked_loss)


def test_the_library_loss_passes_the_check(capsys):
    checks.check_masked_loss(library_loss)
    assert "All checks passed" in capsys.readouterr().out


# --- beam step ----------------------------------------------------------------------------
@caught_by(checks.check_beam_step, "summed score")
def not_summed(beam_scores, next_log_probs, k):
    order = np.argsort(-next_log_probs, axis=None, kind="stable")[:k]
    return [
        (int(b), int(t), float(next_log_probs[b, t]))
        for b, t in (np.unravel_index(f, next_log_probs.shape) for f in order)
    ]


@caught_by(checks.check_beam_step, "across all beams")
def best_token_per_beam(beam_scores, next_log_probs, k):
    totals = beam_scores[:, None] + next_log_probs
    pairs = [(b, int(np.argmax(row)), float(row.max())) for b, row in enumerate(totals)]
    return sorted(pairs, key=lambda p: -p[2])[:k]


@caught_by(checks.check_beam_step, "best first")
def worst_first(beam_scores, next_log_probs, k):
    totals = beam_scores[:, None] + next_log_probs
    pairs = [
        (b, t, float(totals[b, t])) for b in range(len(totals)) for t in range(totals.shape[1])
    ]
    pairs = [p for p in pairs if np.isfinite(p[2])]
    return sorted(sorted(pairs, key=lambda p: -p[2])[:k], key=lambda p: p[2])


@caught_by(checks.check_beam_step, "-inf")
def keeps_impossible(beam_scores, next_log_probs, k):
    totals = beam_scores[:, None] + next_log_probs
    order = np.argsort(-totals, axis=None, kind="stable")[:k]
    return [
        (int(b), int(t), float(totals[b, t]))
        for b, t in (np.unravel_index(f, totals.shape) for f in order)
    ]


def beam_scores_multiplied(beam_scores, next_log_probs, k):
    totals = np.exp(beam_scores)[:, None] * np.exp(next_log_probs)
    order = np.argsort(-totals, axis=None, kind="stable")[:k]
    return [
        (int(b), int(t), float(beam_scores[b] + next_log_probs[b, t]))
        for b, t in (np.unravel_index(f, totals.shape) for f in order)
        if totals[b, t] > 0
    ]


test_beam_step_catches = lesson_source.catches(checks.check_beam_step)


def test_a_product_of_probabilities_ranks_like_the_sum_of_logs(capsys):
    checks.check_beam_step(beam_scores_multiplied)  # the same ranking: a correct alternative
    assert "All checks passed" in capsys.readouterr().out


def test_the_brute_force_reference_agrees_with_the_library_rule():
    rng = np.random.default_rng(0)
    for _, scores, next_lp, k in checks.beam_cases(rng):
        want = checks.reference_beam_step(scores, next_lp, k)
        assert want == checks.library_rule(scores, next_lp, k)


# --- attention ----------------------------------------------------------------------------
def _scores(query, keys, W_q, W_k, v, tanh=np.tanh):
    return tanh((query @ W_q)[:, :, None, :] + (keys @ W_k)[:, None, :, :]) @ v


def _softmax(e, axis=-1):
    e = e - e.max(axis=axis, keepdims=True)
    return np.exp(e) / np.exp(e).sum(axis=axis, keepdims=True)


@caught_by(checks.check_attention_weights, "padding gets weight")
def padding_not_masked(query, keys, keys_mask, W_q, W_k, v):
    return _softmax(_scores(query, keys, W_q, W_k, v))


@caught_by(checks.check_attention_weights, "sum to 1")
def mask_after_softmax(query, keys, keys_mask, W_q, W_k, v):
    return _softmax(_scores(query, keys, W_q, W_k, v)) * keys_mask[:, None, :]


@caught_by(checks.check_attention_weights, "sum to 1")
def softmax_over_queries(query, keys, keys_mask, W_q, W_k, v):
    e = np.where(keys_mask[:, None, :], _scores(query, keys, W_q, W_k, v), -1e9)
    return _softmax(e, axis=1)


@caught_by(checks.check_attention_weights, "tanh")
def no_tanh(query, keys, keys_mask, W_q, W_k, v):
    e = np.where(keys_mask[:, None, :], _scores(query, keys, W_q, W_k, v, tanh=lambda x: x), -1e9)
    return _softmax(e)


test_attention_weights_catches = lesson_source.catches(checks.check_attention_weights)


def test_the_attention_reference_agrees_with_the_kit_layer():
    rng = np.random.default_rng(1)
    for _, (query, keys, mask, W_q, W_k, v) in checks.attention_cases(rng):
        layer = seq2seq.AdditiveAttention(W_q.shape[1])
        layer(query, keys, keys_mask=mask)
        for weight, value in ((layer.W_q, W_q), (layer.W_k, W_k), (layer.v, v)):
            weight.assign(value)
        got = ops.convert_to_numpy(layer(query, keys, keys_mask=mask)[1])
        want = checks.reference_attention(query, keys, mask, W_q, W_k, v)
        np.testing.assert_allclose(got, want, atol=2e-5)


# --- the grader's hidden tests (lessons/checks/lesson09.py, hidden region) ------------------
WRONG_FOR_PROBES = {
    "teacher_forcing": ("shift_right", no_eos),
    "masked_loss": ("masked_cross_entropy", mean_with_padding),
    "beam_step": ("beam_step", best_token_per_beam),
    "attention_weights": ("attention_weights", padding_not_masked),
}


@pytest.mark.parametrize("exercise", CHECKS)
def test_probes_pass_the_solution_and_catch_a_wrong_answer(exercise):
    from instructor.grade import judge, load_lesson

    lesson = load_lesson(LESSON)
    solution = lesson_source.run_cells(LESSON, exercise_cells().values())
    want = probe(lesson, solution, exercise, seed=3)
    assert judge(lesson, exercise, probe(lesson, solution, exercise, 3), want)[:2] == (
        "passed",
        1.0,
    )
    blank = lesson_source.run_cells(
        LESSON,
        [lesson_source.as_student_sees_it(c) for c in exercise_cells().values()],
    )
    assert judge(lesson, exercise, probe(lesson, blank, exercise, 3), want)[0] == "missing"
    name, wrong = WRONG_FOR_PROBES[exercise]
    status, fraction, _ = judge(lesson, exercise, probe(lesson, {name: wrong}, exercise, 3), want)
    assert status != "passed" and fraction < 1
