"""Checks for lesson 03 (language models): the word vocabulary, perplexity and sampling.

Each check runs the student's function on several inputs, edge cases included,
and compares with a reference written here from the lesson's rules: a word
vocabulary ranked by count, perplexity from its definition, and sampling
tested by its behaviour. Sampling is checked with tiny stub models whose
next-token distribution is known exactly (a fixed distribution, a bigram
table, a counter of tokens read) and by frequencies over thousands of draws
(a chi-square test that a correct sampler fails once in a million runs),
never by comparing with one seeded string.
"""

import functools
import math
import re

import numpy as np

from lessons.checks import (
    CheckFailed,
    all_passed,
    expect,
    expect_items,
    not_written_yet,
    passed,
    run_student_code,
)
from lessons.checks.engine import index_mismatches, short_repr
from lessons.checks.sampling_stubs import (
    BigramModel,
    CounterModel,
    FixedModel,
    frequencies_match,
)

# The kit's own answers to each exercise, which a student's code must not hand in
# (lessons.checks.tripwire watches them while a check or the grader's probe runs).
KIT_ANSWERS = {
    "perplexity": [
        "lessons.text.perplexity",
        "lessons.text.cross_entropy",
        "lessons.checks.lesson03.reference_perplexity",
    ],
    "sample": [
        "lessons.text.sample",
        "lessons.text.apply_temperature",
        "lessons.checks.lesson03._temperature",
    ],
    "word_vocab": [
        "lessons.text.WordVocab",
        "lessons.text.Vocab",
        "lessons.checks.lesson03.reference_word_vocab",
    ],
}

SPECIAL_TOKENS = ("<pad>", "<unk>", "<eos>")
PAD, UNK, EOS = 0, 1, 2


# --- exercise: word_vocab -----------------------------------------------------------
def reference_word_vocab(tokens, max_words):
    """The special tokens, then the max_words most frequent words (ties in sorted order)."""
    counts = {}
    for token in tokens:
        if token not in SPECIAL_TOKENS:
            counts[token] = counts.get(token, 0) + 1
    ranked = sorted(counts, key=lambda word: (-counts[word], word))
    return list(SPECIAL_TOKENS) + ranked[:max_words], counts


WORD_VOCAB_CASES = [
    ("a short sentence, every word kept", "the cat sat on the mat".split(), 10),
    (
        "the top 3 words of a longer text",
        "the cat and the dog and the bird saw a cat and a dog".split(),
        3,
    ),
    (
        "ties between equally frequent words (sorted order)",
        "zebra apple zebra apple mango kiwi kiwi".split(),
        2,
    ),
    (
        "a rare word first: counts decide, not order",
        "rare to be or not to be or be".split(),
        3,
    ),
    (
        "tokens with <eos> markers, as tokenize_words gives",
        ["to", "be", "<eos>", "or", "not", "<eos>", "to", "be", "<eos>", "ay", "<eos>"],
        3,
    ),
    ("max_words equal to the number of distinct words", "b a c b".split(), 3),
]


def check_word_vocab(build_word_vocab):
    """Check `build_word_vocab(tokens, max_words) -> (word_to_index, index_to_word)`."""
    __tracebackhide__ = True
    for description, tokens, max_words in WORD_VOCAB_CASES:
        call = f"build_word_vocab({short_repr(tokens, 70)}, max_words={max_words})"
        given = list(tokens)
        result = run_student_code(build_word_vocab, given, max_words, what=call)
        expect(
            given == tokens,
            f"{call} changed the token list it was given (it is now {short_repr(given)}). Count "
            "with a dict or collections.Counter, and build new lists instead of editing `tokens`.",
        )
        expect_items(
            result,
            2,
            f"{call} should return a pair `(word_to_index, index_to_word)`, but it returned "
            f"{type(result).__name__} {short_repr(result)}.",
        )
        word_to_index, index_to_word = result
        _check_index_to_word(call, tokens, max_words, index_to_word)
        _check_word_to_index(call, word_to_index, index_to_word)
        passed(f"{description}: {list(index_to_word)}")
    all_passed("word_vocab")


def _check_index_to_word(call, tokens, max_words, index_to_word):
    __tracebackhide__ = True
    expected, counts = reference_word_vocab(tokens, max_words)
    expect(
        isinstance(index_to_word, (list, tuple)),
        f"{call}: index_to_word should be a list (position = index), got "
        f"{type(index_to_word).__name__}.",
    )
    index_to_word = list(index_to_word)
    head = index_to_word[:3]
    expect(
        head == list(SPECIAL_TOKENS),
        f"{call}: index_to_word should start with the special tokens {list(SPECIAL_TOKENS)} at "
        f"indices 0, 1, 2 (the layout of lesson 00), but it starts with {head}.",
    )
    words = index_to_word[3:]
    specials_as_words = [w for w in words if w in SPECIAL_TOKENS]
    expect(
        not specials_as_words,
        f"{call}: {specials_as_words} appear after index 2, among the words. They are special "
        "tokens, already at indices 0-2: skip them when you count words.",
    )
    want = expected[3:]
    expect(
        len(words) == len(want),
        f"{call}: expected {len(want)} words after the special tokens (the {max_words} most "
        f"frequent, or all {len(counts)} distinct words if there are fewer), got {len(words)}: "
        f"{words}. The vocabulary size |V| is then {len(expected)}.",
    )
    missing = [w for w in want if w not in words]
    if missing:
        extra = [w for w in words if w not in want]
        raise CheckFailed(
            f"{call}: the kept words should be the {max_words} most frequent, {want} (counts "
            f"{ {w: counts[w] for w in want} }), but {missing} are missing and {extra} are there"
            f" instead (counts { {w: counts.get(w, 0) for w in extra} }). Rank every word by its "
            "count over the whole list, e.g. with collections.Counter, then keep the first "
            "max_words; ties go in sorted (alphabetical) order."
        )
    if words != want:
        by_count = all(counts[a] >= counts[b] for a, b in zip(words, words[1:]))
        hint = (
            "Equally frequent words should be in sorted order, so the vocabulary does not "
            "depend on the order of the text (Counter.most_common keeps first-seen order): sort "
            "with key=lambda w: (-count[w], w)."
            if by_count
            else "The most frequent word comes first (index 3), then the next, and so on."
        )
        raise CheckFailed(
            f"{call}: the words should be in the order {want} (by count, descending), "
            f"got {words}. {hint}"
        )


def _check_word_to_index(call, word_to_index, index_to_word):
    __tracebackhide__ = True
    expected, wrong, extra = index_mismatches(call, "word_to_index", word_to_index, index_to_word)
    expect(
        not wrong and not extra,
        f"{call}: word_to_index must undo index_to_word (word_to_index[index_to_word[i]] == i), "
        "but "
        + (
            f"word_to_index[{wrong[0]!r}] is {word_to_index.get(wrong[0])!r}, not "
            f"{expected[wrong[0]]}"
            if wrong
            else f"it has keys {extra} that are not in index_to_word (a word outside the top "
            "max_words belongs to <unk>, not to the dict)"
        )
        + ". Build it from index_to_word with enumerate.",
    )


# --- exercise: perplexity -----------------------------------------------------------
def reference_perplexity(y_hat, targets):
    """exp(-mean log ŷ[target]) over every target, in float64."""
    y_hat = np.asarray(y_hat, dtype=np.float64)
    targets = np.asarray(targets)
    p = np.take_along_axis(y_hat, targets[..., None], axis=-1)[..., 0]
    return float(np.exp(-np.mean(np.log(p))))


def _perplexity_cases():
    rng = np.random.default_rng(3)
    uniform = np.full((2, 3, 5), 0.2)
    uniform_targets = np.array([[0, 4, 2], [1, 1, 3]])
    sure = np.zeros((2, 4, 6))
    sure_targets = rng.integers(0, 6, size=(2, 4))
    np.put_along_axis(sure, sure_targets[..., None], 1.0, axis=-1)
    # One sequence of two steps: the targets get 0.5 and 0.02, so PP = (0.5 * 0.02)^(-1/2) = 10.
    hand = np.array([[[0.5, 0.25, 0.25, 0.0], [0.08, 0.02, 0.1, 0.8]]])
    hand_targets = np.array([[0, 1]])
    random = rng.dirichlet(np.ones(6), size=(3, 7))
    random_targets = rng.integers(0, 6, size=(3, 7))
    single = rng.dirichlet(np.ones(4) * 0.5, size=9)  # (T, |V|): one sequence, no batch axis
    single_targets = rng.integers(0, 4, size=9)
    return [
        ("a uniform model over |V| = 5 tokens (must give exactly 5)", uniform, uniform_targets),
        ("a model that is always sure and right (must give 1)", sure, sure_targets),
        ("two steps where the targets get 0.5 and 0.02 (must give 10)", hand, hand_targets),
        ("random distributions, batch of 3 sequences of 7 steps", random, random_targets),
        ("one sequence without a batch axis, shape (T, |V|) = (9, 4)", single, single_targets),
        (
            "int32 targets and float32 probabilities",
            random.astype(np.float32),
            random_targets.astype(np.int32),
        ),
    ]


def check_perplexity(perplexity):
    """Check `perplexity(y_hat, targets) -> float`."""
    __tracebackhide__ = True
    for description, y_hat, targets in _perplexity_cases():
        call = f"perplexity(y_hat of shape {y_hat.shape}, targets of shape {targets.shape})"
        y_given, t_given = y_hat.copy(), targets.copy()
        result = run_student_code(perplexity, y_given, t_given, what=call)
        expect(
            np.array_equal(y_given, y_hat) and np.array_equal(t_given, targets),
            f"{call} changed its inputs; it should only read them.",
        )
        value = _as_number(call, result)
        expected = reference_perplexity(y_hat, targets)
        if not math.isclose(value, expected, rel_tol=1e-5):
            raise CheckFailed(
                f"{call} for {description}: expected {expected:.6g}, got {value:.6g}. "
                + _perplexity_hint(value, y_hat, targets)
            )
        passed(f"{description}: {value:.4f}")
    all_passed("perplexity")


def _as_number(call, result):
    __tracebackhide__ = True
    array = np.asarray(result)
    expect(
        array.ndim == 0 and np.issubdtype(array.dtype, np.number),
        f"{call} should return one number, got {type(result).__name__} {short_repr(result)}. "
        "Average over every step of every sequence (np.mean of the whole array) before taking exp.",
    )
    return float(array)


def _perplexity_hint(value, y_hat, targets):
    """Name the usual mistake when the wrong value matches it."""
    y_hat = np.asarray(y_hat, dtype=np.float64)
    p = np.take_along_axis(y_hat, np.asarray(targets)[..., None], axis=-1)[..., 0]
    nats = -np.mean(np.log(p))
    with np.errstate(over="ignore"):
        guesses = [
            (
                1.0 / np.mean(p),
                "It is 1 / (mean probability): average the logs, not the "
                "probabilities, then take exp.",
            ),
            (
                np.exp(-np.sum(np.log(p))),
                "It is exp of the *sum* of -log ŷ: divide by the number "
                "of targets (the mean), so the value does not grow with the text's length.",
            ),
            (nats, "It is the cross entropy itself (in nats): take exp of it."),
            (
                2.0**nats,
                "It is 2 to the power of a cross entropy in nats: use np.exp with "
                "np.log (or 2** with np.log2), not a mix.",
            ),
            (nats / np.log(2), "It is the cross entropy in bits: perplexity is 2 ** bits."),
        ]
    for guess, hint in guesses:
        if np.isfinite(guess) and math.isclose(value, float(guess), rel_tol=1e-5):
            return hint
    return (
        "Perplexity is exp(-(1/N) Σ log ŷ[target]) over all N targets: for each step pick the "
        "probability the model gave the token that really came next (np.take_along_axis, or "
        "fancy indexing), take the log, average, negate, exp."
    )


def _distribution(vocab, weights):
    """A probability vector over `vocab` from {token: weight}; other tokens get 0."""
    p = np.zeros(len(vocab))
    for token, weight in weights.items():
        p[vocab.index[token]] = weight
    return p / p.sum()


def _tokens_of(vocab, text):
    """The student's returned text, split back into the vocabulary's tokens."""
    specials = "|".join(re.escape(t) for t in SPECIAL_TOKENS if t in vocab.index)
    pattern = re.compile((specials + "|" if specials else "") + ".", re.S)
    return pattern.findall(text)


def _temperature(p, tau):
    q = np.asarray(p, dtype=np.float64) ** (1.0 / tau)
    return q / q.sum()


# --- exercise: sample --------------------------------------------------------------
def check_sample(sample):
    """Check `sample(model, vocab, prefix, length, temperature, seed, stop_at_eos, allow_unk)`."""
    __tracebackhide__ = True
    from lessons.text import CharVocab  # the vocabulary is given; the loop is under test

    vocab = CharVocab("abcd")  # <pad> <unk> <eos> a b c d
    p = _distribution(vocab, {"a": 0.5, "b": 0.3, "c": 0.15, "d": 0.05})
    fixed = FixedModel(p)

    _check_returns_text(sample, fixed, vocab)
    _check_frequencies(sample, fixed, vocab, p)
    _check_greedy(sample, fixed, vocab)
    _check_negative_temperature(sample)
    _check_seed(sample, fixed, vocab)
    _check_feeds_back(sample, vocab)
    _check_reads_prefix(sample, vocab)
    _check_eos(sample)
    _check_unk(sample)
    _check_keras_model(sample)
    all_passed("sample")


def _call(sample, model, vocab, prefix, length, hint="", **options):
    """Run the student's sample and return its text, checked to be a string.

    `hint` is added to the message if the student's code crashes.
    """
    __tracebackhide__ = True
    shown = ", ".join(f"{k}={v!r}" for k, v in options.items())
    call = f"sample(model, vocab, {prefix!r}, {length}" + (f", {shown})" if shown else ")")
    fn = functools.partial(sample, **options)
    try:
        text = run_student_code(fn, model, vocab, prefix, length, what=call)
    except CheckFailed as failure:
        if not hint or "not written yet" in str(failure):
            raise
        raise CheckFailed(f"{failure} {hint}") from failure.__cause__
    expect(
        isinstance(text, str),
        f"{call} should return the generated text as a string, got {type(text).__name__} "
        f"{short_repr(text)}. Turn the drawn indices into text with vocab.decode(indices).",
    )
    return call, text


def _counts(call, vocab, text, length):
    """Token counts over the vocabulary, after checking every token is one of it."""
    __tracebackhide__ = True
    tokens = _tokens_of(vocab, text)
    strange = sorted({t for t in tokens if t not in vocab.index})
    expect(not strange, f"{call} returned characters that are not in the vocabulary: {strange}.")
    expect(
        len(tokens) <= length,
        f"{call} returned {len(tokens)} tokens, more than length={length}. Return only the "
        "generated tokens, at most `length` of them, without the prefix.",
    )
    counts = np.zeros(len(vocab))
    for token in tokens:
        counts[vocab.index[token]] += 1
    return tokens, counts


def _describe(vocab, values):
    return "{" + ", ".join(f"{vocab.tokens[i]!r}: {v:.3f}" for i, v in enumerate(values) if v) + "}"


def _check_returns_text(sample, model, vocab):
    __tracebackhide__ = True
    call, text = _call(sample, model, vocab, "ab", 20, seed=0)
    tokens, _ = _counts(call, vocab, text, 20)
    expect(
        not text.startswith("ab") or len(tokens) == 20,
        f"{call} returned {text!r}: it seems to start with the prefix 'ab'. Return only the "
        "new tokens.",
    )
    expect(
        len(tokens) == 20,
        f"{call} returned {len(tokens)} tokens ({text!r}); with no <eos> possible it should "
        "return exactly length=20.",
    )
    passed(f"returns a string of `length` vocabulary characters, e.g. {text!r}")


def _check_frequencies(sample, model, vocab, p, n=3000):
    __tracebackhide__ = True
    for tau in (1.0, 0.5, 2.0):
        call, text = _call(sample, model, vocab, "a", n, temperature=tau, seed=1)
        _, counts = _counts(call, vocab, text, n)
        expected = _temperature(p, tau)
        if not (counts.sum() == n and frequencies_match(counts, expected)):
            raise CheckFailed(
                f"{call}: over {n} draws from a model whose ŷ is always "
                f"{_describe(vocab, p)}, the frequencies should be close to "
                f"{_describe(vocab, expected)} (p_i^(1/τ), normalized, τ = {tau}), but they are "
                f"{_describe(vocab, counts / max(counts.sum(), 1))}. "
                + _frequency_hint(counts, p, tau)
            )
        passed(f"temperature {tau}: frequencies over {n} draws match p^(1/τ) (chi-square test)")


def _frequency_hint(counts, p, tau):
    keep = p > 0
    observed = counts / max(counts.sum(), 1)
    if counts.sum() and observed[np.argmax(p)] == 1.0:
        return (
            "Every draw is the most likely token: draw at random from the distribution "
            "(rng.choice(len(q), p=q)), do not take the argmax."
        )
    if counts.sum() and frequencies_match(counts, np.where(keep, 1.0 / keep.sum(), 0.0)):
        return "They look uniform: draw with the model's probabilities, p=q."
    if tau != 1.0 and counts.sum() and frequencies_match(counts, p):
        return (
            "They follow ŷ as it is: the temperature has no effect. Use q ∝ ŷ^(1/τ) "
            "(or softmax(log ŷ / τ))."
        )
    if tau != 1.0 and counts.sum() and frequencies_match(counts, _temperature(p, 1.0 / tau)):
        return "They follow ŷ^τ: divide log ŷ by the temperature, do not multiply."
    return "Look at how q is computed from ŷ and the temperature, and that q is what you draw from."


def _check_greedy(sample, model, vocab):
    __tracebackhide__ = True
    for tau in (0, 1e-4):
        hint = (
            "temperature=0 means greedy: take the argmax of ŷ, with no division by τ."
            if tau == 0
            else "A tiny τ makes ŷ^(1/τ) underflow to 0 for every token: work with "
            "log ŷ / τ, subtract its maximum, then exp and normalize."
        )
        call, text = _call(sample, model, vocab, "b", 40, hint=hint, temperature=tau, seed=2)
        expect(
            text == "a" * 40,
            f"{call}: with τ = {tau} every draw should be the most likely token 'a' (ŷ('a') = "
            f"0.5), so 'a' * 40; got {short_repr(text)}. {hint}",
        )
    passed("temperature 0 is greedy, and a tiny temperature (1e-4) gives the same")


def _check_negative_temperature(sample):
    __tracebackhide__ = True
    from lessons.text import CharVocab

    # No token has probability 0 here, so only a deliberate check raises ValueError.
    vocab = CharVocab("abcd", specials=False)
    model = FixedModel([0.4, 0.3, 0.2, 0.1])
    call = "sample(model, vocab, 'a', 5, temperature=-1.0)"
    try:
        result = sample(model, vocab, "a", 5, temperature=-1.0)
    except ValueError:
        passed("a negative temperature raises ValueError")
        return
    except NotImplementedError:
        raise not_written_yet(call) from None
    except Exception as error:
        raise CheckFailed(
            f"{call} raised {type(error).__name__} ({error}); it should raise ValueError, "
            "saying that temperature must be >= 0."
        ) from error
    raise CheckFailed(
        f"{call} returned {short_repr(result)}; a negative temperature has no meaning, so it "
        "should raise ValueError (e.g. `if temperature < 0: raise ValueError(...)`)."
    )


def _check_seed(sample, model, vocab):
    __tracebackhide__ = True
    call, first = _call(sample, model, vocab, "a", 60, seed=7)
    _, again = _call(sample, model, vocab, "a", 60, seed=7)
    expect(
        first == again,
        f"{call} gave {first!r} and then {again!r}: the same seed should give the same text. "
        "Make the generator from the seed inside the function (np.random.default_rng(seed)) "
        "and draw only from it.",
    )
    _, other = _call(sample, model, vocab, "a", 60, seed=8)
    expect(
        other != first,
        f"seed=7 and seed=8 gave the same text {first!r}: the draws should depend on the seed.",
    )
    passed("the same seed gives the same text, another seed another text")


def _check_feeds_back(sample, vocab, n=2000):
    __tracebackhide__ = True
    # A bigram model: after token i comes its successor in a -> b -> c -> d -> a with
    # probability 0.85, any other letter with 0.05.
    letters = [vocab.index[c] for c in "abcd"]
    successor = {i: letters[(k + 1) % 4] for k, i in enumerate(letters)}
    table = np.zeros((len(vocab), len(vocab)))
    table[:, letters] = 0.05
    for i, j in successor.items():
        table[i, j] = 0.85
    bigram = BigramModel(table / table.sum(axis=1, keepdims=True))

    call, text = _call(sample, bigram, vocab, "a", 12, temperature=0)
    expect(
        text == "bcdabcdabcda",
        f"{call}: the model's most likely next token is the successor of the last token read "
        f"(a -> b -> c -> d -> a), so greedy sampling from 'a' should give 'bcdabcdabcda'; got "
        f"{text!r}. Feed each drawn token back into the model as the next input x^<t+1>.",
    )
    call, text = _call(sample, bigram, vocab, "a", n, seed=3)
    tokens, _ = _counts(call, vocab, text, n)
    pairs = list(zip("a" + "".join(tokens), tokens))
    follows = sum(vocab.index[b] == successor[vocab.index[a]] for a, b in pairs) / len(pairs)
    expect(
        abs(follows - 0.85) < 0.05,
        f"{call}: each drawn token should be the successor of the one before with probability "
        f"0.85, but that happened in {follows:.1%} of {len(pairs)} steps. Draw from ŷ computed "
        "after feeding the previous drawn token, not from an older ŷ.",
    )
    passed(f"each drawn token is fed back (greedy 'bcdabcdabcda'; followed {follows:.1%} ≈ 85%)")


def _check_reads_prefix(sample, vocab):
    __tracebackhide__ = True
    from lessons.text import CharVocab

    # A counter: after reading n tokens the next one is surely "abcd"[n % 4], whatever they were.
    counter = CounterModel(len(vocab), [vocab.index[c] for c in "abcd"])
    call, text = _call(sample, counter, vocab, "dab", 6, seed=0)
    hints = {
        "dabcda": "It read only the prefix: feed vocab.eos first, so the prefix starts a new line.",
        "bcdabc": "It read only the prefix's last character: feed every one of them, in order.",
        "cdabcd": "It read <eos> and the last character only: feed every prefix character.",
    }
    expect(
        text == "abcdab",
        f"{call}: this model predicts the next token from how many tokens it has read. It "
        f"should read <eos> (a new line starts), then the 3 prefix characters, 4 tokens in "
        f"all, and give 'abcdab'; got {text!r}. "
        + hints.get(
            text,
            "Feed <eos>, then every character of the prefix, in order, before "
            "the first draw; then one token per step.",
        ),
    )
    call, text = _call(sample, counter, vocab, "", 4, seed=0)
    expect(
        text == "bcda",
        f"{call}: with an empty prefix the model should read one token, <eos> (a new line "
        f"starts), before the first draw, so it should give 'bcda'; got {text!r}.",
    )
    no_eos = CharVocab("abcd", specials=False)
    counter = CounterModel(len(no_eos), [no_eos.index[c] for c in "abcd"])
    call, text = _call(sample, counter, no_eos, "dab", 6, seed=0)
    expect(
        text == "dabcda",
        f"{call}: this vocabulary has no <eos> (vocab.eos is None), so the model should read "
        f"the prefix alone, 3 tokens, and give 'dabcda'; got {text!r}. Feed <eos> first only "
        "when the vocabulary has it.",
    )
    passed("<eos> (when the vocabulary has it), then the whole prefix, is read before drawing")


def _check_eos(sample, calls=400, length=30):
    __tracebackhide__ = True
    from lessons.text import CharVocab

    vocab = CharVocab("ab")  # <pad> <unk> <eos> a b
    model = FixedModel(_distribution(vocab, {"<eos>": 0.25, "a": 0.375, "b": 0.375}))
    lengths = []
    for seed in range(calls):
        call, text = _call(sample, model, vocab, "a", length, seed=seed)
        tokens, _ = _counts(call, vocab, text, length)
        expect(
            "<eos>" not in tokens,
            f"{call} returned {text!r}, which holds <eos>. With stop_at_eos=True (the default), "
            "stop when <eos> is drawn and leave it out of the text.",
        )
        lengths.append(len(tokens))
    mean = float(np.mean(lengths))
    expect(
        abs(mean - 3.0) < 0.8,
        f"ŷ(<eos>) = 0.25 at every step, so a sample should stop after 3 tokens on average "
        f"(before the first <eos>); over {calls} samples the mean length was {mean:.2f}"
        + (
            ". It never stopped: check for <eos> after each draw and break."
            if mean == length
            else ". Stop right after drawing <eos>, and only then."
        ),
    )
    call, text = _call(sample, model, vocab, "a", 2000, seed=1, stop_at_eos=False)
    tokens, counts = _counts(call, vocab, text, 2000)
    share = counts[EOS] / max(len(tokens), 1)
    expect(
        len(tokens) == 2000 and abs(share - 0.25) < 0.05,
        f"{call}: with stop_at_eos=False every draw is kept, <eos> too (about 25% of them), so "
        f"2000 tokens; got {len(tokens)} tokens, {share:.1%} of them <eos>.",
    )
    no_eos = CharVocab("ab", specials=False)
    call, text = _call(sample, FixedModel([0.5, 0.5]), no_eos, "a", 25, seed=0)
    _, counts = _counts(call, no_eos, text, 25)
    expect(
        counts.sum() == 25,
        f"{call}: this vocabulary has no <eos>, so sampling stops only at the length limit and "
        f"should give 25 tokens; got {int(counts.sum())} ({text!r}). Use vocab.eos (None here).",
    )
    passed(
        f"stops at <eos> (mean length {mean:.2f} ≈ 3), keeps it with stop_at_eos=False, "
        "stops at the length limit without <eos>"
    )


def _check_unk(sample, n=2000):
    __tracebackhide__ = True
    from lessons.text import CharVocab

    vocab = CharVocab("ab")
    p = _distribution(vocab, {"<unk>": 0.3, "a": 0.35, "b": 0.35})
    model = FixedModel(p)
    call, text = _call(sample, model, vocab, "a", n, seed=4)
    _, counts = _counts(call, vocab, text, n)
    expect(
        counts[UNK] == 0,
        f"{call}: <unk> was drawn {int(counts[UNK])} times; by default (allow_unk=False) it must "
        "be refused: set its probability to 0 and renormalize (the same as drawing again).",
    )
    refused = _distribution(vocab, {"a": 0.5, "b": 0.5})
    expect(
        counts.sum() == n and frequencies_match(counts, refused),
        f"{call}: with <unk> refused, 'a' and 'b' should each come about half the time, "
        f"over {n} draws; got {_describe(vocab, counts / max(counts.sum(), 1))} "
        f"in {int(counts.sum())} tokens.",
    )
    call, text = _call(sample, model, vocab, "a", n, seed=5, allow_unk=True)
    _, counts = _counts(call, vocab, text, n)
    expect(
        frequencies_match(counts, p),
        f"{call}: with allow_unk=True, <unk> should be drawn like any token, about 30% of the "
        f"time; got {_describe(vocab, counts / max(counts.sum(), 1))}.",
    )
    passed("<unk> is refused by default (the rest renormalized) and drawn with allow_unk=True")


def _check_keras_model(sample, n=300):
    __tracebackhide__ = True
    import keras

    import lessons
    from lessons.text import CharVocab

    vocab = CharVocab("abcd")
    p = _distribution(vocab, {"a": 0.4, "b": 0.3, "c": 0.2, "d": 0.1})
    # A real model built from the kit's cells, whose output layer ignores a^<t>: ŷ = p.
    model = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(len(vocab), 4),
            keras.layers.RNN(lessons.GRUCell(8), return_sequences=True),
            keras.layers.Dense(len(vocab), activation="softmax"),
        ]
    )
    dense = model.layers[-1]
    with np.errstate(divide="ignore"):
        dense.set_weights([np.zeros((8, len(vocab))), np.log(np.maximum(p, 1e-30))])
    call, text = _call(sample, model, vocab, "ab", n, seed=6)
    _, counts = _counts(call, vocab, text, n)
    expect(
        counts.sum() == n and frequencies_match(counts, p),
        f"{call} on a Keras model (Embedding -> RNN(GRUCell) -> Dense softmax) whose ŷ is "
        f"always {_describe(vocab, p)}: got {int(counts.sum())} tokens with frequencies "
        f"{_describe(vocab, counts / max(counts.sum(), 1))}.",
    )
    passed("works on a Keras model built from lessons.GRUCell")


# BEGIN HIDDEN TESTS
# The probes of lesson 03 (language models): the word vocabulary, perplexity, sampling.
#
# Sampling is random, so it is tested as the students' check tests it, by
# behaviour: tiny stub models whose next-token distribution is known (drawn
# from the seed), exact results where there is no chance involved (greedy
# decoding, the tokens read before the first draw), and counts over many draws
# elsewhere, compared with the reference's counts by a chi-square test that a
# correct sampler fails about once in a million gradings.

from instructor.grading import capture, difference, same_distribution, within  # noqa: E402

WORDS = "to be or not that is the question whether tis nobler in mind suffer".split()


def probe_word_vocab(build_word_vocab, seed):
    rng = np.random.default_rng(seed)
    cases = {}
    for description, (size, max_words, specials) in {
        "a text with repeated words": (60, 5, False),
        "ties between equally frequent words": (12, 4, False),
        "tokens with <eos> and <unk> markers": (50, 6, True),
        "max_words above the number of distinct words": (20, 100, False),
    }.items():
        pool = WORDS + (["<eos>", "<unk>"] if specials else [])
        weights = 1.0 / np.arange(1, len(pool) + 1)  # Zipf-like: a few frequent words
        tokens = [str(w) for w in rng.choice(pool, size=size, p=weights / weights.sum())]
        given = list(tokens)
        word_to_index, index_to_word = build_word_vocab(given, max_words)
        cases[description] = {
            "index_to_word": list(index_to_word),
            "word_to_index": dict(word_to_index),
            "tokens unchanged": given == tokens,
        }
    return {"vocab": cases}


def _distributions(rng, shape):
    logits = rng.normal(0, 2, shape)
    return (np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)).astype("float32")


def probe_perplexity(perplexity, seed):
    rng = np.random.default_rng(seed)
    y_hat = _distributions(rng, (3, 7, 11))
    flat = _distributions(rng, (20, 5))
    sure = np.eye(6, dtype="float32")[rng.integers(0, 6, 8)]
    cases = {
        "a batch of sequences (batch, T, |V|)": (y_hat, rng.integers(0, 11, (3, 7))),
        "a flat list of predictions (N, |V|)": (flat, rng.integers(0, 5, 20)),
        "a model that is always sure and right": (sure, sure.argmax(axis=-1)),
        "the uniform model": (np.full((4, 9), 1 / 9, "float32"), rng.integers(0, 9, 4)),
    }
    return {
        "perplexity": {
            description: float(perplexity(probs, targets))
            for description, (probs, targets) in cases.items()
        }
    }


compare_perplexity = within(rtol=1e-4, atol=1e-6)  # float32 probabilities


# --- sampling ---------------------------------------------------------------------------
def _token_counts(vocab, generated):
    """How often each token of `vocab` occurs in the generated text."""
    counts = np.zeros(len(vocab), dtype=int)
    for token in _tokens_of(vocab, generated):
        counts[vocab.index[token]] += 1  # a KeyError: a character not in the vocabulary
    return counts


def probe_sample(sample, seed):
    from lessons.text import CharVocab

    rng = np.random.default_rng(seed)
    vocab = CharVocab("abcd")  # <pad> <unk> <eos> a b c d
    p = np.zeros(len(vocab))
    p[3:] = rng.dirichlet(np.ones(4)) * 0.9 + 0.025  # every letter possible, none sure
    fixed = FixedModel(p / p.sum())
    n = 1500
    seeds = rng.integers(0, 2**31, size=10).tolist()

    counts = {}
    for k, tau in enumerate((1.0, 0.5, 2.0)):
        text = sample(fixed, vocab, "a", n, temperature=tau, seed=seeds[k])
        counts[f"frequencies at temperature {tau}"] = _token_counts(vocab, text)

    successor = np.roll(np.arange(3, 7), -1)  # a -> b -> c -> d -> a
    table = np.full((len(vocab), len(vocab)), 0.05)
    table[:, :3] = 0.0
    table[np.arange(3, 7), successor] = 0.85
    bigram = BigramModel(table / table.sum(axis=1, keepdims=True))
    drawn = [vocab.index[t] for t in sample(bigram, vocab, "a", n, seed=seeds[3])]
    previous = [vocab.index["a"], *drawn[:-1]]
    follows = sum(int(b == successor[a - 3]) for a, b in zip(previous, drawn) if a >= 3)
    counts["draws that follow the bigram's likely successor"] = [follows, len(drawn) - follows]

    eos_vocab = CharVocab("ab")
    eos_model = FixedModel([0, 0, 0.25, 0.375, 0.375])
    lengths = np.zeros(31, dtype=int)
    for k in range(200):
        lengths[len(sample(eos_model, eos_vocab, "a", 30, seed=seeds[4] + k))] += 1
    counts["lengths when <eos> has probability 0.25"] = lengths
    unk_model = FixedModel([0, 0.3, 0, 0.35, 0.35])
    for allow_unk, k in ((False, 5), (True, 6)):
        text = sample(unk_model, eos_vocab, "a", n, seed=seeds[k], allow_unk=allow_unk)
        counts[f"frequencies with <unk> possible, allow_unk={allow_unk}"] = _token_counts(
            eos_vocab, text
        )

    counter = CounterModel(len(vocab), [vocab.index[c] for c in "abcd"])
    no_specials = CharVocab("abcd", specials=False)
    exact = {
        "greedy (temperature 0)": sample(fixed, vocab, "b", 30, temperature=0, seed=seeds[7]),
        "temperature 1e-4": sample(fixed, vocab, "b", 30, temperature=1e-4, seed=seeds[7]),
        "greedy on the bigram model": sample(bigram, vocab, "c", 12, temperature=0),
        "the tokens read before the first draw": sample(counter, vocab, "dab", 6, seed=0),
        "an empty prefix": sample(counter, vocab, "", 4, seed=0),
        "a vocabulary without <eos>": sample(
            CounterModel(4, [0, 1, 2, 3]), no_specials, "dab", 6, seed=0
        ),
        "a negative temperature": capture(sample, fixed, vocab, "a", 5, temperature=-1.0),
        "the same seed twice": sample(fixed, vocab, "a", 60, seed=seeds[8])
        == sample(fixed, vocab, "a", 60, seed=seeds[8]),
        "two seeds": sample(fixed, vocab, "a", 60, seed=seeds[8])
        != sample(fixed, vocab, "a", 60, seed=seeds[9]),
    }
    return {"sampling": {"counts": counts, "exact": exact}}


def compare_sample(student, reference):
    """Exact results must be equal; counts must pass the chi-square test against the reference's."""
    want, got = reference["sampling"], student.get("sampling")
    if not isinstance(got, dict):
        return 0.0, difference(got, want, "sampling")
    problem = difference(got.get("exact"), want["exact"])
    for case, counts in want["counts"].items():
        mine = got.get("counts", {}).get(case)
        if not problem and not same_distribution(mine, counts):
            problem = (
                f"{case}: counts {_listed(mine)} do not follow the model's distribution "
                f"(the reference drew {_listed(counts)})"
            )
    return (0.0, problem) if problem else (1.0, "")


def _listed(counts):
    return np.asarray(counts).tolist() if counts is not None else None


# END HIDDEN TESTS


# The kit's own answers fail a check (lessons.checks.tripwire); after every check is defined.
from lessons.checks.tripwire import guard_checks  # noqa: E402

guard_checks(globals())
