"""Hidden tests for lesson 09 (sequence to sequence): teacher forcing, the masked loss, one
step of beam search and the attention weights.

Every input is drawn from the seed: targets of random lengths (an empty one included),
batches of logits padded to random lengths (and the same batch padded longer), beams with
impossible (-inf) tokens and k larger than the possible pairs, attention inputs with
padded sources of random lengths.
"""

import numpy as np

from instructor.grading import capture, within

BOS, EOS = 3, 2


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


def _log_softmax(rng, shape):
    z = rng.normal(0, 1.5, shape)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def probe_beam_step(beam_step, seed):
    rng = np.random.default_rng(seed)
    banned = _log_softmax(rng, (3, 7))
    banned[:, [0, 3]] = -np.inf
    few = np.full((2, 5), -np.inf)
    few[0, 1], few[1, 4] = np.log(0.4), np.log(0.9)
    cases = {
        "the first step (one beam)": (np.zeros(1), _log_softmax(rng, (1, 8)), 4),
        "four beams": (-rng.exponential(2.0, 4), _log_softmax(rng, (4, 8)), 4),
        "k = 1": (-rng.exponential(1.0, 3), _log_softmax(rng, (3, 6)), 1),
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
