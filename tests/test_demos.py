"""Which cells the grader runs: the lesson's unchanged demonstrations are skipped, unless needed.

Unit tests on small cells written for them, and the real lessons: every student
twin runs its set-up, context, exercise and check cells and nothing else. The
end-to-end cases (a student's code that needs a demonstration still gets its
points) are in `tests/test_grade.py`.
"""

import re
import threading
import time
from pathlib import Path

import nbformat
import pytest

from instructor import grade
from instructor.build import SETUP_TAG
from instructor.grading import demos

REPO = Path(__file__).resolve().parents[1]


def cells(*sources):
    return [{"number": n, "source": s, "exercise": None} for n, s in enumerate(sources, 1)]


def run(sources, demo_sources, looked_up=()):
    kept, skipped = demos.cells_to_run(
        cells(*sources), frozenset(map(demos._key, demo_sources)), frozenset(looked_up)
    )
    return [c["number"] for c in kept], skipped


def test_names_follow_pythons_scopes():
    bound, now, later = demos.names(
        "import numpy as np\n"
        "x, (y, z) = 1, (2, 3)\n"
        "def f(a):\n"
        "    b = a + x\n"
        "    return np.tanh(b) + w\n"
        "class C:\n"
        "    k = v\n"
        "for i in range(3):\n"
        "    pass\n"
        "print([j for j in q])\n"
    )
    assert bound == {"np", "x", "y", "z", "f", "C", "i"}
    assert now >= {"range", "print", "q"} and not now & {"a", "b", "j", "w"}
    assert later >= {"x", "np", "w", "v"} and not later & {"a", "b", "j"}


def test_a_global_statement_binds_and_magics_are_read_as_ipython_does():
    bound, _, later = demos.names("def f():\n    global counter\n    counter += 1\n")
    assert "counter" in bound and "counter" in later
    bound, now, _ = demos.names("%matplotlib inline\nresult = !ls\nvalue = len(result)")
    assert bound == {"result", "value"} and "len" in now
    assert demos.names("def broken(:\n    pass") is None


def test_unchanged_demonstrations_are_skipped_and_edited_ones_run():
    setup, exercise = "import numpy as np", "def f(x):\n    return np.tanh(x)"
    demo, plot = "y = f(np.ones(3))\nprint(y)", "import matplotlib.pyplot as plt\nplt.plot(y)"
    assert run([setup, exercise, demo, plot], [demo, plot]) == ([1, 2], [3, 4])
    edited = demo + "  # my own note"
    assert run([setup, exercise, edited, plot], [demo, plot]) == ([1, 2, 3], [4])
    trailing = demo + "   \n\n"  # blanks at the ends do not make it the student's
    assert run([setup, exercise, trailing], [demo]) == ([1, 2], [3])


def test_a_demonstration_runs_when_code_that_runs_reads_what_it_binds():
    vocab = "names = ['Ada', 'Eve']\nchar_to_index = {c: i for i, c in enumerate('adev')}"
    table = "rows = [f(n) for n in names]"
    # the student's function reads the global a demonstration made, at any later time
    reads_global = "def f(name):\n    return [char_to_index[c] for c in name.lower()]"
    assert run([vocab, reads_global, table], [vocab, table]) == ([1, 2], [3])
    # a module-level read in an earlier cell cannot see a later demonstration's binding
    early = "for n in ['x']:\n    pass"
    later_demo = "n = 5\nprint(n)"
    assert run([early, later_demo], [later_demo]) == ([1], [2])
    # ... but a later cell that runs can, and so can a probe looking up the name
    assert run([later_demo, "m = n + 1"], [later_demo]) == ([1, 2], [])
    assert run(["def n():\n    pass", later_demo], [later_demo], looked_up={"n"}) == ([1, 2], [])


def test_a_needed_demonstration_brings_what_it_needs_in_turn():
    load = "words = ['a', 'b']"
    build = "index = {w: i for i, w in enumerate(words)}"
    unrelated = "print('a plot')"
    student = "def encode(ws):\n    return [index[w] for w in ws]"
    kept, skipped = run([load, build, unrelated, student], [load, build, unrelated])
    assert kept == [1, 2, 4] and skipped == [3]


def test_a_demonstration_that_does_not_compile_runs_and_fails_as_before():
    broken = "print('unclosed'"
    assert run(["x = 1", broken], [broken]) == ([1, 2], [])


@pytest.mark.parametrize("source", sorted((REPO / "solutions").glob("[0-9][0-9]_*.py")))
def test_each_lesson_runs_only_set_up_context_exercises_and_checks(source):
    lesson = grade.load_lesson(source)
    twin = nbformat.read(REPO / "notebooks" / f"{source.stem}.ipynb", as_version=4)
    submission = grade.parse(grade.Submission("x", Path("x.ipynb"), nbformat.writes(twin).encode()))
    kept, skipped = demos.cells_to_run(submission.cells, lesson.demos, lesson.looked_up)
    code = [cell for cell in twin.cells if cell.cell_type == "code"]
    must_run = [
        number
        for number, cell in zip((c["number"] for c in submission.cells), code)
        if SETUP_TAG in cell.metadata.get("tags", [])
        or cell.metadata.get("rnn_lessons", {}).get("exercise")
        or cell.metadata.get("rnn_lessons", {}).get("context")
        or re.search(r"^checks\.check_\w+\(", cell.source, re.M)  # not in yours_or_kit(...)
    ]
    assert [c["number"] for c in kept] == must_run, (
        f"{source.stem}: a demonstration is needed by the exercises; tag it "
        'rnn_lessons={"context": true} in the solution if the exercises really need it'
    )
    assert len(skipped) == len(code) - len(must_run) > 0


def test_a_cell_that_only_chooses_between_yours_and_the_kits_is_a_demonstration():
    choose = "generate = yours_or_kit(sample, checks.check_sample, text.sample)\ngenerate(m)"
    assert not demos.runs_a_check(choose)
    assert demos.runs_a_check("checks.check_sample(sample)")
    assert demos.runs_a_check(choose + "\nchecks.check_sample(generate)")
    assert demos.runs_a_check("ok = checks  # any other use of the checks")
    release = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(choose)])
    assert demos.demonstrations(release, SETUP_TAG) == {choose}


def test_cells_are_parsed_one_at_a_time_across_grading_threads(monkeypatch):
    # `grade --jobs N` runs `names` in threads; CPython 3.11's AST constructor is not safe for
    # two parses at once (gh-106905). A parse that waits for a second one to start sees it
    # only if nothing serializes them.
    inside, most = [0], [0]
    started = threading.Event()
    real_parse = demos.ast.parse

    def slow_parse(code, *args, **kwargs):
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        started.set()
        time.sleep(0.2)  # time for the other thread to enter, were it allowed
        inside[0] -= 1
        return real_parse(code, *args, **kwargs)

    monkeypatch.setattr(demos.ast, "parse", slow_parse)
    threads = [threading.Thread(target=demos.names, args=(f"x{k} = {k}",)) for k in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert started.is_set() and most[0] == 1
