"""A cell's `call` written with NumPy: right when called directly, wrong inside keras.layers.RNN.

The students' check and the grader's hidden test must agree on it: both say "use
keras.ops", both give it nothing, and the grader names the student's NumPy line.
"""

import re

import lesson_source
import numpy as np
import pytest

from lessons.checks import CheckFailed, numpy_in_graph_message

# What students write: (lesson, exercise, the solution's text, their text, number of states).
CASES = [
    ("01_vanilla_rnn", "rnn_cell_call", "H_t = ops.tanh(", "H_t = np.tanh(", 1),
    ("01_vanilla_rnn", "rnn_cell_call", "ops.matmul(", "np.dot(", 1),
    ("04_gru", "simplified_gru_call", "c_tilde = ops.tanh(", "c_tilde = np.tanh(", 1),
    ("04_gru", "gru_call", "ops.matmul(", "np.dot(", 1),
    ("05_lstm", "lstm_call", "H_t = O_t * ops.tanh(C_t)", "H_t = O_t * np.tanh(C_t)", 2),
    ("05_lstm", "coupled_lstm_call", "ops.matmul(", "np.dot(", 2),
]
CELL_EXERCISES = sorted({(lesson, exercise) for lesson, exercise, *_ in CASES})


def _path(lesson):
    return lesson_source.ROOT / "solutions" / f"{lesson}.py"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[1]}-{c[3].strip('(')}")
def test_a_cell_written_with_numpy_fails_the_check_and_the_grader_alike(case):
    lesson, exercise, old, new, num_states = case
    path = _path(lesson)
    name, check = lesson_source.checks_of(path)[exercise]
    namespace = lesson_source.with_replaced(path, exercise, old, new)
    solution = lesson_source.run_cells(path, [lesson_source.exercise_cells(path)[exercise]])
    got, want = lesson_source.one_step(namespace[name], solution[name], num_states)
    np.testing.assert_allclose(got, want, atol=1e-6)  # right when called directly
    message = numpy_in_graph_message(f"`{name}.call` (exercise {exercise})")
    with pytest.raises(CheckFailed) as failure:
        check(namespace[name])
    assert str(failure.value) == message
    status, fraction, detail = lesson_source.graded(path, namespace, exercise)
    assert (status, fraction) == ("error", 0.0)
    found = re.fullmatch(rf"{re.escape(message.rstrip('.'))} \(cell 7, line (\d+)\)", detail)
    assert found, detail
    source = lesson_source.exercise_cells(path)[exercise].replace(old, new)
    assert new in source.splitlines()[int(found.group(1)) - 1]  # the student's NumPy line


@pytest.mark.parametrize("case", CELL_EXERCISES, ids=lambda c: c[1])
def test_the_grader_gives_the_solution_full_marks_and_the_stub_missing(case):
    lesson, exercise = case
    path = _path(lesson)
    cells = lesson_source.exercise_cells(path)
    solution = lesson_source.run_cells(path, cells.values())
    assert lesson_source.graded(path, solution, exercise)[:2] == ("passed", 1.0)
    stub = lesson_source.run_cells(path, [lesson_source.as_student_sees_it(cells[exercise])])
    assert lesson_source.graded(path, stub, exercise)[0] == "missing"
