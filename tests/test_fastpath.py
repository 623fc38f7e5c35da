"""The fast path: StackedRNN and Seq2Seq on Keras' built-ins equal the kit's cells.

Every comparison is between the two implementations with the same weights
(copied by `from_keras` / `to_keras`): Keras' built-in GRU and LSTM are the
independent reference for the kit's cells, and the other way round.
"""

import importlib

import keras
import pytest
from backend import assert_close, assert_equal, to_numpy
from conftest import ragged_mask, randomize_weights

import lessons
from lessons import config, gates
from lessons.cell import RecurrentCell
from lessons.seq2seq import greedy_decode, training_arrays
from lessons.text import CharVocab

SOURCES = ["abc", "abcdef", "a", "fedcba"]  # lengths 3, 6, 1, 6: padded on the right
TARGETS = ["xyz", "uv", "wwwww", "zyx"]


@pytest.fixture(autouse=True)
def _cpu_default(monkeypatch):
    """Each test starts from the automatic choice, whatever the environment says."""
    monkeypatch.delenv("RNN_LESSONS_IMPLEMENTATION", raising=False)
    config.set_implementation(None)


def _builtin_layers(model):
    return [
        layer
        for layer in model._flatten_layers()
        if isinstance(layer, (keras.layers.SimpleRNN, keras.layers.GRU, keras.layers.LSTM))
    ]


def _kit_cells(model):
    return [layer for layer in model._flatten_layers() if isinstance(layer, RecurrentCell)]


def _random_stack(rng, **options):
    stack = lessons.StackedRNN(7, num_layers=3, return_sequences=True, seed=0, **options)
    stack.build((None, None, 5))
    randomize_weights(stack, rng)
    return stack


# --- StackedRNN -----------------------------------------------------------------------------
STACKS = [
    {"cell": "gru", "connection": "residual", "bidirectional": True},
    {"cell": "lstm", "connection": "dense", "bidirectional": True, "merge_mode": "sum"},
    {"cell": "rnn", "connection": "plain", "bidirectional": False},
    {"cell": "lstm", "connection": "residual", "bidirectional": False},
]


@pytest.mark.parametrize("options", STACKS, ids=lambda o: "-".join(map(str, o.values())))
def test_stack_builtins_equal_kit_cells_both_ways(options, rng):
    x = rng.normal(size=(6, 9, 5)).astype("float32")
    mask = ragged_mask(rng, 6, 9)
    fast = _random_stack(rng, implementation="keras", **options)
    assert _builtin_layers(fast) and not _kit_cells(fast)

    readable = lessons.from_keras(fast)
    assert readable.implementation == "kit" and not _builtin_layers(readable)
    assert all(getattr(c, "reset_after", True) for c in _kit_cells(readable))
    for m in (None, mask):
        assert_close(to_numpy(readable(x, mask=m)), to_numpy(fast(x, mask=m)), atol=1e-5)

    back = lessons.to_keras(readable)
    assert back.implementation == "keras"
    for a, b in zip(fast.weights, back.weights, strict=True):
        assert_equal(to_numpy(b), to_numpy(a))
    assert_close(to_numpy(back(x, mask=mask)), to_numpy(fast(x, mask=mask)), atol=1e-5)


def test_a_kit_stack_goes_to_the_builtins_and_back(rng):
    """From the kit's side first: GRU cells in the cuDNN form, residual, bidirectional."""
    x = rng.normal(size=(4, 6, 5)).astype("float32")
    mask = ragged_mask(rng, 4, 6)
    kit = _random_stack(
        rng, cell="gru", connection="residual", bidirectional=True, implementation="kit",
        reset_after=True,
    )  # fmt: skip
    fast = lessons.to_keras(kit)
    assert all(layer.reset_after for layer in _builtin_layers(fast))
    assert_close(to_numpy(fast(x, mask=mask)), to_numpy(kit(x, mask=mask)), atol=1e-5)
    again = lessons.from_keras(fast)
    for a, b in zip(kit.weights, again.weights, strict=True):
        assert_equal(to_numpy(b), to_numpy(a))


def test_last_state_and_layer_dropout_agree(rng):
    """return_sequences=False (the final state) and dropout between layers at inference."""
    x = rng.normal(size=(5, 8, 5)).astype("float32")
    mask = ragged_mask(rng, 5, 8)
    fast = lessons.StackedRNN(
        6, num_layers=2, cell="lstm", bidirectional=True, layer_dropout=0.3, dropout=0.2,
        implementation="keras",
    )  # fmt: skip
    fast(x)
    randomize_weights(fast, rng)
    readable = lessons.from_keras(fast)
    assert readable.dropout == 0.2 and readable.layer_dropout == 0.3
    assert_close(to_numpy(readable(x, mask=mask)), to_numpy(fast(x, mask=mask)), atol=1e-5)


def test_readable_stack_records_its_gates(rng):
    """The point of converting: the slides' gates of a trained built-in stack."""
    x = rng.normal(size=(2, 6, 5)).astype("float32")
    fast = _random_stack(rng, cell="gru", implementation="keras")
    readable = lessons.from_keras(fast)
    values = gates.record_gates(readable.recurrent_layers[0], x)
    assert {"Z_t", "R_t", "H_t"} <= set(values)
    # The H_t the cell computed step by step is what the built-in layer returned.
    assert_close(values["H_t"], to_numpy(fast.recurrent_layers[0](x)), atol=1e-5)


@pytest.mark.parametrize("implementation", ["keras", "kit"])
def test_stack_saves_and_loads(implementation, tmp_path, rng):
    x = rng.normal(size=(3, 6, 5)).astype("float32")
    stack = _random_stack(rng, cell="gru", bidirectional=True, implementation="keras")
    if implementation == "kit":
        stack = lessons.from_keras(stack)
    model = keras.Sequential([keras.Input((None, 5)), stack])
    model.save(tmp_path / "stack.keras")
    loaded = keras.models.load_model(tmp_path / "stack.keras")
    assert loaded.layers[0].implementation == implementation
    assert_close(to_numpy(loaded(x)), to_numpy(model(x)), atol=1e-6)


# --- Seq2Seq --------------------------------------------------------------------------------
def _vocabs():
    return CharVocab(SOURCES), CharVocab(TARGETS, bos=True)


def _random_seq2seq(rng, **options):
    model = lessons.Seq2Seq(*_vocabs(), embedding_dim=6, units=8, num_layers=2, **options)
    randomize_weights(model, rng)
    return model


SEQ2SEQ = [
    {"cell": "gru", "bidirectional_encoder": True, "attention": "additive"},
    {"cell": "lstm", "bidirectional_encoder": True, "attention": None},
    {"cell": "lstm", "bidirectional_encoder": False, "attention": "additive"},
    {"cell": "gru", "bidirectional_encoder": False, "attention": None},
]


@pytest.mark.parametrize("options", SEQ2SEQ, ids=lambda o: "-".join(map(str, o.values())))
def test_seq2seq_builtins_equal_kit_cells_both_ways(options, rng):
    fast = _random_seq2seq(rng, implementation="keras", **options)
    assert _builtin_layers(fast) and not _kit_cells(fast)
    (source_ids, decoder_input), _ = training_arrays(fast, SOURCES, TARGETS)
    assert (source_ids == 0).any()  # padded sources: the encoder's mask is used

    readable = lessons.from_keras(fast)
    assert readable.implementation == "kit" and not _builtin_layers(readable)
    assert readable.encoder.implementation == readable.decoder.implementation == "kit"
    logits, weights = fast((source_ids, decoder_input), return_attention=True)
    logits_kit, weights_kit = readable((source_ids, decoder_input), return_attention=True)
    assert_close(to_numpy(logits_kit), to_numpy(logits), atol=1e-5)
    if options["attention"]:
        assert_close(to_numpy(weights_kit), to_numpy(weights), atol=1e-5)
    # Step-by-step decoding runs the cells one step at a time: the same words.
    assert greedy_decode(readable, SOURCES, max_len=6) == greedy_decode(fast, SOURCES, max_len=6)

    back = lessons.to_keras(readable)
    for a, b in zip(fast.weights, back.weights, strict=True):
        assert_equal(to_numpy(b), to_numpy(a))


@pytest.mark.parametrize("implementation", ["keras", "kit"])
def test_seq2seq_saves_and_loads(implementation, tmp_path, rng):
    model = _random_seq2seq(rng, cell="gru", attention="additive", implementation="keras")
    if implementation == "kit":
        model = lessons.from_keras(model)
    (source_ids, decoder_input), _ = training_arrays(model, SOURCES, TARGETS)
    model.save(tmp_path / "seq2seq.keras")
    loaded = keras.models.load_model(tmp_path / "seq2seq.keras")
    assert loaded.implementation == implementation
    assert loaded.encoder.reset_after is True
    assert_close(
        to_numpy(loaded((source_ids, decoder_input))),
        to_numpy(model((source_ids, decoder_input))),
        atol=1e-6,
    )


# --- choosing, and what the built-ins cannot do ---------------------------------------------
@pytest.mark.parametrize(
    "options, named",
    [
        ({"cell": "lstm", "zoneout": 0.1}, "zoneout"),
        ({"cell": "gru", "recurrent_dropout": 0.2}, "recurrent_dropout"),
        ({"cell": "peephole"}, "peephole"),
        ({"cell": "coupled"}, "coupled"),
        ({"cell": lessons.GRUCell}, "cell="),
        ({"cell": "gru", "reset_after": False}, "reset_after=False"),
    ],
)
def test_builtins_refuse_what_they_cannot_do_unless_left_to_the_default(
    options, named, monkeypatch
):
    with pytest.raises(ValueError, match=rf"`implementation`.*{named}"):
        lessons.StackedRNN(4, implementation="keras", **options)
    monkeypatch.setattr(config, "gpu_visible", lambda: True)  # the default is "keras" now
    assert lessons.StackedRNN(4, **options).implementation == "kit"  # the stated fallback
    assert lessons.StackedRNN(4, cell="gru").implementation == "keras"


def test_the_default_follows_config(monkeypatch):
    monkeypatch.setattr(config, "gpu_visible", lambda: False)
    assert lessons.StackedRNN(4, cell="gru").implementation == config.CPU_IMPLEMENTATION
    assert lessons.StackedRNN(4, cell="gru").reset_after is False  # the slides' form
    monkeypatch.setattr(config, "gpu_visible", lambda: True)
    stack = lessons.StackedRNN(4, cell="gru")
    assert (stack.implementation, stack.reset_after) == ("keras", True)
    model = lessons.Seq2Seq(*_vocabs(), units=4, cell="lstm")
    assert model.encoder.implementation == model.decoder.implementation == "keras"
    config.set_implementation("kit")
    assert lessons.Seq2Seq(*_vocabs(), units=4).implementation == "kit"
    monkeypatch.setenv("RNN_LESSONS_IMPLEMENTATION", "keras")  # the environment wins
    assert lessons.StackedRNN(4).implementation == "keras"


def test_bad_arguments_name_themselves(rng):
    with pytest.raises(ValueError, match="`implementation`.*'kit', 'keras'.*'cudnn'"):
        lessons.StackedRNN(4, implementation="cudnn")
    with pytest.raises(TypeError, match="`implementation`"):
        lessons.Seq2Seq(*_vocabs(), implementation=1)
    with pytest.raises(ValueError, match="`reset_after` applies to cell='gru' only"):
        lessons.StackedRNN(4, cell="lstm", reset_after=True)
    with pytest.raises(TypeError, match="`reset_after`"):
        lessons.Seq2Seq(*_vocabs(), reset_after="yes")
    slides_gru = _random_stack(rng, cell="gru", implementation="kit")  # reset_after=False
    with pytest.raises(ValueError, match="cannot become Keras' built-in.*reset_after=False"):
        lessons.to_keras(slides_gru)
    with pytest.raises(ValueError, match="already has implementation='kit'.*to_keras"):
        lessons.from_keras(slides_gru)
    with pytest.raises(ValueError, match="built layer"):
        lessons.from_keras(lessons.StackedRNN(4, implementation="keras"))


# --- cuDNN --------------------------------------------------------------------------------
def _all_fast_path_layers():
    """Every built-in layer the fast path makes, for each cell and shape it offers."""
    layers = []
    for cell in ("rnn", "gru", "lstm"):
        for bidirectional in (False, True):
            stack = lessons.StackedRNN(
                4, num_layers=2, cell=cell, bidirectional=bidirectional, dropout=0.1,
                implementation="keras",
            )  # fmt: skip
            stack.build((None, None, 3))
            layers += _builtin_layers(stack)
    for cell in ("gru", "lstm"):
        model = lessons.Seq2Seq(
            *_vocabs(), units=4, cell=cell, bidirectional_encoder=True, attention="additive",
            dropout=0.1, implementation="keras",
        )  # fmt: skip
        layers += _builtin_layers(model)
    return layers


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="cuDNN runs on TensorFlow")
def test_every_builtin_of_the_fast_path_meets_cudnns_conditions(monkeypatch):
    tf_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")

    layers = _all_fast_path_layers()
    kinds = {type(layer).__name__ for layer in layers}
    assert kinds == {"SimpleRNN", "GRU", "LSTM"}
    for layer in layers:
        cell = layer.cell
        assert cell.activation is keras.activations.tanh, layer.name
        assert not layer.unroll and cell.use_bias and layer.recurrent_dropout == 0, layer.name
        if isinstance(layer, keras.layers.SimpleRNN):
            continue  # no cuDNN kernel exists for it; Keras' own loop runs it
        assert cell.recurrent_activation is keras.activations.sigmoid, layer.name
        assert layer.use_cudnn in ("auto", True), layer.name
        # Keras' own argument check (`cudnn_ok` less its GPU test).
        args = (cell.activation, cell.recurrent_activation, layer.unroll, cell.use_bias)
        if isinstance(layer, keras.layers.GRU):
            assert cell.reset_after, layer.name
            assert tf_rnn._do_gru_arguments_support_cudnn(*args, cell.reset_after), layer.name
        else:
            assert tf_rnn._do_lstm_arguments_support_cudnn(*args), layer.name

    # With a GPU (stubbed), Keras' constructors decide for cuDNN: they turn XLA off.
    monkeypatch.setattr(tf_rnn, "_is_gpu_available", lambda: True)
    for layer in _all_fast_path_layers():
        expected = isinstance(layer, keras.layers.SimpleRNN)
        assert layer.supports_jit is expected, layer.name
    slides_form = keras.layers.GRU(4, reset_after=False)  # the control: no cuDNN for it
    assert slides_form.supports_jit


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="XLA switch of TensorFlow")
def test_no_jit_compile_refusal_on_a_gpu_with_the_default(monkeypatch):
    """On a GPU the fast path's cuDNN layers refuse XLA; config.jit_compile says "auto"."""
    tf_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")

    monkeypatch.setattr(tf_rnn, "_is_gpu_available", lambda: True)
    monkeypatch.setattr(config, "gpu_visible", lambda: True)
    model = lessons.Seq2Seq(*_vocabs(), units=4, attention="additive")
    assert model.implementation == "keras"
    with pytest.warns(UserWarning, match="doesn't support `jit_compile=True`"):
        model.compile("adam", "mse", jit_compile=True)  # what a plain True does here
    with warnings_as_errors():
        model.compile("adam", "mse", jit_compile=config.jit_compile(True))
    assert not model.jit_compile


def warnings_as_errors():
    import warnings

    class _Raise(warnings.catch_warnings):
        def __enter__(self):
            super().__enter__()
            warnings.simplefilter("error")

    return _Raise()
