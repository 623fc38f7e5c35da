"""One contract for every public constructor and function: bad arguments are named.

A value of the wrong type raises TypeError, a value out of range ValueError;
both messages name the argument and say what it must be. Nothing is coerced
silently or ignored.
"""

import numpy as np
import pytest

import lessons
from lessons import arguments, bptt, datasets, regularize, tasks, text
from lessons import seq2seq as s2s

SOURCE = text.CharVocab(["0123456789"])
TARGET = text.CharVocab(["0123456789"], bos=True)


def tiny_model():
    return s2s.Seq2Seq(SOURCE, TARGET, embedding_dim=4, units=4)


MODEL = None


def model():
    global MODEL
    if MODEL is None:
        MODEL = tiny_model()
    return MODEL


PROBS = np.array([0.2, 0.3, 0.5])
PARAMS = bptt.init_params(2, 3, 2, seed=0)
XS = np.zeros((4, 2))
TARGETS = np.array([0, 1, 0, 1])

# (what is called, the argument, a value of the wrong type, a value out of range or None)
CASES = [
    (lambda **a: lessons.SimpleRNNCell(**{"units": 3, **a}), "units", 3.0, 0),
    (lambda **a: lessons.GRUCell(**{"units": 3, **a}), "units", "3", -1),
    (lambda **a: lessons.GRUCell(3, **a), "reset_after", "yes", None),
    (lambda **a: lessons.GRUCell(3, **a), "dropout", "0.1", 1.0),
    (lambda **a: lessons.GRUCell(3, **a), "recurrent_dropout", None, -0.1),
    (lambda **a: lessons.LSTMCell(3, **a), "unit_forget_bias", 1, None),
    (lambda **a: lessons.PeepholeLSTMCell(**{"units": 3, **a}), "units", True, 0),
    (lambda **a: lessons.CoupledLSTMCell(3, **a), "dropout", [0.1], 1.5),
    (lambda **a: lessons.StackedRNN(**{"units": 4, **a}), "units", 4.5, 0),
    (lambda **a: lessons.StackedRNN(4, **a), "num_layers", 2.0, 0),
    (lambda **a: lessons.StackedRNN(4, **a), "connection", 3, "skip"),
    (lambda **a: lessons.StackedRNN(4, **a), "merge_mode", 2, "max"),
    (lambda **a: lessons.StackedRNN(4, **a), "bidirectional", "no", None),
    (lambda **a: lessons.StackedRNN(4, **a), "return_sequences", 0, None),
    (lambda **a: lessons.StackedRNN(4, **a), "layer_dropout", "0", 1.0),
    (lambda **a: lessons.StackedRNN(4, **a), "zoneout", "0.1", 1.0),
    (lambda **a: lessons.StackedRNN(4, **a), "seed", 1.5, -1),
    (lambda **a: lessons.Zoneout(lessons.GRUCell(3), **a), "rate", "0.1", 1.0),
    (lambda **a: lessons.Zoneout(lessons.GRUCell(3), **a), "seed", "1", -1),
    (lambda **a: regularize.PerStepDropout(lessons.LSTMCell(3), **a), "dropout", "0.2", 1.0),
    (lambda **a: regularize.ActivationRegularization(**a), "alpha", "2", -1.0),
    (lambda **a: regularize.ActivationRegularization(**a), "beta", None, float("nan")),
    (lambda **a: regularize.ar_tar_penalty(np.ones((2, 3, 4)), **a), "alpha", "1", -1.0),
    (lambda **a: s2s.AdditiveAttention(**{"units": 4, **a}), "units", 4.0, 0),
    (lambda **a: s2s.Encoder(10, **a), "embedding_dim", 2.5, 0),
    (lambda **a: s2s.Encoder(10, **a), "cell", 1, "rnn"),
    (lambda **a: s2s.Encoder(10, **a), "num_layers", "1", 0),
    (lambda **a: s2s.Decoder(10, **a), "attention", 1, "dot"),
    (lambda **a: s2s.Decoder(10, **a), "dropout", "0", 1.0),
    (lambda **a: s2s.Seq2Seq(SOURCE, TARGET, **a), "bidirectional_encoder", "yes", None),
    (lambda **a: s2s.Seq2Seq(SOURCE, TARGET, **a), "units", 1.5, 0),
    (lambda **a: s2s.greedy_decode(model(), "12", **a), "max_len", 2.0, 0),
    (lambda **a: s2s.greedy_decode(model(), "12", **a), "return_attention", 1, None),
    (lambda **a: s2s.sample_decode(model(), "12", **a), "temperature", "1", -1.0),
    (lambda **a: s2s.sample_decode(model(), "12", **a), "seed", 1.5, -3),
    (lambda **a: s2s.beam_search(model(), "12", **a), "beam_size", 2.0, 0),
    (lambda **a: s2s.beam_search(model(), "12", **a), "length_penalty", "0", -0.5),
    (lambda **a: s2s.sequence_log_prob(model(), "12", "12", **a), "add_eos", 1, None),
    (lambda **a: text.CharVocab(["ab"], **a), "bos", "no", None),
    (lambda **a: text.CharVocab(["ab"], **a), "specials", 0, None),
    (lambda **a: text.WordVocab(["a", "b"], **a), "max_words", 2.0, 0),
    (lambda **a: text.window_arrays(np.arange(10), **a), "seq_len", 2.0, 0),
    (lambda **a: text.windows(np.arange(10), 2, **a), "batch_size", "2", 0),
    (lambda **a: text.windows(np.arange(10), 2, **a), "shuffle", "yes", None),
    (lambda **a: text.windows(np.arange(10), 2, **a), "drop_remainder", 1, None),
    (lambda **a: text.pad_sequences([[1, 2], [3]], **a), "length", 2.0, 0),
    (lambda **a: text.bucketed_batches([[1]], [[1]], **a), "batch_size", 1.0, 0),
    (lambda **a: text.bucketed_batches([[1]], [[1]], **a), "seed", "0", -1),
    (lambda **a: text.apply_temperature(PROBS, **a), "temperature", "1", -0.5),
    (lambda **a: text.apply_temperature(PROBS, **a), "temperature", None, float("inf")),
    (lambda **a: tasks.adding_problem(**{"n": 4, "length": 10, **a}), "length", 2.5, 1),
    (lambda **a: tasks.adding_problem(**{"n": 4, "length": 10, **a}), "n", "4", 0),
    (lambda **a: tasks.adding_problem(4, 10, **a), "seed", 0.5, -1),
    (lambda **a: tasks.copy_problem(**{"n": 4, "delay": 3, **a}), "delay", 3.0, -1),
    (lambda **a: tasks.copy_problem(4, 3, **a), "alphabet", "8", 1),
    (lambda **a: lessons.set_seed(**a), "seed", 1.5, -1),
    (lambda **a: datasets.load_dates(**a), "locale_prefix", "yes", None),
    (lambda **a: datasets.load_cmudict(**a), "stress", 1, None),
    (
        lambda **a: bptt.init_params(**{"input_dim": 2, "hidden_dim": 3, "output_dim": 2, **a}),
        "hidden_dim",
        3.0,
        0,
    ),
    (lambda **a: bptt.init_params(2, 3, 2, **a), "recurrent_scale", "1", -1.0),
    (lambda **a: bptt.init_params(2, 3, 2, **a), "bias", 1, None),
    (lambda **a: bptt.numerical_gradient(PARAMS, XS, TARGETS, **a), "eps", "1e-5", 0.0),
    (
        lambda **a: bptt.state_jacobian_product(PARAMS, bptt.forward(PARAMS, XS), **{"k": 0, **a}),
        "t",
        2.0,
        4,
    ),
]


def _label(case):
    call, name, _, _ = case
    return f"{name}-{call.__code__.co_firstlineno}"


def _named(message, name):
    return f"`{name}`" in message and "must be" in message


@pytest.mark.parametrize("case", CASES, ids=map(_label, CASES))
def test_a_wrong_type_is_a_type_error_naming_the_argument(case):
    call, name, wrong_type, _ = case
    with pytest.raises(TypeError) as raised:
        call(**{name: wrong_type})
    assert _named(str(raised.value), name), str(raised.value)


@pytest.mark.parametrize("case", [c for c in CASES if c[3] is not None], ids=_label)
def test_a_value_out_of_range_is_a_value_error_naming_the_argument(case):
    call, name, _, wrong_value = case
    with pytest.raises(ValueError) as raised:
        call(**{name: wrong_value})
    assert _named(str(raised.value), name), str(raised.value)


def test_numpy_scalars_are_taken_as_the_python_values_they_hold():
    assert arguments.check_int("n", np.int64(3)) == 3 and type(arguments.check_int("n", 3)) is int
    assert arguments.check_bool("flag", np.True_) is True
    assert arguments.check_number("alpha", np.float32(0.5)) == 0.5
    assert lessons.GRUCell(np.int32(4)).units == 4
    assert lessons.LSTMCell(3, unit_forget_bias=np.False_).unit_forget_bias is False


def test_no_argument_is_ignored():
    # A vanilla cell has no gate for a recurrent activation to act on: say so, do not drop it.
    with pytest.raises(TypeError, match="`recurrent_activation`"):
        lessons.SimpleRNNCell(3, recurrent_activation="sigmoid")
    with pytest.raises(ValueError, match="reset_gate"):  # Keras refuses unknown keywords
        lessons.GRUCell(3, reset_gate="on")
