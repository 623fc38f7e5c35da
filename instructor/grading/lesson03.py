"""Hidden tests for lesson 03 (language models): the word vocabulary, perplexity, sampling.

Sampling is random, so it is tested as the students' check tests it, by
behaviour: tiny stub models whose next-token distribution is known (drawn
from the seed), exact results where there is no chance involved (greedy
decoding, the tokens read before the first draw), and counts over many draws
elsewhere, compared with the reference's counts by a chi-square test that a
correct sampler fails about once in a million gradings.
"""

import numpy as np

from instructor.grading import capture, difference, same_distribution, within

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
def _counts(vocab, generated):
    """How often each token of `vocab` occurs in the generated text."""
    from lessons.checks.lesson03 import _tokens_of

    counts = np.zeros(len(vocab), dtype=int)
    for token in _tokens_of(vocab, generated):
        counts[vocab.index[token]] += 1  # a KeyError: a character not in the vocabulary
    return counts


def probe_sample(sample, seed):
    from lessons.checks.lesson03 import BigramModel, CounterModel, FixedModel
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
        counts[f"frequencies at temperature {tau}"] = _counts(vocab, text)

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
        counts[f"frequencies with <unk> possible, allow_unk={allow_unk}"] = _counts(eos_vocab, text)

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
