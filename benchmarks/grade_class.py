"""Time `rnn-lessons grade` on a class of 30 submissions of one lesson.

    .venv/bin/python benchmarks/grade_class.py [--lesson 00_sequences] [--students 30] [--jobs 2]
        [--shards N]

The class is a third solutions (full marks), a third blank student notebooks
(0) and a third partial answers (the first exercise done), written to a
temporary folder; the grading runs as the command line does, in a subprocess,
and the wall time is printed with the lesson's summary line. With `--shards N`
the class is graded as N shards one after the other (`--shard K/N --seed 1`),
then merged, and the merged grades.csv is compared with one run's (same seed).
"""

import argparse
import copy
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]


def partial(blank, solution):
    """The blank notebook with its first exercise taken from the solution."""
    notebook = copy.deepcopy(blank)
    for mine, theirs in zip(notebook.cells, solution.cells):
        if "exercise" in mine.metadata.get("rnn_lessons", {}):
            mine.source = theirs.source
            return notebook
    return notebook


def make_class(folder, lesson, students):
    solution = nbformat.read(REPO / "solutions" / f"{lesson}.ipynb", as_version=4)
    blank = nbformat.read(REPO / "notebooks" / f"{lesson}.ipynb", as_version=4)
    kinds = [solution, blank, partial(blank, solution)]
    for i in range(students):
        (folder / f"student{i:02d}").mkdir(parents=True)
        nbformat.write(kinds[i % 3], folder / f"student{i:02d}" / f"{lesson}.ipynb")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="00_sequences")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--shards", type=int, default=0, help="also grade in N shards, merged")
    args = parser.parse_args()
    tool = str(Path(sys.executable).with_name("rnn-lessons"))
    seed = ["--seed", "1"] if args.shards else []

    def run(command):
        started = time.monotonic()
        done = subprocess.run([tool, *command, "--root", str(REPO)], capture_output=True, text=True)
        if done.returncode:
            print(done.stderr[-2000:])
        return done, time.monotonic() - started

    with tempfile.TemporaryDirectory(prefix="grade-class-", ignore_cleanup_errors=True) as tmp:
        root = Path(tmp)
        make_class(root / "submissions", args.lesson, args.students)
        grade = ["grade", str(root / "submissions"), "--jobs", str(args.jobs), *seed]
        done, seconds = run([*grade, "--out", str(root / "out")])
        summary = [line for line in done.stdout.splitlines() if line.startswith(args.lesson)]
        print(f"exit status {done.returncode}; {args.students} submissions of {args.lesson}")
        print(f"--jobs {args.jobs}: {seconds:.0f} s in all, {seconds / args.students:.1f} s each")
        print("\n".join(summary) or done.stderr[-2000:])
        if args.shards:
            parts, total = [], 0.0
            for k in range(1, args.shards + 1):
                parts.append(str(root / f"shard{k}"))
                _, seconds = run([*grade, "--out", parts[-1], "--shard", f"{k}/{args.shards}"])
                print(f"shard {k}/{args.shards}: {seconds:.0f} s")
                total += seconds
            _, seconds = run(["grade", "merge", *parts, "--out", str(root / "merged")])
            total += seconds
            same = (root / "merged/grades.csv").read_bytes() == (
                root / "out/grades.csv"
            ).read_bytes()
            print(f"merge: {seconds:.0f} s; shards + merge: {total:.0f} s in all")
            print(f"merged grades.csv {'equals' if same else 'DIFFERS FROM'} the one run's")


if __name__ == "__main__":
    main()
