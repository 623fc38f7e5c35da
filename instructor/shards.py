"""Grading a class in shards on a batch system, and merging the shards into one result.

`rnn-lessons grade SUBMISSIONS --out OUT_K --shard K/N` grades the students
whose stable hash falls in shard K of N (all of a student's lessons together),
on any machine of a Slurm array, a CI matrix or Kubernetes indexed Jobs.
`rnn-lessons grade merge OUT_1 ... OUT_N --out OUT` then writes one
`grades.csv`, `gradebook.csv`, feedback tree and state, and the similarity
report over the whole class: each shard's state keeps the exercise cells of
what it graded, so copies across shards are found.
"""

import hashlib
import json
import shutil
import sys
from pathlib import Path

from instructor.reports import STATE, similarity, summary, write_outputs

MERGED = "merged_from"  # the state key of a merged OUT: the shards it came from


def parse_shard(text):
    """(K, N) from "K/N" with 1 <= K <= N; ValueError naming --shard otherwise."""
    try:
        k, n = (int(part) for part in str(text).split("/"))
    except ValueError:
        raise ValueError(f"--shard wants K/N, e.g. 2/8 (shard 2 of 8), not {text!r}") from None
    if not 1 <= k <= n:
        raise ValueError(f"--shard {text}: K must be between 1 and N (here N = {n}), e.g. 1/{n}")
    return k, n


def shard_of(student, n):
    """The shard (1 to n) of `student`: a hash of the name, the same on every machine."""
    digest = hashlib.sha256(student.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n + 1


def _read_shard(out_dir):
    from instructor.grade import GradeError

    path = Path(out_dir) / STATE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        k, n = parse_shard(state["shard"])
        state["submissions"].items()
    except OSError:
        raise GradeError(f"{out_dir} holds no {STATE}: is it the --out of a shard?") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise GradeError(
            f"{path} is not the state of a shard (graded with --shard K/N): "
            "only shards can be merged"
        ) from None
    return k, n, state


def _check_shards(shards):
    """Every shard of one N and one seed, each once; a GradeError naming what is wrong."""
    from instructor.grade import GradeError

    sizes = {n for _, n, _, _ in shards}
    if len(sizes) > 1:
        raise GradeError(f"the shards were cut into different numbers: N = {sorted(sizes)}")
    n = sizes.pop()
    if len({state.get("seed_sha256") for _, _, state, _ in shards}) > 1:
        raise GradeError("the shards were graded with different --seed: grade them with one")
    seen = {}
    for k, _, _, folder in shards:
        if k in seen:
            raise GradeError(f"shard {k}/{n} is given twice: {seen[k]} and {folder}")
        seen[k] = folder
    missing = [f"{k}/{n}" for k in range(1, n + 1) if k not in seen]
    if missing:
        raise GradeError(f"shard(s) {', '.join(missing)} missing: merge needs all {n}")
    return n


def merge(out_dirs, out_dir, *, project):
    """Merge the OUT folders of shards 1..N into `out_dir`. Returns the exit status."""
    from instructor.grade import GradeError, Submission, exercise_order, load_lesson

    out_dir = Path(out_dir).resolve()
    shards = [(*_read_shard(folder), Path(folder).resolve()) for folder in out_dirs]
    n = _check_shards(shards)
    if out_dir in {folder for *_, folder in shards}:
        raise GradeError(f"--out {out_dir} is one of the shards: merge into a new folder")
    if (out_dir / STATE).is_file() and MERGED not in json.loads((out_dir / STATE).read_text()):
        raise GradeError(f"--out {out_dir} holds a grading run's results; merge into a new folder")
    out_dir.mkdir(parents=True, exist_ok=True)

    combined, origin = {}, {}
    for _, _, state, folder in sorted(shards, key=lambda shard: shard[0]):
        for key, entry in state["submissions"].items():
            if key in combined:
                raise GradeError(f"{key} was graded in two shards: {origin[key]} and {folder}")
            combined[key], origin[key] = entry, folder
            target = out_dir / entry["feedback"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / entry["feedback"], target)

    sources = {p.stem: p for p in project.sources()}
    names = {row["lesson"] for entry in combined.values() for row in entry["rows"]}
    lessons = {name: load_lesson(sources[name]) for name in sorted(names) if name in sources}
    state = {"submissions": combined, MERGED: [str(folder) for *_, folder in shards]}
    write_outputs(out_dir, state, exercise_order(lessons))
    graded = [
        Submission(entry["student"], Path(entry["file"]), b"", entry["lesson"], entry["cells"])
        for _, entry in sorted(combined.items())
        if "cells" in entry
    ]
    similarity(graded, lessons, out_dir)
    print(
        f"Merged {n} shard(s), {len(combined)} submission(s), into {out_dir}: grades.csv, "
        "gradebook.csv, feedback/ and the similarity report over the whole class.",
        file=sys.stderr,
    )
    from instructor.grade import STATUSES

    for line in summary(state, STATUSES):
        print(line)
    return 0
