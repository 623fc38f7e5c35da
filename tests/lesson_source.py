"""A lesson source read the way its notebook runs, for the tests of the students' checks.

Everything about an exercise comes from its lesson's header (`rnn_lessons.exercises`):
the object the student defines (`defines`), its points and kit answers; its check is
`lessons.checks.lessonNN.check_<exercise>`. The cells an exercise needs from the rest of
the notebook are the ones tagged `rnn_lessons={"context": true}`, as the grader runs them.
"""

import importlib
from pathlib import Path

import jupytext
import numpy as np
import pytest

from instructor.build import solution_lines, strip_solutions
from lessons.checks import CheckFailed


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


ROOT = Path(__file__).resolve().parents[1]


def harness(name):
    """What a lesson's check tests share: (path, checks, exercise_cells, run_cells, solution).

    `solution` is a module-scoped pytest fixture: the namespace after the context
    cells and every exercise cell of the solution ran.
    """
    lesson = ROOT / "solutions" / f"{name}.py"

    def lesson_exercise_cells():
        return exercise_cells(lesson)

    def lesson_run_cells(sources):
        return run_cells(lesson, sources)

    @pytest.fixture(scope="module")
    def solution():
        return lesson_run_cells(lesson_exercise_cells().values())

    return lesson, checks_of(lesson), lesson_exercise_cells, lesson_run_cells, solution


def cell_with_call(lesson, exercise, call):
    """The lesson's cell class for `exercise` with `call` replaced by a (wrong) version."""
    name, _ = checks_of(lesson)[exercise]
    cls = run_cells(lesson, [exercise_cells(lesson)[exercise]])[name]
    return type("StudentCell", (cls,), {"call": call})


def assert_packed_build_refused(check, cell_class, gates, first_weight):
    """A cell whose build packs its `gates` weights into one kernel is told to keep the names."""

    class Packed(cell_class):
        def build(self, input_shape):
            self.kernel = self.add_weight(
                name="kernel", shape=(input_shape[-1], gates * self.units)
            )

    with pytest.raises(CheckFailed, match=f"no weight `{first_weight}`"):
        check(Packed)


def assert_caught(check, function, words):
    """`check(function)` fails with a message holding every one of `words`."""
    with pytest.raises(CheckFailed) as failure:
        check(function)
    for word in words:
        assert word in str(failure.value), str(failure.value)


# A check's catalogue of wrong answers: {check: {wrong answer: the words its message must hold}}.
_MISTAKES = {}
_TESTED = set()


def caught_by(check, words):
    """Mark a wrong answer: `check` must fail it with a message holding `words`.

    `words` is one word (a string) or a list of them. Put it above the wrong answer's
    `def`, or call it on a wrong answer that is not one: `caught_by(check, words)(answer)`.
    The answer is returned unchanged.
    """

    def mark(wrong):
        if check in _TESTED:
            raise RuntimeError(f"mark the wrong answers of {check.__name__} before its test")
        _MISTAKES.setdefault(check, {})[wrong] = words
        return wrong

    return mark


def catches(check, mistakes=None, prepare=None):
    """A test that `check` fails every wrong answer marked `caught_by(check, ...)`, naming it.

    The test runs once per wrong answer, in the order they were marked. `mistakes`, a
    {wrong answer: words} table, replaces the marks where the answers are source strings
    that read best side by side (lesson 07); `prepare` makes what the check is given
    from a wrong answer (default: the answer itself).
    """
    if mistakes is None:
        mistakes = _MISTAKES.get(check)
        _TESTED.add(check)
    if not mistakes:
        raise RuntimeError(f"no wrong answer is marked caught_by({check.__name__}, ...)")

    @pytest.mark.parametrize("wrong, words", list(mistakes.items()))
    def test(wrong, words):
        words = [words] if isinstance(words, str) else words
        assert_caught(check, wrong if prepare is None else prepare(wrong), words)

    return test


# --- the grader's view, for the tests that check and grader agree -------------------------
def probe(graded_lesson, namespace, exercise, seed):
    """The hidden test's result as the grader gets it (an exception becomes an error value)."""
    from instructor.grading import error_value, plain, run_probe, unplain

    defines = graded_lesson.defines[exercise]
    try:
        return unplain(plain(run_probe(graded_lesson.probes, exercise, defines, namespace, seed)))
    except Exception as error:
        return error_value(error)


def graded(lesson, namespace, exercise, seed=3):
    """(status, fraction, detail) of `exercise`'s hidden test on `namespace`, as graded."""
    from instructor.grade import judge, load_lesson

    graded_lesson = load_lesson(lesson)
    solution = run_cells(lesson, exercise_cells(lesson).values())
    reference = probe(graded_lesson, solution, exercise, seed)
    return judge(
        graded_lesson, exercise, probe(graded_lesson, namespace, exercise, seed), reference
    )


def with_replaced(lesson, exercise, old, new, filename="<cell 7>"):
    """The namespace after the context cells and `exercise`'s solution cell with `old` -> `new`."""
    source = exercise_cells(lesson)[exercise]
    assert old in source
    namespace = run_cells(lesson, [])
    exec(compile(source.replace(old, new), filename, "exec"), namespace)
    return namespace


def one_step(cell_class, twin_class, num_states):
    """The output of a cell called directly (eagerly), and of `twin_class` with its weights."""
    from keras import ops

    cell, twin = cell_class(4), twin_class(4)
    cell.build((None, 3))
    twin.build((None, 3))
    for mine, theirs in zip(cell.weights, twin.weights):
        mine.assign(theirs)
    X, states = np.ones((2, 3), "float32"), [np.full((2, 4), 0.5, "float32")] * num_states
    return ops.convert_to_numpy(cell(X, states)[0]), ops.convert_to_numpy(twin(X, states)[0])
