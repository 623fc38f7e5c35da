"""Checks for lesson 00 (sequences): the character vocabulary, encoding a name, padding and masks.

Each check runs the student's function on several small inputs, including
edge cases (an empty name list, a character the vocabulary has never seen, an
empty name, sequences of different lengths, an empty batch), and compares the
result with a reference written here from the lesson's rules, not with the
notebook's own code.
"""

import numpy as np

from lessons.checks import CheckFailed, all_passed, expect, expect_items, passed, run_student_code
from lessons.checks.engine import index_mismatches, short_repr

# The kit's own answers to each exercise, which a student's code must not hand in
# (lessons.checks.tripwire watches them while a check or the grader's probe runs).
KIT_ANSWERS = {
    "char_vocab": [
        "lessons.text.CharVocab",
        "lessons.text.Vocab",
        "lessons.checks.lesson00.reference_vocab",
    ],
    "encode_name": [
        "lessons.text.Vocab",
        "lessons.checks.lesson00.reference_encode",
    ],
    "pad_and_mask": [
        "lessons.text.pad_sequences",
        "lessons.seq2seq.pad_batch",
        "lessons.checks.lesson00.reference_pad_and_mask",
    ],
}

# The vocabulary layout the lesson fixes: three special tokens first, then characters.
SPECIAL_TOKENS = ("<pad>", "<unk>", "<eos>")
PAD, UNK, EOS = 0, 1, 2


# --- references -------------------------------------------------------------------
def reference_vocab(names):
    """(char_to_index, index_to_char): the special tokens, then every character once, sorted."""
    index_to_char = list(SPECIAL_TOKENS) + sorted({char for name in names for char in name})
    return {token: index for index, token in enumerate(index_to_char)}, index_to_char


def reference_encode(name, char_to_index):
    """One index per character (<unk> for an unseen one), then <eos>."""
    return [char_to_index.get(char, UNK) for char in name] + [EOS]


def reference_pad_and_mask(sequences, pad_value=0):
    """Right-padded (N, T_max) integer array and the mask of real positions, from the lengths."""
    lengths = [len(sequence) for sequence in sequences]
    T_max = max(lengths, default=0)
    padded = np.full((len(sequences), T_max), pad_value, dtype=np.int64)
    mask = np.zeros((len(sequences), T_max), dtype=bool)
    for i, sequence in enumerate(sequences):
        padded[i, : lengths[i]] = sequence
        mask[i, : lengths[i]] = True
    return padded, mask


# --- shared pieces ----------------------------------------------------------------
def _unpack_pair(result, call, names):
    """The student's function must return two things; say so plainly if it does not."""
    __tracebackhide__ = True
    expect_items(
        result,
        2,
        f"{call} should return a pair `({names})`, but it returned "
        f"{type(result).__name__} {short_repr(result)}. End the function with `return {names}`.",
    )
    return result


# --- exercise: char_vocab ---------------------------------------------------------
CHAR_VOCAB_CASES = [
    ("two short names", ["Ada", "Bob"]),
    ("names of different lengths that share letters", ["Mary", "Anna", "Maximilian", "Al"]),
    ("names with characters outside A-Z", ["Zoë", "Jean-Luc", "O'Neil"]),
    ("an empty name list", []),
]


def check_char_vocab(build_char_vocab):
    """Check `build_char_vocab(names) -> (char_to_index, index_to_char)`."""
    __tracebackhide__ = True
    for description, names in CHAR_VOCAB_CASES:
        call = f"build_char_vocab({names!r})"
        given = list(names)
        result = run_student_code(build_char_vocab, given, what=f"{call} ({description})")
        expect(
            given == names,
            f"{call} changed the list it was given (it is now {given!r}). Build new lists "
            "(e.g. with sorted(...)) instead of sorting or editing `names` in place.",
        )
        char_to_index, index_to_char = _unpack_pair(result, call, "char_to_index, index_to_char")
        _check_index_to_char(call, names, index_to_char)
        _check_char_to_index(call, char_to_index, index_to_char)
        passed(f"{description}: {len(index_to_char)} tokens, in the right order")
    all_passed("char_vocab")


def _check_index_to_char(call, names, index_to_char):
    __tracebackhide__ = True
    expect(
        isinstance(index_to_char, (list, tuple)),
        f"{call}: index_to_char should be a list (position = index), got "
        f"{type(index_to_char).__name__} {short_repr(index_to_char)}.",
    )
    n_special = len(SPECIAL_TOKENS)
    expected = reference_vocab(names)[1][n_special:]
    head = list(index_to_char[:n_special])
    expect(
        head == list(SPECIAL_TOKENS),
        f"{call}: index_to_char should start with the special tokens {list(SPECIAL_TOKENS)} "
        f"at indices 0, 1, 2; got {head}. Put the three special tokens first, in that order, "
        "then the characters.",
    )
    chars = list(index_to_char[n_special:])
    repeated = sorted({c for c in chars if chars.count(c) > 1})
    expect(
        not repeated,
        f"{call}: each character should appear once in the vocabulary; got {repeated} more "
        f"than once, in {short_repr(chars)}. Collect the characters in a set before sorting them.",
    )
    missing = sorted(set(expected) - set(chars))
    extra = sorted(set(chars) - set(expected))
    problems = [f"{missing} missing" if missing else "", f"{extra} in no name" if extra else ""]
    expect(
        not missing and not extra,
        f"{call}: the characters after the special tokens should be exactly those in the "
        f"names, {expected}; got {short_repr(chars)}, with "
        + " and ".join(p for p in problems if p)
        + ". Take every character of every name as it is (no case change).",
    )
    expect(
        chars == sorted(chars),
        f"{call}: the characters should be sorted (sorted(...) order, so the vocabulary does not "
        f"depend on the order of the names): expected {expected}, got {chars}.",
    )


def _check_char_to_index(call, char_to_index, index_to_char):
    __tracebackhide__ = True
    expected, wrong, extra = index_mismatches(call, "char_to_index", char_to_index, index_to_char)
    found = (
        f"char_to_index[{wrong[0]!r}] should be {expected[wrong[0]]} (its position in "
        f"index_to_char), got {char_to_index.get(wrong[0])!r}"
        if wrong
        else f"got keys {extra} that are not in index_to_char"
    )
    expect(
        not wrong and not extra,
        f"{call}: char_to_index must undo index_to_char (char_to_index[index_to_char[i]] == i "
        f"for every i); {found}. Build it from index_to_char with enumerate, which counts "
        "from 0.",
    )


# --- exercise: encode_name --------------------------------------------------------
def _encode_cases():
    vocab, _ = reference_vocab(["Ada", "Bob", "Mary"])
    # A vocabulary whose characters are not in sorted order: indices must come from the dict.
    shuffled = {"<pad>": 0, "<unk>": 1, "<eos>": 2, "b": 3, "a": 4}
    return [
        ("a name whose characters are all known", "Mary", vocab),
        ("a shorter name", "Bob", vocab),
        ("a name with unseen characters ('Z', 'ë')", "Zoë", vocab),
        ("a longer name, half unseen", "Maximilian", vocab),
        ("the empty name", "", vocab),
        ("a vocabulary in another order", "abc", shuffled),
    ]


def check_encode_name(encode_name):
    """Check `encode_name(name, char_to_index) -> list of int indices ending in <eos>`."""
    __tracebackhide__ = True
    for description, name, vocab in _encode_cases():
        call = f"encode_name({name!r}, char_to_index)"
        given = dict(vocab)
        result = run_student_code(encode_name, name, given, what=f"{call} ({description})")
        expect(given == vocab, f"{call} changed char_to_index; it should only read it.")
        indices = _as_index_list(call, result)
        _check_encoding(call, name, vocab, indices)
        passed(f"{description}: {name!r} -> {indices}")
    all_passed("encode_name")


def _as_index_list(call, result):
    """The student's result as a list of Python ints, or a plain-words failure."""
    __tracebackhide__ = True
    if isinstance(result, np.ndarray):
        expect(
            result.ndim == 1 and np.issubdtype(result.dtype, np.integer),
            f"{call}: expected a flat list of integer indices, got an array of shape "
            f"{result.shape} and dtype {result.dtype}. Return a list of the ints you find in "
            "char_to_index.",
        )
        return [int(i) for i in result]
    ok = isinstance(result, (list, tuple)) and all(
        isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in result
    )
    expect(
        ok,
        f"{call}: expected a list of integer indices such as [5, 12, 2], got {short_repr(result)}. "
        "Look up each character in char_to_index (its values are ints).",
    )
    return [int(i) for i in result]


def _check_encoding(call, name, vocab, indices):
    __tracebackhide__ = True
    expected = reference_encode(name, vocab)
    expect(
        len(indices) > 0 and indices[-1] == EOS,
        f"{call}: the sequence should end with <eos> (index {EOS}), so the model knows where "
        f"the name stops; expected {expected}, got {indices}. Append <eos> after the last "
        "character.",
    )
    expect(
        len(indices) == len(expected),
        f"{call}: expected len(name) + 1 = {len(expected)} indices (one per character, then "
        f"<eos>), got {len(indices)}: {indices}. Every character needs an index, an unseen one "
        "too (it gets <unk>), and <eos> comes once, at the end.",
    )
    for t, (char, got, want) in enumerate(zip(name, indices, expected)):
        if char not in vocab:
            expect(
                got == UNK,
                f"{call}: {char!r} (position {t}) is not in the vocabulary, so it should map to "
                f"<unk> (index {UNK}); got {got}. Use char_to_index.get(char, UNK).",
            )
        expect(
            got == want,
            f"{call}: {char!r} at position {t} should be char_to_index[{char!r}] = {want}, got "
            f"{got}. Expected {expected}. Look the character up as it is (no case change) in "
            "the char_to_index you were given.",
        )


# --- exercise: pad_and_mask -------------------------------------------------------
PAD_CASES = [
    ("three sequences of lengths 3, 1, 2 (default pad_value)", [[5, 6, 7], [8], [9, 10]], None),
    ("pad_value=-1", [[4], [3, 3, 3]], -1),
    ("NumPy arrays as sequences", [np.array([7, 8]), np.array([9])], None),
    ("a real element equal to pad_value", [[0, 4], [7]], 0),
    ("an empty sequence in the batch", [[1, 2], []], None),
    ("sequences of equal length (nothing to pad)", [[1, 2], [3, 4]], None),
    ("an empty batch", [], None),
]


def check_pad_and_mask(pad_and_mask):
    """Check `pad_and_mask(sequences, pad_value=0) -> (padded, mask)`."""
    __tracebackhide__ = True
    for description, sequences, pad_value in PAD_CASES:
        given = [s.copy() if isinstance(s, np.ndarray) else list(s) for s in sequences]
        args = [given] if pad_value is None else [given, pad_value]
        pad_value = 0 if pad_value is None else pad_value
        call = f"pad_and_mask({_as_lists(sequences)}" + (
            ")" if len(args) == 1 else f", {pad_value})"
        )
        result = run_student_code(pad_and_mask, *args, what=f"{call} ({description})")
        expect(
            _as_lists(given) == _as_lists(sequences),
            f"{call} changed the sequences it was given (they are now {_as_lists(given)}). "
            "Write into a new array instead of extending the input lists.",
        )
        padded, mask = _unpack_pair(result, call, "padded, mask")
        expected_padded, expected_mask = reference_pad_and_mask(sequences, pad_value)
        _check_padded(call, sequences, pad_value, np.asarray(padded), expected_padded)
        _check_mask(call, pad_value, np.asarray(mask), expected_padded, expected_mask)
        passed(f"{description}: padded shape {expected_padded.shape}, mask right")
    all_passed("pad_and_mask")


def _as_lists(sequences):
    return [[int(x) for x in s] for s in sequences]


def _check_padded(call, sequences, pad_value, padded, expected):
    __tracebackhide__ = True
    expect(
        padded.shape == expected.shape,
        f"{call}: padded should have shape (N, T_max) = {expected.shape} (N sequences, T_max "
        f"the longest length), got {padded.shape}. Look at how you compute T_max; with no "
        "sequences it is 0 (max(..., default=0)).",
    )
    swapped = " Return them in the order (padded, mask)." if padded.dtype == bool else ""
    expect(
        np.issubdtype(padded.dtype, np.integer),
        f"{call}: padded should hold integer indices, got dtype {padded.dtype}. Give np.full or "
        f"np.zeros an integer dtype (e.g. dtype=int).{swapped}",
    )
    for i, sequence in enumerate(_as_lists(sequences)):
        row, want = padded[i].tolist(), expected[i].tolist()
        padded_at_start = [pad_value] * (len(want) - len(sequence)) + sequence
        hint = (
            " It is padded at the start: padding goes at the end (right) of each sequence."
            if row == padded_at_start != want
            else " Copy sequence i into the start of row i and fill the rest with pad_value."
        )
        expect(
            row == want,
            f"{call}: row {i} of padded should be {want} (the sequence, then pad_value up to "
            f"T_max), got {row}.{hint}",
        )


def _check_mask(call, pad_value, mask, expected_padded, expected_mask):
    __tracebackhide__ = True
    expect(
        mask.shape == expected_mask.shape,
        f"{call}: mask should have the same shape as padded, {expected_mask.shape}, got "
        f"{mask.shape}.",
    )
    expect(
        mask.dtype == bool,
        f"{call}: mask should be a boolean array (True = real element, False = padding), got "
        f"dtype {mask.dtype}. Make it with dtype=bool.",
    )
    if np.array_equal(mask, expected_mask):
        return
    if np.array_equal(mask, ~expected_mask):
        hint = " It is inverted: True marks the real elements, False the padding."
    elif np.array_equal(mask, expected_padded != pad_value):
        hint = (
            " It compares values with pad_value, but a real element can equal pad_value: "
            "build the mask from each sequence's length."
        )
    else:
        hint = " Row i should be True at its first len(sequence i) positions, False after."
    i = next(i for i in range(len(mask)) if not np.array_equal(mask[i], expected_mask[i]))
    raise CheckFailed(
        f"{call}: mask row {i} should be {expected_mask[i].tolist()}, got {mask[i].tolist()}.{hint}"
    )


# BEGIN HIDDEN TESTS
# The probes of lesson 00 (sequences): the character vocabulary, encoding, padding and masks.
#
# Inputs are drawn from the seed: names made of random letters (some outside
# A-Z), vocabularies in another order than sorted, batches of sequences with an
# empty one, a real element equal to the pad value, and an empty batch.

LETTERS = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") + list("ëçø-' ")


def _names(rng, count, longest=9):
    lengths = rng.integers(0, longest + 1, size=count)
    return ["".join(rng.choice(LETTERS, size=n)) for n in lengths]


def _vocab_result(result):
    """(char_to_index, index_to_char) made comparable: a pair of a dict and a list."""
    char_to_index, index_to_char = result  # a pair, as a tuple or a list
    return {"char_to_index": dict(char_to_index), "index_to_char": list(index_to_char)}


def probe_char_vocab(build_char_vocab, seed):
    rng = np.random.default_rng(seed)
    cases = {
        "a few random names": _names(rng, 4),
        "many names sharing letters": _names(rng, 30, longest=5),
        "names with repeated letters": ["".join(rng.choice(list("aAb"), size=6)) for _ in "123"],
        "an empty name list": [],
    }
    results = {}
    for description, names in cases.items():
        given = list(names)
        results[description] = _vocab_result(build_char_vocab(given))
        results[description]["names unchanged"] = given == names
    return {"vocab": results}


def probe_encode_name(encode_name, seed):
    rng = np.random.default_rng(seed)
    known = sorted(set(rng.choice(LETTERS[:52], size=20)))
    rng.shuffle(known)  # indices come from the dict, not from sorted order
    vocab = {"<pad>": 0, "<unk>": 1, "<eos>": 2} | {c: 3 + i for i, c in enumerate(known)}
    names = {
        "a name of known letters": "".join(rng.choice(known, size=6)),
        "a name with unseen letters": "".join(rng.choice(LETTERS, size=8)),
        "a one-letter name": str(rng.choice(known)),
        "the empty name": "",
    }
    results = {}
    for description, name in names.items():
        given = dict(vocab)
        indices = encode_name(name, given)
        results[description] = {
            "indices": [int(i) for i in np.asarray(indices).ravel()]
            if np.asarray(indices).dtype.kind in "iu"
            else indices,
            "vocabulary unchanged": given == vocab,
        }
    return {"encoding": results}


def probe_pad_and_mask(pad_and_mask, seed):
    rng = np.random.default_rng(seed)

    def batch(lengths, low=0):
        return [rng.integers(low, 20, size=n).tolist() for n in lengths]

    pad = int(rng.integers(-3, 0))
    cases = {
        "random lengths, default pad_value": (batch(rng.integers(1, 8, size=5)), None),
        f"pad_value={pad}": (batch(rng.integers(1, 6, size=3)), pad),
        "NumPy arrays as sequences": ([np.array(s) for s in batch([3, 1, 4])], None),
        "a real element equal to pad_value": ([[0, 5, 0], [0]], 0),
        "an empty sequence in the batch": (batch([0, 2, 1]), None),
        "equal lengths": (batch([3, 3]), None),
        "an empty batch": ([], None),
    }
    results = {}
    for description, (sequences, pad_value) in cases.items():
        args = (sequences,) if pad_value is None else (sequences, pad_value)
        padded, mask = pad_and_mask(*args)
        results[description] = {"padded": np.asarray(padded), "mask": np.asarray(mask)}
    return {"padding": results}


# END HIDDEN TESTS


# The kit's own answers fail a check (lessons.checks.tripwire); after every check is defined.
from lessons.checks.tripwire import guard_checks  # noqa: E402

guard_checks(globals())
