"""A lesson source read the way its notebook runs, for the tests of the students' checks."""

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


def run_cells(lesson, sources, prelude=""):
    """Run `prelude` (the notebook's imports), then the cells, in one fresh namespace."""
    namespace = {}
    for source in [prelude, *sources]:
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
