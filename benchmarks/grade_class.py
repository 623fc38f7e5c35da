"""Time `rnn-lessons grade` on a class of 30 submissions of one lesson.

    .venv/bin/python benchmarks/grade_class.py [--lesson 00_sequences] [--students 30] [--jobs 2]

The class is a third solutions (full marks), a third blank student notebooks
(0) and a third partial answers (the first exercise done), written to a
temporary folder; the grading runs as the command line does, in a subprocess,
and the wall time is printed with the lesson's summary line.
"""

import argparse
import copy
import shutil
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
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="grade-class-"))
    try:
        make_class(root / "submissions", args.lesson, args.students)
        command = [str(Path(sys.executable).with_name("rnn-lessons")), "grade"]
        command += [str(root / "submissions"), "--out", str(root / "out")]
        command += ["--jobs", str(args.jobs), "--root", str(REPO)]
        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True)
        seconds = time.monotonic() - started
        summary = [line for line in done.stdout.splitlines() if line.startswith(args.lesson)]
        print(f"exit status {done.returncode}; {args.students} submissions of {args.lesson}")
        print(f"--jobs {args.jobs}: {seconds:.0f} s in all, {seconds / args.students:.1f} s each")
        print("\n".join(summary) or done.stderr[-2000:])
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
