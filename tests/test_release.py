"""`rnn-lessons release`: the student course as a repository of its own, and Colab's set-up.

One release of the kit is built into a temporary folder per module and read by most tests;
the tests that change a project work on a copy of it, never on the repository.
"""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the TOML reader pip carries
    from pip._vendor import tomli as tomllib

import jupytext
import nbformat
import pytest

import lessons
from instructor import build as B
from instructor import cli
from instructor import release as R

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
VERSION = PYPROJECT["project"]["version"]
STUDENT_REPO = PYPROJECT["tool"]["rnn-lessons"]["student-repository"]
INSTRUCTOR_REPO = PYPROJECT["project"]["urls"]["Repository"]
STEMS = sorted(p.stem for p in (REPO / "solutions").glob("[0-9][0-9]_*.py"))


def files_under(root):
    """{relative posix path: bytes} of every file under `root`, caches and .git left out."""
    skip = {"__pycache__", ".git", ".venv", ".ipynb_checkpoints"}
    found = {}
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [s for s in subfolders if s not in skip and not s.endswith(".egg-info")]
        for name in names:
            if not name.endswith((".pyc", ".pyo")):
                path = Path(folder, name)
                found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def release(*args):
    return cli.main(["release", *map(str, args)])


def copy_project(destination):
    """What `release` reads of the kit (pyproject, solutions, package, data), in a new folder."""
    destination.mkdir(parents=True)
    shutil.copy(REPO / "pyproject.toml", destination)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("solutions", "lessons", "data"):
        shutil.copytree(REPO / folder, destination / folder, ignore=ignore)
    return destination


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "rnn-lessons-course"
    assert release(out, "--root", REPO) == 0
    return out


@pytest.fixture(scope="module")
def released_files(released):
    return files_under(released)


# --- what students get ---------------------------------------------------------------------
def test_the_release_holds_the_student_course_and_nothing_else(released_files):
    package = {f"lessons/{k}": v for k, v in files_under(REPO / "lessons").items()}
    data = {f"data/{k}": v for k, v in files_under(REPO / "data").items()}
    notebooks = {f"notebooks/{stem}.ipynb" for stem in STEMS}
    own = {"README.md", "pyproject.toml", ".gitignore", ".release-manifest.json"}
    licences = {p.name for p in REPO.glob("LICEN[CS]E*")} | {p.name for p in REPO.glob("COPYING*")}
    assert set(released_files) == set(package) | set(data) | notebooks | own | licences
    # The package and the data exactly as here (lessons/checks/ and the data licences too),
    # but for the grader's probes (below).
    here = {**package, **data}
    unchanged = [path for path in here if B.HIDDEN_BEGIN.encode() not in here[path]]
    assert all(released_files[path] == here[path] for path in unchanged)
    assert "lessons/checks/lesson00.py" in released_files and "data/README.md" in released_files
    assert any(p.startswith("data/LICENSE-") for p in released_files)
    # The student notebooks are the build's twins, byte for byte (the build's default tag).
    for path in notebooks:
        assert released_files[path] == (REPO / path).read_bytes(), path
    for path, content in released_files.items():
        assert not path.startswith(("solutions/", "instructor/", "tests/")), path
        assert not Path(path).name.startswith(("test_", "conftest")), path
        if path.endswith(".py"):
            text = content.decode()
            assert "import instructor" not in text and "from instructor" not in text, path


def test_the_checks_reach_students_without_the_hidden_tests(released, released_files):
    specs = sorted(p for p in released_files if re.fullmatch(r"lessons/checks/lesson\d\d\.py", p))
    assert len(specs) == len(STEMS)
    for path in specs:
        here = (REPO / path).read_text()
        probes = B.region_lines(here, B.HIDDEN_BEGIN, B.HIDDEN_END)
        assert any(line.startswith(("def probe_", "probe_")) for line in probes), path
        shipped = released_files[path].decode()
        assert B.HIDDEN_BEGIN not in shipped and B.HIDDEN_END not in shipped, path
        probe_lines = {line for line in probes if line.startswith(("def probe_", "probe_"))}
        assert not probe_lines & {line.strip() for line in shipped.splitlines()}, path
        # Everything outside the region ships unchanged.
        lines = here.splitlines(keepends=True)
        begin, end = lines.index(B.HIDDEN_BEGIN + "\n"), lines.index(B.HIDDEN_END + "\n")
        assert shipped == "".join(lines[:begin] + lines[end + 1 :]), path
    # The released checks import without the instructor's tools, with every check and no probe.
    script = (
        "import importlib, sys; sys.modules['instructor'] = None\n"
        f"for n in range({len(STEMS)}):\n"
        "    m = importlib.import_module(f'lessons.checks.lesson{n:02d}')\n"
        "    names = [k for k in vars(m) if k.startswith(('probe_', 'compare_'))]\n"
        "    assert not names and any(k.startswith('check_') for k in vars(m)), (n, names)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=released,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(released)},
    )
    assert run.returncode == 0, run.stderr[-3000:]


def solution_secrets():
    """Lines inside solution regions that no student notebook shows anyway."""
    secret, public = set(), set()
    for stem in STEMS:
        for cell in jupytext.read(REPO / "solutions" / f"{stem}.py").cells:
            secret.update(B.solution_lines(cell.source))
            public.update(line.strip() for line in B.strip_solutions(cell.source).splitlines())
    return secret - public


def test_no_solution_line_is_released(released_files):
    secret = solution_secrets()
    assert len(secret) > 150  # every lesson's regions, not an empty set passing by default
    for path, content in released_files.items():
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            continue  # the gzipped and .npz data
        if path.endswith(".ipynb"):
            nb = nbformat.reads(text, as_version=4)
            assert all(not c.get("outputs") for c in nb.cells), path
            text = "\n".join(c.source for c in nb.cells)
        lines = {line.strip() for line in text.splitlines()}
        assert B.SOLUTION_BEGIN not in lines and B.SOLUTION_END not in lines, path
        # The package is the kit the lessons rebuild, copied as it is (checked above).
        if not path.startswith("lessons/"):
            assert not lines & secret, (path, sorted(lines & secret)[:5])


def test_a_solution_line_stops_the_release_before_it_writes(tmp_path, monkeypatch, capsys):
    unstripped = lambda nb, links, stem: B.with_generated_cells(nb, links, "notebooks", stem)  # noqa: E731
    monkeypatch.setattr(B, "student_twin", unstripped)
    out = tmp_path / "course"
    assert release(out, "--root", REPO) == 2
    err = capsys.readouterr().err
    assert "refusing to write the release" in err and "notebooks/00_sequences.ipynb" in err
    assert "return [char_to_index.get(char, UNK) for char in name] + [EOS]" in err
    assert not out.exists()


def test_the_guard_reads_notebook_cells_and_holds_the_package_to_the_markers():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1\n    return secret")])
    files = {
        "notebooks/00_x.ipynb": nbformat.writes(nb).encode(),
        "README.md": b"return secret\n",
        "lessons/text.py": b"return secret\n",  # the kit's own answer: by design
        "lessons/checks/lesson00.py": f"    {B.SOLUTION_BEGIN}\n".encode(),
        "data/digits.npz": b"PK\x03\x04\xff\xfe",
    }
    assert R.leaks(files, {"return secret"}) == [
        ("README.md", "return secret"),
        ("lessons/checks/lesson00.py", B.SOLUTION_BEGIN),
        ("notebooks/00_x.ipynb", "return secret"),
    ]


# --- README, pyproject, links ------------------------------------------------------------------
# Words of the people who build the course, not of the course. The one use that is the
# course's own: a film review in lesson 00's table of sequence tasks.
DEVELOPMENT_WORDS = re.compile(r"\b(issues?|tickets?|sessions?|todo|fixme)\b", re.IGNORECASE)
COURSE_PHRASES = ('"not worth the ticket"',)


def student_texts(released_files):
    """{where: text} of everything students read: each notebook cell, each README, the
    package they import (its messages, docstrings and comments), and the README of this
    repository's student notebooks."""
    texts = {"notebooks/README.md (here)": (REPO / "notebooks" / "README.md").read_text()}
    for path, data in released_files.items():
        if path.endswith(".ipynb"):
            notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
            for number, cell in enumerate(notebook.cells, 1):
                texts[f"{path}, cell {number}"] = cell.source
        elif Path(path).name.lower().startswith("readme") or (
            path.startswith("lessons/") and path.endswith(".py")
        ):
            texts[path] = data.decode("utf-8")
    return texts


def test_no_development_word_reaches_a_student(released_files):
    texts = student_texts(released_files)
    assert sum(".ipynb" in where for where in texts) > 100 and "README.md" in texts
    assert sum(".ipynb" in where for where in texts) == sum(
        len(nbformat.read(REPO / "notebooks" / f"{stem}.ipynb", as_version=4).cells)
        for stem in STEMS
    )  # every cell of every student notebook
    assert "lessons/checks/lesson04.py" in texts and "data/README.md" in texts
    found = []
    for where, text in texts.items():
        for phrase in COURSE_PHRASES:
            text = text.replace(phrase, "")
        found += [f"{where}: {m.group()!r}" for m in DEVELOPMENT_WORDS.finditer(text)]
    assert found == []


def test_the_development_words_guard_catches_each_word():
    for text in ("as reported by the issue", "see ticket 4", "in a later session", "TODO: x"):
        assert DEVELOPMENT_WORDS.search(text), text
    assert not DEVELOPMENT_WORDS.search("the tissue of the reissued text")


def test_the_student_pyproject_installs_lessons_alone(released_files):
    student = tomllib.loads(released_files["pyproject.toml"].decode())
    assert student["project"]["version"] == VERSION
    assert student["project"]["dependencies"] == PYPROJECT["project"]["dependencies"]
    assert student["tool"]["setuptools"]["packages"]["find"]["include"] == ["lessons*"]
    assert "ipykernel" in student["project"]["optional-dependencies"]["jupyter"]
    assert student["project"]["urls"]["Repository"] == STUDENT_REPO
    assert "scripts" not in student["project"]  # `rnn-lessons` is the instructor's


def test_the_readme_says_how_to_run_the_course(released_files):
    readme = released_files["README.md"].decode()
    for stem in STEMS:
        badge = f"https://colab.research.google.com/github/{STUDENT_REPO[19:]}/blob/v{VERSION}/"
        assert f"{badge}notebooks/{stem}.ipynb" in readme, stem
    for command in (
        f"git clone --branch v{VERSION} {STUDENT_REPO}.git",
        'pip install -e ".[jupyter]"',
        "RNN_LESSONS_QUICK=1 jupyter lab",
        "python -m ipykernel install --user",
    ):
        assert command in readme, command
    assert "data/README.md" in readme and "MIT" in readme
    lowered = readme.lower()
    assert not any(word in lowered for word in ("solution", "instructor", "issue", "ticket"))


def test_student_notebooks_point_at_the_student_repository_at_the_tag(released_files):
    for stem in STEMS:
        nb = nbformat.reads(released_files[f"notebooks/{stem}.ipynb"].decode(), as_version=4)
        owner_repo = STUDENT_REPO.removeprefix("https://github.com/")
        url = f"https://colab.research.google.com/github/{owner_repo}/blob/v{VERSION}/notebooks"
        assert f"({url}/{stem}.ipynb)" in nb.cells[0].source
        setup = nb.cells[1].source
        assert f'url = "{STUDENT_REPO}.git"' in setup
        assert f'tag, version = "v{VERSION}", "{VERSION}"' in setup
        assert '"--branch", tag, url, folder' in setup
        assert f'"{INSTRUCTOR_REPO}.git"' not in setup
        assert f"github/{INSTRUCTOR_REPO[19:]}/blob" not in nb.cells[0].source
    # The solutions stay the instructor's: their badges open them from this repository.
    solution = jupytext.read(REPO / "solutions" / "00_sequences.py")
    assert f"github/{INSTRUCTOR_REPO[19:]}/blob/main/solutions/00_sequences.ipynb" in (
        solution.cells[0].source
    )


def test_a_tag_option_pins_every_link_to_it():
    files = R.plan(B.Project(REPO), tag="v0.1.0-rc1")
    nb = json.loads(files["notebooks/01_vanilla_rnn.ipynb"])
    assert "/blob/v0.1.0-rc1/notebooks/01_vanilla_rnn.ipynb" in "".join(nb["cells"][0]["source"])
    assert '"v0.1.0-rc1", "0.1.0"' in "".join(nb["cells"][1]["source"])
    assert b"git clone --branch v0.1.0-rc1 " in files["README.md"]
    assert json.loads(files[R.MANIFEST])["tag"] == "v0.1.0-rc1"
    with pytest.raises(ValueError, match="tag"):
        R.plan(B.Project(REPO), tag="v1'; rm")


def test_lessons_version_is_the_pyproject_version():
    assert lessons.__version__ == VERSION


def test_a_new_tag_or_address_leaves_the_solutions_outputs_current():
    nb = jupytext.read(REPO / "solutions" / "00_sequences.py")
    project = B.Project(REPO)
    one = B.with_generated_cells(nb, project.links(), "solutions", "00_sequences")
    links = B.Links(INSTRUCTOR_REPO, "https://github.com/school/rnn-2027", "v2.0.0", "2.0.0")
    other = B.with_generated_cells(nb, links, "solutions", "00_sequences")
    assert one.cells[1].source != other.cells[1].source
    assert B.code_hash(one) == B.code_hash(other)  # only the Colab branch differs
    other.cells[1].source = other.cells[1].source.replace("set_seed(0)", "set_seed(1)")
    assert B.code_hash(one) != B.code_hash(other)  # what runs off Colab counts


# --- release --check, re-release, refusals ------------------------------------------------
def test_check_passes_on_a_release_and_names_each_file_edited_deleted_or_added(
    released, tmp_path, capsys
):
    out = tmp_path / "course"
    shutil.copytree(released, out)
    (out / ".git").mkdir()  # a clone's own files and a student's caches do not count
    (out / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (out / "lessons" / "__pycache__").mkdir()
    (out / "lessons" / "__pycache__" / "config.cpython-311.pyc").write_bytes(b"\0")
    assert release("--check", out, "--root", REPO) == 0
    assert "up to date" in capsys.readouterr().out

    config = out / "lessons" / "config.py"
    config.write_text(config.read_text() + "# edited\n")
    (out / "notebooks" / "02_bptt.ipynb").unlink()
    (out / "notebooks" / "99_mine.ipynb").write_text("{}")
    before = files_under(out)
    assert release("--check", out, "--root", REPO) == 1
    err = capsys.readouterr().err
    assert "stale: lessons/config.py" in err
    assert "missing: notebooks/02_bptt.ipynb" in err
    assert "extra: notebooks/99_mine.ipynb" in err
    assert len([line for line in err.splitlines() if line.startswith("  ")]) == 3
    assert files_under(out) == before  # --check writes nothing


def test_check_finds_a_release_stale_after_the_source_changes_and_release_updates_it(
    tmp_path, capsys
):
    project = copy_project(tmp_path / "kit")
    out = tmp_path / "course"
    assert release(out, "--root", project) == 0
    config = project / "lessons" / "config.py"
    config.write_text(config.read_text() + "# a comment\n")
    source = project / "solutions" / "00_sequences.py"
    source.write_text(source.read_text().replace("Nothing is trained yet", "Nothing trains yet"))
    (project / "lessons" / "extra.py").write_text('"""A new module."""\n')
    capsys.readouterr()
    assert release("--check", out, "--root", project) == 1
    err = capsys.readouterr().err
    for line in (
        "stale: lessons/config.py",
        "stale: notebooks/00_sequences.ipynb",
        "stale: .release-manifest.json",
        "missing: lessons/extra.py",
    ):
        assert line in err, line
    assert "01_vanilla_rnn" not in err

    assert release(out, "--root", project) == 0
    assert "wrote 4 file(s), removed 0" in capsys.readouterr().out
    assert "Nothing trains yet" in (out / "notebooks" / "00_sequences.ipynb").read_text()
    (project / "lessons" / "extra.py").unlink()
    assert release(out, "--root", project) == 0
    assert "wrote 1 file(s), removed 1" in capsys.readouterr().out  # the manifest; extra.py
    assert not (out / "lessons" / "extra.py").exists()
    assert release("--check", out, "--root", project) == 0


def test_release_refuses_without_a_student_repository_of_its_own(tmp_path, capsys):
    project = copy_project(tmp_path / "kit")
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    key = f'student-repository = "{STUDENT_REPO}"\n'
    assert key in text
    for changed, message in (
        (text.replace(key, ""), "[tool.rnn-lessons] student-repository"),
        (text.replace(key, f'student-repository = "{INSTRUCTOR_REPO}"\n'), "holds the solutions"),
        (text.replace(key, 'student-repository = "git@github.com:a/b"\n'), "is not"),
        (text.replace(f'version = "{VERSION}"', 'version = "9.9.9"'), "lessons.__version__"),
    ):
        pyproject.write_text(changed)
        assert release(tmp_path / "course", "--root", project) == 2
        assert message in capsys.readouterr().err, message
    assert not (tmp_path / "course").exists()


def test_release_refuses_a_folder_holding_other_files(tmp_path, capsys):
    out = tmp_path / "course"
    (out / "notes").mkdir(parents=True)
    (out / "notes" / "todo.txt").write_text("mine\n")
    assert release(out, "--root", REPO) == 2
    assert "notes/todo.txt" in capsys.readouterr().err
    assert files_under(out) == {"notes/todo.txt": b"mine\n"}
    for inside in (REPO, REPO / "course", REPO.parent):  # never in or over the instructor's
        assert release(inside, "--root", REPO) == 2
        assert "instructor's repository" in capsys.readouterr().err
    assert not (REPO / "course").exists()


# --- the Colab path, offline ---------------------------------------------------------------------
CHILD = r"""
import importlib.metadata, importlib.util, json, sys, types

assert importlib.util.find_spec("lessons") is None, "lessons importable before the set-up"
sys.modules["google.colab"] = types.ModuleType("google.colab")  # as in Colab's kernel
cells = json.loads(open(sys.argv[1]).read())
namespace = {}
for number, source in enumerate(cells):
    exec(compile(source, f"<cell {number}>", "exec"), namespace)
import lessons

print(json.dumps({
    "file": lessons.__file__,
    "version": importlib.metadata.version("rnn-lessons-course"),
    "instructor": importlib.util.find_spec("instructor") is not None,
}))
"""


# Offline, pip builds the course with the setuptools installed here (Colab downloads one).
needs_git_and_setuptools = pytest.mark.skipif(
    shutil.which("git") is None or importlib.util.find_spec("setuptools") is None,
    reason="the Colab path needs git, and setuptools in this environment to build offline",
)


@pytest.fixture(scope="module")
def course_repository(released, tmp_path_factory):
    """The release as a git repository tagged as `rnn-lessons release` says to push it."""
    repository = tmp_path_factory.mktemp("origin") / "rnn-lessons-course.git"
    shutil.copytree(released, repository)
    git = ["git", "-c", "user.name=Course", "-c", "user.email=course@example.com"]
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "v"]):
        subprocess.run([*git, *command], cwd=repository, check=True)
    subprocess.run([*git, "tag", f"v{VERSION}"], cwd=repository, check=True)
    return repository


@pytest.fixture
def colab(tmp_path):
    """A fresh virtual environment with TensorFlow and no `lessons`, like a Colab runtime."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # This environment's packages (TensorFlow, pip, setuptools) on the path, like Colab's
    # preinstalled ones; a plain path, so the kit's editable install here is not read.
    Path(purelib, "tensorflow-and-co.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    env.update(
        PYTHONNOUSERSITE="1",
        PIP_NO_INDEX="1",  # offline: every dependency is already there
        PIP_NO_BUILD_ISOLATION="0",  # (sic) pip's way to say: build with the setuptools here
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        MPLBACKEND="Agg",
        RNN_LESSONS_QUICK="1",
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    return tmp_path, python, env


def setup_cell_for(work, notebook, url):
    """The notebook's set-up cell, cloning from `url` into `work`/content/ instead of /content/."""
    setup = notebook.cells[1].source
    default = f'url = "{STUDENT_REPO}.git"'
    assert default in setup and '"/content/rnn-lessons-course"' in setup
    setup = setup.replace(default, f'url = "{url}"')
    return setup.replace('"/content/', f'"{work}/content/')


def run_child(colab, cells):
    work, python, env = colab
    (work / "cells.json").write_text(json.dumps(cells))
    (work / "child.py").write_text(CHILD)
    return subprocess.run(
        [python, work / "child.py", work / "cells.json"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


@needs_git_and_setuptools
def test_on_colab_the_setup_cell_installs_the_release_and_the_first_check_passes(
    course_repository, colab
):
    work = colab[0]
    nb = nbformat.read(course_repository / "notebooks" / "00_sequences.ipynb", 4)
    solution = {c.id: c for c in nbformat.read(REPO / "solutions" / "00_sequences.ipynb", 4).cells}
    cells, exercise = [setup_cell_for(work, nb, course_repository.as_uri())], None
    for cell in nb.cells[2:]:
        if cell.cell_type != "code":
            continue
        if "exercise" in cell.metadata.get("rnn_lessons", {}):
            exercise = cell.metadata["rnn_lessons"]["exercise"]
            assert "raise NotImplementedError()" in cell.source
            cells.append(solution[cell.id].source)  # the exercise, written
            continue
        cells.append(cell.source)
        if exercise:
            break  # its check
    assert exercise == "char_vocab" and "check_char_vocab" in cells[-1]
    # Run again, as after a re-run of the cell: lessons is there, so no clone (a bad address).
    cells.append(setup_cell_for(work, nb, (work / "nowhere.git").as_uri()))

    result = run_child(colab, cells)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "All checks passed for char_vocab." in result.stdout
    assert "rnn-lessons: CI mode" in result.stdout  # the set-up cell's last line
    installed = json.loads(result.stdout.strip().splitlines()[-1])
    assert installed["file"] == f"{work}/content/rnn-lessons-course/lessons/__init__.py"
    assert installed["version"] == VERSION and installed["instructor"] is False


@needs_git_and_setuptools
def test_on_colab_a_failed_clone_stops_the_setup_cell_naming_the_address_and_the_key(
    course_repository, colab
):
    work = colab[0]
    nb = nbformat.read(course_repository / "notebooks" / "00_sequences.ipynb", 4)
    bad = (work / "no-such-course.git").as_uri()
    result = run_child(colab, [setup_cell_for(work, nb, bad), "print('carried on')"])
    assert result.returncode != 0
    assert "RuntimeError: Could not install the course from " + bad in result.stderr
    assert "[tool.rnn-lessons] student-repository in pyproject.toml" in result.stderr
    assert "rnn-lessons release" in result.stderr
    assert "carried on" not in result.stdout and "ModuleNotFoundError" not in result.stderr
