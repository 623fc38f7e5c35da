"""Checks for lesson 09 (sequence to sequence): teacher forcing, the masked loss, one step of
beam search and the attention weights.

Each check compares the student's function with a reference written here from the
lesson's equations (NumPy, float64), on several inputs with edge cases: rows of
different lengths, padding, ties, impossible tokens. The beam-search step is also
compared with a brute-force search over every (beam, token) pair and with the rule
`lessons.seq2seq.beam_search` applies; the attention weights with the kit's
`AdditiveAttention` layer holding the same weights.
"""

import keras
import numpy as np

from lessons.checks import CheckFailed, all_passed, expect, expect_items, passed, run_student_code
from lessons.checks.engine import as_array, short_repr

# The kit's own answers to each exercise, which a student's code must not hand in
# (lessons.checks.tripwire watches them while a check or the grader's probe runs).
KIT_ANSWERS = {
    "attention_weights": [
        "lessons.seq2seq.AdditiveAttention",
        "lessons.checks.lesson09.reference_attention",
    ],
    "beam_step": [
        "lessons.seq2seq.beam_search",
        "lessons.checks.lesson09.reference_beam_step",
        "lessons.checks.lesson09.library_rule",
    ],
    "masked_loss": [
        "lessons.seq2seq.masked_loss",
        "lessons.checks.lesson09.reference_masked_loss",
    ],
    "teacher_forcing": [
        "lessons.seq2seq.teacher_forcing_pairs",
        "lessons.checks.lesson09.reference_shift_right",
    ],
}

PAD, UNK, EOS, BOS = 0, 1, 2, 3


def _as_array(value, what):
    __tracebackhide__ = True
    try:
        import keras

        return np.asarray(keras.ops.convert_to_numpy(value))
    except Exception:  # not a tensor: let NumPy try
        try:
            return np.asarray(value)
        except Exception as error:
            raise CheckFailed(
                f"{what} returned {short_repr(value, 160)}, not an array: {error}"
            ) from None


# --- exercise: teacher_forcing --------------------------------------------------------------
def reference_shift_right(targets, bos, eos, pad=PAD):
    """decoder_input = <bos> y_1 ... y_T, decoder_target = y_1 ... y_T <eos>, right-padded."""
    width = max(len(t) for t in targets) + 1
    decoder_input = np.full((len(targets), width), pad, dtype=np.int64)
    decoder_target = np.full((len(targets), width), pad, dtype=np.int64)
    for row, ids in enumerate(targets):
        decoder_input[row, : len(ids) + 1] = [bos, *ids]
        decoder_target[row, : len(ids) + 1] = [*ids, eos]
    return decoder_input, decoder_target


SHIFT_CASES = [
    ("one target, 'ab' = [4, 5]", [[4, 5]]),
    ("targets of different lengths (padding)", [[4, 5, 6, 7], [8], [5, 9, 4]]),
    ("a one-token target", [[9]]),
    ("an empty target (only <eos> to say)", [[6, 7], []]),
    ("a target repeating a token", [[4, 4, 4], [5, 6]]),
]


def check_teacher_forcing(shift_right):
    """Check `shift_right(targets, bos, eos, pad=0) -> (decoder_input, decoder_target)`."""
    __tracebackhide__ = True
    for description, targets in SHIFT_CASES:
        call = f"shift_right({targets}, bos={BOS}, eos={EOS})"
        given = [list(t) for t in targets]
        result = run_student_code(shift_right, given, BOS, EOS, what=call)
        expect(
            given == targets,
            f"{call} changed the targets it was given (now {given}): build new arrays instead.",
        )
        expect_items(
            result,
            2,
            f"{call} should return a pair (decoder_input, decoder_target), got "
            f"{short_repr(result, 160)}.",
        )
        got_in, got_out = (_as_array(r, call) for r in result)
        want_in, want_out = reference_shift_right(targets, BOS, EOS)
        _compare_shift(call, targets, got_in, got_out, want_in, want_out)
        passed(f"{description}: input {want_in.tolist()}, target {want_out.tolist()}")
    all_passed("teacher_forcing")


def _compare_shift(call, targets, got_in, got_out, want_in, want_out):
    __tracebackhide__ = True
    for name, got in (("decoder_input", got_in), ("decoder_target", got_out)):
        expect(
            got.shape == want_in.shape,
            f"{call}: {name} should have shape {want_in.shape} (one row per target, the longest "
            f"target + 1 columns: one more for <bos> or <eos>), got {got.shape}.",
        )
        expect(
            np.issubdtype(got.dtype, np.integer),
            f"{call}: {name} should hold integer token ids, got dtype {got.dtype}.",
        )
    if np.array_equal(got_in, want_out) and np.array_equal(got_out, want_in):
        raise CheckFailed(
            f"{call}: decoder_input and decoder_target are swapped. The decoder reads "
            "<bos> y_1 ... y_T (the token before each step) and must say y_1 ... y_T <eos>."
        )
    for row, ids in enumerate(targets):
        n = len(ids) + 1
        if got_in[row, 0] != BOS:
            raise CheckFailed(
                f"{call}: row {row} of decoder_input should start with <bos> = {BOS} (what the "
                f"decoder reads at step 1, before it has said anything), got "
                f"{got_in[row].tolist()}; expected {want_in[row].tolist()}."
            )
        if not np.array_equal(got_in[row, :n], want_in[row, :n]):
            raise CheckFailed(
                f"{call}: row {row} of decoder_input should be <bos> followed by the target "
                f"shifted one step right, {want_in[row, :n].tolist()}, got "
                f"{got_in[row, :n].tolist()}."
            )
        if got_out[row, n - 1] != EOS or not np.array_equal(got_out[row, :n], want_out[row, :n]):
            hint = (
                "The <eos> comes right after the last real token, before any padding."
                if EOS in got_out[row].tolist()
                else "It should end with <eos>, so the model learns where to stop."
            )
            raise CheckFailed(
                f"{call}: row {row} of decoder_target should be the target followed by <eos> = "
                f"{EOS}, {want_out[row, :n].tolist()}, got {got_out[row].tolist()}. {hint}"
            )
        for name, got in (("decoder_input", got_in), ("decoder_target", got_out)):
            expect(
                np.all(got[row, n:] == PAD),
                f"{call}: row {row} of {name} should be padded with <pad> = {PAD} after its "
                f"{n} real tokens, got {got[row].tolist()}.",
            )


# --- exercise: masked_loss --------------------------------------------------------------------
def reference_masked_loss(y_true, logits):
    """Mean over real tokens (y != <pad>) of −log softmax(z)[y], in float64."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    nll = -np.take_along_axis(log_p, np.asarray(y_true)[..., None], axis=-1)[..., 0]
    m = np.asarray(y_true) != PAD
    return float((nll * m).sum() / max(m.sum(), 1))


def _loss_batch(rng, lengths, width, vocab=7, scale=2.0):
    y = np.zeros((len(lengths), width), dtype=np.int32)
    for row, n in enumerate(lengths):
        y[row, :n] = rng.integers(2, vocab, n)
    logits = rng.normal(0, scale, (len(lengths), width, vocab)).astype(np.float32)
    return y, logits


def _pad_longer(y, logits, extra, rng):
    """The same batch padded `extra` steps longer (the padding's logits are random)."""
    n, t, v = logits.shape
    y2 = np.concatenate([y, np.zeros((n, extra), y.dtype)], axis=1)
    more = rng.normal(0, 2, (n, extra, v)).astype(np.float32)
    return y2, np.concatenate([logits, more], axis=1)


def check_masked_loss(masked_cross_entropy):
    """Check `masked_cross_entropy(y_true, logits) -> scalar` (mean over real tokens)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(9)
    cases = [
        ("one row without padding", *_loss_batch(rng, [5], 5)),
        ("rows of different lengths", *_loss_batch(rng, [5, 2, 3], 5)),
        ("a short and a long row (padding weighs a lot)", *_loss_batch(rng, [1, 6], 6)),
        ("large logits (needs a stable log softmax)", *_loss_batch(rng, [4, 2], 4, scale=60.0)),
    ]
    for description, y, logits in cases:
        y_true = short_repr(y.tolist(), 80)
        call = f"masked_cross_entropy(y_true={y_true}, logits of shape {logits.shape})"
        got = _loss_value(masked_cross_entropy, y, logits, call)
        want = reference_masked_loss(y, logits)
        if not np.isclose(got, want, rtol=1e-4, atol=1e-5):
            raise CheckFailed(f"{call}: {_loss_diagnosis(y, logits, got, want)}")
        y2, logits2 = _pad_longer(y, logits, 3, rng)
        got2 = _loss_value(masked_cross_entropy, y2, logits2, call + " padded 3 steps longer")
        expect(
            np.isclose(got2, got, rtol=1e-4, atol=1e-5),
            f"{call}: your loss counts padding: it changes when the same batch is padded longer "
            f"(from {got:.5f} to {got2:.5f} with 3 more <pad> columns). Multiply each token's "
            "loss by the mask m = (y_true != 0) and divide by the number of real tokens.",
        )
        passed(f"{description}: {got:.4f}, unchanged when padded longer")
    all_passed("masked_loss")


def _loss_value(fn, y, logits, call):
    __tracebackhide__ = True
    result = _as_array(run_student_code(fn, y.copy(), logits.copy(), what=call), call)
    expect(
        result.size == 1,
        f"{call} should return one number (a scalar), got an array of shape {result.shape}.",
    )
    value = float(result.reshape(()))
    expect(np.isfinite(value), f"{call} returned {value}: use a stable log softmax of the logits.")
    return value


def _log_softmax_over(z, axis):
    z = z - z.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def _loss_diagnosis(y, logits, got, want):
    """Name the likely mistake by trying the usual wrong versions of the loss."""
    z = np.asarray(logits, np.float64)
    log_p = z - z.max(-1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(-1, keepdims=True))
    nll = -np.take_along_axis(log_p, y[..., None], axis=-1)[..., 0]
    m = y != PAD
    probs = np.clip(z, 1e-7, 1.0)
    as_probs = -np.log(np.take_along_axis(probs, y[..., None], axis=-1)[..., 0])
    # Keras' own loss as a student calls it, without from_logits=True: its numbers, not ours.
    keras_nll = as_array(keras.losses.sparse_categorical_crossentropy(y, logits))
    guesses = {}
    for axis, across in ((0, "the batch"), (1, "the time steps")):
        wrong = -np.take_along_axis(_log_softmax_over(z, axis), y[..., None], axis=-1)[..., 0]
        guesses[
            f"the log softmax taken over axis {axis} ({across}): it normalizes over the "
            "vocabulary, the last axis: ops.log_softmax(logits, axis=-1)"
        ] = (wrong * m).sum() / m.sum()
    keras_words = (
        "Keras' sparse categorical cross-entropy without from_logits=True, which takes the "
        "logits for probabilities: pass from_logits=True "
        "(keras.losses.sparse_categorical_crossentropy(y_true, logits, from_logits=True))"
    )
    guesses |= {
        keras_words: (keras_nll * m).sum() / m.sum(),
        keras_words + ", and divide by the number of real tokens, Σ m, not by batch × T": (
            keras_nll * m
        ).sum()
        / m.size,
        keras_words + "; and it counts padding: weigh each token's loss by the mask m": (
            keras_nll.mean()
        ),
    }
    guesses |= {
        "the mean over every position, padding included: your loss counts padding. Divide by "
        "the number of real tokens, Σ m, not by batch × T": nll.mean(),
        "the sum over real tokens instead of their mean: divide by Σ m": (nll * m).sum(),
        "a mean per sequence, then a mean of those: each sequence first averages its own "
        "tokens. The lesson's loss is one mean over all real tokens of the batch": np.mean(
            [(nll[r] * m[r]).sum() / max(m[r].sum(), 1) for r in range(len(y))]
        ),
        "the logits used as probabilities: apply a (log) softmax to the logits first": (
            as_probs * m
        ).sum()
        / m.sum(),
    }
    for meaning, value in guesses.items():
        if np.isclose(got, value, rtol=1e-4, atol=1e-5) and not np.isclose(value, want):
            return f"expected {want:.5f}, got {got:.5f}, which is {meaning}."
    return (
        f"expected {want:.5f} = Σ m·(−log softmax(z)[y]) / Σ m, got {got:.5f}. Take the log "
        "softmax of the logits, pick the true token's entry, zero it at <pad> and average over "
        "the real tokens."
    )


# --- exercise: beam_step ----------------------------------------------------------------------
def reference_beam_step(beam_scores, next_log_probs, k):
    """Brute force: every (beam, token) with its summed score, best first, finite ones only."""
    pairs = [
        (b, t, float(beam_scores[b] + next_log_probs[b, t]))
        for b in range(next_log_probs.shape[0])
        for t in range(next_log_probs.shape[1])
    ]
    pairs = [p for p in pairs if np.isfinite(p[2])]
    pairs.sort(key=lambda p: -p[2])  # stable: ties in (beam, token) order
    return pairs[:k]


def library_rule(beam_scores, next_log_probs, k):
    """What `lessons.seq2seq.beam_search` keeps: a stable argsort of the flat totals."""
    totals = np.asarray(beam_scores, np.float64)[:, None] + next_log_probs
    kept = []
    for flat in np.argsort(-totals, axis=None, kind="stable")[:k]:
        b, t = divmod(int(flat), totals.shape[1])
        if totals[b, t] == -np.inf:
            break
        kept.append((b, t, float(totals[b, t])))
    return kept


def _log_softmax(rng, shape, scale=1.5):
    z = rng.normal(0, scale, shape)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def beam_cases(rng):
    ties = np.log(np.array([[0.5, 0.25, 0.25], [0.25, 0.5, 0.25]]))
    banned = _log_softmax(rng, (2, 5))
    banned[:, [0, 3]] = -np.inf  # <pad> and <bos> are never written
    few = np.full((1, 4), -np.inf)
    few[0, [1, 2]] = np.log([0.3, 0.7])
    return [
        ("the first step: one beam (<bos>)", np.array([0.0]), _log_softmax(rng, (1, 6)), 3),
        (
            "three beams: the best pairs may all come from one beam",
            np.array([-0.1, -2.5, -4.0]),
            _log_softmax(rng, (3, 6), 0.5),
            3,
        ),
        (
            "a worse beam with a very sure next token beats a better one",
            np.array([-1.0, -1.3]),
            np.log(np.array([[0.3, 0.3, 0.4], [0.98, 0.01, 0.01]])),
            2,
        ),
        ("k = 1 (greedy)", np.array([-0.7, -0.9]), _log_softmax(rng, (2, 5)), 1),
        ("ties: equal summed scores", np.array([-1.0, -1.0]), ties, 3),
        ("banned tokens have log-probability -inf", np.array([-0.2, -0.4]), banned, 4),
        ("k larger than the possible pairs (only 2 are possible)", np.array([0.0]), few, 4),
    ]


def check_beam_step(beam_step):
    """Check `beam_step(beam_scores, next_log_probs, k) -> [(beam, token, score), ...]`."""
    __tracebackhide__ = True
    rng = np.random.default_rng(90)
    for description, scores, next_lp, k in beam_cases(rng):
        call = (
            f"beam_step(beam_scores={np.round(scores, 3).tolist()}, "
            f"next_log_probs of shape {next_lp.shape}, k={k})"
        )
        result = run_student_code(beam_step, scores.copy(), next_lp.copy(), k, what=call)
        want = reference_beam_step(scores, next_lp, k)
        got = _beam_pairs(call, result)
        _compare_beam(call, scores, next_lp, k, got, want)
        library = library_rule(scores, next_lp, k)
        expect(
            [round(s, 9) for _, _, s in got] == [round(s, 9) for _, _, s in library],
            f"{call}: keeps {got}, but lessons.seq2seq.beam_search would keep {library}.",
        )
        passed(f"{description}: {[(b, t, round(s, 3)) for b, t, s in got]}")
    all_passed("beam_step")


def _beam_pairs(call, result):
    __tracebackhide__ = True
    try:
        pairs = [(int(b), int(t), float(s)) for b, t, s in result]
    except Exception:
        raise CheckFailed(
            f"{call} should return a list of (beam, token, score) triples, best first; got "
            f"{short_repr(result, 160)}."
        ) from None
    return pairs


def _compare_beam(call, scores, next_lp, k, got, want):
    __tracebackhide__ = True
    n_beams, n_tokens = next_lp.shape
    for b, t, s in got:
        expect(
            0 <= b < n_beams and 0 <= t < n_tokens,
            f"{call}: ({b}, {t}) is not a (beam, token) pair: beams are 0..{n_beams - 1}, "
            f"tokens 0..{n_tokens - 1}.",
        )
        summed = scores[b] + next_lp[b, t]
        expect(
            np.isfinite(s) and np.isfinite(summed),
            f"{call}: ({b}, {t}) has score {s}: a token of log-probability -inf is impossible "
            "and must never be kept, even when fewer than k pairs are left.",
        )
        if not np.isclose(s, summed, atol=1e-9):
            hint = (
                " That is the token's log-probability alone: the beam's score must be added."
                if np.isclose(s, next_lp[b, t])
                else ""
            )
            raise CheckFailed(
                f"{call}: the pair (beam {b}, token {t}) should have the summed score "
                f"log P(beam) + log P(token | beam) = {scores[b]:.4f} + {next_lp[b, t]:.4f} = "
                f"{summed:.4f}, got {s:.4f}.{hint}"
            )
    expect(
        len(got) == len(want),
        f"{call}: should keep {len(want)} pairs (k = {k}, or fewer when fewer pairs are possible),"
        f" got {len(got)}: {got}. The best {k} (beam, token) pairs across all beams are "
        f"{[(b, t, round(s, 4)) for b, t, s in want]}: a beam may give several of them.",
    )
    got_scores = [s for _, _, s in got]
    expect(
        got_scores == sorted(got_scores, reverse=True),
        f"{call}: the pairs should come best first (highest summed score first), got scores "
        f"{np.round(got_scores, 4).tolist()}.",
    )
    want_scores = [s for _, _, s in want]
    if not np.allclose(got_scores, want_scores, atol=1e-9):
        raise CheckFailed(
            f"{call}: kept {[(b, t, round(s, 4)) for b, t, s in got]}, but the best {k} "
            f"(beam, token) pairs across all beams are {[(b, t, round(s, 4)) for b, t, s in want]}."
            " Add each beam's score to its row of next-token log-probabilities, then rank all "
            "beams × tokens together: the best pairs may all come from one beam."
        )
    expect(
        len(set((b, t) for b, t, _ in got)) == len(got),
        f"{call}: a (beam, token) pair is kept twice: {got}.",
    )


# --- exercise: attention_weights --------------------------------------------------------------
def reference_attention(query, keys, keys_mask, W_q, W_k, v):
    """α_{t,s} = softmax over real s of e_{t,s} = vᵀ tanh(W_q q_t + W_k k_s), in float64."""
    q = np.asarray(query, np.float64) @ W_q  # (b, T_y, a)
    k = np.asarray(keys, np.float64) @ W_k  # (b, T_x, a)
    e = np.tanh(q[:, :, None, :] + k[:, None, :, :]) @ v  # (b, T_y, T_x)
    e = np.where(keys_mask[:, None, :], e, -np.inf)
    e = e - e.max(-1, keepdims=True)
    w = np.exp(e)
    return w / w.sum(-1, keepdims=True)


def attention_cases(rng):
    def case(b, t_y, t_x, d_q, d_k, a, lengths, scale=1.0):
        mask = np.arange(t_x)[None, :] < np.asarray(lengths)[:, None]
        return (
            rng.normal(0, scale, (b, t_y, d_q)).astype(np.float32),
            rng.normal(0, scale, (b, t_x, d_k)).astype(np.float32),
            mask,
            rng.normal(0, 0.7, (d_q, a)).astype(np.float32),
            rng.normal(0, 0.7, (d_k, a)).astype(np.float32),
            rng.normal(0, 1.0, a).astype(np.float32),
        )

    return [
        ("one query, no padding", case(1, 1, 4, 3, 3, 5, [4])),
        ("a batch with padded sources", case(3, 2, 6, 4, 5, 3, [6, 2, 4])),
        ("queries and keys of other sizes (d_q != d_k)", case(2, 3, 5, 2, 6, 4, [5, 3])),
        ("a source of one real position", case(2, 2, 4, 3, 3, 2, [1, 4])),
        ("large scores (needs a stable softmax)", case(2, 2, 5, 3, 3, 4, [5, 3], scale=30.0)),
    ]


def check_attention_weights(attention_weights):
    """Check `attention_weights(query, keys, keys_mask, W_q, W_k, v) -> α (batch, T_y, T_x)`."""
    __tracebackhide__ = True
    rng = np.random.default_rng(909)
    for description, args in attention_cases(rng):
        query, keys, mask, W_q, W_k, v = args
        call = (
            f"attention_weights(query {query.shape}, keys {keys.shape}, keys_mask with lengths "
            f"{mask.sum(1).tolist()}, W_q {W_q.shape}, W_k {W_k.shape}, v {v.shape})"
        )
        copies = [np.array(a) for a in args]
        got = _as_array(run_student_code(attention_weights, *copies, what=call), call)
        want = reference_attention(*args)
        expect(
            got.shape == want.shape,
            f"{call}: α should have shape {want.shape} = (batch, T_y, T_x), one weight per "
            f"query step and source position; got {got.shape}.",
        )
        got = got.astype(np.float64)
        expect(np.all(np.isfinite(got)), f"{call}: α holds NaN or inf: use a stable softmax.")
        _diagnose_attention(call, args, got, want)
        passed(f"{description}: rows sum to 1 over the real positions, as the equations say")
    _compare_with_layer(attention_weights, rng)
    all_passed("attention_weights")


def _diagnose_attention(call, args, got, want):
    __tracebackhide__ = True
    query, keys, mask, W_q, W_k, v = args
    if np.allclose(got, want, atol=1e-5):
        return
    pad_weight = np.abs(got * ~mask[:, None, :]).max()
    if pad_weight > 1e-6:
        b, t, s = np.unravel_index(np.argmax(np.abs(got * ~mask[:, None, :])), got.shape)
        raise CheckFailed(
            f"{call}: padding gets weight: α[{b}, {t}, {s}] = {got[b, t, s]:.4f}, but source "
            f"position {s} of row {b} is padding (its length is {mask[b].sum()}). Give padded "
            "positions the score -inf (or -1e9) before the softmax, so their weight is 0."
        )
    sums = got.sum(-1)
    if not np.allclose(sums, 1.0, atol=1e-4):
        raise CheckFailed(
            f"{call}: each row of α (one query step, all source positions) should sum to 1 over "
            f"the real source positions, but the sums are {np.round(sums, 4).tolist()}. Take the "
            "softmax over the last axis (source positions), after masking, not before."
        )
    e_no_tanh = (query.astype(np.float64) @ W_q)[:, :, None, :] + (keys @ W_k)[:, None, :, :]
    no_tanh = np.where(mask[:, None, :], e_no_tanh @ v, -np.inf)
    no_tanh = np.exp(no_tanh - no_tanh.max(-1, keepdims=True))
    no_tanh /= no_tanh.sum(-1, keepdims=True)
    if np.allclose(got, no_tanh, atol=1e-5):
        raise CheckFailed(
            f"{call}: the scores miss the tanh: e_{{t,s}} = vᵀ tanh(W_q q_t + W_k k_s)."
        )
    b, t, s = np.unravel_index(np.argmax(np.abs(got - want)), got.shape)
    raise CheckFailed(
        f"{call}: α[{b}, {t}] should be {np.round(want[b, t], 4).tolist()}, got "
        f"{np.round(got[b, t], 4).tolist()}. Compute e = vᵀ tanh(q_t W_q + k_s W_k) for every "
        "pair (t, s) (row vectors: q @ W_q), then a softmax over the real s."
    )


def _compare_with_layer(attention_weights, rng):
    """The kit's AdditiveAttention with the same weights gives the same α."""
    __tracebackhide__ = True
    from lessons.seq2seq import AdditiveAttention

    query, keys, mask, W_q, W_k, v = attention_cases(rng)[1][1]
    layer = AdditiveAttention(W_q.shape[1])
    layer(query, keys, keys_mask=mask)
    layer.W_q.assign(W_q)
    layer.W_k.assign(W_k)
    layer.v.assign(v)
    want = _as_array(layer(query, keys, keys_mask=mask)[1], "AdditiveAttention")
    call = "attention_weights(...) against lessons.seq2seq.AdditiveAttention"
    got = _as_array(
        run_student_code(attention_weights, query, keys, mask, W_q, W_k, v, what=call), call
    )
    expect(
        np.allclose(got, want, atol=1e-5),
        f"{call}: the layer gives α[0, 0] = {np.round(want[0, 0], 4).tolist()}, yours "
        f"{np.round(got[0, 0], 4).tolist()}.",
    )
    passed("the same weights as lessons.seq2seq.AdditiveAttention with the same W_q, W_k, v")


# BEGIN HIDDEN TESTS
# The probes of lesson 09 (sequence to sequence): teacher forcing, the masked loss, one
# step of beam search and the attention weights.
#
# Every input is drawn from the seed: targets of random lengths (an empty one included),
# batches of logits padded to random lengths (and the same batch padded longer), beams with
# impossible (-inf) tokens and k larger than the possible pairs, attention inputs with
# padded sources of random lengths.

from instructor.grading import capture, within  # noqa: E402


def _targets(rng, n, longest):
    return [rng.integers(4, 20, rng.integers(0, longest + 1)).tolist() for _ in range(n)]


def probe_teacher_forcing(shift_right, seed):
    rng = np.random.default_rng(seed)
    cases = {
        "one target": [rng.integers(4, 20, 5).tolist()],
        "targets of different lengths": _targets(rng, 4, 8),
        "an empty target among others": [[], *_targets(rng, 2, 5)],
    }
    cases["an empty target among others"][1].append(7)  # not all empty
    padded = _targets(rng, 3, 6)
    padded[0].append(9)
    results = {}
    for description, targets in cases.items():
        decoder_input, decoder_target = shift_right([list(t) for t in targets], BOS, EOS)
        results[description] = {
            "input": np.asarray(decoder_input),
            "target": np.asarray(decoder_target),
        }
    results["another pad id (-1)"] = capture(shift_right, padded, BOS, EOS, -1)
    return {"pairs": results}


def _batch(rng, lengths, width, vocab, scale):
    y = np.zeros((len(lengths), width), dtype=np.int32)
    for row, n in enumerate(lengths):
        y[row, :n] = rng.integers(2, vocab, n)
    logits = rng.normal(0, scale, (len(lengths), width, vocab)).astype(np.float32)
    return y, logits


def _loss(fn, y, logits):
    import keras

    return float(np.asarray(keras.ops.convert_to_numpy(fn(y.copy(), logits.copy()))).reshape(()))


def probe_masked_loss(masked_cross_entropy, seed):
    rng = np.random.default_rng(seed)
    width = int(rng.integers(5, 9))
    lengths = rng.integers(1, width + 1, 5)
    lengths[0] = width
    y, logits = _batch(rng, lengths, width, 9, 2.0)
    extra = int(rng.integers(2, 5))
    y_long = np.concatenate([y, np.zeros((len(y), extra), np.int32)], axis=1)
    more = rng.normal(0, 2, (len(y), extra, 9)).astype(np.float32)
    logits_long = np.concatenate([logits, more], axis=1)
    y_big, logits_big = _batch(rng, [3, 1], 3, 6, 50.0)
    return {
        "loss": {
            "a padded batch": _loss(masked_cross_entropy, y, logits),
            "the same batch padded longer": _loss(masked_cross_entropy, y_long, logits_long),
            "one row without padding": _loss(masked_cross_entropy, y[:1], logits[:1]),
            "large logits": _loss(masked_cross_entropy, y_big, logits_big),
        }
    }


compare_masked_loss = within(rtol=1e-4, atol=1e-5)  # float32 logits


def _random_log_softmax(rng, shape):
    z = rng.normal(0, 1.5, shape)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def probe_beam_step(beam_step, seed):
    rng = np.random.default_rng(seed)
    banned = _random_log_softmax(rng, (3, 7))
    banned[:, [0, 3]] = -np.inf
    few = np.full((2, 5), -np.inf)
    few[0, 1], few[1, 4] = np.log(0.4), np.log(0.9)
    cases = {
        "the first step (one beam)": (np.zeros(1), _random_log_softmax(rng, (1, 8)), 4),
        "four beams": (-rng.exponential(2.0, 4), _random_log_softmax(rng, (4, 8)), 4),
        "k = 1": (-rng.exponential(1.0, 3), _random_log_softmax(rng, (3, 6)), 1),
        "impossible tokens": (-rng.exponential(1.0, 3), banned, 5),
        "fewer possible pairs than k": (-rng.exponential(1.0, 2), few, 4),
    }
    results = {}
    for description, (scores, next_lp, k) in cases.items():
        kept = beam_step(scores.copy(), next_lp.copy(), k)
        results[description] = [[int(b), int(t), float(s)] for b, t, s in kept]
    return {"kept": results}


compare_beam_step = within(rtol=1e-7, atol=1e-9)


def probe_attention_weights(attention_weights, seed):
    rng = np.random.default_rng(seed)
    results = {}
    for description, (b, t_y, t_x, d_q, d_k, a) in {
        "a batch with padded sources": (3, 4, 7, 5, 6, 4),
        "one query": (2, 1, 5, 3, 3, 2),
    }.items():
        lengths = rng.integers(1, t_x + 1, b)
        lengths[0] = t_x
        mask = np.arange(t_x)[None, :] < lengths[:, None]
        args = (
            rng.normal(size=(b, t_y, d_q)).astype(np.float32),
            rng.normal(size=(b, t_x, d_k)).astype(np.float32),
            mask,
            rng.normal(0, 0.7, (d_q, a)).astype(np.float32),
            rng.normal(0, 0.7, (d_k, a)).astype(np.float32),
            rng.normal(size=a).astype(np.float32),
        )
        results[description] = np.asarray(attention_weights(*args), dtype=np.float64)
    return {"weights": results}


compare_attention_weights = within(rtol=1e-4, atol=1e-5)  # float32 inputs
# END HIDDEN TESTS


# The kit's own answers fail a check (lessons.checks.tripwire); after every check is defined.
from lessons.checks.tripwire import guard_checks  # noqa: E402

guard_checks(globals())
