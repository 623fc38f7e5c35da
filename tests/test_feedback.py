"""What the grader's feedback and the students' checks say: plain numbers, whole sentences.

The grader compares plain values (`instructor.grading.difference`, `compare`)
and turns exceptions into words (`error_value`, through `lessons.checks.error_text`,
which the checks use too). These tests pin what a reader sees: numbers to 4
significant digits with the index where they differ, never `np.float32(...)`;
no colour codes or Keras' "Arguments received by ..." listing; a long message
cut at a sentence end and marked, a long value shortened in its data, never in
the sentence around it. Then the one NotImplementedError that is no stub:
TensorFlow's, when NumPy is given a traced tensor.
"""

import json
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from instructor.grade import judge
from instructor.grading import compare, difference, error_value, plain, unplain
from lessons.checks import (
    CheckFailed,
    error_text,
    is_numpy_on_symbolic,
    numpy_in_graph_message,
    run_student_code,
)

ANSI = "\x1b["


def through_json(value):
    """A probe's value as the grader gets it back from the child."""
    return unplain(json.loads(json.dumps(plain(value))))


# --- numbers --------------------------------------------------------------------------------
def test_an_array_entry_is_shown_as_a_plain_number_with_its_index():
    want = np.zeros((2, 2, 2), "float32")
    got = want.copy()
    want[0, 1, 0], got[0, 1, 0] = -0.6847491, -0.68318725
    detail = difference(through_json(got), through_json(want), "H", rtol=1e-4, atol=1e-5)
    assert detail == "H: -0.6832 instead of -0.6847 at [0, 1, 0] (1 of 8 entries differ)"


def test_more_digits_only_where_four_would_show_two_numbers_equal():
    want, got = np.array([1.000012]), np.array([1.000031])
    assert difference(got, want, "x", rtol=1e-9, atol=0) == (
        "x: 1.00003 instead of 1.00001 at [0] (1 of 1 entries differ)"
    )


def test_integers_and_booleans_read_as_written():
    assert difference(np.array([1, 3]), np.array([1, 4]), "ids") == (
        "ids: 3 instead of 4 at [1] (1 of 2 entries differ)"
    )
    mask = np.array([[True, False]])
    assert difference(~mask, mask, "mask") == (
        "mask: False instead of True at [0, 0] (2 of 2 entries differ)"
    )


def test_numpy_scalars_in_a_probe_result_come_out_as_plain_numbers():
    student = through_json({"loss": {"a batch": np.float32(-0.68318725), "steps": np.int64(3)}})
    reference = through_json({"loss": {"a batch": np.float32(-0.6847491), "steps": np.int64(4)}})
    fraction, detail = compare(student, reference)
    assert fraction == 0.0
    assert detail == "loss['a batch']: -0.6832 instead of -0.6847"
    fraction, detail = compare(dict(student, loss=dict(reference["loss"], steps=3)), reference)
    assert detail == "loss['steps']: 3 instead of 4"
    shown = difference([np.float32(0.25), np.float64(1 / 3)], [0.25], "pair")
    assert shown == "pair: 2 items instead of 1: [0.25, 0.3333]"
    assert "np." not in detail + shown


def test_a_long_value_is_shortened_in_its_data_and_says_how_long_it_is():
    got, want = list(range(100)), list(range(99))
    detail = difference(got, want, "ids")
    assert detail.startswith("ids: 100 items instead of 99: [0, 1, 2, ")
    assert detail.endswith(", … ] (100 items)") and len(detail) < 140
    detail = difference(np.arange(10**6) / 3, error_value(ValueError("empty")), "check")
    assert detail.startswith("check: should raise ValueError, returned array [0, 0.3333, 0.6667, ")
    assert detail.endswith(", … ] (1000000 items)") and len(detail) < 160
    detail = difference("x" * 500, "y", "text")
    assert detail.startswith("text: 'xxx") and "(502 characters) instead of 'y'" in detail


# --- exception messages -------------------------------------------------------------------------
class Raises(keras.layers.Layer):
    """A layer whose call fails: Keras wraps the error with colour codes and its arguments."""

    def call(self, inputs):
        raise ValueError("The input has 4 features. Give it 3.")


def keras_error():
    try:
        Raises()(np.zeros((2, 4), "float32"))
    except ValueError as error:
        return error
    raise AssertionError("the layer should raise")


def raise_keras_error():
    raise keras_error()


def test_keras_colour_codes_and_argument_listing_stay_out_of_the_feedback():
    error = keras_error()
    assert ANSI in str(error) and "Arguments received" in str(error)  # what Keras raises
    value = through_json({"cell": error_value(error)})["cell"]
    assert value["message"] == "The input has 4 features. Give it 3"
    status, _, detail = judge(None, "x", value, {"cell": np.zeros(2)})
    assert status == "error" and detail == "ValueError: The input has 4 features. Give it 3"
    assert error_text(error) == value["message"]


def test_a_diagnosis_is_never_cut_mid_sentence():
    sentences = [f"Sentence {i} says what to change in step {i}." for i in range(40)]
    whole = " ".join(sentences[:20])  # about 900 characters: kept whole
    assert error_value(ValueError(whole))["message"] == whole.rstrip(".")
    longer = error_value(ValueError(" ".join(sentences)))["message"]
    kept, marker = longer.rsplit(" [", 1)
    assert marker == "message shortened]" and kept.endswith(".")
    assert kept in " ".join(sentences) and len(longer) <= 1000
    short = error_text(ValueError(" ".join(sentences)))  # the checks' limit, 200
    assert short.endswith(". [message shortened]") and len(short) <= 200
    assert short.removesuffix(" [message shortened]") in " ".join(sentences)


def test_a_huge_array_in_a_message_is_shortened_and_the_sentences_kept():
    error = ValueError(f"Got the values {list(range(2000))}. Sum over the last axis instead.")
    message = error_value(error)["message"]
    assert message.startswith("Got the values [0, 1, 2, ")
    assert " … " in message and message.endswith("]. Sum over the last axis instead")
    assert len(message) < 200


# --- NumPy on a traced tensor is no stub --------------------------------------------------------
def numpy_in_a_graph():
    """The error TensorFlow really raises for NumPy on a tensor being traced."""
    return tf.function(lambda x: np.tanh(x))(tf.ones((2, 2)))


def stub():
    raise NotImplementedError()


def test_tensorflow_says_not_implemented_for_numpy_on_a_traced_tensor():
    with pytest.raises(NotImplementedError, match="Cannot convert a symbolic tf.Tensor") as raised:
        numpy_in_a_graph()
    assert is_numpy_on_symbolic(raised.value)
    assert not is_numpy_on_symbolic(NotImplementedError())


def test_run_student_code_tells_a_stub_from_numpy_on_a_traced_tensor():
    with pytest.raises(CheckFailed, match=r"^`stub\(\)` is not written yet: replace"):
        run_student_code(stub, what="`stub()`")
    with pytest.raises(CheckFailed) as failure:
        run_student_code(numpy_in_a_graph, what="`f(x)`")
    assert str(failure.value).startswith("`f(x)` uses NumPy: use keras.ops: NumPy cannot run")
    assert "not written yet" not in str(failure.value)
    with pytest.raises(CheckFailed) as failure:
        run_student_code(raise_keras_error, what="`g()`")
    assert str(failure.value) == "`g()` raised ValueError: The input has 4 features. Give it 3"


def test_the_grader_records_numpy_on_a_traced_tensor_as_an_error_not_a_missing_exercise():
    try:
        numpy_in_a_graph()
    except NotImplementedError as error:
        value = error_value(error)
    assert value["__error__"] == "NumPyOnSymbolicTensor" and value["missing"] is False
    assert "Cannot convert a symbolic tf.Tensor" in value["message"]
    assert error_value(NotImplementedError())["missing"] is True


class StubCell(keras.layers.Layer):
    state_size = output_size = 2

    def call(self, inputs, states):
        raise NotImplementedError()


def test_a_stub_wrapped_by_keras_in_a_compiled_model_is_still_a_stub():
    model = keras.Sequential([keras.Input((None, 3)), keras.layers.RNN(StubCell())])
    with pytest.raises(NotImplementedError) as raised:
        model.predict(np.zeros((1, 2, 3), "float32"), verbose=0)
    assert not is_numpy_on_symbolic(raised.value)
    value = error_value(raised.value)
    assert value["missing"] is True and value["message"] == ""


def test_the_numpy_message_is_one_whole_sentence_naming_the_call():
    message = numpy_in_graph_message("`MyGRUCell.call` (exercise gru_call)")
    assert message.startswith(
        "`MyGRUCell.call` (exercise gru_call) uses NumPy: use keras.ops: NumPy cannot run "
        "inside keras.layers.RNN"
    )
    assert message.endswith(".") and not re.search(r"issue|ticket|session", message)
