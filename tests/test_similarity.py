"""The similarity report (`instructor.grading.similarity`) on GRU steps written by hand.

Five correct `call`s of lesson 04's `MyGRUCell`, each in its own style, plus
one copied from another with every name and comment changed, one copied from
the kit's `lessons/gru.py` (read from the repository, so it follows the kit),
and blank ones. The copies must head the report, the independent answers stay
below them, and the blank ones stay out of it. No TensorFlow runs: the code is
only read.
"""

import ast
import csv
import difflib
import io
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import jupytext
import pytest
from copydetect import CodeFingerprint, compare_files

from instructor.build import strip_solutions
from instructor.grading import similarity
from instructor.grading.similarity import Entry

REPO = Path(__file__).resolve().parents[1]
LESSON, EXERCISE = "04_gru", "gru_call"
KIT = "kit:lessons/gru.py"


def exercise_cell(lesson, exercise):
    """The exercise's cell of the lesson source solutions/<lesson>.py, solution included."""
    notebook = jupytext.read(REPO / "solutions" / f"{lesson}.py")
    return next(
        cell.source
        for cell in notebook.cells
        if cell.metadata.get("rnn_lessons", {}).get("exercise") == exercise
    )


SOLUTION = exercise_cell(LESSON, EXERCISE)
# The cell as the student notebook has it (the build's own stub), the same for every student.
STUB = strip_solutions(SOLUTION)
BLANK_BODY = "        # YOUR CODE HERE\n        raise NotImplementedError()"

# Five correct answers written independently, each in its own style.
INDEPENDENT = {
    # the @ operator, unpacking the state list
    "alice": """\
(h,) = states
x = inputs
z = ops.sigmoid(x @ self.W_xz + h @ self.W_hz + self.b_z)
r = ops.sigmoid(x @ self.W_xr + h @ self.W_hr + self.b_r)
candidate = ops.tanh(x @ self.W_xh + (r * h) @ self.W_hh + self.b_h)
h = z * h + (1 - z) * candidate
return h, [h]
""",
    # colah's form: one matrix on the stacked [x, h]
    "bob": """\
h_prev = states[0]
xh = ops.concatenate([inputs, h_prev], axis=-1)
W_z = ops.concatenate([self.W_xz, self.W_hz], axis=0)
W_r = ops.concatenate([self.W_xr, self.W_hr], axis=0)
z_t = ops.sigmoid(ops.matmul(xh, W_z) + self.b_z)
r_t = ops.sigmoid(ops.matmul(xh, W_r) + self.b_r)
x_rh = ops.concatenate([inputs, r_t * h_prev], axis=-1)
W_c = ops.concatenate([self.W_xh, self.W_hh], axis=0)
h_tilde = ops.tanh(ops.matmul(x_rh, W_c) + self.b_h)
h_t = h_tilde + z_t * (h_prev - h_tilde)
return h_t, [h_t]
""",
    # a helper that finds each part's weights by name
    "carol": """\
h = states[0] if isinstance(states, (list, tuple)) else states

def pre_activation(part, state):
    W_x = getattr(self, "W_x" + part)
    W_h = getattr(self, "W_h" + part)
    b = getattr(self, "b_" + part)
    return ops.matmul(inputs, W_x) + ops.matmul(state, W_h) + b

update = keras.activations.sigmoid(pre_activation("z", h))
reset = keras.activations.sigmoid(pre_activation("r", h))
proposal = keras.activations.tanh(pre_activation("h", reset * h))
out = ops.add(ops.multiply(update, h), ops.multiply(ops.subtract(1.0, update), proposal))
return out, [out]
""",
    # both gates in one product, then split
    "dave": """\
h_prev, = states
gates = ops.sigmoid(
    ops.matmul(inputs, ops.concatenate([self.W_xz, self.W_xr], axis=1))
    + ops.matmul(h_prev, ops.concatenate([self.W_hz, self.W_hr], axis=1))
    + ops.concatenate([self.b_z, self.b_r])
)
z, r = ops.split(gates, 2, axis=-1)
cand = ops.tanh(ops.matmul(inputs, self.W_xh) + self.b_h + ops.matmul(r * h_prev, self.W_hh))
new_h = (1.0 - z) * cand + z * h_prev
return new_h, [new_h]
""",
    # einsum through a short alias
    "erin": """\
K = keras.ops
prev = states[0]
lin = lambda v, W: K.einsum("ni,ij->nj", v, W)
gate_r = K.sigmoid(lin(inputs, self.W_xr) + lin(prev, self.W_hr) + self.b_r)
gate_z = K.sigmoid(lin(inputs, self.W_xz) + lin(prev, self.W_hz) + self.b_z)
c = K.tanh(lin(inputs, self.W_xh) + lin(gate_r * prev, self.W_hh) + self.b_h)
nxt = K.add(prev * gate_z, c * (1 - gate_z))
return nxt, [nxt]
""",
}

# bob's answer, every name and comment changed and the lines broken elsewhere.
RENAMED_COPY = """\
# my GRU: stack the input with the state, one matrix per gate
previous = states[0]
joined = ops.concatenate([inputs, previous], axis=-1)  # [x_t, h_{t-1}]
Wu = ops.concatenate(
    [self.W_xz, self.W_hz], axis=0
)
Wg = ops.concatenate([self.W_xr, self.W_hr], axis=0)  # reset gate's matrix
upd = ops.sigmoid(ops.matmul(joined, Wu) + self.b_z)
rst = ops.sigmoid(ops.matmul(joined, Wg) + self.b_r)
# the candidate sees the reset state
joined_reset = ops.concatenate([inputs, rst * previous], axis=-1)
Wcand = ops.concatenate([self.W_xh, self.W_hh], axis=0)
proposal = ops.tanh(
    ops.matmul(joined_reset, Wcand) + self.b_h
)
result = proposal + upd * (previous - proposal)
return result, [result]
"""


def cell(body):
    """The student's cell: the stub with `body` in place of `raise NotImplementedError()`."""
    assert STUB.endswith(BLANK_BODY)
    return STUB.replace(BLANK_BODY, textwrap.indent(body, " " * 8))


def kit_call_renamed():
    """`GRUCell.call` of the kit's lessons/gru.py, its locals renamed as a student would."""
    source = (REPO / "lessons" / "gru.py").read_text(encoding="utf-8")
    gru = next(n for n in ast.parse(source).body if getattr(n, "name", "") == "GRUCell")
    call = next(n for n in gru.body if getattr(n, "name", "") == "call")
    body = textwrap.dedent(
        "\n".join(source.splitlines()[call.body[0].lineno - 1 : call.end_lineno])
    )
    for old, new in {"H_prev": "state", "X_t": "x", "Z_t": "z", "R_t": "r", "H_t": "out"}.items():
        body = re.sub(rf"\b{old}\b", new, body)
    return re.sub(r"#.*", "", body) + "\n", source


def class_entries():
    copied, kit_source = kit_call_renamed()
    students = {**INDEPENDENT, "frank": RENAMED_COPY, "grace": copied}
    entries = [Entry(s, LESSON, EXERCISE, cell(body)) for s, body in students.items()]
    # Blank ones: untouched, emptied, a comment edited, `pass` for the raise.
    entries += [
        Entry("henry", LESSON, EXERCISE, STUB),
        Entry("ivan", LESSON, EXERCISE, ""),
        Entry("judy", LESSON, EXERCISE, STUB.replace("# YOUR CODE HERE", "# TODO: later")),
        Entry("kate", LESSON, EXERCISE, STUB.replace("raise NotImplementedError()", "pass")),
    ]
    references = [
        Entry(KIT, LESSON, None, kit_source),
        Entry("kit:lessons/cell.py", LESSON, None, (REPO / "lessons" / "cell.py").read_text()),
    ]
    return entries, references


def stubs():
    return {(LESSON, EXERCISE): STUB}


def test_copies_head_the_report_and_independent_answers_stay_below(tmp_path):
    entries, references = class_entries()
    rows = similarity.report(entries, references, tmp_path, stubs=stubs())
    pairs = [(r["a"], r["b"]) for r in rows]
    assert pairs[0] == ("bob", "frank")
    assert rows[0]["similarity"] == 1.0
    assert pairs[1] == ("grace", KIT)
    assert rows[1]["similarity"] > 0.9
    independent = [r for r in rows if {r["a"], r["b"]} <= set(INDEPENDENT)]
    assert len(independent) == 10
    assert max(r["similarity"] for r in independent) < rows[1]["similarity"] - 0.3

    # Normalised, frank's code is bob's: against anyone else the two score the same.
    def against(student):
        return {
            (r["b"] if r["a"] == student else r["a"]): r["similarity"]
            for r in rows
            if student in (r["a"], r["b"]) and {r["a"], r["b"]} != {"bob", "frank"}
        }

    assert against("frank") == against("bob") and len(against("bob")) == 7
    assert all(0.0 <= r["share_a"] <= 1.0 and 0.0 <= r["share_b"] <= 1.0 for r in rows)
    keys = [(-r["similarity"], r["lesson"], r["exercise"], r["a"], r["b"]) for r in rows]
    assert keys == sorted(keys)
    # the csv holds the same rows, in the same order
    with open(tmp_path / "similarity.csv", newline="") as f:
        written = list(csv.DictReader(f))
    assert list(written[0]) == list(similarity.COLUMNS)
    assert [(w["a"], w["b"], float(w["similarity"])) for w in written] == [
        (r["a"], r["b"], r["similarity"]) for r in rows
    ]
    markdown = (tmp_path / "similarity.md").read_text()
    assert "never change points" in markdown
    assert "| 1.000 | 04_gru | gru_call | bob | frank |" in markdown


def test_names_and_comments_do_not_hide_copying():
    bob, frank = cell(INDEPENDENT["bob"]), cell(RENAMED_COPY)
    # As text the two differ a lot ...
    assert difflib.SequenceMatcher(None, INDEPENDENT["bob"], RENAMED_COPY).ratio() < 0.6
    # ... as copydetect's normalised code, not at all.
    a, b = similarity.fingerprint(bob), similarity.fingerprint(frank)
    assert "".join(map(chr, a.filtered_code)) == "".join(map(chr, b.filtered_code))
    _, shares, _ = compare_files(a, b)
    assert shares == (1.0, 1.0)


def test_blank_and_stub_only_submissions_are_left_out(tmp_path):
    entries, references = class_entries()
    rows = similarity.report(entries, references, tmp_path, stubs=stubs())
    named = {r["a"] for r in rows} | {r["b"] for r in rows}
    assert not named & {"henry", "ivan", "judy", "kate"}
    # Without the stub removed, the untouched templates would match each other fully.
    blank = [e for e in entries if e.student in {"henry", "judy", "kate"}]
    rows = similarity.report(blank, [], tmp_path, min_tokens=0)
    assert rows and all(r["similarity"] > 0.9 for r in rows)
    # With it, nothing is left to compare, and the files say so.
    rows = similarity.report(blank, [], tmp_path, stubs=stubs())
    assert rows == []
    assert (tmp_path / "similarity.csv").read_text() == ",".join(similarity.COLUMNS) + "\n"
    assert "No pairs to compare" in (tmp_path / "similarity.md").read_text()


def test_agrees_with_copydetect_reading_the_code_itself():
    """With window 1 (every k-gram kept, no hash decides anything) the code-point
    fingerprints must give copydetect's own numbers on the original strings."""
    for other in ("alice", "carol", "dave"):
        codes = cell(INDEPENDENT["bob"]), cell(INDEPENDENT[other])
        ours = [similarity.fingerprint(c, 10, 10) for c in codes]
        theirs = [CodeFingerprint("x.py", 10, 1, fp=io.StringIO(c)) for c in codes]
        assert [f.token_coverage for f in ours] == [f.token_coverage for f in theirs]
        assert compare_files(*ours)[:2] == compare_files(*theirs)[:2]


def _report_in_a_fresh_process(out_dir, hash_seed):
    script = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "from test_similarity import class_entries, stubs\n"
        "from instructor.grading import similarity\n"
        "similarity.report(*class_entries(), sys.argv[3], stubs=stubs())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
    subprocess.run(
        [sys.executable, "-c", script, str(REPO / "tests"), str(REPO), str(out_dir)],
        check=True,
        env=env,
        timeout=120,
    )
    return (out_dir / "similarity.csv").read_bytes(), (out_dir / "similarity.md").read_bytes()


def test_two_runs_write_the_same_bytes(tmp_path):
    """Even in processes whose `str` hashes differ (copydetect's own hashing would not)."""
    outputs = []
    for seed in (1, 2):
        (tmp_path / str(seed)).mkdir()
        outputs.append(_report_in_a_fresh_process(tmp_path / str(seed), seed))
    here = tmp_path / "here"
    here.mkdir()
    similarity.report(*class_entries(), here, stubs=stubs())
    outputs.append(((here / "similarity.csv").read_bytes(), (here / "similarity.md").read_bytes()))
    assert outputs[0] == outputs[1] == outputs[2]


def test_a_kit_module_is_compared_with_every_exercise_of_its_lesson(tmp_path):
    copied, kit_source = kit_call_renamed()
    entries = [
        Entry("grace", LESSON, EXERCISE, cell(copied)),
        Entry("grace", LESSON, "simplified_gru_call", copied),
        Entry("grace", "05_lstm", "lstm_call", copied),
    ]
    kit = Entry(KIT, LESSON, None, kit_source)
    rows = similarity.report(entries, [kit], tmp_path, stubs=stubs())
    assert sorted((r["lesson"], r["exercise"], r["b"]) for r in rows) == [
        (LESSON, EXERCISE, KIT),
        (LESSON, "simplified_gru_call", KIT),
    ]
    assert all(r["similarity"] > 0.9 for r in rows)
    # A label given for the exercise itself replaces its whole module there.
    own = Entry(KIT, LESSON, EXERCISE, cell(INDEPENDENT["alice"]))
    rows = similarity.report(entries, [kit, own], tmp_path, stubs=stubs())
    assert sorted((r["exercise"], r["similarity"] > 0.9) for r in rows) == [
        (EXERCISE, False),
        ("simplified_gru_call", True),
    ]


def test_bad_input_is_refused_naming_the_argument(tmp_path):
    good = [Entry("alice", LESSON, EXERCISE, cell(INDEPENDENT["alice"]))]
    with pytest.raises(TypeError, match="`entries`"):
        similarity.report(5, [], tmp_path)
    with pytest.raises(TypeError, match=r"`entries\[0\]`.*dict"):
        similarity.report([{"student": "alice"}], [], tmp_path)
    with pytest.raises(TypeError, match="`entries`"):
        similarity.report("alice", [], tmp_path)
    with pytest.raises(TypeError, match=r"`references\[0\]`"):
        similarity.report(good, [("solution", SOLUTION)], tmp_path)
    with pytest.raises(ValueError, match=r"`entries\[0\]` has no exercise"):
        similarity.report([Entry("alice", LESSON, None, "x = 1")], [], tmp_path)
    with pytest.raises(ValueError, match="`entries`.*twice"):
        similarity.report(good + good, [], tmp_path)
    with pytest.raises(TypeError, match="`stubs`"):
        similarity.report(good, [], tmp_path, stubs=[STUB])
    with pytest.raises(ValueError, match="`noise`"):
        similarity.report(good, [], tmp_path, noise=0)
    with pytest.raises(TypeError, match="`noise`"):
        similarity.report(good, [], tmp_path, noise=2.5)
    with pytest.raises(ValueError, match="`guarantee`"):
        similarity.report(good, [], tmp_path, noise=30, guarantee=25)
    with pytest.raises(ValueError, match="`out_dir`"):
        similarity.report(good, [], tmp_path / "absent")
    with pytest.raises(ValueError, match="`threshold`"):
        similarity.report(good, [], tmp_path, threshold=2)
    with pytest.raises(TypeError, match="`code`"):
        Entry("alice", LESSON, EXERCISE, None)
    assert not (tmp_path / "similarity.csv").exists()
