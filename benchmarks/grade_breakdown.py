"""Where the seconds of grading one notebook go: start and imports, the cells, the probes.

    .venv/bin/python benchmarks/grade_breakdown.py [--lesson 04_gru] [--repeats 3]

Runs the solution notebook of the lesson through the grader's child (sandboxed as
`rnn-lessons grade` runs it, one at a time, on an otherwise idle machine) and
prints, per run and as medians, with every cell run (as the grader did before it
skipped any) and as `rnn-lessons grade` runs it (the lesson's unchanged
demonstrations skipped): the child's wall time, the time its cells took, the
time its probes took, and the rest (interpreter start, imports before the first
cell, the sandbox, writing the results). The reference run is the same child on
the solution's context and exercise cells only.
"""

import argparse
import statistics
import tempfile
from pathlib import Path

from instructor import grade as G
from instructor.grading import sandbox

REPO = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="04_gru")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    lesson = G.load_lesson(REPO / "solutions" / f"{args.lesson}.py")
    path = REPO / "solutions" / f"{args.lesson}.ipynb"
    submission = G.parse(G.Submission("bench", path, path.read_bytes()))
    scratch = Path(tempfile.mkdtemp(prefix="grade-breakdown-"))
    scratch.chmod(0o711)
    settings = G.Settings(isolation=sandbox.choose("auto", [REPO, scratch]), scratch_root=scratch)
    print(f"isolation: {settings.isolation.kind}")
    graded, skipped = G.demos.cells_to_run(submission.cells, lesson.demos, lesson.looked_up)
    print(f"{len(submission.cells)} code cells; as graded, {len(skipped)} demonstrations skipped")
    rows = {"every cell": [], "as graded": [], "reference": []}
    for _ in range(args.repeats):
        for kind in rows:
            if kind == "every cell":  # how the grader ran a notebook before it skipped any
                cells, isolation = submission.cells, settings.isolation
            elif kind == "as graded":
                cells, isolation = graded, settings.isolation
            else:
                sources = [*lesson.context_cells, *lesson.solution_cells]
                cells = [{"number": n, "source": s} for n, s in enumerate(sources, 1)]
                isolation = settings.isolation
            outcome, results, _, _ = G.run_child(
                cells, lesson, 1, settings, isolation, kind.replace(" ", "-")
            )
            seconds = results["seconds"]
            rest = outcome.seconds - seconds["cells"] - seconds["probes"]
            rows[kind].append((outcome.seconds, seconds["cells"], seconds["probes"], rest))
            print(
                f"{kind}: wall {outcome.seconds:.1f} s = cells {seconds['cells']:.1f} + "
                f"probes {seconds['probes']:.1f} + start/imports/sandbox {rest:.1f}"
            )
    for kind, runs in rows.items():
        wall, cells, probes, rest = (statistics.median(column) for column in zip(*runs))
        print(
            f"median {kind} ({len(runs)} runs): wall {wall:.1f} s = cells {cells:.1f} + "
            f"probes {probes:.1f} + start/imports/sandbox {rest:.1f}"
        )


if __name__ == "__main__":
    main()
