"""The figures the lessons' prose quotes are the ones their stored runs printed.

The guard (`instructor.claims`) reads each solution notebook's named claims; these tests run
it on the stored notebooks, then change a stored output or the prose the way the mistakes it
exists for were made, and see it fail.
"""

import copy
from pathlib import Path

import nbformat
import pytest

from instructor.claims import ClaimError, agrees, check_lessons, disagreements

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"
NOTEBOOKS = sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))


def stored(stem):
    return nbformat.read(str(SOLUTIONS / f"{stem}.ipynb"), as_version=4)


def with_output_changed(notebook, old, new):
    """A copy of `notebook` whose one stored output holding `old` holds `new` instead."""
    notebook = copy.deepcopy(notebook)
    hits = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and old in output.text:
                output.text = output.text.replace(old, new)
                hits += 1
    assert hits == 1, f"{old!r} is in {hits} outputs"
    return notebook


def with_prose_changed(notebook, old, new):
    """A copy of `notebook` whose one markdown cell holding `old` holds `new` instead."""
    notebook = copy.deepcopy(notebook)
    cells = [c for c in notebook.cells if c.cell_type == "markdown" and old in c.source]
    assert len(cells) == 1, f"{old!r} is in {len(cells)} markdown cells"
    cells[0].source = cells[0].source.replace(old, new)
    return notebook


def test_every_lesson_says_what_its_stored_run_printed():
    assert len(NOTEBOOKS) == 10
    assert check_lessons(NOTEBOOKS) == []


@pytest.mark.parametrize("stem", [p.stem for p in NOTEBOOKS])
def test_every_lesson_names_the_results_its_prose_quotes(stem):
    claims = stored(stem).metadata["rnn_lessons"]["claims"]
    assert len(claims) >= (1 if stem == "00_sequences" else 6), sorted(claims)


def test_a_claim_edited_in_the_source_reaches_the_notebook_and_not_the_students():
    from instructor import build

    notebook = stored("03_language_models")
    edited = copy.deepcopy(notebook)
    edited.metadata["rnn_lessons"]["claims"]["new"] = {"printed": "x {}", "says": "y {}"}
    assert build.inputs_hash(edited) != build.inputs_hash(notebook)  # the build rewrites it
    links = build.find_project(SOLUTIONS).links()
    twin = build.student_twin(edited, links, "03_language_models")
    assert (
        "claims" not in twin.metadata["rnn_lessons"] and "exercises" in twin.metadata["rnn_lessons"]
    )


# --- the mismatches the guard exists for ----------------------------------------------------
def stored_match(notebook, claim, side):
    """(the text a claim's `printed` or `says` template matches in the stored run, its number)."""
    from instructor.claims import _template, outputs_text

    template = notebook.metadata["rnn_lessons"]["claims"][claim][side]
    cells = [
        c for c in notebook.cells if c.cell_type == ("code" if side == "printed" else "markdown")
    ]
    text = "\n".join(outputs_text(c) if side == "printed" else c.source for c in cells)
    match = _template(template).search(text)
    assert match, f"{claim}: {template!r} matches nothing in the stored run"
    return match.group(0), match.group(1)


# The examples, on whatever the stored run printed: the output changes, or the prose
# goes back to the words the guard was built against.
@pytest.mark.parametrize(
    "stem, claim, new_number",
    [
        ("03_language_models", "poem_time", "100"),
        ("06_deep_rnn", "grid_time", "659"),
        ("02_bptt", "clipnorm_cosine", "0.9912"),
    ],
)
def test_a_result_printed_otherwise_than_the_prose_says_fails(stem, claim, new_number):
    notebook = stored(stem)
    old, number = stored_match(notebook, claim, "printed")
    new = old.replace(number, new_number)
    (problem,) = disagreements(with_output_changed(notebook, old, new))
    assert all(word in problem for word in [claim, new_number]), problem


@pytest.mark.parametrize(
    "stem, claim, new, findings",
    [
        (
            "03_language_models",
            "poem_time",
            "10 epochs, about 100 s on a quiet CPU",
            [["poem_time", "no markdown cell says"], ["the time '100 s' is no claim"]],
        ),
        (
            "06_deep_rnn",
            "grid_time",
            "trained in 659 s in the stored run, and the whole notebook ran in 11.4 minutes",
            [["grid_time", "'trained in 659 s"], ["'11.4 minutes' is no claim"]],
        ),
    ],
)
def test_the_old_figures_in_the_prose_are_caught(stem, claim, new, findings):
    notebook = stored(stem)
    old, _ = stored_match(notebook, claim, "says")
    problems = disagreements(with_prose_changed(notebook, old, new))
    for words in findings:
        assert any(all(word in p for word in words) for p in problems), problems


def test_02_words_for_a_range_fail_when_the_printed_value_is_outside_it():
    """The old "bends a little", as a claim of words for a cosine near 1, against 0.52."""
    notebook = with_prose_changed(
        stored("02_bptt"), "not at all. `clipvalue`", "not at all: it bends a little. `clipvalue`"
    )
    notebook.metadata["rnn_lessons"]["claims"]["bends_a_little"] = {
        "printed": "clipnorm=1 2.22 {}",
        "says": "it bends a little",
        "between": [0.95, 1.0],
    }
    (problem,) = disagreements(notebook)
    assert "bends_a_little" in problem and "[0.95, 1.0]" in problem and "0.5219" in problem


def test_a_claim_whose_output_is_gone_or_ambiguous_fails():
    notebook = stored("03_language_models")
    notebook.metadata["rnn_lessons"]["claims"]["ambiguous"] = {
        "printed": "trained in {} s",  # the char, word, names and poem models all print it
        "says": "trained in {} s on a CPU",
    }
    notebook.metadata["rnn_lessons"]["claims"]["gone"] = {
        "printed": "no cell prints {} this",
        "says": "reaches **{} bits per character",
    }
    problems = disagreements(notebook)
    assert any("'ambiguous'" in p and "finds 4 printed values" in p for p in problems)
    assert any("'gone'" in p and "no stored output prints" in p for p in problems)


# --- quiet on what is not a result -----------------------------------------------------------
def notebook_of(markdown, printed, claims=None):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "print(...)",
                outputs=[nbformat.v4.new_output("stream", name="stdout", text=printed)],
            ),
            nbformat.v4.new_markdown_cell(markdown),
        ]
    )
    nb.metadata["rnn_lessons"] = {"claims": claims or {}}
    return nb


def test_equations_settings_and_unclaimed_numbers_are_left_alone():
    markdown = (
        "With $\\sigma(3) \\approx 0.95$ the GRU keeps $0.95^{99} \\approx 0.006$; "
        "$T = 100$ steps, 64 units, 20 epochs, Pascanu et al. (2013), "
        "$s_t = \\tanh(U x_t + W s_{t-1})$, a frame every 10 ms, 3 s-shaped curves. "
        "The model reaches 2.10 bits."
    )
    notebook = notebook_of(markdown, "held-out: 2.105 bits/char\n")
    assert disagreements(notebook) == []
    claims = {"bits": {"printed": "held-out: {} bits/char", "says": "reaches {} bits"}}
    assert disagreements(notebook_of(markdown, "held-out: 2.105 bits/char\n", claims)) == []
    problems = disagreements(notebook_of(markdown, "held-out: 2.300 bits/char\n", claims))
    assert len(problems) == 1 and "'reaches 2.10 bits'" in problems[0]


def test_minutes_of_printed_seconds_and_a_line_break_in_the_prose():
    claims = {"t": {"printed": "grid: {} s", "says": "ran in {} minutes", "divide": 60}}
    assert disagreements(notebook_of("It ran in\n4.9 minutes.", "grid: 294 s\n", claims)) == []
    (problem,) = disagreements(notebook_of("It ran in 11.4 minutes.", "grid: 294 s\n", claims))
    assert "÷ 60" in problem


@pytest.mark.parametrize(
    "said, printed, expected",
    [
        ("2.10", 2.105, True),  # either rounding of the half
        ("2.11", 2.105, True),
        ("2.1", 2.16, False),
        ("850", 847, True),  # "about 850 s": tens
        ("100", 850, False),
        ("3,003", 3003, True),
        ("0.52", 0.5219, True),
        ("0.5", 0.5219, True),
        ("0.53", 0.5219, False),
        ("135", 134.9, True),
    ],
)
def test_the_prose_may_round_but_not_change_a_figure(said, printed, expected):
    assert agrees(said, printed) is expected


def test_a_claim_must_say_where_the_number_stands():
    claims = {"x": {"printed": "no placeholder", "says": "{}"}}
    (problem,) = disagreements(notebook_of("1", "no placeholder", claims))
    assert "needs exactly one {} where the number stands" in problem
    with pytest.raises(ClaimError, match="needs `printed` and `says`"):
        disagreements(notebook_of("1", "x", {"x": {"printed": "{}"}}))
