"""Every exercise of every lesson, from its header: the solution passes its check, the stub
says to write it, and the notebook calls the check right after the exercise.

The lesson-specific tests (the wrong answers students write, and what each check
says about them) stay in `tests/test_checks_lessonNN.py`.
"""

import functools
import re
from pathlib import Path

import jupytext
import lesson_source
import pytest

from lessons.checks import CheckFailed

SOLUTIONS = sorted((Path(__file__).resolve().parents[1] / "solutions").glob("[0-9][0-9]_*.py"))
EXERCISES = [
    (lesson, exercise) for lesson in SOLUTIONS for exercise in lesson_source.header(lesson)
]


def _id(case):
    lesson, exercise = case
    return f"{lesson.stem}-{exercise}"


@functools.cache
def solution_namespace(lesson):
    return lesson_source.run_cells(lesson, lesson_source.exercise_cells(lesson).values())


def _arguments(namespace, defines):
    return [namespace[name] for name in (defines if isinstance(defines, tuple) else [defines])]


@pytest.mark.parametrize("lesson", SOLUTIONS, ids=lambda p: p.stem)
def test_exercise_cells_match_the_header(lesson):
    lesson_source.assert_exercises_match(lesson, lesson_source.checks_of(lesson))


@pytest.mark.parametrize("case", EXERCISES, ids=map(_id, EXERCISES))
def test_the_solution_passes_its_check(case, capsys):
    lesson, exercise = case
    defines, check = lesson_source.checks_of(lesson)[exercise]
    check(*_arguments(solution_namespace(lesson), defines))
    assert f"All checks passed for {exercise}." in capsys.readouterr().out


@pytest.mark.parametrize("case", EXERCISES, ids=map(_id, EXERCISES))
def test_the_unwritten_exercise_says_to_write_it(case):
    lesson, exercise = case
    defines, check = lesson_source.checks_of(lesson)[exercise]
    source = lesson_source.exercise_cells(lesson)[exercise]
    stub = lesson_source.run_cells(lesson, [lesson_source.as_student_sees_it(source)])
    with pytest.raises(CheckFailed, match="not written yet"):
        check(*_arguments(stub, defines))


@pytest.mark.parametrize("case", EXERCISES, ids=map(_id, EXERCISES))
def test_the_notebook_calls_the_check_after_the_exercise(case):
    lesson, exercise = case
    cells = [c for c in jupytext.read(lesson).cells if c.cell_type == "code"]
    k = next(
        k
        for k, c in enumerate(cells)
        if c.metadata.get("rnn_lessons", {}).get("exercise") == exercise
    )
    assert f"checks.check_{exercise}(" in cells[k + 1].source


# --- where an exercise is declared ----------------------------------------------------------
ROOT = SOLUTIONS[0].parents[1]
TOOLING = ["instructor", "lessons/checks"]  # the course's code, not the kit's


def _places(lesson):
    """The files of the course's code that may name an exercise of `lesson`: its spec.

    Besides its source (the header, the exercise cell and the call of its check)
    and the student twin built from it, an exercise is named in one file, the
    lesson's spec `lessons/checks/lessonNN.py`: its check, its kit answers and
    its hidden probe. Tests are not counted: a test of a wrong answer names the
    exercise it is about, and a new exercise needs none. A kit function of the
    same name (`lessons.text.sample`) is no mention of the exercise.
    """
    return {f"lessons/checks/lesson{lesson.stem[:2]}.py"}


@functools.cache
def _tooling_texts():
    texts = {}
    for folder in TOOLING:
        for path in sorted((ROOT / folder).rglob("*")):
            # Templates are text for people (the site's lesson lines), not course code.
            skip = {"__pycache__", "templates"}.intersection(path.parts)
            if path.suffix in (".py", ".json") and not skip:
                texts[path.relative_to(ROOT).as_posix()] = path.read_text(encoding="utf-8")
    return texts


@pytest.mark.parametrize("case", EXERCISES, ids=map(_id, EXERCISES))
def test_an_exercise_is_named_in_its_lesson_places_only(case):
    lesson, exercise = case
    name = re.compile(rf"(?<![\w.-])(check_|probe_|compare_)?{exercise}(?![\w-])")
    found = {path for path, text in _tooling_texts().items() if name.search(text)}
    assert found <= _places(lesson), sorted(found - _places(lesson))
