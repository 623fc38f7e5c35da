"""lessons.seq2seq: encoder-decoder, teacher forcing, masked loss, attention, decoding, metrics.

References are written here from the definitions: the masked loss as a NumPy
mean over real tokens, attention from its docstring's three equations with the
layer's weights copied out, teacher-forced log-probabilities from one forward
pass, beam search against exhaustive search, error rates counted by hand.
"""

import itertools

import keras
import numpy as np
import pytest
from backend import allclose, assert_close, to_numpy

from lessons import seq2seq as s2s
from lessons import text
from lessons.text import BOS, EOS, PAD, UNK, CharVocab, WordVocab

DIGITS = CharVocab(["0123456789"])
DIGITS_OUT = CharVocab(["0123456789"], bos=True)


@pytest.fixture(autouse=True)
def _eager_decoding(monkeypatch):
    """Small models decode faster eagerly than after tracing; one test checks both agree."""
    monkeypatch.setattr(s2s.decoding, "COMPILE_DECODING", False)


def small_model(
    cell="gru",
    num_layers=1,
    bidirectional=False,
    attention=None,
    units=8,
    seed=0,
    source_vocab=DIGITS,
    target_vocab=DIGITS_OUT,
    sharpen=1.0,
):
    """A random, untrained model; `sharpen` scales the output layer so ŷ is peaked."""
    keras.utils.set_random_seed(seed)
    model = s2s.Seq2Seq(
        source_vocab,
        target_vocab,
        embedding_dim=6,
        units=units,
        cell=cell,
        num_layers=num_layers,
        bidirectional_encoder=bidirectional,
        attention=attention,
    )
    rng = np.random.default_rng(seed)
    kernel = model.decoder.output_layer.kernel
    kernel.assign(sharpen * rng.normal(0, 1, size=kernel.shape).astype("float32"))
    bias = model.decoder.output_layer.bias
    bias.assign(rng.normal(0, 1, size=bias.shape).astype("float32"))
    return model


def log_softmax(z):
    z = to_numpy(z, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def source_row(vocab, source):
    """The source's indices followed by <eos>, as a (1, T) batch (written out, no helpers)."""
    return np.array([[vocab.index[c] for c in source] + [EOS]], dtype=np.int32)


def teacher_forced_log_probs(model, source_ids, outputs):
    """log P(y | x) of each (ids, finished) in `outputs`, from one padded teacher-forced pass."""
    longest = max(len(ids) for ids, _ in outputs)
    decoder_input = np.zeros((len(outputs), longest + 1), dtype=np.int32)
    for row, (ids, _) in zip(decoder_input, outputs):
        row[: len(ids) + 1] = [BOS, *ids]
    sources = np.repeat(source_ids, len(outputs), axis=0)
    log_p = log_softmax(keras.ops.convert_to_numpy(model((sources, decoder_input))))
    totals = []
    for k, (ids, finished) in enumerate(outputs):
        targets = list(ids) + ([EOS] if finished else [])
        totals.append(sum(log_p[k, t, y] for t, y in enumerate(targets)))
    return np.array(totals)


# --- vocabularies with <bos> ----------------------------------------------------------------------
def test_vocabularies_gain_bos_after_the_three_specials():
    vocab = CharVocab(["ab"], bos=True)
    assert vocab.tokens == ["<pad>", "<unk>", "<eos>", "<bos>", "a", "b"]
    assert (vocab.pad, vocab.unk, vocab.eos, vocab.bos) == (PAD, UNK, EOS, BOS) == (0, 1, 2, 3)
    assert CharVocab(["ab"]).tokens == ["<pad>", "<unk>", "<eos>", "a", "b"]  # unchanged
    assert CharVocab(["ab"]).bos is None and CharVocab("ab", specials=False).bos is None
    words = WordVocab(["b", "a", "b", "<bos>", "<eos>"], bos=True)
    assert words.tokens == ["<pad>", "<unk>", "<eos>", "<bos>", "b", "a"]
    assert words.decode([BOS, 4, 5]) == "<bos> b a"
    with pytest.raises(ValueError, match="`bos`.*specials=True"):
        CharVocab("ab", specials=False, bos=True)
    with pytest.raises(TypeError, match="`bos`"):
        CharVocab("ab", bos="yes")
    again = CharVocab.from_tokens(vocab.tokens)
    assert type(again) is CharVocab and again.tokens == vocab.tokens and again.bos == BOS


# --- teacher forcing ------------------------------------------------------------------------------
def test_teacher_forcing_pairs_shift_by_one_and_pad():
    vocab = CharVocab(["ab"], bos=True)  # <pad> <unk> <eos> <bos> a b
    decoder_input, decoder_target = s2s.teacher_forcing_pairs(["ab", "b", ""], vocab)
    assert decoder_input.tolist() == [[3, 4, 5], [3, 5, 0], [3, 0, 0]]
    assert decoder_target.tolist() == [[4, 5, 2], [5, 2, 0], [2, 0, 0]]
    assert decoder_input.dtype == decoder_target.dtype == np.int32
    from_ids, _ = s2s.teacher_forcing_pairs([np.array([4, 5]), [5]], vocab)
    assert from_ids.tolist() == [[3, 4, 5], [3, 5, 0]]
    phonemes = WordVocab(["K", "AE", "T"], bos=True)
    _, target = s2s.teacher_forcing_pairs([["K", "AE", "T"]], phonemes)
    assert phonemes.decode(target[0]) == "K AE T <eos>"


def test_training_arrays_encode_sources_with_eos():
    model = small_model()
    (source_ids, decoder_input), decoder_target = s2s.training_arrays(model, ["12", "3"], ["9", ""])
    assert source_ids.tolist() == [[4, 5, EOS], [6, EOS, PAD]]
    assert decoder_input.tolist() == [[BOS, 13], [BOS, PAD]]
    assert decoder_target.tolist() == [[13, EOS], [EOS, PAD]]


# --- masked loss and accuracy ---------------------------------------------------------------------
def reference_loss(targets, logits):
    """Mean of -log softmax(z)[y] over the real (non-<pad>) targets, in NumPy."""
    log_p = log_softmax(logits)
    nll = [-log_p[i, t, y] for (i, t), y in np.ndenumerate(targets) if y != PAD]
    return np.mean(nll)


def ragged_batch(rng, lengths, vocab_size=7, extra=0):
    targets = np.zeros((len(lengths), max(lengths) + extra), dtype=np.int32)
    for row, n in zip(targets, lengths):
        row[:n] = rng.integers(1, vocab_size, size=n)
    logits = rng.normal(0, 2, size=targets.shape + (vocab_size,)).astype("float32")
    return targets, logits


def test_masked_loss_is_a_mean_over_real_tokens(rng):
    targets, logits = ragged_batch(rng, [5, 1, 3])
    loss = float(s2s.masked_loss(targets, logits))
    assert_close(loss, reference_loss(targets, logits), rtol=1e-5)
    plain_mean = float(
        keras.ops.mean(
            keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
        )
    )
    assert abs(loss - plain_mean) > 1e-3  # the padded positions would have changed it


def test_masked_loss_and_accuracy_ignore_padding_length(rng):
    targets, logits = ragged_batch(rng, [4, 2, 1], extra=0)
    longer_targets = np.pad(targets, ((0, 0), (0, 3)))
    longer_logits = np.concatenate(
        [logits, rng.normal(0, 5, size=(3, 3, 7)).astype("float32")], axis=1
    )
    for metric in (s2s.masked_loss, s2s.masked_accuracy):
        assert_close(
            float(metric(longer_targets, longer_logits)), float(metric(targets, logits)), rtol=1e-6
        )


def test_masked_loss_of_a_batch_equals_its_examples_one_by_one(rng):
    lengths = [6, 2, 4, 1]
    targets, logits = ragged_batch(rng, lengths, extra=2)
    alone = [
        float(s2s.masked_loss(targets[i : i + 1, :n], logits[i : i + 1, :n]))
        for i, n in enumerate(lengths)
    ]
    one_by_one = np.dot(alone, lengths) / sum(lengths)  # every token weighs the same
    assert_close(float(s2s.masked_loss(targets, logits)), one_by_one, rtol=1e-5)


def test_masked_accuracy_counts_real_tokens_only():
    targets = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    logits = np.full((2, 4, 4), -5.0, dtype="float32")
    logits[0, 0, 1] = logits[0, 1, 3] = logits[1, 0, 3] = 5.0  # right, wrong, right
    logits[:, 2:, 0] = 5.0  # "predicts" <pad> on padding: must not count
    assert float(s2s.masked_accuracy(targets, logits)) == pytest.approx(2 / 3)


# --- attention ------------------------------------------------------------------------------------
def test_attention_weights_sum_to_one_over_real_positions_only(rng):
    attention = s2s.AdditiveAttention(5)
    query = rng.normal(size=(3, 4, 6)).astype("float32")
    keys = rng.normal(size=(3, 7, 8)).astype("float32")
    lengths = np.array([7, 3, 1])
    mask = np.arange(7)[None, :] < lengths[:, None]
    context, weights = (keras.ops.convert_to_numpy(t) for t in attention(query, keys, mask))
    assert context.shape == (3, 4, 8) and weights.shape == (3, 4, 7)
    assert_close(weights.sum(axis=-1), 1.0, rtol=1e-6)
    assert np.all(weights[~np.broadcast_to(mask[:, None, :], weights.shape)] == 0.0)
    assert np.all(weights[:, :, 0] > 0)


def test_attention_matches_its_docstring_equations(rng):
    attention = s2s.AdditiveAttention(5)
    query = rng.normal(size=(2, 3, 4)).astype("float32")
    keys = rng.normal(size=(2, 6, 7)).astype("float32")
    mask = np.array([[True] * 6, [True] * 4 + [False] * 2])
    context, weights = attention(query, keys, mask)
    W_q, W_k, v = (
        keras.ops.convert_to_numpy(w).astype(np.float64)
        for w in (attention.W_q, attention.W_k, attention.v)
    )
    for b in range(2):
        real = np.flatnonzero(mask[b])
        for t in range(3):
            e = np.array([v @ np.tanh(query[b, t] @ W_q + keys[b, s] @ W_k) for s in real])
            alpha = np.exp(e - e.max()) / np.exp(e - e.max()).sum()  # softmax over real s
            c = alpha @ keys[b, real]  # c_t = Σ_s α_{t,s} k_s
            assert_close(to_numpy(weights)[b, t, real], alpha, rtol=1e-4)
            assert_close(to_numpy(context)[b, t], c, rtol=1e-4, atol=1e-6)


def test_model_attention_is_zero_on_source_padding():
    model = small_model(attention="additive", bidirectional=True)
    (source_ids, decoder_input), _ = s2s.training_arrays(model, ["1234", "5"], ["21", "5"])
    logits, weights = model((source_ids, decoder_input), return_attention=True)
    weights = keras.ops.convert_to_numpy(weights)
    assert weights.shape == (2, 3, 5) and logits.shape == (2, 3, len(DIGITS_OUT))
    assert np.all(weights[1, :, 2:] == 0.0)  # "5" + <eos>: two real positions
    assert_close(weights.sum(axis=-1), 1.0, rtol=1e-6)
    texts, maps = s2s.greedy_decode(model, ["1234", "5"], max_len=4, return_attention=True)
    for source, output, alpha in zip(["1234", "5"], texts, maps):
        assert alpha.shape == (min(len(output) + 1, 4), len(source) + 1)
        assert_close(alpha.sum(axis=-1), 1.0, rtol=1e-5)
    assert s2s.greedy_decode(small_model(), ["12"], return_attention=True)[1] == [None]


# --- encoder and decoder --------------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_bidirectional_encoder_projects_both_directions_into_one_state(cell, rng):
    keras.utils.set_random_seed(1)
    encoder = s2s.Encoder(12, embedding_dim=5, units=4, cell=cell, num_layers=2, bidirectional=True)
    source_ids = np.array([[3, 4, 5, 6, 7], [8, 9, 2, 0, 0]])
    outputs, states, mask = encoder(source_ids)
    n_states = {"gru": 1, "lstm": 2}[cell]
    assert outputs.shape == (2, 5, 8)  # [H→_t; H←_t]
    assert len(states) == 2 and all(len(layer) == n_states for layer in states)
    assert all(s.shape == (2, 4) for layer in states for s in layer)
    assert keras.ops.convert_to_numpy(mask).tolist() == (source_ids != 0).tolist()
    # Layer 0's projection, from its two directions' last states, in NumPy.
    x = encoder.embedding(source_ids)
    _, *last = encoder.rnns[0](x, mask=source_ids != 0)
    last = [keras.ops.convert_to_numpy(s) for s in last]
    for k, bridge in enumerate(encoder.bridges[0]):
        W, b = (keras.ops.convert_to_numpy(w) for w in bridge.weights)
        joined = np.concatenate([last[k], last[n_states + k]], axis=-1)
        expected = joined @ W + b
        expected = np.tanh(expected) if k == 0 else expected  # H through tanh, C linear
        assert_close(keras.ops.convert_to_numpy(states[0][k]), expected, atol=1e-5)
    # Padding is skipped: row 1's states are those of its three real tokens alone.
    _, alone, _ = encoder(source_ids[1:, :3])
    for padded, short in zip(itertools.chain(*states), itertools.chain(*alone)):
        assert_close(to_numpy(padded)[1], to_numpy(short)[0], atol=1e-5)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_decoder_starts_from_the_encoder_state_and_reads_it_as_context(cell, num_layers):
    model = small_model(cell=cell, num_layers=num_layers)
    first = model.decoder.rnns[0].cell
    x_kernel = first.W_xz if cell == "gru" else first.W_xi
    assert tuple(x_kernel.shape) == (6 + 8, 8)  # X_t = [embed(y); c]: e + units features
    source_ids = s2s.encode_sources(["123"], DIGITS)
    outputs, states, mask = model.encoder(source_ids)
    state = model.decoder.start(outputs, states, mask)
    assert_close(state["context"], states[-1][0])
    for a, b in zip(itertools.chain(*state["states"]), itertools.chain(*states)):
        assert_close(a, b)
    # Another source, another start: the output depends on the source.
    logits = [model((s2s.encode_sources([s], DIGITS), np.array([[BOS]]))) for s in ("123", "987")]
    assert not allclose(logits[0], logits[1])


def test_encoder_decoder_state_mismatch_raises_naming_encoder_states():
    source_ids = np.array([[4, 5, EOS]])
    lstm_states = s2s.Encoder(10, units=4, cell="lstm")(source_ids)
    with pytest.raises(ValueError, match=r"`encoder_states`.*GRU.*same cell"):
        s2s.Decoder(10, units=4, cell="gru")(np.array([[BOS]]), *lstm_states)
    with pytest.raises(ValueError, match=r"`encoder_states`.*2 list\(s\)"):
        s2s.Decoder(10, units=4, cell="lstm", num_layers=2)(np.array([[BOS]]), *lstm_states)
    with pytest.raises(ValueError, match=r"`encoder_states`.*\(batch, 6\)"):
        s2s.Decoder(10, units=6, cell="lstm")(np.array([[BOS]]), *lstm_states)


# --- decoding -------------------------------------------------------------------------------------
CONFIGS = [
    dict(cell="gru"),
    dict(cell="lstm", num_layers=2),
    dict(cell="gru", bidirectional=True, attention="additive", num_layers=2),
    dict(cell="lstm", bidirectional=True, attention="additive"),
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(map(str, c.values())))
def test_beam_of_one_is_greedy_and_scores_are_teacher_forced(config):
    model = small_model(**config, sharpen=2.0)
    sources = ["42", "98765"]
    greedy = s2s.greedy_decode(model, sources, max_len=5)
    for source, expected in zip(sources, greedy):
        (best,) = s2s.beam_search(model, source, beam_size=1, max_len=5)
        assert best.text == expected
        beams = s2s.beam_search(model, source, beam_size=3, max_len=5)
        scores = [h.score for h in beams]
        assert len(beams) == 3 and scores == sorted(scores, reverse=True)
        outputs = [(h.ids, h.finished) for h in beams]
        reference = teacher_forced_log_probs(model, source_row(DIGITS, source), outputs)
        assert_close([h.log_prob for h in beams], reference, rtol=1e-4, atol=1e-4)
    h = beams[0]
    assert s2s.sequence_log_prob(model, source, list(h.ids), h.finished) == pytest.approx(
        h.log_prob, rel=1e-4, abs=1e-4
    )


def test_greedy_output_is_cut_at_max_len_and_beam_of_one_agrees():
    model = small_model(sharpen=2.0)
    target = model.target_vocab
    eos_bias = model.decoder.output_layer.bias
    eos_bias.assign(np.where(np.arange(len(target)) == EOS, -30.0, eos_bias.numpy()))  # no <eos>
    output = s2s.greedy_decode(model, "12", max_len=3)
    assert isinstance(output, str) and len(output) == 3  # one source: one string
    (best,) = s2s.beam_search(model, "12", beam_size=1, max_len=3)
    assert best.text == output and not best.finished


@pytest.mark.parametrize("length_penalty", [0.0, 0.8])
def test_wide_beam_equals_exhaustive_search(length_penalty):
    # Target vocabulary <pad> <unk> <eos> <bos> a b: a decoder may write <unk>, a, b or <eos>.
    target_vocab = CharVocab(["ab"], bos=True)
    model = small_model(attention="additive", target_vocab=target_vocab, sharpen=3.0, seed=3)
    source_ids = source_row(DIGITS, "2718")
    writable = [UNK, 4, 5]
    max_len = 3
    outputs = [(ids, True) for n in range(max_len) for ids in itertools.product(writable, repeat=n)]
    outputs += [(ids, False) for ids in itertools.product(writable, repeat=max_len)]  # cut
    log_probs = teacher_forced_log_probs(model, source_ids, outputs)
    lengths = np.array([len(ids) + finished for ids, finished in outputs])
    scores = log_probs / ((5 + lengths) / 6) ** length_penalty  # GNMT's lp, as documented
    order = np.argsort(-scores)
    assert np.min(-np.diff(scores[order])) > 1e-4, "ties: the expected order would be ambiguous"

    beams = s2s.beam_search(
        model,
        source_ids[0, :-1],
        beam_size=len(outputs),
        max_len=max_len,
        length_penalty=length_penalty,
    )
    assert [(h.ids, h.finished) for h in beams] == [outputs[k] for k in order]
    assert_close([h.log_prob for h in beams], log_probs[order], atol=1e-4)
    assert_close([h.score for h in beams], scores[order], atol=1e-4)
    narrow = s2s.beam_search(
        model, source_ids[0, :-1], beam_size=4, max_len=max_len, length_penalty=length_penalty
    )
    assert len(narrow) == 4 and narrow[0].score <= beams[0].score + 1e-6


def test_sample_decode_draws_from_the_models_distribution():
    model = small_model(sharpen=0.5)
    source_ids = source_row(DIGITS, "55")
    first = log_softmax(keras.ops.convert_to_numpy(model((source_ids, np.array([[BOS]])))))[0, 0]
    p = np.exp(first)
    p[[PAD, BOS]] = 0  # never written
    p /= p.sum()
    draws = s2s.sample_decode(model, ["55"] * 4000, max_len=1, seed=7)
    tokens = [DIGITS_OUT.index[d] if d else EOS for d in draws]
    counts = np.bincount(tokens, minlength=len(p))
    assert counts[PAD] == counts[BOS] == 0
    expected = 4000 * p
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected + 1))
    assert s2s.sample_decode(model, ["55", "1"], 4, seed=3) == s2s.sample_decode(
        model, ["55", "1"], 4, seed=3
    )
    assert s2s.sample_decode(model, ["55", "1"], 4, temperature=0) == s2s.greedy_decode(
        model, ["55", "1"], 4
    )


def test_compiled_and_eager_decoding_agree(monkeypatch):
    model = small_model(attention="additive", sharpen=2.0)
    sources = ["12", "345", "6"]
    eager = s2s.greedy_decode(model, sources, max_len=4), s2s.beam_search(model, "345", 3, 4)
    monkeypatch.setattr(s2s.decoding, "COMPILE_DECODING", True)
    compiled = s2s.greedy_decode(model, sources, max_len=4), s2s.beam_search(model, "345", 3, 4)
    assert eager[0] == compiled[0]
    assert [h.ids for h in eager[1]] == [h.ids for h in compiled[1]]
    assert_close([h.log_prob for h in eager[1]], [h.log_prob for h in compiled[1]], atol=1e-4)


# --- saving ---------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")  # never trained
def test_get_config_and_keras_file_round_trip(tmp_path):
    source_vocab = WordVocab(["one", "two", "three"])
    model = small_model(
        cell="lstm",
        num_layers=2,
        bidirectional=True,
        attention="additive",
        source_vocab=source_vocab,
        sharpen=2.0,
    )
    model.compile("adam", loss=s2s.masked_loss, metrics=[s2s.masked_accuracy])  # saved too
    config = model.get_config()
    assert config["cell"] == "lstm" and config["num_layers"] == 2 and config["attention"]
    assert config["source_vocab"] == {"class": "WordVocab", "tokens": source_vocab.tokens}
    path = tmp_path / "seq2seq.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, s2s.Seq2Seq) and loaded.get_config() == config
    assert type(loaded.source_vocab) is WordVocab
    sources = ["one two", "three", "two two one"]
    assert s2s.greedy_decode(loaded, sources, max_len=4) == s2s.greedy_decode(
        model, sources, max_len=4
    )
    assert s2s.beam_search(loaded, "one three", 3, 4) == s2s.beam_search(model, "one three", 3, 4)
    clone = s2s.Seq2Seq.from_config(config)
    assert len(clone.weights) == len(model.weights)


# --- bad input ------------------------------------------------------------------------------------
def test_bad_arguments_raise_naming_them():
    model = small_model()
    with pytest.raises(ValueError, match="`beam_size`.*>= 1"):
        s2s.beam_search(model, "12", beam_size=0)
    with pytest.raises(TypeError, match="`beam_size`"):
        s2s.beam_search(model, "12", beam_size=2.0)
    with pytest.raises(ValueError, match="`max_len`.*>= 1"):
        s2s.beam_search(model, "12", max_len=0)
    with pytest.raises(ValueError, match="`max_len`.*>= 1"):
        s2s.greedy_decode(model, "12", max_len=0)
    with pytest.raises(ValueError, match="`length_penalty`"):
        s2s.beam_search(model, "12", length_penalty=-1.0)
    with pytest.raises(TypeError, match="`source`.*one source"):
        s2s.beam_search(model, [np.array([4, 5]), np.array([6])])
    with pytest.raises(TypeError, match="`source`, item 0.*must be a string"):
        s2s.beam_search(model, ["12", "34"])  # a list of strings is one text of word tokens
    with pytest.raises(ValueError, match="`temperature`"):
        s2s.sample_decode(model, "12", temperature=-1)
    with pytest.raises(TypeError, match="`model`"):
        s2s.greedy_decode("not a model", "12")
    with pytest.raises(ValueError, match="`source`.*empty"):
        s2s.greedy_decode(model, [])
    with pytest.raises(ValueError, match="`source`.*index 13"):
        s2s.greedy_decode(model, [np.array([4, 13])])
    with pytest.raises(ValueError, match="`cell`.*'gru', 'lstm'"):
        s2s.Seq2Seq(DIGITS, DIGITS_OUT, cell="rnn")
    with pytest.raises(ValueError, match="`attention`"):
        s2s.Seq2Seq(DIGITS, DIGITS_OUT, attention="dot")
    with pytest.raises(ValueError, match="`num_layers`"):
        s2s.Seq2Seq(DIGITS, DIGITS_OUT, num_layers=0)
    with pytest.raises(ValueError, match="`target_vocab`.*<bos>.*bos=True"):
        s2s.Seq2Seq(DIGITS, DIGITS)
    with pytest.raises(TypeError, match="`source_vocab`"):
        s2s.Seq2Seq("0123", DIGITS_OUT)
    with pytest.raises(ValueError, match="`vocab`.*<bos>"):
        s2s.teacher_forcing_pairs(["1"], DIGITS)
    with pytest.raises(ValueError, match="`sources` and `targets`"):
        s2s.training_arrays(model, ["1", "2"], ["1"])


def test_source_token_outside_a_vocabulary_without_unk_raises():
    no_unk = text.CharVocab.from_tokens(["<pad>", "a", "b", "c"])  # <pad> only: no <unk>
    model = small_model(source_vocab=no_unk)
    assert s2s.greedy_decode(model, "abc", max_len=2) is not None
    with pytest.raises(ValueError, match=r"`source`, item 0 \('abz'\).*'z'.*no <unk>"):
        s2s.greedy_decode(model, "abz")
    with pytest.raises(ValueError, match=r"`source`.*'z'.*no <unk>"):
        s2s.beam_search(model, "zz")
    # With <unk>, an unseen token is read as <unk>, as lesson 00's vocabularies do.
    assert s2s.encode_sources(["1x"], DIGITS).tolist() == [[4, UNK, EOS]]


# --- metrics --------------------------------------------------------------------------------------
def test_phoneme_and_word_error_rates_by_hand():
    references = ["K AE T", "D AO G", ("T AH M EY T OW", "T AH M AA T OW")]
    hypotheses = ["K AE T S", "D AA G", "T AH M AA T OW"]
    # cat: 1 insertion; dog: 1 substitution; tomato: 0 against its 2nd pronunciation.
    assert s2s.phoneme_error_rate(references, hypotheses) == pytest.approx(2 / (3 + 3 + 6))
    assert s2s.word_error_rate(references, hypotheses) == pytest.approx(2 / 3)
    assert s2s.exact_match(references, hypotheses) == pytest.approx(1 / 3)
    # "AH B AW T" -> "B AW T S": one deletion and one insertion = 2 edits, not 4 substitutions.
    assert s2s.phoneme_error_rate(["AH B AW T"], ["B AW T S"]) == pytest.approx(2 / 4)
    assert s2s.phoneme_error_rate(["K AE T"], [""]) == 1.0  # nothing said: 3 deletions
    # Phonemes are tokens: "AE" vs "AA" is one substitution, not a character edit.
    assert s2s.phoneme_error_rate(["K AE T"], ["K AA T"]) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="as long"):
        s2s.phoneme_error_rate(["K AE T"], [])
    with pytest.raises(TypeError, match="`hypotheses`"):
        s2s.word_error_rate(["K AE T"], [["K", "AE", "T"]])
    with pytest.raises(TypeError, match="lists, not strings"):
        s2s.phoneme_error_rate("K AE T", "K AE T")


# --- training end to end --------------------------------------------------------------------------
def test_reversing_digit_strings_the_masked_loss_falls():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 6, size=768)
    sources = ["".join(rng.choice(list("0123456789"), size=n)) for n in lengths]
    targets = [s[::-1] for s in sources]
    model = s2s.Seq2Seq(DIGITS, DIGITS_OUT, embedding_dim=8, units=32, attention="additive")
    model.compile(
        keras.optimizers.Adam(1e-2),
        loss=s2s.masked_loss,
        metrics=[s2s.masked_accuracy],
        # TensorFlow runs a traced graph: XLA would take longer to compile than this run takes.
        # JAX without jit runs op by op, ten times slower than compiling the step once.
        jit_compile=keras.backend.backend() == "jax",
    )
    x, y = s2s.training_arrays(model, sources, targets)
    history = model.fit(x, y, batch_size=64, epochs=6, verbose=0)  # the first epoch traces
    loss = history.history["loss"]
    assert loss[-1] < 0.4 * loss[0] and history.history["masked_accuracy"][-1] > 0.7
    # Keras' averaging of masked_loss agrees with masked_loss itself, padded longer or not.
    (source_ids, decoder_input), decoder_target = x, y
    direct = [float(f(decoder_target, model(x))) for f in (s2s.masked_loss, s2s.masked_accuracy)]
    padded = (np.pad(source_ids, ((0, 0), (0, 3))), np.pad(decoder_input, ((0, 0), (0, 3))))
    padded_target = np.pad(decoder_target, ((0, 0), (0, 3)))
    through_keras = model.evaluate(padded, padded_target, batch_size=len(sources), verbose=0)
    assert_close(through_keras, direct, rtol=1e-4)
