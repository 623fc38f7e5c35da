"""Student notebooks built from the real lesson-00 notebooks: the grading tests' class.

`read` loads a solution or a student twin; `with_cell`, `with_solution_of` and
`with_bug` change a copy; the answers below are written for these tests (a
bug, the same answer in other words, a cell that does not compile, the kit's
own answer handed in).
"""

import copy
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
LESSON = "00_sequences"


def read(folder, lesson=LESSON):
    return nbformat.read(REPO / folder / f"{lesson}.ipynb", as_version=4)


def exercise_index(notebook, name):
    return next(
        i
        for i, cell in enumerate(notebook.cells)
        if cell.metadata.get("rnn_lessons", {}).get("exercise") == name
    )


def with_cell(notebook, source, at=None):
    """A copy of `notebook` with a code cell of `source` inserted at `at` (default: the end)."""
    notebook = copy.deepcopy(notebook)
    cell = nbformat.v4.new_code_cell(source)
    notebook.cells.insert(len(notebook.cells) if at is None else at, cell)
    return notebook


def with_solution_of(notebook, name):
    """The student notebook with one exercise filled in from the solution."""
    notebook = copy.deepcopy(notebook)
    solution = read("solutions")
    notebook.cells[exercise_index(notebook, name)].source = solution.cells[
        exercise_index(solution, name)
    ].source
    return notebook


BUGGY_ENCODE = """
def encode_name(name, char_to_index):
    return [char_to_index[char] for char in name] + [EOS]  # KeyError for an unseen character
"""


# Written for these tests, not copied: the same answer twice, once with other names and comments.
OWN_VOCAB = """
SPECIAL_TOKENS = ["<pad>", "<unk>", "<eos>"]
PAD, UNK, EOS = 0, 1, 2


def build_char_vocab(names):
    # every character that occurs, once, in sorted order, after the special tokens
    seen = set()
    for name in names:
        for character in name:
            seen.add(character)
    index_to_char = list(SPECIAL_TOKENS) + sorted(seen)
    char_to_index = {token: position for position, token in enumerate(index_to_char)}
    return char_to_index, index_to_char
"""
RENAMED_VOCAB = """
SPECIAL_TOKENS = ["<pad>", "<unk>", "<eos>"]
PAD, UNK, EOS = 0, 1, 2


def build_char_vocab(names):
    # collect the alphabet of the data set
    letters = set()
    for word in names:
        for ch in word:
            letters.add(ch)
    itos = list(SPECIAL_TOKENS) + sorted(letters)  # specials first
    stoi = {tok: i for i, tok in enumerate(itos)}
    return stoi, itos
"""
UNREADABLE_VOCAB = """
SPECIAL_TOKENS = ["<pad>", "<unk>", "<eos>"]
PAD, UNK, EOS = 0, 1, 2
def build_char_vocab(names):
    index_to_char = list(SPECIAL_TOKENS) + sorted(set("".join(names))
    return {c: i for i, c in enumerate(index_to_char)}, index_to_char
"""
KIT_ENCODE = """
from lessons.checks.lesson00 import reference_encode


def encode_name(name, char_to_index):
    return reference_encode(name, char_to_index)
"""


def with_bug(notebook, name, source):
    notebook = copy.deepcopy(notebook)
    notebook.cells[exercise_index(notebook, name)].source = source
    return notebook
