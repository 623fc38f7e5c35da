"""Hidden tests for lesson 00 (sequences): the character vocabulary, encoding, padding and masks.

Inputs are drawn from the seed: names made of random letters (some outside
A-Z), vocabularies in another order than sorted, batches of sequences with an
empty one, a real element equal to the pad value, and an empty batch.
"""

import numpy as np

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
