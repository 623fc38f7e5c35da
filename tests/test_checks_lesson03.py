"""Lesson 03: reference solutions pass every check, wrong ones are caught with a useful message.

The reference solutions are the exercise cells of `solutions/03_language_models.py`,
executed on their own. The wrong implementations are the mistakes students
make; each must raise `CheckFailed` with a message that names the problem.
"""

import collections
import re

import lesson_source
import numpy as np
import pytest

from lessons import text
from lessons.checks import CheckFailed
from lessons.checks import lesson03 as checks
from lessons.checks import sampling_stubs as stubs

LESSON, CHECKS, exercise_cells, run_cells, solution = lesson_source.harness("03_language_models")
# What the notebook has imported by the time the exercise cells run.


# --- the exercise cells of the lesson ------------------------------------------------
as_student_sees_it = lesson_source.as_student_sees_it


def test_library_agrees_with_the_reference_solutions(solution):
    tokens = text.tokenize_words("The cat and the hat.\nThe end.\nAnd the cat.\n")
    word_to_index, index_to_word = solution["build_word_vocab"](tokens, 4)
    assert text.WordVocab(tokens, max_words=4).tokens == index_to_word
    rng = np.random.default_rng(0)
    y_hat = rng.dirichlet(np.ones(5), size=(2, 6))
    targets = rng.integers(0, 5, size=(2, 6))
    stub = stubs.StubModel(lambda x: y_hat[: len(x)])
    kits = text.perplexity(stub, (targets, targets))
    assert np.isclose(solution["perplexity"](y_hat, targets), kits)


# --- wrong implementations: word_vocab ---------------------------------------------------
SPECIAL = ["<pad>", "<unk>", "<eos>"]


def most_common_order(tokens, max_words):
    counts = collections.Counter(t for t in tokens if t not in SPECIAL)
    words = [w for w, _ in counts.most_common(max_words)]  # ties in first-seen order
    return {w: i for i, w in enumerate(SPECIAL + words)}, SPECIAL + words


def counts_eos_as_a_word(tokens, max_words):
    counts = collections.Counter(tokens)
    words = sorted(counts, key=lambda w: (-counts[w], w))[:max_words]
    return {w: i for i, w in enumerate(SPECIAL + words)}, SPECIAL + words


def least_frequent_first(tokens, max_words):
    counts = collections.Counter(t for t in tokens if t not in SPECIAL)
    top = sorted(counts, key=lambda w: (-counts[w], w))[:max_words]
    words = sorted(top, key=lambda w: (counts[w], w))  # the right words, least frequent first
    return {w: i for i, w in enumerate(SPECIAL + words)}, SPECIAL + words


def ignores_max_words(tokens, max_words):
    counts = collections.Counter(t for t in tokens if t not in SPECIAL)
    words = sorted(counts, key=lambda w: (-counts[w], w))
    return {w: i for i, w in enumerate(SPECIAL + words)}, SPECIAL + words


def sorts_in_place(tokens, max_words):
    tokens.sort()
    return most_common_order(tokens, max_words)


def alphabetical_not_by_count(tokens, max_words):
    words = sorted({t for t in tokens if t not in SPECIAL})[:max_words]
    return {w: i for i, w in enumerate(SPECIAL + words)}, SPECIAL + words


def no_special_tokens(tokens, max_words):
    counts = collections.Counter(t for t in tokens if t not in SPECIAL)
    words = sorted(counts, key=lambda w: (-counts[w], w))[:max_words]
    return {w: i for i, w in enumerate(words)}, words


def index_from_one(tokens, max_words):
    _, index_to_word = ignores_max_words(tokens, max_words)
    index_to_word = index_to_word[: 3 + max_words]
    return {w: i for i, w in enumerate(index_to_word, start=1)}, index_to_word


@pytest.mark.parametrize(
    "wrong, words",
    [
        (most_common_order, "sorted order"),
        (counts_eos_as_a_word, "special"),
        (least_frequent_first, "most frequent word comes first"),
        (ignores_max_words, "expected 3 words"),
        (sorts_in_place, "changed the token list"),
        (alphabetical_not_by_count, "most frequent"),
        (no_special_tokens, "start with the special tokens"),
        (index_from_one, "must undo index_to_word"),
    ],
)
def test_word_vocab_check_catches(wrong, words):
    with pytest.raises(CheckFailed, match=words):
        checks.check_word_vocab(wrong)


# --- wrong implementations: perplexity ------------------------------------------------------
def picked(y_hat, targets):
    return np.take_along_axis(np.asarray(y_hat, float), np.asarray(targets)[..., None], -1)[..., 0]


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda y, t: 1 / np.mean(picked(y, t)), "average the logs"),
        (lambda y, t: np.exp(-np.sum(np.log(picked(y, t)))), "the mean"),
        (lambda y, t: -np.mean(np.log(picked(y, t))), "take exp"),
        (lambda y, t: 2 ** -np.mean(np.log(picked(y, t))), "np.exp"),
        (lambda y, t: np.exp(-np.mean(np.log(picked(y, t)), axis=-1)), "one number"),
        (lambda y, t: np.exp(-np.mean(np.log(np.max(y, axis=-1)))), "really came next"),
        (lambda y, t: np.exp(-np.mean(np.log(np.asarray(y)[..., t]))), "expected"),
    ],
    ids=["1/mean p", "sum", "no exp", "2**nats", "per sequence", "argmax", "bad indexing"],
)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log 0 in the buggy versions
def test_perplexity_check_catches(wrong, words):
    with pytest.raises(CheckFailed, match=words):
        checks.check_perplexity(wrong)


def test_perplexity_check_catches_changing_the_input():
    def normalizes_in_place(y_hat, targets):
        y_hat /= y_hat.sum(axis=-1, keepdims=True)
        y_hat[...] = 0.5
        return 1.0

    with pytest.raises(CheckFailed, match="changed its inputs"):
        checks.check_perplexity(normalizes_in_place)


# --- wrong implementations: sample ------------------------------------------------------------
def make_sampler(bug=None):
    """The sampling loop with one of the usual mistakes switched on."""

    def sample(
        model,
        vocab,
        prefix="",
        length=200,
        temperature=1.0,
        seed=None,
        stop_at_eos=True,
        allow_unk=False,
    ):
        if temperature < 0 and bug != "accepts_negative":
            raise ValueError("temperature must be >= 0")
        rng = np.random if bug == "global_rng" else np.random.default_rng(seed)
        stepper = text.Stepper(model)
        start = [] if vocab.eos is None else [vocab.eos]
        ids = start + list(vocab.encode(prefix))
        if bug == "last_prefix_token_only":
            ids = ids[-1:]
        elif bug == "no_eos_first":
            ids = list(vocab.encode(prefix)) or [vocab.eos]
        elif bug == "always_eos_first":
            ids = [2] + list(vocab.encode(prefix))
        for index in ids:
            y_hat = stepper.step(int(index))
        generated = []
        for _ in range(length):
            y_hat = y_hat.copy()
            if vocab.pad is not None:
                y_hat[vocab.pad] = 0.0
            if not allow_unk and vocab.unk is not None and bug != "keeps_unk":
                y_hat[vocab.unk] = 0.0
                if bug == "no_renormalization":
                    index = int(rng.choice(len(y_hat), p=y_hat))
            if temperature == 0 and bug != "divides_by_zero":
                index = int(np.argmax(y_hat))
            elif bug == "argmax":
                index = int(np.argmax(y_hat))
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    if bug == "ignores_temperature":
                        q = y_hat.copy()
                    elif bug == "multiplies_by_temperature":
                        q = y_hat**temperature
                    elif bug == "underflows":
                        q = y_hat ** (1.0 / temperature)
                    else:
                        scaled = np.log(y_hat) / temperature
                        q = np.exp(scaled - scaled.max())
                index = int(rng.choice(len(q), p=q / q.sum()))
            if bug == "skips_eos" and index == vocab.eos:
                continue  # neither kept nor fed back, and no stop
            if stop_at_eos and index == vocab.eos:
                if bug == "keeps_eos":
                    generated.append(index)
                break
            generated.append(index)
            if bug != "no_feedback":
                y_hat = stepper.step(index)
        if bug == "returns_indices":
            return generated
        out = vocab.decode(generated)
        return prefix + out if bug == "returns_prefix" else out

    return sample


def test_the_bug_free_sampler_passes(capsys):
    checks.check_sample(make_sampler())
    assert "All checks passed for sample." in capsys.readouterr().out


@pytest.mark.parametrize(
    "bug, words",
    [
        ("argmax", "Every draw is the most likely token"),
        ("ignores_temperature", "temperature has no effect"),
        ("multiplies_by_temperature", "divide log ŷ by the temperature"),
        ("divides_by_zero", "temperature=0 means greedy"),
        ("underflows", "underflow"),
        ("accepts_negative", "should raise ValueError"),
        ("global_rng", "same seed should give the same text"),
        ("no_feedback", "Feed each drawn token back"),
        ("last_prefix_token_only", "feed every one of them"),
        ("no_eos_first", "feed vocab.eos first"),
        ("always_eos_first", "only when the vocabulary has it"),
        ("keeps_eos", "holds <eos>"),
        ("skips_eos", "Stop right after drawing <eos>"),
        ("keeps_unk", "must be refused"),
        ("no_renormalization", "raised ValueError"),
        ("returns_prefix", "without the prefix"),
        ("returns_indices", "as a string"),
    ],
)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the buggy samplers divide by 0
def test_sample_check_catches(bug, words):
    with pytest.raises(CheckFailed, match=re.escape(words)):
        checks.check_sample(make_sampler(bug))


# --- the check's own statistics -------------------------------------------------------------
def test_chi_square_threshold_is_conservative():
    # Exact upper 1e-6 quantiles of the chi-square distribution (from tables).
    exact = {1: 23.928, 2: 27.631, 3: 30.664, 4: 33.377, 5: 35.888}
    for df, value in exact.items():
        assert value <= stubs.chi_square_threshold(df) <= 1.2 * value


def test_frequency_test_accepts_right_and_rejects_wrong_draws():
    rng = np.random.default_rng(0)
    p = np.array([0.0, 0.5, 0.3, 0.15, 0.05])
    right = np.bincount(rng.choice(5, size=3000, p=p), minlength=5)
    assert stubs.frequencies_match(right, p)
    sharper = checks._temperature(p[1:], 0.5)
    wrong = np.bincount(rng.choice(4, size=3000, p=sharper), minlength=4)
    assert not stubs.frequencies_match(np.concatenate([[0], wrong]), p)
    assert not stubs.frequencies_match(np.array([1, 1499, 900, 450, 150]), p)  # p = 0 drawn
