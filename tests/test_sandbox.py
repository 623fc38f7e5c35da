"""The grader's bubblewrap sandbox: what a child sees, writes and reaches, and a grading run.

Copies of the lesson-00 solution, each with a marker line, are planted next to
the checkout, in /var/tmp, /opt, /srv, /mnt, /home, the home folder, the host's
/tmp and next to the Python runtime. A child under `bwrap_command` reads every
.py and .ipynb it can reach and finds neither a marker nor a line of the real
solution, while the same search outside the sandbox finds them all. Another
child imports the kit and Keras, reads data/, writes only its scratch folder,
/tmp and /dev/shm, and has no network. Last, a small class is graded: a notebook
whose exercise cells hunt the file system for a solution to exec or import
scores 0, the genuine solution full marks, and the reference ran sandboxed too.
Everything but the layout test skips where bubblewrap cannot make a sandbox.
"""

import csv
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from instructor import cli
from instructor.build import solution_lines
from instructor.grading import sandbox
from lessons.checks.lesson00 import reference_encode, reference_pad_and_mask, reference_vocab

REPO = Path(__file__).resolve().parents[1]
LESSON = "00_sequences"
SOLUTION = REPO / "solutions" / f"{LESSON}.py"
KIT = [REPO / "lessons", REPO / "instructor", REPO / "data"]

# Reads every .py and .ipynb under the roots of its JSON argument and prints, as JSON, the
# files holding a needle; /proc and /sys are skipped. A whole virtual environment takes
# about a second once the page cache holds it.
WALK = """
import json, os, sys
job = json.loads(sys.argv[1])
needles = [n.encode() for n in job["needles"]]
read, hits = 0, []
for top in job["roots"]:
    for root, dirs, files in os.walk(top, followlinks=False):
        if root == "/":
            dirs[:] = [d for d in dirs if d not in ("proc", "sys")]
        for name in files:
            if not name.endswith((".py", ".ipynb")):
                continue
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as file:
                    text = file.read()
            except OSError:
                continue
            read += 1
            hits += [[path, i] for i, needle in enumerate(needles) if needle in text]
print(json.dumps({"read": read, "hits": hits}))
"""


@pytest.fixture(scope="module")
def bwrap():
    if not sandbox.bwrap_works():
        pytest.skip("bubblewrap (bwrap) cannot make a sandbox here")


def _kit_text():
    files = [f for folder in KIT for f in folder.rglob("*") if f.suffix in (".py", ".ipynb")]
    return "\n".join(f.read_text(errors="replace") for f in files)


@pytest.fixture(scope="module")
def planted(bwrap, request):
    """Marked copies of the solution (.py and .ipynb) where a checkout might lie."""
    token = secrets.token_hex(6)
    name = f"rnn-lessons-planted-{token}"
    marker = f"PLANTED_SOLUTION_{token}"
    notebook = json.loads(SOLUTION.with_suffix(".ipynb").read_text())
    notebook["cells"].append({"cell_type": "raw", "metadata": {}, "source": [marker]})
    places = [REPO.parent / name, Path("/var/tmp", name), Path("/opt", name)]
    places += [Path("/srv", name), Path("/mnt", name), Path("/home", name)]
    places += [Path.home() / name, Path(tempfile.gettempdir(), name), Path(sys.base_prefix, name)]
    tops, folders = [], []
    for top in places:
        folder = top / "solutions" if top.parent == REPO.parent else top
        try:
            folder.mkdir(parents=True)
        except OSError:
            continue  # a folder this user cannot write: nothing planted there
        request.addfinalizer(lambda top=top: shutil.rmtree(top, ignore_errors=True))
        (folder / SOLUTION.name).write_text(SOLUTION.read_text() + f"\n# {marker}\n")
        (folder / f"{LESSON}.ipynb").write_text(json.dumps(notebook))
        tops.append(top)
        folders.append(folder)
    assert len(folders) >= 3, "too few places could be planted"
    # Lines of the solution regions that a student cannot see anywhere in the kit, and
    # that read the same in a notebook's JSON (no quotes or backslashes to escape).
    kit = _kit_text()
    lines = [
        line
        for line in solution_lines(SOLUTION.read_text())
        if len(line) >= 40 and '"' not in line and "\\" not in line and line not in kit
    ]
    assert len(lines) >= 3
    return {"marker": marker, "lines": lines, "tops": tops, "folders": folders}


def walk(command, roots, needles):
    done = subprocess.run(
        [*command, json.dumps({"roots": roots, "needles": needles})],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


# --- what the child sees ----------------------------------------------------------------
def test_the_same_search_outside_the_sandbox_finds_every_planted_copy(planted):
    roots = [str(REPO / "solutions"), *map(str, planted["tops"])]
    found = walk([sys.executable, "-c", WALK], roots, [planted["marker"], *planted["lines"]])
    hits = {(Path(path), i) for path, i in found["hits"]}
    for folder in planted["folders"]:
        for name in (SOLUTION.name, f"{LESSON}.ipynb"):
            assert (folder / name, 0) in hits, folder / name
    for i in range(1, len(planted["lines"]) + 1):
        assert (SOLUTION, i) in hits and (SOLUTION.with_suffix(".ipynb"), i) in hits


def test_a_sandboxed_child_reaches_no_copy_of_the_solution(planted, tmp_path):
    command = sandbox.bwrap_command([sys.executable, "-c", WALK], tmp_path)
    found = walk(command, ["/"], [planted["marker"], *planted["lines"]])
    assert found["hits"] == []
    assert found["read"] > 1000  # it did read the runtime: the standard library, the packages


def test_visible_paths_are_the_runtime_and_the_kit_only():
    home, base = Path.home().resolve(), Path(sys.base_prefix).resolve()
    venv = Path(sys.prefix).resolve()
    for path in sandbox.visible_paths():
        assert not any(path.is_relative_to(f) for f in ("/srv", "/opt", "/var", "/mnt", "/home"))
        if path.is_relative_to(REPO):
            assert path in KIT or path.is_relative_to(venv), path
        if path.is_relative_to(home):
            assert path.is_relative_to(base) or path.is_relative_to(venv), path


def test_the_layout_shows_and_covers_at_any_depth():
    P = Path
    shown = [P("/usr/lib"), P("/usr/lib/kit/lessons"), P("/usr/lib/kit/data"), P("/r/python")]
    hidden = [P("/usr/lib/kit"), P("/usr/lib/kit/data/submissions"), P("/r"), P("/usr/lib/x")]
    mounts, _ = sandbox._layout(shown + [P("/usr/lib/x")], hidden)
    assert mounts == [
        ("show", P("/r/python")),  # /r is hidden but nothing shows it: nothing to cover
        ("show", P("/usr/lib")),
        ("cover", P("/usr/lib/kit")),
        ("show", P("/usr/lib/kit/data")),
        ("cover", P("/usr/lib/kit/data/submissions")),
        ("show", P("/usr/lib/kit/lessons")),
        ("cover", P("/usr/lib/x")),  # shown and hidden: hidden wins
    ]


PROBE = """
import errno, json, os, socket, sys
job = json.loads(sys.argv[1])
report = {"uid": os.getuid()}
import keras, lessons, instructor.grading.child
report["imported"] = True
with open(job["data_file"], "rb") as file:
    report["data"] = __import__("hashlib").sha256(file.read()).hexdigest()
report["writes"] = {}
for folder in job["folders"]:
    try:
        with open(os.path.join(folder, "probe.txt"), "w") as file:
            file.write("x")
        os.remove(os.path.join(folder, "probe.txt"))
        report["writes"][folder] = "written"
    except OSError as error:
        report["writes"][folder] = errno.errorcode[error.errno]
report["exists"] = {path: os.path.exists(path) for path in job["absent"]}
report["home"] = sorted(os.listdir(job["home"])) if os.path.isdir(job["home"]) else None
report["base_site_packages"] = os.listdir(job["base_site_packages"])
report["interfaces"] = [name for _, name in socket.if_nameindex()]
report["network"] = {}
for host, port in [("127.0.0.1", job["port"]), ("1.1.1.1", 53)]:
    try:
        socket.create_connection((host, port), timeout=3).close()
        report["network"][host] = "connected"
    except OSError as error:
        report["network"][host] = type(error).__name__
print(json.dumps(report))
"""


def test_a_sandboxed_child_runs_the_kit_writes_only_its_folders_and_has_no_network(bwrap, tmp_path):
    listener = socket.socket()  # on the host's loopback: reachable only from its network
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    data_file = REPO / "data" / "README.md"
    writable = [str(tmp_path), "/tmp", "/dev/shm"]
    read_only = [str(f) for f in KIT] + ["/", "/dev", sys.prefix, os.path.dirname(sys.executable)]
    absent = [str(REPO / p) for p in ("solutions", "tests", "notebooks", ".git", "pyproject.toml")]
    absent += ["/srv", "/opt", "/var", "/mnt", "/home"]
    home = Path.home().resolve()  # shows at most the way to a runtime kept there
    on_the_way = {
        p.relative_to(home).parts[0] for p in sandbox.visible_paths() if home in p.parents
    }
    job = {
        "data_file": str(data_file),
        "folders": writable + read_only,
        "absent": absent,
        "home": str(home),
        "base_site_packages": str(sandbox._base_path("purelib")),
        "port": listener.getsockname()[1],
    }
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env |= {"MPLCONFIGDIR": str(tmp_path), "KERAS_HOME": str(tmp_path)}
    command = sandbox.bwrap_command([sys.executable, "-c", PROBE, json.dumps(job)], tmp_path)
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    finally:
        listener.close()
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["uid"] == sandbox.NOBODY and report["imported"]
    assert report["data"] == hashlib.sha256(data_file.read_bytes()).hexdigest()
    assert {f: report["writes"][f] for f in writable} == dict.fromkeys(writable, "written")
    assert {f: report["writes"][f] for f in read_only} == dict.fromkeys(read_only, "EROFS")
    assert report["exists"] == dict.fromkeys(absent, False)
    assert report["home"] == (sorted(on_the_way) if on_the_way else None)
    assert report["base_site_packages"] == []  # covered: the virtual environment's are used
    assert report["interfaces"] == ["lo"]
    assert report["network"]["127.0.0.1"] == "ConnectionRefusedError"  # not the host's
    assert report["network"]["1.1.1.1"] != "connected"


# --- a grading run ----------------------------------------------------------------------
# The exercise cells of a notebook that looks for the solution anywhere it can read: the
# lesson's .py and .ipynb, the grader's job files, or by importing it from the planted
# folders. What it finds it runs; what it does not, it reports in the error it raises.
HUNT = '''
import importlib, json, os, re, sys

ROOTS = {roots!r}
PLANTED = {planted!r}
FUNCTIONS = {{"char_vocab": "build_char_vocab", "encode_name": "encode_name",
             "pad_and_mask": "pad_and_mask"}}


def _sources(path):
    with open(path, "rb") as file:
        text = file.read().decode("utf-8", "replace")
    if path.endswith(".py"):
        return re.split(r"^# %%.*$", text, flags=re.M)
    data = json.loads(text)
    cells = data.get("cells") if isinstance(data, dict) else None
    sources = [c.get("source", "") for c in cells or [] if isinstance(c, dict)]
    return ["".join(s) if isinstance(s, list) else str(s) for s in sources]


def _search():
    found, read, here = {{}}, 0, os.getcwd()
    for top in ROOTS:
        for root, dirs, files in os.walk(top):
            if root == "/":
                dirs[:] = [d for d in dirs if d not in ("proc", "sys")]
            if root == here or root.startswith(here + os.sep):
                continue  # its own job: this notebook
            for name in files:
                if name.endswith((".py", ".ipynb", ".json")):
                    try:
                        sources = _sources(os.path.join(root, name))
                    except (OSError, ValueError):
                        continue
                    read += 1
                    for source in sources:
                        if "NotImplementedError" in source:
                            continue  # a student's stub
                        for function in FUNCTIONS.values():
                            if f"def {{function}}(" in source:
                                found.setdefault(function, []).append(source)
    return found, read


def hunt(exercise):
    """Define the exercise's function from a solution found anywhere, or raise saying why."""
    global _FOUND
    if "_FOUND" not in globals():
        _FOUND = _search()
    found, read = _FOUND
    function = FUNCTIONS[exercise]
    for source in found.get(function, []):
        try:
            exec(source, globals())
            return "exec"
        except Exception:
            pass
    failures = []
    for folder in PLANTED:
        sys.path.insert(0, folder)
        try:
            globals()[function] = getattr(importlib.import_module("00_sequences"), function)
            return "import"
        except Exception as error:
            failures.append(type(error).__name__)
        finally:
            sys.path.remove(folder)
    failures = sorted(set(failures))
    raise LookupError(f"hunt: read {{read}} files, no {{function}}; imports: {{failures}}")
'''


def hunting_notebook(planted):
    notebook = nbformat.read(REPO / "notebooks" / f"{LESSON}.ipynb", as_version=4)
    helpers = HUNT.format(roots=["/"], planted=[str(f) for f in planted["folders"]])
    first = True
    for cell in notebook.cells:
        exercise = cell.metadata.get("rnn_lessons", {}).get("exercise")
        if exercise:
            cell.source = (helpers if first else "") + f"\nhunt({exercise!r})\n"
            first = False
    return notebook


def test_the_hunt_finds_the_planted_solution_outside_the_sandbox(planted):
    namespace = {}
    exec(HUNT.format(roots=[str(t) for t in planted["tops"]], planted=[]), namespace)
    names = ["Mary", "Zoë", "Al"]
    assert namespace["hunt"]("char_vocab") == "exec"
    assert namespace["build_char_vocab"](names) == reference_vocab(names)
    char_to_index = reference_vocab(names)[0]
    assert namespace["hunt"]("encode_name") == "exec"
    assert namespace["encode_name"]("Zoë", char_to_index) == reference_encode("Zoë", char_to_index)
    assert namespace["hunt"]("pad_and_mask") == "exec"
    sequences = [[3, 0], [], [4]]
    got, want = namespace["pad_and_mask"](sequences), reference_pad_and_mask(sequences)
    assert [g.tolist() for g in got] == [w.tolist() for w in want]


def test_grading_a_hunting_notebook_scores_zero_and_the_solution_full_marks(planted, tmp_path):
    submissions, out_dir = tmp_path / "submissions", tmp_path / "out"
    notebooks = {
        "alice": nbformat.read(SOLUTION.with_suffix(".ipynb"), as_version=4),
        "mallory": hunting_notebook(planted),
    }
    for student, notebook in notebooks.items():
        (submissions / student).mkdir(parents=True)
        nbformat.write(notebook, submissions / student / f"{LESSON}.ipynb")
    runs = []
    real_run = sandbox.run

    def recording_run(argv, *, isolation, scratch, **kwargs):
        runs.append((scratch.name.split("-")[0], isolation.kind))
        return real_run(argv, isolation=isolation, scratch=scratch, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sandbox, "run", recording_run)
        status = cli.main(
            ["grade", str(submissions), "--out", str(out_dir), "--jobs", "2", "--timeout", "90"]
            + ["--memory-mb", "3000", "--sandbox", "bwrap", "--root", str(REPO)]
        )
    assert status == 0
    assert sorted(runs) == [
        ("reference", "bwrap"),
        ("submission", "bwrap"),
        ("submission", "bwrap"),
    ]
    with open(out_dir / "grades.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    by_student = {}
    for row in rows:
        by_student.setdefault(row["student"], {})[row["exercise"]] = row
    alice, mallory = by_student["alice"], by_student["mallory"]
    assert {row["status"] for row in alice.values()} == {"passed"}
    assert sum(float(row["points"]) for row in alice.values()) == 5
    assert {row["status"] for row in mallory.values()} == {"missing"}
    assert sum(float(row["points"]) for row in mallory.values()) == 0
    feedback = (out_dir / "feedback" / "mallory" / f"{LESSON}.md").read_text()
    hunts = [line for line in feedback.splitlines() if "LookupError: hunt: read" in line]
    assert len(hunts) == 3, feedback  # one for each exercise cell: it ran and found nothing
    for line in hunts:
        assert int(line.split("read ")[1].split()[0]) > 1000  # it did read the runtime
        assert "imports: ['ModuleNotFoundError']" in line
    assert "bubblewrap sandbox" in feedback
