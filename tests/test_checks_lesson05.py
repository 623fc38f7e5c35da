"""Lesson 05: reference solutions pass every check, wrong ones are caught and named; the data.

The reference solutions are the exercise cells of `solutions/05_lstm.py`, executed
on their own (with the imports of the lesson's first code cell). The wrong
implementations are mistakes students make; each must raise `CheckFailed` with a
message that names the problem (the gate, the line, the time step); a cell written
with NumPy must fail the check and the grader's hidden test alike. The last tests
check the movie-review sentences against what `data/README.md` says about them.
"""

import gzip
from pathlib import Path

import keras
import lesson_source
import numpy as np
import pytest
from data_script import build_script
from keras import ops

import lessons
from lessons import datasets
from lessons.checks import CheckFailed
from lessons.checks import lesson05 as checks

ROOT = lesson_source.ROOT
LESSON, CHECKS, exercise_cells, run_cells, solution = lesson_source.harness("05_lstm")


def cell_with_call(exercise, call):
    """The lesson's cell class for `exercise` with `call` replaced by a (wrong) version."""
    return lesson_source.cell_with_call(LESSON, exercise, call)


def affine(self, x, h, g, transpose=False, bias=True):
    W_h = getattr(self, f"W_h{g}")
    W_h = ops.transpose(W_h) if transpose else W_h
    out = ops.matmul(x, getattr(self, f"W_x{g}")) + ops.matmul(h, W_h)
    return out + getattr(self, f"b_{g}") if bias else out


# --- wrong LSTM cells ---------------------------------------------------------------------
def lstm(
    update="right",
    output="right",
    candidate=ops.tanh,
    gate=ops.sigmoid,
    returns="right",
    read="right",
    weights=None,
    transpose=None,
    no_bias=None,
):
    """An LSTM call with one mistake switched on."""

    def call(self, inputs, states):
        H_prev, C_prev = states if read == "right" else states[::-1]
        parts = {g: g for g in "ifco"} if weights is None else weights

        def a(g):
            return affine(self, inputs, H_prev, parts[g], transpose == g, no_bias != g)

        I, F, O, C_tilde = gate(a("i")), gate(a("f")), gate(a("o")), candidate(a("c"))
        C = {
            "right": F * C_prev + I * C_tilde,
            "forget on candidate": F * C_tilde + I * C_prev,
            "forget both": F * (C_prev + I * C_tilde),
            "no input gate": F * C_prev + C_tilde,
            "no forget gate": C_prev + I * C_tilde,
        }[update]
        H = {
            "right": O * ops.tanh(C),
            "no tanh": O * C,
            "no gate": ops.tanh(C),
            "old cell": O * ops.tanh(C_prev),
        }[output]
        return {
            "right": (H, [H, C]),
            "C as output": (C, [H, C]),
            "states swapped": (H, [C, H]),
            "H twice": (H, [H, H]),
            "old states": (H, [H_prev, C_prev]),
            "one state": (H, [H]),
        }[returns]

    return call


def lstm_with_numpy(self, inputs, states):
    H_prev, C_prev = (np.asarray(s) for s in states)
    x = np.asarray(inputs)

    def a(g):
        W_x, W_h, b = (np.asarray(getattr(self, f"{k}{g}")) for k in ("W_x", "W_h", "b_"))
        return x @ W_x + H_prev @ W_h + b

    def sigmoid(v):
        return 1 / (1 + np.exp(-v))

    C = sigmoid(a("f")) * C_prev + sigmoid(a("i")) * np.tanh(a("c"))
    H = sigmoid(a("o")) * np.tanh(C)
    return H, [H, C]


@pytest.mark.parametrize(
    "call, words",
    [
        (lstm(output="no tanh"), ["tanh is missing on C_t before the output gate", "t = 1"]),
        (lstm(update="forget on candidate"), ["input and forget gates are swapped"]),
        (lstm(weights=dict(zip("ifco", "fico"))), ["input and forget gates are swapped"]),
        (lstm(update="forget both"), ["forget gate is applied to the candidate too"]),
        (lstm(candidate=ops.sigmoid), ["candidate C̃_t uses sigmoid"]),
        (lstm(candidate=lambda a: a), ["candidate C̃_t has no tanh"]),
        (lstm(gate=ops.tanh), ["gates use tanh", "ops.sigmoid"]),
        (lstm(returns="C as output"), ["you return C_t as the output"]),
        (lstm(returns="states swapped"), ["wrong order", "[H_t, C_t]"]),
        (lstm(returns="H twice"), ["H_t is returned where C_t belongs"]),
        (lstm(read="swapped"), ["read the wrong way round", "states[1]"]),
        (lstm(update="no input gate"), ["input gate is not used"]),
        (lstm(update="no forget gate"), ["forget gate is not used"]),
        (lstm(output="no gate"), ["output gate is not used"]),
        (lstm(output="old cell"), ["old cell C_{t-1}"]),
        (lstm(weights=dict(zip("ifco", "ofci"))), ["the input gate I_t", "output gate O_t"]),
        (lstm(transpose="f"), ["W_hf is transposed"]),
        (lstm(no_bias="o"), ["bias b_o of the output gate O_t is missing"]),
        (lstm(returns="old states"), ["the old ones", "time step t = 1"]),
        (lstm(returns="one state"), ["list of two tensors"]),
        (lstm_with_numpy, ["`StudentCell.call` (exercise lstm_call) uses NumPy", "keras.ops"]),
    ],
)
def test_wrong_lstm_cell_is_caught(call, words):
    lesson_source.assert_caught(checks.check_lstm_call, cell_with_call("lstm_call", call), words)


def test_the_failing_gate_is_named_by_forcing_the_others():
    """A mistake inside one gate shows up in the test that frees that gate alone."""
    with pytest.raises(CheckFailed) as failure:
        checks.check_lstm_call(cell_with_call("lstm_call", lstm(transpose="i")))
    message = str(failure.value)
    assert message.startswith("the input gate: F_t forced to 0 and O_t to 1")
    assert "W_hi is transposed" in message and "time step t = 1" in message


def test_cell_whose_build_was_changed_is_told_to_keep_it(solution):
    cell = solution["MyLSTMCell"]
    lesson_source.assert_packed_build_refused(checks.check_lstm_call, cell, 4, "W_xi")


# --- wrong coupled cells ----------------------------------------------------------------
def coupled(update="right", output="right", candidate=ops.tanh, returns="right"):
    """A coupled-LSTM call with one mistake switched on."""

    def call(self, inputs, states):
        H_prev, C_prev = states
        F = ops.sigmoid(affine(self, inputs, H_prev, "f"))
        O = ops.sigmoid(affine(self, inputs, H_prev, "o"))
        C_tilde = candidate(affine(self, inputs, H_prev, "c"))
        C = {
            "right": F * C_prev + (1.0 - F) * C_tilde,
            "F twice": F * C_prev + F * C_tilde,
            "reversed": (1.0 - F) * C_prev + F * C_tilde,
            "no 1 - F": F * C_prev + C_tilde,
        }[update]
        H = O * ops.tanh(C) if output == "right" else O * C
        return (H, [H, C]) if returns == "right" else (H, [C, H])

    return call


@pytest.mark.parametrize(
    "call, words",
    [
        (coupled(update="F twice"), ["weighed by F_t", "(1 − F_t)"]),
        (coupled(update="reversed"), ["F_t and 1 − F_t are swapped"]),
        (coupled(update="no 1 - F"), ["without the factor (1 − F_t)"]),
        (coupled(output="no tanh"), ["tanh is missing on C_t"]),
        (coupled(candidate=ops.sigmoid), ["candidate C̃_t uses sigmoid"]),
        (coupled(returns="swapped"), ["wrong order"]),
    ],
)
def test_wrong_coupled_cell_is_caught(call, words):
    lesson_source.assert_caught(
        checks.check_coupled_lstm_call, cell_with_call("coupled_lstm_call", call), words
    )


# --- a cell whose structure is off -----------------------------------------------------------
def test_a_plain_lstm_cell_is_not_a_coupled_one(solution):
    """A student who adds an input gate of their own fails (no W_xi exists: it crashes)."""
    with pytest.raises(CheckFailed, match="W_xi"):
        checks.check_coupled_lstm_call(
            cell_with_call("coupled_lstm_call", solution["MyLSTMCell"].call)
        )


# --- wrong adding-problem generators -------------------------------------------------------
def adding(
    value_draw="uniform",
    halves=True,
    target="sum",
    channels="right",
    y_2d=True,
    own_rng=None,
    half_of=lambda length: length // 2,
):
    """An adding-problem generator with one mistake switched on."""

    def generate(n, length, rng):
        if own_rng is not None:  # a generator of its own, with a fixed seed
            rng = np.random.default_rng(own_rng)
        if value_draw == "uniform":
            values = rng.random((n, length))
        elif value_draw == "normal":
            values = rng.normal(0.5, 0.3, size=(n, length))
        else:  # "rounded": only 0.0, 0.1, ..., 0.9
            values = np.floor(rng.random((n, length)) * 10) / 10
        half = half_of(length)
        if halves:
            first = rng.integers(0, half, size=n)
            second = rng.integers(half, length, size=n)
        else:
            first = rng.integers(0, length, size=n)
            second = rng.integers(0, length, size=n)
        rows = np.arange(n)
        markers = np.zeros((n, length))
        markers[rows, first] = 1.0
        markers[rows, second] = 1.0
        a, b = values[rows, first], values[rows, second]
        y = {"sum": a + b, "all": values.sum(axis=1), "mean": (a + b) / 2, "first": a}[target]
        parts = [values, markers] if channels == "right" else [markers, values]
        x = np.stack(parts, axis=-1).astype("float32")
        return x, (y[:, None] if y_2d else y).astype("float32")

    return generate


def adding_first_always_at_zero(n, length, rng):
    x, y = adding()(n, length, rng)
    values, markers = x[..., 0], x[..., 1]
    first_half = length // 2
    markers[:, :first_half] = 0.0
    markers[:, 0] = 1.0
    y = (values[:, 0] + (values * markers)[:, first_half:].sum(axis=1))[:, None]
    return x, y.astype("float32")


def adding_two_distinct_steps_anywhere(n, length, rng):
    values = rng.random((n, length))
    steps = np.array([rng.choice(length, size=2, replace=False) for _ in range(n)])
    markers = np.zeros((n, length))
    np.put_along_axis(markers, steps, 1.0, axis=1)
    y = np.take_along_axis(values, steps, axis=1).sum(axis=1, keepdims=True)
    return np.stack([values, markers], axis=-1).astype("float32"), y.astype("float32")


def adding_with_global_numpy(n, length, rng):
    return adding()(n, length, np.random.default_rng())


@pytest.mark.parametrize(
    "generate, words",
    [
        (adding(halves=False), ["exactly two markers", "one in each half"]),
        (adding_two_distinct_steps_anywhere, ["one marker belongs in the first half"]),
        (adding(target="all"), ["sum of all the values"]),
        (adding(target="mean"), ["mean of the two marked values"]),
        (adding(target="first"), ["only the first marked value"]),
        (adding(value_draw="normal"), ["uniform on [0, 1)"]),
        (adding(value_draw="rounded"), ["uniform on [0, 1)"]),
        (adding(channels="swapped"), ["features are swapped"]),
        (adding(y_2d=False), ["shape (n, 1)"]),
        (adding(half_of=lambda length: (length + 1) // 2), ["length // 2"]),
        (adding_first_always_at_zero, ["about equally often", "rng.integers(0, 5, size=n)"]),
        (adding_with_global_numpy, ["seeded alike gave different data"]),
        (adding(own_rng=0), ["gave the same data"]),
    ],
)
def test_wrong_adding_generator_is_caught(generate, words):
    lesson_source.assert_caught(checks.check_adding_problem_data, generate, words)


def test_the_kits_adding_problem_passes_the_check(capsys):
    """lessons.tasks.adding_problem follows the same rules as the exercise."""

    def kit(n, length, rng):
        return lessons.tasks.adding_problem(n, length, seed=int(rng.integers(2**31)))

    checks.check_adding_problem_data(kit)
    assert "All checks passed" in capsys.readouterr().out


# --- the references -----------------------------------------------------------------------
def test_references_agree_with_keras_and_the_kit(rng):
    """The checks' NumPy references are the equations: compare them with real layers."""
    X = rng.normal(size=(3, 5, 2)).astype("float32")
    mask = np.arange(5)[None, :] < np.array([[5], [2], [4]])
    lstm_layer = keras.layers.LSTM(4, return_sequences=True)
    lstm_layer.build((None, None, 2))
    w = {}
    for packed, kind in zip(lstm_layer.get_weights(), ("W_x", "W_h", "b_")):
        for g, part in zip("ifco", np.split(packed.astype(np.float64), 4, axis=-1)):
            w[f"{kind}{g}"] = part
    H, _ = checks.reference_sequence(checks.reference_lstm_step, X, w, mask)
    np.testing.assert_allclose(H, ops.convert_to_numpy(lstm_layer(X, mask=mask)), atol=1e-5)
    for packed, original in zip(checks.keras_lstm_weights(w), lstm_layer.get_weights()):
        np.testing.assert_array_equal(packed, original)  # the packing is Keras' own

    coupled_layer = keras.layers.RNN(lessons.CoupledLSTMCell(4), return_sequences=True)
    coupled_layer.build((None, None, 2))
    w = {v.path.split("/")[-1]: v.numpy().astype(np.float64) for v in coupled_layer.weights}
    H, _ = checks.reference_sequence(checks.reference_coupled_step, X, w, mask)
    np.testing.assert_allclose(H, ops.convert_to_numpy(coupled_layer(X, mask=mask)), atol=1e-5)


# --- the movie-review sentences --------------------------------------------------------------
def test_movie_reviews_are_what_the_readme_says():
    splits = datasets.load_movie_reviews()
    assert [len(part) for part in splits] == [8056, 1007, 1007]
    everything = [review for part in splits for review in part]
    assert sum(review.label == 0 for review in everything) == 5075
    assert all(review.label == int(review.rating > 0) for review in everything)
    assert all(abs(review.rating) >= 0.5 and abs(review.rating) <= 4 for review in everything)
    texts = [review.text for review in everything]
    assert len(set(texts)) == len(texts)  # no sentence repeats, so no split shares one
    assert all(text and text == text.strip() and "\t" not in text for text in texts)
    assert splits.train[1] == datasets.Review("A smart, witty follow up.", 1, 1.733)
    path = datasets.data_dir() / datasets.MOVIE_REVIEWS_FILE
    assert path.stat().st_size == 511_230  # the size data/README.md states
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert "511,230 bytes / 10,070 sentences" in readme
    assert (ROOT / "data" / "LICENSE-vaderSentiment.txt").is_file()


def test_load_movie_reviews_says_how_to_rebuild_a_missing_file(monkeypatch, tmp_path):
    monkeypatch.setattr(datasets, "data_dir", lambda: tmp_path)
    with pytest.raises(FileNotFoundError, match=r"build_datasets.py --movie-reviews"):
        datasets.load_movie_reviews()


VADER_TARBALL = Path("/tmp/vader/vaderSentiment-3.3.2.tar.gz")  # from `pip download`, if here


@pytest.mark.skipif(not VADER_TARBALL.is_file(), reason="vaderSentiment-3.3.2.tar.gz not here")
def test_build_script_reproduces_movie_reviews(tmp_path):
    """The shipped file is exactly what the build script writes from the package."""
    out = tmp_path / "movie_reviews.tsv.gz"
    build_script().build_movie_reviews(VADER_TARBALL, out)
    shipped = datasets.data_dir() / datasets.MOVIE_REVIEWS_FILE
    assert out.read_bytes() == shipped.read_bytes()  # the same bytes: fixed gzip timestamp
    with gzip.open(out, "rt", encoding="utf-8") as lines:
        assert sum(1 for _ in lines) == 10_070
    snippets = build_script().movie_review_snippets(VADER_TARBALL)
    assert len(snippets) == 10_605  # the archive's README: 10,605 sentences
