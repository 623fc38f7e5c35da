"""`rnn-lessons grade SUBMISSIONS --out OUT`: grade a class's notebooks on one machine, offline.

Input: `SUBMISSIONS/<student>/<lesson>.ipynb`, the student notebooks as handed
in (the lesson is read from the notebook's metadata, else from the file name).
Output in OUT:

- `grades.csv`: one row per student and exercise, with the columns `COLUMNS`;
  rewritten atomically after every submission, so an interrupted run loses
  nothing;
- `feedback/<student>/<lesson>.md`: what passed, what failed and why;
- `.grade-state.json`: a hash of each graded submission and of the grader and
  solution it was graded with, so `--resume` skips what is already graded.

Each submission runs in its own fresh child process and scratch folder
(`instructor.grading.child`), sandboxed by `instructor.grading.sandbox`, with a time
and a memory limit. Its cells run with CI=true (the notebooks' quick sizes);
then the lesson's probes (`lessons.checks.lessonNN`, hidden region) call the objects it
defined on inputs drawn from a fresh seed. The same probes run on the
solution's exercise code in another child that never runs student code. Only
the probes' results come back, as JSON, and the comparison happens here.
Printed outputs and check results stored in a notebook count for nothing.
Points per exercise come from the solution's header.
"""

import concurrent.futures
import dataclasses
import hashlib
import importlib
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from instructor import child_output, grading, shards
from instructor.feedback import error_text, render_feedback, write_feedback
from instructor.grading import ERROR, compare, demos, is_error, sandbox, unplain
from instructor.reports import (
    COLUMNS,
    KIT_ROOT,
    STATE,
    similarity,
    summary,
    write_outputs,
)

__all__ = ["COLUMNS", "STATE", "STATUSES", "GradeError", "grade", "judge", "load_lesson"]
STATUSES = (
    "passed",  # every case agrees with the reference: full points
    "failed",  # it ran but some case differs (a part right gives its share of the points)
    "error",  # the student's object raised an exception
    "missing",  # not defined, or still `raise NotImplementedError()`
    "timeout",  # the notebook did not finish in --timeout seconds
    "out-of-memory",  # it needed more than --memory-mb
    "crashed",  # the process died (e.g. os.abort()) or left no readable results
    "invalid-notebook",  # the file is not a notebook (not JSON, not nbformat)
    "unknown-lesson",  # no solution or no hidden tests for the lesson it names
    "uses-kit-answer",  # it calls, subclasses or wraps the kit's own answer: 0 points
)
CELLS_SHARE = 0.8  # of --timeout for the cells; the rest is kept for the hidden tests
DETAIL_LIMIT = 500  # characters of detail in grades.csv; the feedback file has it all
HIDDEN_MIN = 8  # characters: shorter lines of the hidden tests (`else:`, `return x`) tell nothing


class GradeError(Exception):
    """Grading cannot start (a missing folder, an unknown lesson, an unusable OUT_DIR)."""


@dataclasses.dataclass
class Lesson:
    """A lesson the grader can grade: its exercises, solution code and probes."""

    name: str
    exercises: dict  # exercise name -> points, in notebook order
    defines: dict  # exercise name -> the name (or list of names) the student defines
    solution_cells: list  # the solution's exercise cells, in order
    context_cells: list  # the solution's cells the exercises need (imports, helpers), in order
    exercise_cells: dict  # exercise -> the solution's cell (for the similarity report)
    probes: object  # the lesson's spec, lessons.checks.lessonNN (probes in its hidden region)
    version: str  # changes when the solution or the grader changes
    kit_answers: dict = dataclasses.field(default_factory=dict)  # exercise -> [dotted names]
    hidden_lines: frozenset = frozenset()  # probe and solution lines no feedback may show
    demos: frozenset = frozenset()  # the release's other cells: skipped if nothing needs them
    looked_up: frozenset = frozenset()  # what the exercise cells bind: the probes' names


@dataclasses.dataclass
class Submission:
    student: str
    path: Path
    data: bytes
    lesson: str = ""
    cells: list = None  # [{"number": n, "source": ..., "exercise": name or None}], None if invalid
    problem: str = ""  # why the file is not a notebook
    others: list = dataclasses.field(default_factory=list)  # older files of the same lesson
    skipped: list = dataclasses.field(default_factory=list)  # demonstration cells not run

    @property
    def key(self):
        return f"{self.student}/{self.path.name}"

    @property
    def sha256(self):
        return hashlib.sha256(self.data).hexdigest()


@dataclasses.dataclass
class Settings:
    jobs: int = 1
    timeout: float = 300.0
    memory_mb: int = 4096
    isolation: sandbox.Isolation = None
    scratch_root: Path = None
    seed: int = None  # the class's seed (--seed); None: a fresh one per lesson and run


# --- lessons ----------------------------------------------------------------------------
def _grader_hash():
    """A hash of every file a grade depends on besides the submission and its solution: the
    student package, the instructor's tools (grader, probes) and the data sets."""
    import importlib.util

    folders = {
        Path(importlib.util.find_spec(name).origin).resolve().parent
        for name in ("lessons", "instructor")
    }
    folders.add(Path(importlib.util.find_spec("lessons").origin).resolve().parents[1] / "data")
    digest = hashlib.sha256()
    for folder in sorted(folders):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if "__pycache__" not in path.parts:
                digest.update(f"{path.relative_to(folder.parent)}\0".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def load_lesson(source):
    """The `Lesson` of `solutions/NN_topic.py`, or a string saying why it cannot be graded."""
    from instructor import kit_answers
    from instructor.build import (
        HIDDEN_BEGIN,
        HIDDEN_END,
        SETUP_TAG,
        read_notebook,
        region_lines,
        solution_lines,
        strip_solutions,
    )

    notebook = read_notebook(source)
    declared = notebook.metadata.get("rnn_lessons", {}).get("exercises", {})
    cells = {
        cell.metadata["rnn_lessons"]["exercise"]: cell.source
        for cell in notebook.cells
        if cell.cell_type == "code" and "exercise" in cell.metadata.get("rnn_lessons", {})
    }
    order = [name for name in cells if name in declared] + [n for n in declared if n not in cells]
    context = [
        cell.source
        for cell in notebook.cells
        if cell.cell_type == "code" and cell.metadata.get("rnn_lessons", {}).get("context")
    ]
    try:
        probes = importlib.import_module(f"lessons.checks.lesson{source.stem[:2]}")
    except ModuleNotFoundError:
        return f"the grader has no hidden tests for {source.stem} yet"
    lacking = [name for name in order if not hasattr(probes, f"probe_{name}")]
    if lacking:
        return f"the grader has no hidden test for exercise(s) {', '.join(lacking)}"
    version = hashlib.sha256((source.read_text() + _grader_hash()).encode()).hexdigest()
    hidden = set()
    for path in Path(grading.__file__).parent.glob("*.py"):  # what the probes share
        hidden.update(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    for path in Path(probes.__file__).parent.glob("lesson*.py"):  # the probes
        hidden.update(region_lines(path.read_text(encoding="utf-8"), HIDDEN_BEGIN, HIDDEN_END))
    for cell in notebook.cells:
        hidden.update(solution_lines(cell.source))
    public = {
        line.strip()
        for cell in notebook.cells
        for line in strip_solutions(cell.source).splitlines()
    }
    return Lesson(
        name=source.stem,
        exercises={name: float((declared[name] or {}).get("points", 1)) for name in order},
        defines={name: (declared[name] or {}).get("defines", name) for name in order},
        solution_cells=[cells[name] for name in order if name in cells],
        context_cells=context,
        exercise_cells={name: cells[name] for name in order if name in cells},
        probes=probes,
        version=version,
        kit_answers=kit_answers.declared(source.stem[:2]),
        hidden_lines=frozenset(line for line in hidden - public if len(line) >= HIDDEN_MIN),
        demos=demos.demonstrations(notebook, SETUP_TAG),
        looked_up=demos.bound_by(cells.values()),
    )


# --- submissions ------------------------------------------------------------------------
def find_submissions(folder, out_dir):
    """Every `<student>/<name>.ipynb` under `folder`, sorted; OUT_DIR is skipped."""
    loose = sorted(p.name for p in folder.glob("*.ipynb") if p.is_file())
    if loose:
        raise GradeError(
            f"SUBMISSIONS_DIR {folder} holds notebooks ({', '.join(loose[:3])}"
            f"{', ...' if len(loose) > 3 else ''}) outside student folders: lay it out as "
            "SUBMISSIONS_DIR/<student>/<lesson>.ipynb, one folder per student "
            f"(e.g. {folder / 'alice' / '04_gru.ipynb'})."
        )
    found = []
    for student in sorted(p for p in folder.iterdir() if p.is_dir()):
        if student.name.startswith(".") or student.resolve() == out_dir.resolve():
            continue
        for path in sorted(student.glob("*.ipynb")):
            if path.is_file():
                found.append(Submission(student.name, path, path.read_bytes()))
    return found


def parse(submission):
    """Fill in the lesson and the code cells; a file that is not a notebook gets `problem`."""
    import nbformat

    submission.lesson = submission.path.stem
    try:
        notebook = nbformat.reads(submission.data.decode("utf-8"), as_version=4)
        cells = [
            {"number": number, "source": cell.source, "exercise": _exercise_of(cell)}
            for number, cell in enumerate(notebook.cells, 1)
            if cell.cell_type == "code" and isinstance(cell.source, str)
        ]
    except Exception as error:  # not UTF-8, not JSON, not a notebook: nbformat raises many kinds
        submission.problem = f"not a readable notebook ({type(error).__name__}: {error})"[:300]
        return submission
    lesson = notebook.metadata.get("rnn_lessons", {}).get("lesson")
    if isinstance(lesson, str) and lesson:
        submission.lesson = lesson
    submission.cells = cells
    return submission


def _exercise_of(cell):
    tags = cell.get("metadata", {}).get("rnn_lessons", {})
    exercise = tags.get("exercise") if isinstance(tags, dict) else None
    return exercise if isinstance(exercise, str) else None


def newest_only(submissions):
    """One submission per student and lesson: the newest file (latest modified, then name).

    The others are listed in its `others` and in its feedback, and not graded.
    """
    groups = {}
    for submission in submissions:
        groups.setdefault((submission.student, submission.lesson), []).append(submission)
    kept = []
    for group in groups.values():
        group.sort(key=lambda s: (s.path.stat().st_mtime_ns, s.path.name), reverse=True)
        group[0].others = [s.path.name for s in group[1:]]
        kept.append(group[0])
    return sorted(kept, key=lambda s: (s.student, s.path.name))


# --- running children -------------------------------------------------------------------
def _child_env(scratch):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(scratch),
        "TMPDIR": str(scratch / "tmp"),
        "CI": "true",  # the notebooks' quick run sizes
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(scratch / ".matplotlib"),
        "KERAS_HOME": str(scratch / ".keras"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LANG": "C.UTF-8",
        # the kit the grader runs (a checkout, an autograder's copy), not another one installed
        "PYTHONPATH": str(KIT_ROOT),
    }
    (scratch / "tmp").mkdir()
    return env


def run_child(cells, lesson, seed, settings, isolation, label):
    """Run cells + probes in a fresh child; returns (outcome, results or None, log tail)."""
    scratch = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=settings.scratch_root))
    try:
        job = {
            "cells": cells,
            "lesson": lesson.name,
            "exercises": {name: lesson.defines[name] for name in lesson.exercises},
            "kit_answers": lesson.kit_answers,
            "seed": seed,
            "cells_deadline": time.time() + settings.timeout * CELLS_SHARE,
            "memory_mb": settings.memory_mb,
            "results": str(scratch / "results.json"),
            "progress": str(scratch / "progress.txt"),
        }
        (scratch / "job.json").write_text(json.dumps(job))
        try:
            outcome = sandbox.run(
                [sys.executable, "-m", "instructor.grading.child", str(scratch / "job.json")],
                isolation=isolation,
                scratch=scratch,
                env=_child_env(scratch),
                timeout=settings.timeout,
                log_path=scratch / "output.log",
            )
        except OSError as error:  # the grader's machine, not the student: stop
            raise GradeError(f"could not start a child process: {error}") from error
        results = child_output.results(scratch / "results.json")
        running = child_output.small(scratch / "progress.txt", 20)
        log = child_output.tail(scratch / "output.log", lesson.hidden_lines)
        return outcome, results, log, running
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def reference(lesson, seed, settings):
    """The probes' results on the solution's exercise code: {exercise: plain result}.

    Under bubblewrap it runs in a sandbox of its own, like a student's notebook: the same
    view of the runtime and the kit (the solution comes in the job, not from solutions/),
    and its own scratch folder that no student's child can see, so both run alike. Under
    "user" it stays the grader's own user: as nobody, a student's child running meanwhile
    (also nobody) could read its job (the solution) and rewrite its results.
    """
    sources = [*lesson.context_cells, *lesson.solution_cells]
    cells = [{"number": n, "source": s} for n, s in enumerate(sources, 1)]
    isolation = settings.isolation
    if isolation.kind != "bwrap":
        isolation = sandbox.Isolation("none")
    outcome, results, log, _ = run_child(cells, lesson, seed, settings, isolation, "reference")
    if results is None or results["cell_errors"] or results["stopped"]:
        problem = (results or {}).get("cell_errors") or (results or {}).get("stopped") or log
        raise GradeError(f"the reference run of {lesson.name} failed: {str(problem)[:2000]}")
    found = {name: unplain(value) for name, value in results["probes"].items()}
    broken = {name: value for name, value in found.items() if is_error(value)}
    if broken:
        raise GradeError(f"a probe of {lesson.name} fails on the solution itself: {broken}")
    if results.get("kit_answers_used"):
        raise GradeError(
            f"the solution of {lesson.name} uses a kit answer its header declares: "
            f"{results['kit_answers_used']}; fix the solution or its KIT_ANSWERS list"
        )
    return found


# --- judging ----------------------------------------------------------------------------
def judge(lesson, exercise, student, want):
    """(status, fraction of the points, detail) for one exercise."""
    if student is None:
        return "crashed", 0.0, "the hidden test left no result"
    if is_error(student):
        return _error_status(student), 0.0, error_text(student)
    compare_fn = getattr(lesson.probes, f"compare_{exercise}", compare)
    try:
        fraction, detail = compare_fn(student, want)
        fraction = min(max(float(fraction), 0.0), 1.0)
    except Exception as error:  # a result of an unexpected shape
        fraction, detail = 0.0, f"the result could not be compared ({type(error).__name__})"
    if fraction == 1.0:
        return "passed", 1.0, ""
    parts = list(student.values()) if isinstance(student, dict) else []
    errors = [p for p in parts if is_error(p)]
    if parts and len(errors) == len(parts) and all(p["missing"] for p in errors):
        return "missing", fraction, error_text(errors[0])
    unexpected = [p for p in errors if not p["missing"]]
    status = "error" if unexpected and fraction == 0 else "failed"
    return status, fraction, detail or "it differs from the reference"


def _error_status(error):
    return "missing" if error.get("missing") else "error"


def _process_problem(outcome, results, running, settings):
    """(status, detail) when the child did not finish normally, else (None, "")."""
    cell = f" in cell {running}" if running.isdigit() else ""
    if results is not None:
        stopped = results.get("stopped")
        if not stopped:
            return None, ""
        where = f" in cell {stopped['cell']}" if stopped.get("cell") else ""
        if stopped["reason"] == "timeout":
            limit = settings.timeout * CELLS_SHARE
            return "timeout", f"the notebook was still running{where} after {limit:.0f} s"
        return "out-of-memory", f"the notebook ran out of memory{where} ({settings.memory_mb} MB)"
    if outcome.timed_out:
        return "timeout", f"killed after {settings.timeout:.0f} s, still running{cell}"
    if outcome.signal == signal.SIGXFSZ:
        return "crashed", f"it wrote a file larger than the 512 MB limit{cell}"
    if outcome.signal == signal.SIGKILL or outcome.peak_mb >= 0.9 * settings.memory_mb:
        return "out-of-memory", f"killed{cell} using {outcome.peak_mb:.0f} MB"
    if outcome.signal:
        name = signal.Signals(outcome.signal).name
        return "crashed", f"the kernel died{cell} ({name})"
    return (
        "crashed",
        f"the process exited{cell} (status {outcome.returncode}) without readable results",
    )


def grade_submission(submission, lesson, want, seed, settings):
    """Run and judge one submission against `want`, the future reference: (rows, feedback)."""
    cells, submission.skipped = demos.cells_to_run(submission.cells, lesson.demos, lesson.looked_up)
    outcome, results, log, running = run_child(
        cells, lesson, seed, settings, settings.isolation, "submission"
    )
    want = want.result()  # the reference's future: computed meanwhile in another worker
    try:
        return judge_run(submission, lesson, want, settings, outcome, results, log, running)
    except Exception:  # results the student's code forged into a shape no child writes
        return judge_run(submission, lesson, want, settings, outcome, None, log, running)


def judge_run(submission, lesson, want, settings, outcome, results, log, running):
    """Rows and feedback from how the child ended and what its probes returned."""
    problem, problem_detail = _process_problem(outcome, results, running, settings)
    rows, sections = [], []
    for exercise, max_points in lesson.exercises.items():
        if results is None:
            status, fraction, detail = problem, 0.0, problem_detail
        elif results.get("kit_answers_used", {}).get(exercise):
            used = "; ".join(results["kit_answers_used"][exercise])
            status, fraction = "uses-kit-answer", 0.0
            detail = f"{used}: the kit's own answer to this exercise counts for nothing"
        else:
            student = unplain(results["probes"].get(exercise))
            status, fraction, detail = judge(lesson, exercise, student, want[exercise])
            unreadable = _syntax_error(submission, results, exercise)
            if status == "missing" and unreadable:
                status, detail = "error", unreadable
            if problem and status != "passed":
                status, detail = problem, f"{problem_detail}; {detail}"
        points = round(max_points * fraction, 2)
        rows.append(_row(submission, lesson.name, exercise, points, max_points, status, detail))
        sections.append((exercise, points, max_points, status, detail))
    feedback = render_feedback(submission, lesson, sections, outcome, results, log, settings)
    return rows, feedback


def _syntax_error(submission, results, exercise):
    """'cell N does not compile: ...' if a cell of `exercise` (else any cell) did not compile."""
    numbers = {c["number"] for c in submission.cells or () if c.get("exercise") == exercise}
    for error in results.get("cell_errors") or ():
        if error.get(ERROR) in ("SyntaxError", "IndentationError", "TabError") and (
            not numbers or error.get("cell") in numbers
        ):
            line = f", line {error['line']}" if error.get("line") else ""
            return (
                f"cell {error.get('cell')} does not compile ({error[ERROR]}{line}: "
                f"{error['message']}), so nothing in it was defined: fix that line"
            )
    return ""


def _row(submission, lesson, exercise, points, max_points, status, detail):
    detail = " ".join(detail.split())
    if len(detail) > DETAIL_LIMIT:  # cut between words, and say where the rest is
        detail = (
            detail[: DETAIL_LIMIT - 40].rsplit(" ", 1)[0] + " ... (the feedback file has it all)"
        )
    if detail[:1] in ("=", "+", "-", "@"):  # a spreadsheet would run it as a formula
        detail = "'" + detail
    return {
        "student": submission.student,
        "lesson": lesson,
        "exercise": exercise,
        "points": f"{points:g}",
        "max_points": f"{max_points:g}",
        "status": status,
        "file": submission.path.name,
        "detail": detail,
    }


def ungradable(submission, lesson, status, detail):
    """Rows and feedback for a file that cannot be run: invalid or of an unknown lesson."""
    exercises = lesson.exercises if isinstance(lesson, Lesson) else {"": 0.0}
    rows = [
        _row(submission, submission.lesson, exercise, 0, points, status, detail)
        for exercise, points in exercises.items()
    ]
    text = (
        f"# {submission.lesson}: {submission.student}\n\n**{status}**: {detail}\n\n"
        f"The file `{submission.key}` was not run; it scores 0.\n"
    )
    return rows, text


# --- the command ------------------------------------------------------------------------
def _grade_one(submission, lessons, references, seeds, settings, project):
    """Rows and feedback for one submission (in a worker thread)."""
    graded = lessons.get(submission.lesson)
    if submission.cells is None:
        return ungradable(submission, graded, "invalid-notebook", submission.problem)
    if not isinstance(graded, Lesson):
        why = graded or f"no lesson {submission.lesson!r} in {project.solutions}"
        return ungradable(submission, None, "unknown-lesson", why)
    name = submission.lesson
    return grade_submission(submission, graded, references[name], seeds[name], settings)


def _grade_pending(pending, lessons, state, out_dir, settings, project):
    """Grade `pending` on `settings.jobs` workers, saving grades.csv after each one."""
    from tqdm import tqdm

    needed = {s.lesson for s in pending if s.cells is not None}
    gradable = {n: g for n, g in lessons.items() if n in needed and isinstance(g, Lesson)}
    seeds = {name: lesson_seed(settings.seed, name) for name in gradable}
    with concurrent.futures.ThreadPoolExecutor(max(1, settings.jobs)) as pool:
        try:
            # References first: a worker waits for its lesson's reference only after its own
            # notebook ran, and the pool starts tasks in order, so there is no deadlock.
            references = {
                name: pool.submit(reference, graded, seeds[name], settings)
                for name, graded in gradable.items()
            }
            futures = {
                pool.submit(_grade_one, s, lessons, references, seeds, settings, project): s
                for s in pending
            }
            bar = tqdm(total=len(pending), unit="notebook", desc="grading", file=sys.stderr)
            for future in concurrent.futures.as_completed(futures):
                submission = futures[future]
                rows, feedback = future.result()
                state["submissions"][submission.key] = {
                    "sha256": submission.sha256,
                    "version": lesson_version(lessons, submission),
                    "rows": rows,
                    "feedback": write_feedback(out_dir, submission, feedback),
                    **_similarity_input(submission),
                }
                write_outputs(out_dir, state, exercise_order(lessons))
                score = sum(float(r["points"]) for r in rows)
                possible = sum(float(r["max_points"]) for r in rows)
                bar.write(f"{submission.key}: {score:g} / {possible:g}")
                bar.update()
            bar.close()
        except BaseException:  # a failed reference, Ctrl-C: stop every child now
            pool.shutdown(wait=False, cancel_futures=True)
            sandbox.kill_all()
            raise


def _similarity_input(submission):
    """What `grade merge` needs of a submission for the similarity report: its exercise cells."""
    cells = submission.cells
    return {
        "student": submission.student,
        "file": submission.path.name,
        "lesson": submission.lesson,
        "cells": None if cells is None else [c for c in cells if c["exercise"]],
    }


def lesson_seed(seed, lesson):
    """The probes' seed for `lesson`: drawn fresh, or derived from the class's `seed`."""
    if seed is None:
        return secrets.randbelow(2**31)
    return int.from_bytes(hashlib.sha256(f"{seed}/{lesson}".encode()).digest()[:4], "big") >> 1


def exercise_order(lessons):
    return {name: list(g.exercises) for name, g in lessons.items() if isinstance(g, Lesson)}


def lesson_version(lessons, submission):
    """What a grade depends on besides the file: the solution and the grader's code."""
    graded = lessons.get(submission.lesson)
    return graded.version if isinstance(graded, Lesson) else _grader_hash()


def _check_folders(submissions_dir, out_dir):
    if not submissions_dir.is_dir():
        raise GradeError(f"SUBMISSIONS_DIR {submissions_dir} is not a folder (or does not exist).")
    if out_dir.exists() and not out_dir.is_dir():
        raise GradeError(f"--out {out_dir} is a file, not a folder.")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir):
            pass
    except OSError as error:
        raise GradeError(f"--out {out_dir} is not writable ({error.strerror}).") from None


def grade(
    submissions_dir,
    out_dir,
    *,
    project,
    jobs=1,
    timeout=300.0,
    memory_mb=4096,
    resume=False,
    lesson=None,
    isolation="auto",
    shard=None,
    seed=None,
):
    """Grade every submission (of `lesson`, if given) into `out_dir`. Returns the exit status.

    `shard`: "K/N" grades only the students of shard K of N (`instructor.shards`), and
    needs `seed`, the class's seed, so that every shard draws the same hidden inputs.
    """
    part = shards.parse_shard(shard) if shard is not None else None  # (K, N), checked first
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f"--seed must be an integer, not {seed!r}")
    if part is not None and seed is None:
        raise ValueError(
            "--shard needs --seed S, the same S for every shard of the class, so that "
            "all students get the same hidden inputs (e.g. --seed 20261203)"
        )
    submissions_dir, out_dir = Path(submissions_dir).resolve(), Path(out_dir).resolve()
    _check_folders(submissions_dir, out_dir)
    sources = {p.stem: p for p in project.sources()}
    if lesson is not None and lesson not in sources:
        raise GradeError(f"unknown lesson {lesson!r}; the lessons are: {', '.join(sources)}.")
    lessons = {}
    for name, source in sources.items():
        if lesson in (None, name):
            lessons[name] = load_lesson(source)
    if lesson is not None and isinstance(lessons[lesson], str):
        raise GradeError(f"cannot grade {lesson}: {lessons[lesson]}.")

    found = [parse(s) for s in find_submissions(submissions_dir, out_dir)]
    found = newest_only(s for s in found if lesson is None or s.lesson == lesson)
    if part is not None:
        found = [s for s in found if shards.shard_of(s.student, part[1]) == part[0]]
    state = {"submissions": {}}
    if resume and (out_dir / STATE).is_file():
        try:
            state = json.loads((out_dir / STATE).read_text())
            state["submissions"].items()
        except (ValueError, KeyError, AttributeError):
            print(f"{out_dir / STATE} is unreadable: grading everything again.", file=sys.stderr)
            state = {"submissions": {}}
    known = {s.key for s in found}
    state["submissions"] = {k: v for k, v in state["submissions"].items() if k in known}
    if part is not None:
        state["shard"] = "{}/{}".format(*part)
        state["seed_sha256"] = hashlib.sha256(str(seed).encode()).hexdigest()  # not the seed

    pending = [
        s
        for s in found
        if state["submissions"].get(s.key, {}).get("sha256") != s.sha256
        or state["submissions"][s.key].get("version") != lesson_version(lessons, s)
    ]
    print(
        f"{len(found)} submission(s) in {submissions_dir}; {len(pending)} to grade"
        + (f", {len(found) - len(pending)} unchanged since the last run." if resume else ".")
    )

    scratch_root = Path(tempfile.mkdtemp(prefix="rnn-lessons-grade-"))
    scratch_root.chmod(0o711)  # the child may run as nobody: it must reach its own folder
    home = Path.home()
    hidden = [submissions_dir, out_dir, project.root, scratch_root]
    hidden += [home] if home != Path("/") else []
    settings = Settings(
        jobs=jobs,
        timeout=timeout,
        memory_mb=memory_mb,
        isolation=sandbox.choose(isolation, hidden),
        scratch_root=scratch_root,
        seed=seed,
    )
    warning = "WARNING: " if settings.isolation.kind != "bwrap" else ""
    print(f"{warning}isolation: {settings.isolation.description}.", file=sys.stderr)

    try:
        _grade_pending(pending, lessons, state, out_dir, settings, project)
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)
    write_outputs(out_dir, state, exercise_order(lessons))
    if part is None:
        similarity(found, lessons, out_dir)
        report = f"and the similarity report {out_dir / 'similarity.md'} (it never changes points)"
    else:  # copies across shards count too: the report is written by `grade merge`
        report = (
            f"for shard {state['shard']}; `rnn-lessons grade merge` writes the similarity report"
        )
    print(
        f"Wrote {out_dir / 'grades.csv'}, {out_dir / 'gradebook.csv'}, {out_dir / 'feedback'}/ "
        f"{report}."
    )
    for line in summary(state, STATUSES):
        print(line)
    return 0
