"""A lesson source read the way its notebook runs, for the tests of the students' checks.

Everything about an exercise comes from its lesson's header (`rnn_lessons.exercises`):
the object the student defines (`defines`), its points and kit answers; its check is
`lessons.checks.lessonNN.check_<exercise>`. The cells an exercise needs from the rest of
the notebook are the ones tagged `rnn_lessons={"context": true}`, as the grader runs them.
"""

import importlib

import jupytext

from instructor.build import solution_lines, strip_solutions


def exercise_cells(lesson):
    """{exercise name: cell source} of the lesson source `lesson`, in notebook order."""
    notebook = jupytext.read(lesson)
    return {
        cell.metadata["rnn_lessons"]["exercise"]: cell.source
        for cell in notebook.cells
        if cell.cell_type == "code" and "exercise" in cell.metadata.get("rnn_lessons", {})
    }


def header(lesson):
    """{exercise: its settings (defines, points, kit_answer)} from the lesson's header."""
    return jupytext.read(lesson).metadata["rnn_lessons"]["exercises"]


def checks_of(lesson):
    """{exercise: (the name the student defines, or a tuple of names; its check)}, in order."""
    checks = importlib.import_module(f"lessons.checks.lesson{lesson.stem[:2]}")
    declared = header(lesson)
    found = {}
    for exercise in exercise_cells(lesson):
        defines = declared[exercise]["defines"]
        defines = tuple(defines) if isinstance(defines, list) else defines
        found[exercise] = (defines, getattr(checks, f"check_{exercise}"))
    return found


def context_cells(lesson):
    """The cells tagged as the exercises' context (imports, helpers), in notebook order."""
    return [
        cell.source
        for cell in jupytext.read(lesson).cells
        if cell.cell_type == "code" and cell.metadata.get("rnn_lessons", {}).get("context")
    ]


def run_cells(lesson, sources, prelude=None):
    """Run the context cells (or `prelude`), then `sources`, in one fresh namespace."""
    namespace = {}
    before = context_cells(lesson) if prelude is None else [prelude]
    for source in [*before, *sources]:
        exec(compile(source, str(lesson), "exec"), namespace)
    return namespace


def as_student_sees_it(source):
    """The cell as the build gives it to students: each solution region stubbed."""
    return strip_solutions(source)


def has_solution_region(source):
    """True when the cell holds code between BEGIN and END SOLUTION lines."""
    return bool(solution_lines(source))


def assert_exercises_match(lesson, expected):
    """The exercise cells are `expected`, in order, as the header declares, each with a region.

    The header is YAML, whose keys the build may write sorted: compared as a set there.
    """
    declared = jupytext.read(lesson).metadata["rnn_lessons"]["exercises"]
    cells = exercise_cells(lesson)
    assert list(cells) == list(expected) and set(declared) == set(expected)
    for name, source in cells.items():
        assert has_solution_region(source), f"exercise {name} has no solution region"
