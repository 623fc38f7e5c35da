"""`rnn-lessons autograder`: the Gradescope zip, run offline in a folder laid out as /autograder.

The zip of lesson 00 is made once; each case unpacks it as Gradescope does
(`source/` the zip, `run_autograder` copied beside it, the upload in
`submission/`), runs `run_autograder` with the root moved by
RNN_LESSONS_AUTOGRADER_ROOT, and reads `results/results.json`, validated
against the fields and types Gradescope documents.
"""

import json
import os
import subprocess
import sys
import zipfile

import jsonschema
import nbformat
import pytest
from class_builder import KIT_ENCODE, LESSON, REPO, read, with_bug, with_cell

from instructor import build as B
from instructor import cli

VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
# Gradescope's results.json ("Autograder Specifications", Output format), all of it optional
# but the score on the submission or on every test.
RESULTS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "output_format": FORMAT,
        "test_output_format": FORMAT,
        "test_name_format": FORMAT,
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["score", "max_score", "name"],
                "properties": {
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "name": {"type": "string"},
                    "name_format": FORMAT,
                    "number": {"type": "string"},
                    "output": {"type": "string"},
                    "output_format": FORMAT,
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "visibility": VISIBILITY,
                    "extra_data": {"type": "object"},
                },
            },
        },
        "leaderboard": {"type": "array"},
    },
    "required": ["score", "tests"],
}
# A notebook that prints the hidden tests it runs beside, then kills its own kernel.
LEAK = """
import os, lessons.checks.lesson00 as hidden
print(open(hidden.__file__).read(), flush=True)
os.abort()
"""


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory):
    path = tmp_path_factory.mktemp("zip") / "autograder.zip"
    command = ["autograder", LESSON, str(path), "--timeout", "60", "--memory-mb", "3000"]
    assert cli.main([*command, "--root", str(REPO)]) == 0
    return path


def run_autograder(zip_path, root, notebooks=(), metadata=None):
    """Lay out `root` as Gradescope's /autograder, run run_autograder: (returncode, output)."""
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    (root / "run_autograder").write_bytes((root / "source" / "run_autograder").read_bytes())
    (root / "submission").mkdir()
    for name, notebook in notebooks:
        nbformat.write(notebook, root / "submission" / name)
    if metadata is not None:
        (root / "submission_metadata.json").write_text(json.dumps(metadata))
    env = {**os.environ, "RNN_LESSONS_AUTOGRADER_ROOT": str(root)}
    env["RNN_LESSONS_PYTHON"] = sys.executable
    done = subprocess.run(
        ["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True
    )
    return done.returncode, done.stdout + done.stderr


def results_of(root):
    report = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(report, RESULTS_SCHEMA)
    return report


def scores(report):
    return {test["name"]: test["score"] for test in report["tests"]}


@pytest.fixture(scope="module")
def runs(autograder_zip, tmp_path_factory):
    blank, solution = read("notebooks"), read("solutions")
    cases = {
        "solution": [(f"{LESSON}.ipynb", solution)],
        "blank": [(f"{LESSON}.ipynb", blank)],
        "kit answer": [("mine.ipynb", with_bug(solution, "encode_name", KIT_ENCODE))],
        "leak": [(f"{LESSON}.ipynb", with_cell(blank, LEAK))],
    }
    found = {}
    for case, notebooks in cases.items():
        root = tmp_path_factory.mktemp("autograder")
        metadata = {"users": [{"name": "Ada Lovelace", "email": "ada@example.org", "id": 1}]}
        returncode, output = run_autograder(autograder_zip, root, notebooks, metadata)
        assert returncode == 0, output
        found[case] = results_of(root)
    return found


def test_the_zip_has_gradescopes_two_scripts_at_its_root_and_one_solution(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        setup = archive.read("setup.sh").decode()
        pins = archive.read("requirements.txt").decode().splitlines()
        config = json.loads(archive.read("autograder.json"))
        checks = archive.read("kit/lessons/checks/lesson00.py").decode()
    assert {"setup.sh", "run_autograder", "requirements.txt", "autograder.json"} <= names
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert {n for n in names if n.startswith("kit/solutions/")} == {f"kit/solutions/{LESSON}.py"}
    assert not any(n.startswith(("kit/tests/", "kit/notebooks/", "tests/")) for n in names)
    assert "kit/lessons/__init__.py" in names and "kit/instructor/grading/cells.py" in names
    # The grader's copy of the checks keeps the hidden tests, which the student release strips.
    assert B.HIDDEN_BEGIN in checks and "def probe_char_vocab" in checks
    import lessons

    assert config["lesson"] == LESSON and config["kit_version"] == lessons.__version__
    assert f'lessons.__version__ == "{lessons.__version__}"' in setup  # the kit, pinned
    assert any(p.startswith("tensorflow==") for p in pins)
    assert all("==" in p for p in pins if not p.startswith("#"))


def test_the_zip_is_never_written_over_without_force(autograder_zip, capsys):
    before = autograder_zip.read_bytes()
    command = ["autograder", LESSON, str(autograder_zip), "--root", str(REPO)]
    assert cli.main(command) == 2
    assert "--force" in capsys.readouterr().err
    assert autograder_zip.read_bytes() == before


def test_the_solution_scores_full_marks_the_blank_zero(runs):
    solution, blank = runs["solution"], runs["blank"]
    assert solution["score"] == sum(t["max_score"] for t in solution["tests"]) == 5
    assert {t["status"] for t in solution["tests"]} == {"passed"}
    assert blank["score"] == 0 and {t["status"] for t in blank["tests"]} == {"failed"}
    assert all("not written yet" in t["output"] for t in blank["tests"])
    assert "Ada Lovelace" in solution["output"]  # the submitter, from Gradescope's metadata


def test_the_kits_answer_scores_zero_and_the_other_exercises_keep_their_points(runs):
    report = runs["kit answer"]
    assert scores(report) == {"char_vocab": 2.0, "encode_name": 0.0, "pad_and_mask": 2.0}
    encode = next(t for t in report["tests"] if t["name"] == "encode_name")
    assert encode["output"].startswith("uses-kit-answer") and "reference_encode" in encode["output"]


def test_the_hidden_tests_never_reach_what_students_see(runs):
    report = runs["leak"]
    assert report["score"] == 0 and "crashed" in report["tests"][0]["output"]
    assert report["stdout_visibility"] == "hidden"
    text = json.dumps(report)
    checks = (REPO / "lessons" / "checks" / "lesson00.py").read_text()
    probes = B.region_lines(checks, B.HIDDEN_BEGIN, B.HIDDEN_END)
    assert len(probes) > 20
    shown = [line for line in probes if len(line) >= 8 and line in text]
    assert shown == []
    assert "a line of the hidden tests or the solution: not shown" in report["output"]


def test_no_notebook_or_the_wrong_lesson_gets_zero_and_says_what_to_upload(
    autograder_zip, tmp_path
):
    returncode, output = run_autograder(autograder_zip, tmp_path / "none")
    assert returncode == 0, output
    report = results_of(tmp_path / "none")
    assert report["score"] == 0 and f"upload your {LESSON}.ipynb" in report["output"]
    other = read("notebooks")
    other.metadata["rnn_lessons"]["lesson"] = "04_gru"
    returncode, output = run_autograder(autograder_zip, tmp_path / "other", [("a.ipynb", other)])
    report = results_of(tmp_path / "other")
    assert report["score"] == 0 and "the autograder of 00_sequences" in report["output"]
