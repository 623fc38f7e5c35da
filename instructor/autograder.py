"""`rnn-lessons autograder LESSON OUT.zip`: one lesson's autograder, in Gradescope's format.

The zip holds what Gradescope's autograder contract asks for at its root,
`setup.sh` (run once, as root, when the image is built: it installs the kit
and its pinned dependencies) and `run_autograder` (run for each submission),
and what they need: `kit/` (the package, the instructor's tools and probes,
`data/`, this lesson's solution), `requirements.txt` (the versions the zip was
made with) and `autograder.json` (the lesson, the kit's version, the limits).

For each submission, `python -m instructor.autograder ROOT` grades the
notebook under `ROOT/submission/` exactly as `rnn-lessons grade` grades one:
the same sandboxed child, probes and feedback, the reference run beside it
on the same fresh seed. It writes `ROOT/results/results.json`: one test per
exercise (name, score, max_score, status, output, visibility), the total, and
the feedback as the submission's output; what the run printed stays in
Gradescope's stdout, which students are not shown.
"""

import concurrent.futures
import datetime
import importlib.metadata
import io
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from instructor import grade as G
from instructor.grading import sandbox
from instructor.release import template, tree
from instructor.reports import write_atomically

CONFIG = "autograder.json"
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
# What the grader and the notebooks import, pinned to the versions that made the zip.
RUNTIME = ("tensorflow", "keras", "numpy", "matplotlib", "tqdm", "rapidfuzz")
GRADER = ("jupytext", "nbformat", "ipython")
EXECUTABLE = 0o100755 << 16  # a zip entry's Unix mode: a regular file, rwxr-xr-x


# --- making the zip -------------------------------------------------------------------------
def requirements():
    """`name==version` for each package the grader needs, as installed here."""
    lines = [
        f"# the versions rnn-lessons autograder was run with (Python {platform.python_version()})"
    ]
    for name in (*RUNTIME, *GRADER):
        try:
            lines.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            missing = f"{name} is not installed: install rnn-lessons[instructor]"
            raise G.GradeError(missing) from None
    return "\n".join(lines) + "\n"


def contents(project, lesson, *, timeout, memory_mb, visibility):
    """{path in the zip: bytes} of the autograder of `lesson`."""
    import lessons

    sources = {p.stem: p for p in project.sources()}
    if lesson not in sources:
        raise G.GradeError(f"unknown lesson {lesson!r}; the lessons are: {', '.join(sources)}.")
    graded = G.load_lesson(sources[lesson])
    if isinstance(graded, str):
        raise G.GradeError(f"cannot make the autograder of {lesson}: {graded}.")
    if visibility not in VISIBILITIES:
        raise ValueError(
            f"--visibility must be one of {', '.join(VISIBILITIES)}, not {visibility!r}"
        )
    values = {"lesson": lesson, "version": lessons.__version__}
    files = {
        "setup.sh": template("setup.sh.in", **values).encode(),
        "run_autograder": template("run_autograder.in", **values).encode(),
        "requirements.txt": requirements().encode(),
    }
    config = {
        "lesson": lesson,
        "kit_version": lessons.__version__,
        "timeout": timeout,
        "memory_mb": memory_mb,
        "visibility": visibility,
        "made": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    files[CONFIG] = (json.dumps(config, indent=1) + "\n").encode()
    for folder in ("lessons", "instructor", "data"):
        files.update({f"kit/{path}": data for path, data in tree(project.root, folder).items()})
    for name in ("pyproject.toml", "LICENSE"):
        if (project.root / name).is_file():
            files[f"kit/{name}"] = (project.root / name).read_bytes()
    files[f"kit/solutions/{lesson}.py"] = sources[lesson].read_bytes()
    return files


def write_zip(
    project, lesson, out_zip, *, timeout=300.0, memory_mb=4096, visibility="visible", force=False
):
    """Write the autograder of `lesson` to `out_zip` (never over a file, unless `force`)."""
    out_zip = Path(out_zip)
    if out_zip.suffix != ".zip":
        raise ValueError(f"OUT_ZIP must end in .zip (Gradescope uploads a zip), not {out_zip}")
    if out_zip.exists() and not force:
        raise G.GradeError(f"{out_zip} exists: name another file, or pass --force to replace it")
    files = contents(project, lesson, timeout=timeout, memory_mb=memory_mb, visibility=visibility)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(files.items()):
            entry = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            entry.external_attr = (
                EXECUTABLE if path in ("setup.sh", "run_autograder") else (0o100644 << 16)
            )
            archive.writestr(entry, data, zipfile.ZIP_DEFLATED)
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    temporary = out_zip.with_name(f".{out_zip.name}.{os.getpid()}.tmp")
    temporary.write_bytes(buffer.getvalue())
    os.replace(temporary, out_zip)
    print(f"Wrote {out_zip} ({len(files)} files): upload it as the autograder of {lesson}.")
    return 0


# --- grading one submission ---------------------------------------------------------------
def find_notebook(folder, lesson):
    """(path, None) of the submitted notebook of `lesson`, or (None, what to tell the student)."""
    found = sorted(p for p in Path(folder).rglob("*.ipynb") if p.is_file())
    found = [p for p in found if ".ipynb_checkpoints" not in p.parts]
    if not found:
        return None, f"No notebook was uploaded: upload your {lesson}.ipynb."
    if len(found) == 1:
        return found[0], None
    named = [p for p in found if p.stem == lesson]
    if len(named) == 1:
        return named[0], None
    listed = ", ".join(p.name for p in found)
    return None, f"{len(found)} notebooks were uploaded ({listed}): upload only {lesson}.ipynb."


def student_name(root):
    """The submitter's name from Gradescope's submission_metadata.json, else "submission"."""
    try:
        metadata = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
        name = metadata["users"][0]["name"]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return "submission"
    return name if isinstance(name, str) and name.strip() else "submission"


def grade_one(root, lesson, config):
    """(rows, feedback) of the notebook under `root/submission`, graded as `grade` grades it."""
    path, problem = find_notebook(root / "submission", lesson.name)
    if path is None:
        nothing = G.Submission(student_name(root), Path("-"), b"")
        rows = [
            G._row(nothing, lesson.name, exercise, 0, points, "missing", problem)
            for exercise, points in lesson.exercises.items()
        ]
        return rows, f"# {lesson.name}\n\n**Not graded**: {problem}\n"
    submission = G.parse(G.Submission(student_name(root), path, path.read_bytes()))
    if submission.cells is None:
        return G.ungradable(submission, lesson, "invalid-notebook", submission.problem)
    if submission.lesson != lesson.name:
        why = f"this is the autograder of {lesson.name}, and the notebook is {submission.lesson}"
        return G.ungradable(submission, lesson, "unknown-lesson", why)
    scratch_root = Path(tempfile.mkdtemp(prefix="rnn-lessons-autograder-"))
    scratch_root.chmod(0o711)  # the child may run as nobody: it must reach its own folder
    hidden = [root / "submission", root / "results", root / "source", scratch_root]
    settings = G.Settings(
        jobs=2,
        timeout=float(config["timeout"]),
        memory_mb=int(config["memory_mb"]),
        isolation=sandbox.choose("auto", hidden),
        scratch_root=scratch_root,
    )
    print(f"isolation: {settings.isolation.description}.")
    seed = G.lesson_seed(None, lesson.name)
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            want = pool.submit(G.reference, lesson, seed, settings)  # beside the notebook
            return G.grade_submission(submission, lesson, want, seed, settings)
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)


def results(rows, feedback, seconds, visibility, config):
    """Gradescope's results.json: one test per exercise, the total, the feedback as output."""
    tests = []
    for number, row in enumerate(rows, 1):
        passed = row["status"] == "passed"
        said = "Every case agrees with the reference solution." if passed else row["detail"]
        tests.append(
            {
                "name": row["exercise"],
                "number": str(number),
                "score": float(row["points"]),
                "max_score": float(row["max_points"]),
                "status": "passed" if passed else "failed",
                "output": f"{row['status']}: {said}" if said else row["status"],
                "output_format": "text",
                "visibility": visibility,
            }
        )
    return {
        "score": round(sum(test["score"] for test in tests), 2),
        "execution_time": round(seconds, 1),
        "output": feedback,
        "output_format": "md",
        "visibility": visibility,
        "stdout_visibility": "hidden",  # the run's own output is for the course staff
        "tests": tests,
        "extra_data": {"lesson": config["lesson"], "kit_version": config["kit_version"]},
    }


def main(argv=None):
    """`python -m instructor.autograder ROOT`: grade ROOT/submission, write ROOT/results."""
    from instructor.build import Project

    started = time.time()
    argv = sys.argv[1:] if argv is None else argv
    root = Path(argv[0] if argv else "/autograder").resolve()
    config = json.loads((root / "source" / CONFIG).read_text(encoding="utf-8"))
    project = Project(root / "source" / "kit")
    lesson = G.load_lesson(project.solutions / f"{config['lesson']}.py")
    if isinstance(lesson, str):
        print(f"the autograder cannot grade {config['lesson']}: {lesson}", file=sys.stderr)
        return 1
    try:
        rows, feedback = grade_one(root, lesson, config)
    except G.GradeError as error:  # the grader's fault, not the student's: no grade is written
        print(f"the autograder failed: {error}", file=sys.stderr)
        return 1
    report = results(rows, feedback, time.time() - started, config["visibility"], config)
    (root / "results").mkdir(exist_ok=True)
    write_atomically(root / "results" / "results.json", json.dumps(report, indent=1))
    print(f"{report['score']:g} / {sum(t['max_score'] for t in report['tests']):g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
