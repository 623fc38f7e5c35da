"""`rnn-lessons grade --shard K/N` and `grade merge`: three shards merged equal one run.

A class of seven lesson-00 notebooks (the solution, the blank, a bug, two
files of one student, a renamed copy of her answer in another shard, a file
that is not JSON, an unknown lesson) is graded once whole and once in three
shards; the merge must write the same grades.csv, gradebook.csv and
similarity report, byte for byte, and the same feedback files.
"""

import copy
import json
import os
import shutil

import nbformat
import pytest
from class_builder import (
    BUGGY_ENCODE,
    LESSON,
    OWN_VOCAB,
    RENAMED_VOCAB,
    REPO,
    read,
    with_bug,
    with_solution_of,
)

from instructor import cli
from instructor.shards import parse_shard, shard_of

ROOT = ["--root", str(REPO)]
SETTINGS = ["--jobs", "2", "--timeout", "60", "--memory-mb", "3000", "--seed", "7", *ROOT]


def class_folder(root):
    blank = read("notebooks")
    notebooks = {
        "alice": read("solutions"),
        "bob": blank,
        "carol": with_bug(with_solution_of(blank, "char_vocab"), "encode_name", BUGGY_ENCODE),
        "kate": with_bug(with_solution_of(blank, "pad_and_mask"), "char_vocab", OWN_VOCAB),
        "olga": with_bug(blank, "char_vocab", RENAMED_VOCAB),
        "judy": copy.deepcopy(blank),
    }
    notebooks["judy"].metadata["rnn_lessons"]["lesson"] = "99_nothing"
    for student, notebook in notebooks.items():
        (root / student).mkdir(parents=True)
        nbformat.write(notebook, root / student / f"{LESSON}.ipynb")
    nbformat.write(blank, root / "kate" / f"{LESSON} (old).ipynb")
    os.utime(root / "kate" / f"{LESSON} (old).ipynb", (1_700_000_000, 1_700_000_000))
    (root / "heidi").mkdir()
    (root / "heidi" / f"{LESSON}.ipynb").write_text('{"cells": [ not json')


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("shards")
    class_folder(root / "class")
    whole = root / "whole"
    assert cli.main(["grade", str(root / "class"), "--out", str(whole), *SETTINGS]) == 0
    parts = [root / f"shard{k}" for k in (1, 2, 3)]
    for k, out in enumerate(parts, 1):
        command = ["grade", str(root / "class"), "--out", str(out), "--shard", f"{k}/3"]
        assert cli.main([*command, *SETTINGS]) == 0
    merged = root / "merged"
    assert (
        cli.main(["grade", "merge", *map(str, reversed(parts)), "--out", str(merged), *ROOT]) == 0
    )
    return {"root": root, "whole": whole, "parts": parts, "merged": merged}


def test_each_student_is_graded_in_exactly_one_shard(graded):
    students = [p.name for p in (graded["root"] / "class").iterdir()]
    for k, out in enumerate(graded["parts"], 1):
        state = json.loads((out / ".grade-state.json").read_text())
        assert state["shard"] == f"{k}/3"
        assert {key.split("/")[0] for key in state["submissions"]} == {
            s for s in students if shard_of(s, 3) == k
        }
        assert not (out / "similarity.csv").exists()  # only the merge sees the whole class
    assert len({shard_of(s, 3) for s in students}) == 3  # the class really is cut in three


@pytest.mark.parametrize("name", ["grades.csv", "gradebook.csv", "similarity.csv", "similarity.md"])
def test_the_merge_writes_what_one_run_writes(graded, name):
    assert (graded["merged"] / name).read_bytes() == (graded["whole"] / name).read_bytes()


def test_the_similarity_report_spans_the_shards(graded):
    # kate (shard 2) and olga (shard 1) handed in the same char_vocab in other words
    assert shard_of("kate", 3) != shard_of("olga", 3)
    pairs = (graded["merged"] / "similarity.csv").read_text().splitlines()
    assert any("kate" in line and "olga" in line for line in pairs)


def test_the_merge_keeps_every_feedback_file(graded):
    def files(out):
        return sorted(p.relative_to(out).as_posix() for p in (out / "feedback").rglob("*.md"))

    assert files(graded["merged"]) == files(graded["whole"])
    for path in files(graded["merged"]):  # copied from its shard, graded-at time and all
        shard = next(p for p in graded["parts"] if (p / path).exists())
        assert (graded["merged"] / path).read_bytes() == (shard / path).read_bytes()


def test_merge_refuses_a_missing_shard_a_duplicate_and_a_run_that_is_no_shard(graded, capsys):
    parts, merged = [str(p) for p in graded["parts"]], graded["root"] / "again"
    reseeded = graded["root"] / "reseeded"
    shutil.copytree(parts[2], reseeded)
    state = json.loads((reseeded / ".grade-state.json").read_text())
    state["seed_sha256"] = "0" * 64
    (reseeded / ".grade-state.json").write_text(json.dumps(state))
    for shards, message in [
        (parts[:2], "shard(s) 3/3 missing"),
        ([*parts, parts[0]], "shard 1/3 is given twice"),
        ([*parts, str(graded["whole"])], "not the state of a shard"),
        ([*parts[:2], str(reseeded)], "different --seed"),
    ]:
        assert cli.main(["grade", "merge", *shards, "--out", str(merged), *ROOT]) == 2
        assert message in capsys.readouterr().err
    assert not (merged / "grades.csv").exists()
    command = ["grade", "merge", *parts, "--out", str(graded["whole"]), *ROOT]
    assert cli.main(command) == 2  # never over a grading run's results
    assert "merge into a new folder" in capsys.readouterr().err


def test_a_shard_without_a_seed_says_why_it_needs_one(tmp_path, capsys):
    command = ["grade", str(tmp_path), "--out", str(tmp_path / "out"), "--shard", "1/2", *ROOT]
    assert cli.main(command) == 2
    assert "--shard needs --seed" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["3", "0/3", "4/3", "a/b", "1/0", "2/3/4"])
def test_a_bad_shard_names_the_option_and_the_form(text):
    with pytest.raises(ValueError, match="--shard"):
        parse_shard(text)


def test_the_shard_of_a_student_is_stable_and_spreads_a_class():
    assert [shard_of("alice", 8) for _ in range(3)] == [shard_of("alice", 8)] * 3
    counts = [0] * 8
    for i in range(800):
        counts[shard_of(f"student{i:03d}", 8) - 1] += 1
    assert min(counts) > 60 and max(counts) < 140  # 100 each, within chance
