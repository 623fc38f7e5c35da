"""The notebook pipeline: one source per lesson -> solutions and student notebooks."""

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from instructor import build as B
from instructor import cli
from lessons import config

REPO = Path(__file__).resolve().parents[1]

DEMO = '''\
# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
#   rnn_lessons:
#     lesson: 01_demo
#     exercises:
#       square:
#         points: 1
# ---

# %% [markdown] tags=["kit-badge"]
# badge placeholder
#
# # A demo lesson

# %% tags=["kit-setup"]
pass

# %% rnn_lessons={"exercise": "square"}
def square(x):
    """x²."""
    ### BEGIN SOLUTION
    result = x * x
    return result
    ### END SOLUTION

# %%
print(square(3))
'''

PYPROJECT = (
    '[project]\nname = "demo"\n\n[project.urls]\nRepository = "https://github.com/someone/demo"\n'
)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "solutions" / "01_demo.py").write_text(DEMO)
    return B.Project(tmp_path)


def run_build(project, *args):
    return cli.main(["build", "--root", str(project.root), *args])


def read(path):
    return nbformat.read(path, as_version=4)


# --- the student twin -------------------------------------------------------------------
def test_build_writes_the_pair_and_the_student_twin(project, capsys):
    assert run_build(project) == 0
    solution = read(project.solutions / "01_demo.ipynb")
    student = read(project.notebooks / "01_demo.ipynb")
    nbformat.validate(student)
    assert [c.id for c in student.cells] == [c.id for c in solution.cells]
    assert student.metadata["rnn_lessons"] == solution.metadata["rnn_lessons"]
    exercise = student.cells[2]
    assert exercise.metadata["rnn_lessons"] == {"exercise": "square"}
    assert exercise.source == (
        'def square(x):\n    """x²."""\n    # YOUR CODE HERE\n    raise NotImplementedError()'
    )
    assert "result" not in json.dumps(student)
    assert (project.notebooks / "01_demo.py").read_text().count("raise NotImplementedError()") == 1
    # The build's own cells: a badge for each folder's notebook, the Colab set-up.
    assert "github/someone/demo/blob/main/notebooks/01_demo.ipynb" in student.cells[0].source
    assert "github/someone/demo/blob/main/solutions/01_demo.ipynb" in solution.cells[0].source
    assert student.cells[0].source.endswith("# A demo lesson")
    setup = student.cells[1].source
    assert '"clone"' in setup and "https://github.com/someone/demo.git" in setup
    # The source itself now carries the generated cells; the rest is untouched.
    source = (project.solutions / "01_demo.py").read_text()
    assert "badge placeholder" not in source and "result = x * x" in source


def test_build_check_is_clean_after_a_build_and_names_what_drifts(project, capsys):
    assert run_build(project) == 0
    assert run_build(project, "--check") == 1  # built, but never executed: outputs stale
    assert "01_demo.ipynb" in capsys.readouterr().err
    source = project.solutions / "01_demo.py"
    source.write_text(source.read_text().replace("print(square(3))", "print(square(4))"))
    before = (project.notebooks / "01_demo.ipynb").read_text()
    assert run_build(project, "--check") == 1
    err = capsys.readouterr().err
    assert "notebooks/01_demo.ipynb" in err and "solutions/01_demo.ipynb" in err
    assert (project.notebooks / "01_demo.ipynb").read_text() == before  # --check writes nothing


def test_execute_stores_outputs_and_check_is_then_clean(project, capsys):
    assert run_build(project, "--execute", "01_demo") == 0
    solution = read(project.solutions / "01_demo.ipynb")
    assert solution.cells[3].outputs[0]["text"] == "9\n"
    assert solution.metadata[B.RUN_KEY]["inputs"] == B.code_hash(solution)
    student = read(project.notebooks / "01_demo.ipynb")
    assert all(c.get("outputs", []) == [] for c in student.cells)
    assert B.RUN_KEY not in student.metadata
    capsys.readouterr()
    assert run_build(project, "--check") == 0
    # Prose does not change what the code prints: editing it leaves the outputs current.
    source = project.solutions / "01_demo.py"
    source.write_text(source.read_text().replace("# A demo lesson", "# A demo lesson, reworded"))
    assert run_build(project) == 0 and run_build(project, "--check") == 0
    assert "reworded" in read(project.solutions / "01_demo.ipynb").cells[0].source


# --- nothing a person wrote is lost ---------------------------------------------------------
def test_build_refuses_to_overwrite_a_students_work_and_force_does(project, capsys):
    assert run_build(project) == 0
    student = project.notebooks / "01_demo.ipynb"
    work = student.read_text().replace("raise NotImplementedError()", "return x ** 2")
    student.write_text(work)
    source = project.solutions / "01_demo.py"
    source.write_text(source.read_text().replace("# A demo lesson", "# A demo lesson, revised"))

    assert run_build(project) == 1
    err = capsys.readouterr().err
    assert "notebooks/01_demo.ipynb" in err and "--force" in err and "cp " in err
    assert student.read_text() == work  # untouched
    assert "revised" in (project.notebooks / "01_demo.py").read_text()  # the unedited twin moved on

    assert run_build(project, "--force") == 0
    assert "revised" in student.read_text() and "x ** 2" not in student.read_text()


def test_build_refuses_a_solution_notebook_edited_without_its_source(project, capsys):
    assert run_build(project) == 0
    ipynb = project.solutions / "01_demo.ipynb"
    nb = read(ipynb)
    nb.cells[3].source = "print(square(5))  # edited in Jupyter without jupytext"
    nbformat.write(nb, ipynb)
    source = project.solutions / "01_demo.py"
    source.write_text(source.read_text() + "\n# %%\nprint('new cell')\n")
    assert run_build(project) == 1
    assert "solutions/01_demo.ipynb" in capsys.readouterr().err
    assert "edited in Jupyter" in ipynb.read_text()


def test_changing_the_repository_url_rewrites_only_the_generated_cells(project):
    assert run_build(project) == 0
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("someone/demo", "school/rnn"))
    assert run_build(project, "--check") == 1
    assert run_build(project) == 0
    source = (project.solutions / "01_demo.py").read_text()
    assert "github/school/rnn/blob/main/solutions/01_demo.ipynb" in source
    assert "result = x * x" in source
    assert "school/rnn" in (project.notebooks / "01_demo.py").read_text()


# --- errors ------------------------------------------------------------------------------------
def test_strip_solutions_keeps_the_markers_indent():
    source = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\nx = 2"
    assert B.strip_solutions(source) == (
        "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError()\nx = 2"
    )


@pytest.mark.parametrize(
    "source, message",
    [
        ("### BEGIN SOLUTION\nx = 1", "no matching"),
        ("x = 1\n### END SOLUTION", "without a BEGIN"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside a region"),
    ],
)
def test_unbalanced_markers_are_reported(source, message):
    with pytest.raises(B.BuildError, match=message):
        B.strip_solutions(source, where="solutions/01_demo.py, cell 3")


def test_missing_repository_url_is_reported(project, capsys):
    (project.root / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    assert run_build(project) == 2
    assert "[project.urls] Repository" in capsys.readouterr().err


def test_unknown_lesson_is_reported(project, capsys):
    assert run_build(project, "07_nothing") == 2
    assert "07_nothing" in capsys.readouterr().err


# --- the kit's own notebooks -------------------------------------------------------------
def test_the_kits_notebooks_are_up_to_date(capsys):
    status = cli.main(["build", "--check", "--root", str(REPO)])
    assert status == 0, capsys.readouterr().err


def kit_lessons():
    return [p.stem for p in B.Project(REPO).sources()]


@pytest.mark.parametrize("stem", kit_lessons())
def test_student_notebook_structure(stem):
    solution = read(REPO / "solutions" / f"{stem}.ipynb")
    student = read(REPO / "notebooks" / f"{stem}.ipynb")
    nbformat.validate(student)
    assert [c.id for c in student.cells] == [c.id for c in solution.cells]
    text = json.dumps([c.source for c in student.cells])
    assert B.SOLUTION_BEGIN not in text and B.SOLUTION_END not in text
    secret = {line for c in solution.cells for line in B.solution_lines(c.source)}
    # A line such as ")" or "return out" may also sit in a cell the student sees anyway.
    public = {
        line.strip()
        for c in solution.cells
        for line in B.strip_solutions(c.source).splitlines()
        if c.cell_type == "code"
    }
    student_lines = {line.strip() for c in student.cells for line in c.source.splitlines()}
    leaked = (secret - public) & student_lines
    assert not leaked, leaked
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in student.cells)
    # Every exercise named in the metadata has its cell, with a stub to fill in.
    exercises = solution.metadata["rnn_lessons"]["exercises"]
    cells = {c.metadata.get("rnn_lessons", {}).get("exercise"): c for c in student.cells}
    assert len(exercises) >= 2
    for name in exercises:
        assert "raise NotImplementedError()" in cells[name].source, name
    assert solution.cells[0].metadata["tags"] == ["kit-badge"]
    assert "Open In Colab" in student.cells[0].source


def test_solutions_carry_outputs(stem="00_sequences"):
    solution = read(REPO / "solutions" / f"{stem}.ipynb")
    assert solution.metadata[B.RUN_KEY]["mode"] == "full"
    code = [c for c in solution.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert any(o.get("data", {}).get("image/png") for c in code for o in c.outputs)  # plots


# --- the run-size switch -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, small", [("true", True), ("1", True), ("", False), ("false", False)]
)
def test_ci_switch_shrinks_the_work(monkeypatch, value, small):
    monkeypatch.delenv("RNN_LESSONS_QUICK", raising=False)
    monkeypatch.setenv("CI", value)
    assert config.ci_mode() is small
    assert config.pick(ci=2, full=30) == (2 if small else 30)
    assert ("CI mode" in config.describe()) is small


def test_quick_switch_without_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("RNN_LESSONS_QUICK", "1")
    assert config.pick(ci="small", full="big") == "small"


def test_copies_of_the_demo_do_not_leak(project):
    # The fixture works in a temporary folder: the repository is never touched.
    assert not (REPO / "solutions" / "01_demo.py").exists()
    shutil.rmtree(project.root)
