"""`rnn-lessons grade`: submissions built from the real notebooks, graded once, many assertions.

One grading run of lesson 00 (the fastest notebook) is shared by most tests:
the solution (full marks), the blank student notebook (0), a partial answer,
a notebook that keeps the solution's printed outputs with its code blanked,
a tampering one, an infinite loop, a kernel crash, a 20 GB allocation,
malformed JSON and an unknown lesson. The probes themselves are tested in
process against the solutions of lessons 00-03 and a few wrong answers.
"""

import copy
import csv
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import numpy as np
import pytest
from class_builder import (
    BUGGY_ENCODE,
    KIT_ENCODE,
    OWN_VOCAB,
    RENAMED_VOCAB,
    UNREADABLE_VOCAB,
    exercise_index,
    read,
    with_bug,
    with_cell,
    with_solution_of,
)
from lesson_source import exercise_cells, probe, run_cells

from instructor import cli
from instructor.build import strip_solutions
from instructor.grade import STATUSES, Settings, Submission, judge, load_lesson
from instructor.grading import sandbox

REPO = Path(__file__).resolve().parents[1]
LESSON = "00_sequences"
TIMEOUT = 60  # seconds per notebook: lesson 00 needs 10 to 35 on a busy 2-core machine
ISOLATION = sandbox.choose("auto").kind
GRADER_FILES = [
    REPO / "instructor",
    REPO / "lessons" / "checks" / "lesson00.py",
    REPO / "solutions" / f"{LESSON}.py",
    REPO / "solutions" / f"{LESSON}.ipynb",
]


# --- building submissions from the real notebooks --------------------------------------
def outputs_kept_code_blanked():
    """The solution's stored outputs ("All checks passed") with every exercise stubbed."""
    notebook = read("solutions")
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source)
    return notebook


def tampering(submissions, out_dir, port):
    """Patch NumPy and the checks, fake results, read the solution, use the network, delete."""
    targets = [str(p) for p in sorted(submissions.rglob("*.ipynb"))]
    grader_files = [str(p) for p in GRADER_FILES]
    return f"""
import json, os, shutil, socket
import numpy as np
import lessons.checks.lesson00 as checks
np.allclose = np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
for name in dir(checks):
    if name.startswith("check_"):
        setattr(checks, name, lambda *args, **kwargs: print("All checks passed."))
fake = {{"complete": True, "cell_errors": [], "stopped": None, "probes": {{
    "char_vocab": {{"vocab": "passed"}}, "encode_name": "passed", "pad_and_mask": "passed"}}}}
for path in ("results.json", "/tmp/results.json", {str(out_dir / "grades.csv")!r}):
    try:
        open(path, "w").write(json.dumps(fake))
    except OSError as error:
        print("write", path, error)
for path in {targets!r} + {grader_files!r} + [{str(out_dir)!r}]:
    try:
        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    except OSError as error:
        print("delete", path, error)
try:
    source = open({str(REPO / "solutions" / f"{LESSON}.py")!r}).read()
    exec(source.split('# %% rnn_lessons={{"exercise": "char_vocab"}}')[1].split("# %%")[0])
except Exception as error:
    print("read the solution:", error)
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).close()
    def encode_name(name, char_to_index):
        return [char_to_index.get(c, 1) for c in name] + [2]
except OSError as error:
    print("network:", error)
"""


def submissions_folder(root, out_dir, port):
    blank = read("notebooks")
    notebooks = {
        "alice": read("solutions"),
        "bob": blank,
        "carol": with_bug(with_solution_of(blank, "char_vocab"), "encode_name", BUGGY_ENCODE),
        "frank": with_cell(with_solution_of(blank, "char_vocab"), "while True:\n    pass"),
        "grace": with_cell(blank, "import os\nos.abort()", at=2),
        "ivan": with_cell(blank, "import numpy as np\nhuge = np.ones(20 * 2**30 // 8)", at=2),
        "judy": copy.deepcopy(blank),
    }
    notebooks["judy"].metadata["rnn_lessons"]["lesson"] = "99_nothing"
    for student, notebook in notebooks.items():
        (root / student).mkdir(parents=True)
        nbformat.write(notebook, root / student / f"{LESSON}.ipynb")
    # kate handed in twice: the newer file (her own answer) is graded, the older one not.
    (root / "kate").mkdir()
    nbformat.write(blank, root / "kate" / f"{LESSON}.ipynb")
    os.utime(root / "kate" / f"{LESSON}.ipynb", (1_700_000_000, 1_700_000_000))
    kate = with_bug(with_solution_of(blank, "pad_and_mask"), "char_vocab", OWN_VOCAB)
    nbformat.write(kate, root / "kate" / f"{LESSON} (1).ipynb")
    # leo: a cell that does not compile, and the kit's answer handed in as his own
    leo = with_bug(with_solution_of(blank, "pad_and_mask"), "char_vocab", UNREADABLE_VOCAB)
    (root / "leo").mkdir()
    nbformat.write(with_bug(leo, "encode_name", KIT_ENCODE), root / "leo" / f"{LESSON}.ipynb")
    (root / "olga").mkdir()
    nbformat.write(with_bug(blank, "char_vocab", RENAMED_VOCAB), root / "olga" / f"{LESSON}.ipynb")
    # mia's answer reads `names`, made by a demonstration cell the grader would otherwise skip
    (root / "mia").mkdir()
    mia = with_solution_of(blank, "encode_name")
    at = exercise_index(mia, "encode_name")
    mia.cells[at].source = mia.cells[at].source.replace(
        "def encode_name(name, char_to_index):\n",
        "def encode_name(name, char_to_index):\n    assert names, 'the names loaded above'\n",
    )
    assert "assert names" in mia.cells[at].source
    nbformat.write(mia, root / "mia" / f"{LESSON}.ipynb")
    (root / "heidi").mkdir()
    (root / "heidi" / f"{LESSON}.ipynb").write_text('{"cells": [ not json')
    dave = outputs_kept_code_blanked()
    if ISOLATION != "none":  # without a sandbox it would really delete files
        dave = with_cell(dave, tampering(root, out_dir, port))
    (root / "dave").mkdir()
    nbformat.write(dave, root / "dave" / "x.ipynb")


def fingerprint(paths):
    """Bytes and modification time of every file under `paths`."""
    files = [f for p in paths for f in ([p] if p.is_file() else sorted(p.rglob("*")))]
    files = [f for f in files if f.is_file() and "__pycache__" not in f.parts]
    return {f: (hashlib.sha256(f.read_bytes()).hexdigest(), f.stat().st_mtime_ns) for f in files}


def rows_of(out_dir):
    with open(out_dir / "grades.csv", newline="") as file:
        return list(csv.DictReader(file))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("grade")
    submissions, out_dir = root / "submissions", root / "out"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    submissions_folder(submissions, out_dir, listener.getsockname()[1])
    out_dir.mkdir()
    (out_dir / "keep.txt").write_text("the instructor's own file")
    guarded = [submissions, *GRADER_FILES]
    before = fingerprint(guarded)
    status = cli.main(
        ["grade", str(submissions), "--out", str(out_dir), "--jobs", "2"]
        + ["--timeout", str(TIMEOUT), "--memory-mb", "3000", "--root", str(REPO)]
    )
    listener.close()
    by_student = {}
    for row in rows_of(out_dir):
        by_student.setdefault(row["student"], {})[row["exercise"]] = row
    return {
        "status": status,
        "submissions": submissions,
        "out": out_dir,
        "rows": by_student,
        "before": before,
        "after": fingerprint(guarded),
    }


def points(graded, student):
    return sum(float(row["points"]) for row in graded["rows"][student].values())


def statuses(graded, student):
    return {exercise: row["status"] for exercise, row in graded["rows"][student].items()}


# --- the grading run --------------------------------------------------------------------
def test_grading_ran_and_wrote_one_row_per_student_and_exercise(graded):
    assert graded["status"] == 0
    with open(graded["out"] / "grades.csv", newline="") as file:
        assert next(csv.reader(file)) == [
            "student",
            "lesson",
            "exercise",
            "points",
            "max_points",
            "status",
            "file",
            "detail",
        ]
    for student, rows in graded["rows"].items():
        if student not in ("heidi", "judy"):
            assert list(rows) == ["char_vocab", "encode_name", "pad_and_mask"], student
        assert all(row["status"] in STATUSES for row in rows.values())
    assert (graded["out"] / "keep.txt").read_text() == "the instructor's own file"


def test_the_solution_scores_full_marks_and_the_blank_notebook_zero(graded):
    assert points(graded, "alice") == 5
    assert set(statuses(graded, "alice").values()) == {"passed"}
    assert points(graded, "bob") == 0
    assert set(statuses(graded, "bob").values()) == {"missing"}
    assert "NotImplementedError" in graded["rows"]["bob"]["char_vocab"]["detail"]


def test_a_partial_answer_scores_exactly_the_exercise_done(graded):
    assert statuses(graded, "carol") == {
        "char_vocab": "passed",
        "encode_name": "error",
        "pad_and_mask": "missing",
    }
    assert "KeyError" in graded["rows"]["carol"]["encode_name"]["detail"]
    assert points(graded, "carol") == 2


def test_unchanged_demonstrations_are_skipped_unless_the_students_code_needs_one(graded):
    feedback = (graded["out"] / "feedback" / "alice" / f"{LESSON}.md").read_text()
    assert "Not run: 14 cell(s) of the lesson's own code, unchanged" in feedback
    assert statuses(graded, "mia")["encode_name"] == "passed"  # its demonstration ran
    mia = (graded["out"] / "feedback" / "mia" / f"{LESSON}.md").read_text()
    assert "Not run: 13 cell(s)" in mia


def test_stored_outputs_count_for_nothing(graded):
    # dave hands in the solution's outputs ("All checks passed") with the code blanked;
    # his tampering cell (when there is a sandbox) tries to steal the other two exercises
    assert statuses(graded, "dave")["pad_and_mask"] == "missing"


def test_an_infinite_loop_times_out_and_keeps_what_was_done_before(graded):
    assert statuses(graded, "frank") == {
        "char_vocab": "passed",
        "encode_name": "timeout",
        "pad_and_mask": "timeout",
    }
    assert points(graded, "frank") == 2
    assert "still running in cell" in graded["rows"]["frank"]["encode_name"]["detail"]


def test_a_kernel_crash_is_reported_as_crashed(graded):
    assert set(statuses(graded, "grace").values()) == {"crashed"}
    assert "SIGABRT" in graded["rows"]["grace"]["char_vocab"]["detail"]
    assert points(graded, "grace") == 0


def test_a_huge_allocation_is_stopped_as_out_of_memory(graded):
    assert set(statuses(graded, "ivan").values()) == {"out-of-memory"}
    assert "3000 MB" in graded["rows"]["ivan"]["char_vocab"]["detail"]


def test_malformed_json_and_an_unknown_lesson_get_their_own_status(graded):
    heidi = graded["rows"]["heidi"]
    assert {row["status"] for row in heidi.values()} == {"invalid-notebook"}
    assert list(heidi) == ["char_vocab", "encode_name", "pad_and_mask"]  # from the file name
    judy = graded["rows"]["judy"]
    assert [row["status"] for row in judy.values()] == ["unknown-lesson"]
    assert judy[""]["lesson"] == "99_nothing"


@pytest.mark.skipif(ISOLATION == "none", reason="no sandbox here: the tampering is not run")
def test_tampering_destroys_nothing(graded):
    assert graded["after"] == graded["before"]  # submissions, the grader, the solutions
    assert (graded["out"] / "keep.txt").is_file()


@pytest.mark.skipif(ISOLATION != "bwrap", reason="only bubblewrap hides files and the network")
def test_the_sandbox_hides_the_solutions_and_the_network(graded):
    # Patching NumPy and the checks, faking results, reading the solution or reaching the
    # test's socket would each have earned points.
    assert set(statuses(graded, "dave").values()) == {"missing"}
    assert points(graded, "dave") == 0


def test_the_submitted_files_are_never_modified(graded):
    files = {f: v for f, v in graded["after"].items() if graded["submissions"] in f.parents}
    assert files == {f: v for f, v in graded["before"].items() if f in files}
    assert len(files) == 14


def test_feedback_says_what_passed_what_failed_and_why(graded):
    feedback = (graded["out"] / "feedback" / "carol" / f"{LESSON}.md").read_text()
    assert "Score: **2 / 5**" in feedback
    assert "### char_vocab: passed (2 / 2)" in feedback
    assert "### encode_name: error (0 / 1)" in feedback
    assert "CheckFailed" in feedback  # the notebook's own check cell, as the student saw it
    crash = (graded["out"] / "feedback" / "grace" / f"{LESSON}.md").read_text()
    assert "could not run" in crash


def test_only_the_newest_file_of_a_lesson_is_graded_and_named(graded):
    rows = graded["rows"]["kate"]
    assert {row["file"] for row in rows.values()} == {f"{LESSON} (1).ipynb"}
    assert statuses(graded, "kate") == {
        "char_vocab": "passed",
        "encode_name": "missing",
        "pad_and_mask": "passed",
    }
    feedback = graded["out"] / "feedback" / "kate"
    assert f"not graded: `{LESSON}.ipynb`" in (feedback / f"{LESSON} (1).md").read_text()
    assert not (feedback / f"{LESSON}.md").exists()


def test_a_cell_that_does_not_compile_is_named_with_its_line(graded):
    row = graded["rows"]["leo"]["char_vocab"]
    assert row["status"] == "error"
    assert "does not compile (SyntaxError, line 4" in row["detail"]


def test_the_kits_answer_scores_0_and_the_other_exercises_keep_their_points(graded):
    assert statuses(graded, "leo")["encode_name"] == "uses-kit-answer"
    assert (
        "lessons.checks.lesson00.reference_encode" in graded["rows"]["leo"]["encode_name"]["detail"]
    )
    assert graded["rows"]["leo"]["pad_and_mask"]["status"] == "passed"
    assert points(graded, "leo") == 2


def test_the_gradebook_has_a_row_per_student_under_the_maximum(graded):
    with open(graded["out"] / "gradebook.csv", newline="") as file:
        table = list(csv.reader(file))
    exercises = ["char_vocab", "encode_name", "pad_and_mask"]
    assert table[0] == ["student", "total", LESSON, *(f"{LESSON}/{e}" for e in exercises)]
    assert table[1] == ["Points Possible", "5", "5", "2", "1", "2"]
    assert [row[0] for row in table[2:]] == sorted(graded["rows"])
    by_student = {row[0]: row for row in table[2:]}
    assert by_student["alice"] == ["alice", "5", "5", "2", "1", "2"]
    assert by_student["carol"] == ["carol", "2", "2", "2", "0", "0"]
    assert by_student["judy"] == ["judy", "0", "", "", "", ""]  # no lesson 99: nothing to fill


def test_the_renamed_copy_heads_the_similarity_report(graded):
    with open(graded["out"] / "similarity.csv", newline="") as file:
        rows = [row for row in csv.DictReader(file) if row["exercise"] == "char_vocab"]
    copy = next(r for r in rows if {r["a"], r["b"]} == {"kate", "olga"})
    others = [r for r in rows if len({r["a"], r["b"]} & {"kate", "olga"}) == 1]
    assert float(copy["similarity"]) >= 0.9
    assert all(float(r["similarity"]) < float(copy["similarity"]) for r in others)
    assert "never change points" in (graded["out"] / "similarity.md").read_text()


def test_a_flat_folder_of_notebooks_says_how_to_lay_it_out(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    nbformat.write(read("notebooks"), tmp_path / "in" / "alice.ipynb")
    status = cli.main(
        ["grade", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--root", str(REPO)]
    )
    assert status == 2
    assert "SUBMISSIONS_DIR/<student>/<lesson>.ipynb" in capsys.readouterr().err


# Run on a copy of the kit, imported from there: a file planted in the checkout itself would
# show in what tests running beside this one read (a release, the kit's texts, a grading run).
PLANT = """
import json
from pathlib import Path
from instructor import grade
assert Path(grade.__file__).resolve().is_relative_to(Path.cwd().resolve()), grade.__file__
before = grade._grader_hash()
changed = {}
for folder in ("lessons", "instructor", "data"):
    planted = Path(folder, "_grader_version_probe.txt")
    try:
        planted.write_text("changed")
        changed[folder] = grade._grader_hash() != before
    finally:
        planted.unlink()
print(json.dumps({"changed": changed, "back": grade._grader_hash() == before}))
"""


def test_the_grader_version_covers_the_package_the_tools_and_the_data(tmp_path):
    for folder in ("lessons", "instructor", "data"):
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(REPO / folder, tmp_path / folder, ignore=ignore)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", PLANT], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["changed"] == {"lessons": True, "instructor": True, "data": True}
    assert report["back"]


def test_resume_skips_unchanged_submissions(graded, capsys):
    bob = graded["submissions"] / "bob" / f"{LESSON}.ipynb"
    original = bob.read_bytes()
    before = rows_of(graded["out"])
    try:
        bob.write_text("not a notebook any more")  # regraded without running anything
        status = cli.main(
            ["grade", str(graded["submissions"]), "--out", str(graded["out"]), "--resume"]
            + ["--root", str(REPO)]
        )
        output = capsys.readouterr().out
    finally:
        bob.write_bytes(original)
    assert status == 0
    assert "1 to grade" in output
    after = rows_of(graded["out"])
    assert [r for r in after if r["student"] != "bob"] == [
        r for r in before if r["student"] != "bob"
    ]
    assert {r["status"] for r in after if r["student"] == "bob"} == {"invalid-notebook"}


# --- command-line errors ----------------------------------------------------------------
@pytest.mark.parametrize(
    "case, message",
    [
        ("missing", "is not a folder"),
        ("lesson", "unknown lesson"),
        ("out-is-a-file", "is a file"),
    ],
)
def test_clear_errors_exit_non_zero(tmp_path, capsys, case, message):
    submissions, out_dir = tmp_path / "submissions", tmp_path / "out"
    submissions.mkdir()
    extra = []
    if case == "missing":
        submissions = tmp_path / "nowhere"
    elif case == "lesson":
        extra = ["--lesson", "99_nothing"]
    else:
        out_dir.write_text("a file")
    status = cli.main(
        ["grade", str(submissions), "--out", str(out_dir), "--root", str(REPO), *extra]
    )
    error = capsys.readouterr().err
    assert status == 2
    assert error.startswith("rnn-lessons grade:") and message in error


# --- the probes -------------------------------------------------------------------------
def solution_sources():
    return sorted((REPO / "solutions").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("source", solution_sources(), ids=lambda p: p.stem)
def test_every_declared_exercise_has_a_probe(source):
    declared = jupytext.read(source).metadata["rnn_lessons"]["exercises"]
    lesson = load_lesson(source)
    assert not isinstance(lesson, str), (
        f"{source.name}: {lesson}. In lessons/checks/lesson{source.stem[:2]}.py's HIDDEN TESTS "
        "region, write a probe_<exercise>(defined, seed) for every exercise in the header, "
        "following the protocol in instructor/grading/__init__.py."
    )
    assert set(lesson.exercises) == set(declared)


def namespace_of(stem, student=False):
    """The lesson's exercise cells run after its context cells, as the reference runs them."""
    source = REPO / "solutions" / f"{stem}.py"
    lesson = load_lesson(source)
    cells = exercise_cells(source).values()
    cells = [strip_solutions(c) for c in cells] if student else list(cells)
    return lesson, run_cells(source, cells)


# Every lesson with hidden tests (00-03 when this was written, later ones as they get probes).
LESSONS = [p.stem for p in solution_sources() if not isinstance(load_lesson(p), str)]


@pytest.mark.parametrize("stem", LESSONS)
def test_probes_pass_the_solution_and_find_the_blank_missing(stem):
    lesson, solution = namespace_of(stem)
    _, blank = namespace_of(stem, student=True)
    for exercise in lesson.exercises:
        want = probe(lesson, solution, exercise, seed=11)
        again = probe(lesson, solution, exercise, seed=11)
        assert judge(lesson, exercise, again, want)[:2] == ("passed", 1.0), exercise
        got = probe(lesson, blank, exercise, seed=11)
        assert judge(lesson, exercise, got, want)[0] == "missing", exercise


def wrong(stem, exercise, name, replacement, seed=5):
    """(status, detail) of the solution with `name` replaced by a wrong implementation."""
    lesson, solution = namespace_of(stem)
    want = probe(lesson, solution, exercise, seed)
    namespace = dict(solution)
    exec(replacement, namespace)
    got = probe(lesson, namespace, exercise, seed)
    status, fraction, detail = judge(lesson, exercise, got, want)
    assert status != "passed" and fraction < 1, detail
    return status, fraction, detail


def wrong_edit(stem, exercise, old, new, name=None):
    """`wrong` with the solution's `exercise` cell, which holds `old`, holding `new` instead."""
    source = exercise_cells(REPO / "solutions" / f"{stem}.py")[exercise]
    assert old in source, exercise
    return wrong(stem, exercise, name or exercise, source.replace(old, new))


def test_probes_catch_wrong_answers():
    status, _, detail = wrong(
        "00_sequences",
        "pad_and_mask",
        "pad_and_mask",
        "def pad_and_mask(sequences, pad_value=0):\n"
        "    import numpy as np\n"
        "    T = max((len(s) for s in sequences), default=0)\n"
        "    padded = np.array([[pad_value] * (T - len(s)) + list(s) for s in sequences], int)\n"
        "    return padded.reshape(len(sequences), T), padded != pad_value\n",
    )
    assert status == "failed" and "padding" in detail
    status, fraction, detail = wrong(
        "02_bptt",
        "gradient_check",
        "numerical_gradient",
        "def numerical_gradient(f, x, eps=1e-5):\n"
        "    grad, f0 = np.zeros_like(x), f(x)\n"
        "    for i in np.ndindex(x.shape):\n"
        "        x[i] += eps\n"
        "        grad[i] = (f(x) - f0) / eps\n"
        "        x[i] -= eps\n"
        "    return grad\n",
    )
    assert (status, fraction) == ("failed", 0.5) and "numerical_gradient" in detail
    status, _, detail = wrong(
        "03_language_models",
        "sample",
        "sample",
        "def sample(model, vocab, prefix='', length=200, temperature=1.0, seed=None,\n"
        "           stop_at_eos=True, allow_unk=False):\n"
        "    return 'a' * length\n",
    )
    assert status == "failed"


def test_a_sampler_that_ignores_the_temperature_fails_the_chi_square_test():
    old = "scaled = np.log(y_hat) / temperature"
    _, _, detail = wrong_edit("03_language_models", "sample", old, "scaled = np.log(y_hat)")
    assert "temperature" in detail


def test_gru_probes_catch_a_gate_used_the_wrong_way_round():
    for exercise, name, old, swapped in (
        (
            "gru_call",
            "MyGRUCell",
            "H_t = Z_t * H_prev + (1.0 - Z_t) * H_tilde",
            "H_t = (1.0 - Z_t) * H_prev + Z_t * H_tilde",
        ),
        (
            "simplified_gru_call",
            "SimplifiedGRUCell",
            "c_t = gamma_u * c_tilde + (1.0 - gamma_u) * c_prev",
            "c_t = gamma_u * c_prev + (1.0 - gamma_u) * c_tilde",
        ),
    ):
        status, _, detail = wrong_edit("04_gru", exercise, old, swapped, name)
        assert status == "failed" and "differ" in detail, detail


def test_bidirectional_probes_catch_padding_reversed_to_the_front():
    old = "out[i, :length] = X[i, :length][::-1]"
    status, _, detail = wrong_edit("07_bidirectional", "reverse_padded", old, "out[i] = X[i][::-1]")
    assert status == "failed", detail


def test_deep_rnn_probes_catch_a_skip_added_before_the_layer():
    old = "U = rnn(U) + skip"
    status, _, detail = wrong_edit("06_deep_rnn", "residual_stack", old, "U = rnn(U + skip)")
    assert status in ("failed", "error"), detail


def test_lstm_probes_catch_a_missing_tanh_and_markers_in_one_half():
    old, new = "H_t = O_t * ops.tanh(C_t)", "H_t = O_t * C_t"
    status, _, detail = wrong_edit("05_lstm", "lstm_call", old, new, "MyLSTMCell")
    assert status == "failed", detail
    old, new = "second = rng.integers(half, length, size=n)", "second = (first + 1) % half"
    status, _, detail = wrong_edit("05_lstm", "adding_problem_data", old, new)
    assert status == "failed" and "half" in detail, detail


@pytest.mark.parametrize(
    "exercise, old, new, fraction, word",
    [
        (
            "ar_tar_penalty",
            "ar = ops.sum(squares * real) / ops.maximum(ops.sum(real), 1.0)",
            "ar = ops.mean(squares)",
            0.5,
            "padded rows",
        ),
        (
            "zoneout",
            "return ops.where(keep_old, old, new)",
            "return ops.where(keep_old, new, old)",
            0.5,
            "fraction old",
        ),
        (
            "dropout_masks",
            "shape = (batch, 1, units) if per_sequence else (batch, steps, units)",
            "shape = (batch, steps, units)",
            0.5,
            "identical along time",
        ),
        (
            "early_stopping",
            "if loss < val_losses[best_epoch] or epoch == 0:",
            "if loss <= val_losses[best_epoch]:",
            None,  # any fraction
            "ties",
        ),
    ],
)
def test_regularization_probes_catch_padding_averaged_and_zoneout_the_wrong_way_round(
    exercise, old, new, fraction, word
):
    status, got, detail = wrong_edit("08_regularization", exercise, old, new)
    assert status == "failed" and word in detail, detail
    assert fraction is None or got == fraction, detail


def test_plain_values_survive_json_and_compare_as_the_exercise_means():
    from instructor.grading import capture, compare, error_value, plain, unplain

    value = {
        "ints": np.arange(3),
        "mask": np.array([True, False]),
        "pairs": {"b": 1, "a": 2},
        "raises": error_value(ValueError("no")),
    }
    back = unplain(json.loads(json.dumps(plain(value))))
    assert back["pairs"] == {"a": 2, "b": 1} and back["mask"].dtype == bool
    assert compare(back, back) == (1.0, "")
    floats = dict(back, ints=back["ints"].astype(float))
    fraction, detail = compare(floats, back)
    assert fraction == 0.75 and "dtype" in detail
    # a part captured in the probe is encoded once, not twice: it comes back as it was
    captured = unplain(plain({"part": capture(lambda: {"x": np.ones(2)})}))
    assert isinstance(captured["part"]["x"], np.ndarray)


def test_forged_results_are_judged_as_a_crash_not_a_grader_error(monkeypatch):
    from concurrent.futures import Future

    from instructor import grade

    lesson = load_lesson(REPO / "solutions" / f"{LESSON}.py")
    forged = {  # a results file the student's code wrote, then ended the process
        "complete": True,
        "probes": {"char_vocab": {"__error__": 5}, "encode_name": {"__ndarray__": [1], "shape": 9}},
        "stopped": "yes",
        "cell_errors": [1, "two"],
    }
    finished = sandbox.Outcome(returncode=0, signal=None, timed_out=False, seconds=1, peak_mb=9)
    monkeypatch.setattr(grade, "run_child", lambda *args: (finished, forged, "", ""))
    want = Future()
    want.set_result({exercise: {} for exercise in lesson.exercises})
    submission = Submission("mallory", Path("x.ipynb"), b"{}", lesson=LESSON)
    settings = Settings(isolation=sandbox.Isolation("bwrap"))
    rows, feedback = grade.grade_submission(submission, lesson, want, 0, settings)
    assert {row["status"] for row in rows} == {"crashed"}
    assert "without readable results" in rows[0]["detail"]
