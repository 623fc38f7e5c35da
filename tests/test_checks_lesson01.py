"""Lesson 01: reference solutions pass every check, wrong ones are caught, the digits are right.

The reference solutions are the exercise cells of `solutions/01_vanilla_rnn.py`,
executed on their own (with the imports of the lesson's first code cell). The
wrong implementations are mistakes students make; each must raise `CheckFailed`
with a message that names the problem. A cell written with NumPy must fail the
check and the grader's hidden test (`lessons/checks/lesson01.py`, hidden region) alike.
"""

import hashlib
import importlib.util
import subprocess
import sys

import keras
import lesson_source
import numpy as np
import pytest
from keras import ops
from lesson_source import caught_by

from lessons import datasets
from lessons.checks import lesson01 as checks

ROOT = lesson_source.ROOT
LESSON, CHECKS, exercise_cells, run_cells, solution = lesson_source.harness("01_vanilla_rnn")
as_student_sees_it = lesson_source.as_student_sees_it


# --- wrong cells ------------------------------------------------------------------------
def cell_with_call(call):
    """The lesson's MyRNNCell with `call` replaced by a (wrong) student version."""
    return lesson_source.cell_with_call(LESSON, "rnn_cell_call", call)


@caught_by(checks.check_rnn_cell_call, ["bias", "self.b_h"])
def call_without_bias(self, inputs, states):
    H = ops.tanh(ops.matmul(inputs, self.W_xh) + ops.matmul(states[0], self.W_hh))
    return H, [H]


@caught_by(checks.check_rnn_cell_call, ["apply tanh", "ops.tanh"])
def call_without_tanh(self, inputs, states):
    H = ops.matmul(inputs, self.W_xh) + ops.matmul(states[0], self.W_hh) + self.b_h
    return H, [H]


@caught_by(checks.check_rnn_cell_call, ["ReLU of the right sum", "tanh"])
def call_with_relu(self, inputs, states):
    H = ops.relu(ops.matmul(inputs, self.W_xh) + ops.matmul(states[0], self.W_hh) + self.b_h)
    return H, [H]


@caught_by(checks.check_rnn_cell_call, ["transposed"])
def call_with_transposed_W_hh(self, inputs, states):
    recurrent = ops.matmul(states[0], ops.transpose(self.W_hh))
    H = ops.tanh(ops.matmul(inputs, self.W_xh) + recurrent + self.b_h)
    return H, [H]


@caught_by(checks.check_rnn_cell_call, ["recurrent term is missing"])
def call_without_recurrence(self, inputs, states):
    H = ops.tanh(ops.matmul(inputs, self.W_xh) + self.b_h)
    return H, [H]


@caught_by(checks.check_rnn_cell_call, ["input term X_t W_xh is missing"])
def call_without_input(self, inputs, states):
    H = ops.tanh(ops.matmul(states[0], self.W_hh) + self.b_h)
    return H, [H]


@caught_by(checks.check_rnn_cell_call, ["pair", "(H_t, [H_t])"])
def call_returning_only_H(self, inputs, states):
    return ops.tanh(ops.matmul(inputs, self.W_xh) + ops.matmul(states[0], self.W_hh) + self.b_h)


@caught_by(checks.check_rnn_cell_call, ["new state should be H_t"])
def call_returning_old_state(self, inputs, states):
    H = ops.tanh(ops.matmul(inputs, self.W_xh) + ops.matmul(states[0], self.W_hh) + self.b_h)
    return H, [states[0]]


@caught_by(checks.check_rnn_cell_call, ["states[0]"])
def call_with_states_not_indexed(self, inputs, states):
    H = ops.tanh(ops.matmul(inputs, self.W_xh) + ops.matmul(states, self.W_hh) + self.b_h)
    return H, [H]


@caught_by(
    checks.check_rnn_cell_call,
    ["`StudentCell.call` (exercise rnn_cell_call) uses NumPy", "keras.ops"],
)
def call_with_numpy(self, inputs, states):
    W_xh, W_hh, b_h = (np.asarray(w) for w in (self.W_xh, self.W_hh, self.b_h))
    H = np.tanh(np.asarray(inputs) @ W_xh + np.asarray(states[0]) @ W_hh + b_h)
    return H, [H]


test_wrong_cell_is_caught = lesson_source.catches(
    checks.check_rnn_cell_call, prepare=cell_with_call
)


# --- a cell whose structure is off -----------------------------------------------------------
def test_cell_whose_build_was_changed_is_told_to_keep_it(solution):
    cell = solution["MyRNNCell"]
    lesson_source.assert_packed_build_refused(checks.check_rnn_cell_call, cell, 1, "W_xh")


# --- wrong losses -----------------------------------------------------------------------
@caught_by(checks.check_sequence_loss, ["mean over time", "sum"])
def loss_mean_over_time(y_true, y_pred):
    y_pred = ops.clip(y_pred, 1e-7, 1.0)
    return ops.mean(-ops.sum(y_true * ops.log(y_pred), axis=-1), axis=-1)


@caught_by(checks.check_sequence_loss, ["NaN", "clip"])
def loss_without_clip(y_true, y_pred):
    return ops.sum(-ops.sum(y_true * ops.log(y_pred), axis=-1), axis=-1)


@caught_by(checks.check_sequence_loss, ["one loss per step", "Sum the per-step losses over time"])
def loss_per_step(y_true, y_pred):
    return -ops.sum(y_true * ops.log(ops.clip(y_pred, 1e-7, 1.0)), axis=-1)


@caught_by(checks.check_sequence_loss, ["one loss per sequence", "not over the batch"])
def loss_summed_over_batch(y_true, y_pred):
    return -ops.sum(y_true * ops.log(ops.clip(y_pred, 1e-7, 1.0)))


@caught_by(checks.check_sequence_loss, ["all classes", "one-hot"])
def loss_over_all_classes(y_true, y_pred):
    return -ops.sum(ops.log(ops.clip(y_pred, 1e-7, 1.0)), axis=(1, 2))


@caught_by(checks.check_sequence_loss, ["wrong sign"])
def loss_with_wrong_sign(y_true, y_pred):
    return ops.sum(y_true * ops.log(ops.clip(y_pred, 1e-7, 1.0)), axis=(1, 2))


@caught_by(checks.check_sequence_loss, ["could not train", "keras.ops"])
def loss_in_numpy(y_true, y_pred):
    y_pred = np.clip(np.asarray(y_pred), 1e-7, 1.0)
    return -(np.asarray(y_true) * np.log(y_pred)).sum(axis=(1, 2))


test_wrong_loss_is_caught = lesson_source.catches(checks.check_sequence_loss)


def test_references_agree_with_keras(rng):
    """The check's NumPy references are the equations: compare them with Keras' layers."""
    X = rng.normal(size=(3, 5, 2)).astype("float32")
    mask = np.arange(5)[None, :] < np.array([[5], [2], [4]])
    layer = keras.layers.SimpleRNN(4, return_sequences=True)
    layer.build((None, None, 2))
    W_xh, W_hh, b_h = (w.astype(np.float64) for w in layer.get_weights())
    expected = keras.ops.convert_to_numpy(layer(X, mask=mask))
    got = checks.reference_sequence(X, W_xh, W_hh, b_h, mask)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    y_true = np.eye(3)[rng.integers(0, 3, size=(2, 4))]
    logits = rng.normal(size=(2, 4, 3))
    y_pred = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    keras_loss = keras.ops.convert_to_numpy(keras.losses.categorical_crossentropy(y_true, y_pred))
    np.testing.assert_allclose(
        checks.reference_sequence_loss(y_true, y_pred), keras_loss.sum(axis=1), rtol=1e-5
    )


# --- the digits -----------------------------------------------------------------------------
def test_load_digits_shapes_and_values():
    images, labels = datasets.load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert labels.shape == (1797,) and labels.dtype == np.uint8
    assert images.min() == 0 and images.max() == 16
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert (images.reshape(1797, -1).sum(axis=1) > 0).all()  # every image has ink


def test_load_digits_says_how_to_rebuild_a_missing_file(monkeypatch, tmp_path):
    monkeypatch.setattr(datasets, "data_dir", lambda: tmp_path)
    with pytest.raises(FileNotFoundError, match=r"build_datasets.py --digits"):
        datasets.load_digits()


@pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None, reason="scikit-learn builds the file"
)
def test_build_script_reproduces_digits_npz(tmp_path):
    """The shipped file is exactly what the build script writes (same bytes every run)."""
    build_script = str(ROOT / "data" / "build_datasets.py")
    script = (
        "import importlib.util; from pathlib import Path;"
        f"spec = importlib.util.spec_from_file_location('b', {build_script!r});"
        "b = importlib.util.module_from_spec(spec); spec.loader.exec_module(b);"
        f"b.build_digits(Path({str(tmp_path / 'digits.npz')!r}))"
    )
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
    built = (tmp_path / "digits.npz").read_bytes()
    shipped = (ROOT / "data" / "digits.npz").read_bytes()
    assert hashlib.sha256(built).hexdigest() == hashlib.sha256(shipped).hexdigest()
