"""The kit's own answers are tripwires: handing one in scores 0 and fails the check.

For every exercise that declares a kit answer, the answers a student could hand
in without writing the exercise: the kit object under the exercise's own name
(an alias), a function that calls it, and for the cells a subclass and a cell
that holds the kit's cell and calls it. Each runs as a notebook cell would
(compiled as "<cell N>"); the grader's probes (in this process, as the grading
child runs them) must find that exercise, and only that one, using the kit's
answer, and the student's check must fail naming it. The solutions themselves
must trip nothing.
"""

import re
import textwrap

import pytest
from test_grade import namespace_of, probe

from instructor import kit_answers
from instructor.build import find_project, read_notebook
from instructor.grade import judge
from instructor.grading import child, unplain
from lessons.checks import CheckFailed, tripwire

REPO = find_project().root

# (lesson, exercise) -> (the name the notebook defines, the kit answer handed in in its place)
FUNCTIONS = {
    ("00_sequences", "char_vocab"): ("build_char_vocab", "lessons.checks.lesson00.reference_vocab"),
    ("00_sequences", "encode_name"): ("encode_name", "lessons.checks.lesson00.reference_encode"),
    ("00_sequences", "pad_and_mask"): ("pad_and_mask", "lessons.text.pad_sequences"),
    ("01_vanilla_rnn", "sequence_loss"): (
        "sequence_loss",
        "lessons.checks.lesson01.reference_sequence_loss",
    ),
    ("02_bptt", "backward_step"): ("backward_step", "lessons.bptt.backward_step"),
    ("02_bptt", "gradient_check"): ("relative_error", "lessons.bptt.relative_error"),
    ("02_bptt", "clip_by_global_norm"): (
        "clip_by_global_norm",
        "lessons.checks.lesson02.reference_clip",
    ),
    ("03_language_models", "word_vocab"): (
        "build_word_vocab",
        "lessons.checks.lesson03.reference_word_vocab",
    ),
    ("03_language_models", "perplexity"): (
        "perplexity",
        "lessons.checks.lesson03.reference_perplexity",
    ),
    ("03_language_models", "sample"): ("sample", "lessons.text.sample"),
    ("06_deep_rnn", "deep_rnn_forward"): (
        "deep_rnn_forward",
        "lessons.checks.lesson06.reference_layers",
    ),
    ("06_deep_rnn", "residual_stack"): (
        "residual_stack",
        "lessons.checks.lesson06.reference_residual",
    ),
    ("06_deep_rnn", "dense_stack"): ("dense_stack", "lessons.checks.lesson06.reference_dense"),
    ("07_bidirectional", "reverse_padded"): (
        "reverse_padded",
        "lessons.checks.lesson07.reference_reverse_padded",
    ),
    ("07_bidirectional", "bidirectional_states"): (
        "bidirectional_states",
        "lessons.checks.lesson07.keras_bidirectional",
    ),
    ("07_bidirectional", "masked_token_accuracy"): (
        "masked_token_accuracy",
        "lessons.checks.lesson07.reference_masked_accuracy",
    ),
    ("08_regularization", "ar_tar_penalty"): (
        "ar_tar_penalty",
        "lessons.regularize.ar_tar_penalty",
    ),
    ("08_regularization", "dropout_masks"): (
        "dropout_masks",
        "lessons.checks.lesson08.reference_dropout_masks",
    ),
    ("08_regularization", "early_stopping"): (
        "early_stopping",
        "lessons.checks.lesson08.reference_early_stopping",
    ),
    ("09_seq2seq", "teacher_forcing"): (
        "shift_right",
        "lessons.checks.lesson09.reference_shift_right",
    ),
    ("09_seq2seq", "masked_loss"): ("masked_cross_entropy", "lessons.seq2seq.masked_loss"),
    ("09_seq2seq", "beam_step"): ("beam_step", "lessons.checks.lesson09.reference_beam_step"),
    ("09_seq2seq", "attention_weights"): (
        "attention_weights",
        "lessons.checks.lesson09.reference_attention",
    ),
}

# (lesson, exercise) -> (the notebook's cell class, the kit's cell)
CELLS = {
    ("01_vanilla_rnn", "rnn_cell_call"): ("MyRNNCell", "lessons.SimpleRNNCell"),
    ("04_gru", "gru_call"): ("MyGRUCell", "lessons.GRUCell"),
    ("05_lstm", "lstm_call"): ("MyLSTMCell", "lessons.LSTMCell"),
    ("05_lstm", "coupled_lstm_call"): ("MyCoupledLSTMCell", "lessons.CoupledLSTMCell"),
}

# The rest, written out.
OTHERS = {
    ("04_gru", "simplified_gru_call"): {
        "call": """
            import numpy as np
            from lessons.checks.lesson04 import reference_simplified_step

            class SimplifiedGRUCell(keras.layers.Layer):
                def __init__(self, units, **kwargs):
                    super().__init__(**kwargs)
                    self.units = self.state_size = self.output_size = units

                def build(self, input_shape):
                    d, h = input_shape[-1], self.units
                    for name, shape in [("W_xu", (d, h)), ("W_hu", (h, h)), ("b_u", (h,)),
                                        ("W_xc", (d, h)), ("W_hc", (h, h)), ("b_c", (h,))]:
                        setattr(self, name, self.add_weight(shape=shape, name=name))

                def call(self, inputs, states):
                    w = {n: np.asarray(getattr(self, n)) for n in
                         ["W_xu", "W_hu", "b_u", "W_xc", "W_hc", "b_c"]}
                    c = reference_simplified_step(np.asarray(inputs), np.asarray(states[0]), w)
                    return c, [c]
        """,
    },
    ("05_lstm", "adding_problem_data"): {
        "call": """
            import lessons

            def adding_problem_data(n, length, rng):
                return lessons.tasks.adding_problem(n, length, seed=int(rng.integers(2**31)))
        """,
    },
    ("08_regularization", "zoneout"): {
        "call": """
            import keras
            import lessons

            def zoneout(old, new, rate, training, seed=None):
                wrapper = lessons.Zoneout(keras.layers.SimpleRNNCell(2), rate, seed=0)
                return wrapper.zone(old, new, rate, training)
        """,
    },
}


def delegations():
    """(lesson, exercise, variant, code): every way of handing in the kit's answer."""
    for (lesson, exercise), (name, answer) in FUNCTIONS.items():
        module, _, attribute = answer.rpartition(".")
        yield lesson, exercise, "alias", f"from {module} import {attribute} as {name}"
        yield (
            lesson,
            exercise,
            "call",
            f"""
            import {module}

            def {name}(*args, **kwargs):
                return {answer}(*args, **kwargs)
        """,
        )
    for (lesson, exercise), (name, cell) in CELLS.items():
        yield lesson, exercise, "subclass", f"import lessons\n\nclass {name}({cell}):\n    pass"
        yield (
            lesson,
            exercise,
            "call",
            f"""
            import keras
            import lessons

            class {name}(keras.layers.Layer):
                def __init__(self, units, **kwargs):
                    super().__init__(**kwargs)
                    self.inner = {cell}(units)
                    self.units, self.state_size = units, self.inner.state_size
                    self.output_size = units

                def build(self, input_shape):
                    self.inner.build(input_shape)

                def call(self, inputs, states, training=False):
                    return self.inner.call(inputs, states)
        """,
        )
    for (lesson, exercise), variants in OTHERS.items():
        for variant, code in variants.items():
            yield lesson, exercise, variant, code


CASES = list(delegations())


def test_every_exercise_with_a_kit_answer_has_a_delegation_here():
    declared = {
        (source.stem, exercise)
        for source in find_project().sources()
        for exercise in kit_answers.declared(source.stem[:2])
    }
    assert declared == {(lesson, exercise) for lesson, exercise, _, _ in CASES}


@pytest.mark.parametrize("source", find_project().sources(), ids=lambda p: p.stem)
def test_the_kit_answers_are_declared_for_the_headers_exercises(source):
    """Each KIT_ANSWERS key is an exercise of the lesson's header, each name resolves."""
    exercises = read_notebook(source).metadata["rnn_lessons"]["exercises"]
    assert set(kit_answers.declared(source.stem[:2])) <= set(exercises)


def test_a_kit_answer_that_does_not_resolve_is_named(monkeypatch):
    from lessons.checks import lesson04

    monkeypatch.setitem(lesson04.KIT_ANSWERS, "gru_call", ["lessons.NoSuchCell"])
    with pytest.raises(ValueError, match="gru_call: kit answer 'lessons.NoSuchCell'"):
        kit_answers.declared("04")


def _as_cell(namespace, code, number=99):
    exec(compile(textwrap.dedent(code), f"<cell {number}>", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def solutions():
    """{lesson: (Lesson, the solution's namespace, the reference's probe results)}."""
    found = {}

    def get(stem):
        if stem not in found:
            lesson, namespace = namespace_of(stem)
            want = {e: probe(lesson, namespace, e, seed=3) for e in lesson.exercises}
            found[stem] = lesson, namespace, want
        return found[stem]

    return get


@pytest.mark.parametrize("stem", sorted({lesson for lesson, *_ in CASES}))
def test_the_solutions_trip_nothing(solutions, stem):
    lesson, namespace, want = solutions(stem)
    results, used = child.run_probes(
        stem, lesson.defines, namespace, 3, lesson.kit_answers, child._watch_fingerprint()
    )
    assert used == {}
    for exercise in lesson.exercises:
        assert judge(lesson, exercise, unplain(results[exercise]), want[exercise])[0] == "passed"


@pytest.mark.parametrize(
    "stem, exercise, variant, code", CASES, ids=[f"{c[1]}-{c[2]}" for c in CASES]
)
def test_the_grader_gives_0_for_the_kit_answer_and_keeps_the_rest(
    solutions, stem, exercise, variant, code
):
    lesson, solution, want = solutions(stem)
    namespace = _as_cell(dict(solution), code)
    results, used = child.run_probes(
        stem, lesson.defines, namespace, 3, lesson.kit_answers, child._watch_fingerprint()
    )
    assert list(used) == [exercise]
    assert any(
        name.split(".")[-1] in " ".join(used[exercise]) for name in lesson.kit_answers[exercise]
    ), used
    for other in lesson.exercises:
        if other != exercise:
            assert judge(lesson, other, unplain(results[other]), want[other])[0] == "passed", other


def _check_call(stem, exercise):
    """The notebook's call of the exercise's check, e.g. `checks.check_gru_call(MyGRUCell)`."""
    source = (REPO / "solutions" / f"{stem}.py").read_text()
    found = re.search(rf"^checks\.check_{exercise}\(.*\)$", source, re.M)
    assert found, f"{stem}: no call of check_{exercise}"
    return found.group(0)


@pytest.mark.parametrize(
    "stem, exercise, variant, code", CASES, ids=[f"{c[1]}-{c[2]}" for c in CASES]
)
def test_the_check_says_the_kit_answer_is_not_the_students_own(
    solutions, stem, exercise, variant, code
):
    _, solution, _ = solutions(stem)
    namespace = _as_cell(dict(solution), code)
    namespace["checks"] = __import__(f"lessons.checks.lesson{stem[:2]}", fromlist=["checks"])
    with pytest.raises(CheckFailed, match="must be your own code") as failure:
        _as_cell(namespace, _check_call(stem, exercise), number=100)
    assert "kit's own answer" in str(failure.value)


def test_a_notebook_cannot_switch_the_watch_off():
    lesson, solution = namespace_of("09_seq2seq")
    code = """
        import sys
        import lessons.seq2seq

        def masked_cross_entropy(y_true, logits):
            sys.setprofile(None)
            return lessons.seq2seq.masked_loss(y_true, logits)
    """
    namespace = _as_cell(dict(solution), code)
    only_masked_loss = {"masked_loss": lesson.defines["masked_loss"]}
    before = child._watch_fingerprint()
    results, used = child.run_probes(
        "09_seq2seq", only_masked_loss, namespace, 3, lesson.kit_answers, before
    )
    # In the grading child an audit hook refuses the student's sys.setprofile; here (no hook)
    # the probe sees the watch replaced.
    assert "masked_loss" in used
    inspect = tripwire.Tripwire.inspect
    try:
        patch = "import lessons.checks.tripwire as t\nt.Tripwire.inspect = lambda *a, **k: False"
        namespace = _as_cell(dict(solution), patch)
        results, used = child.run_probes(
            "09_seq2seq", only_masked_loss, namespace, 3, lesson.kit_answers, before
        )
    finally:
        tripwire.Tripwire.inspect = inspect
    assert "changed the grader's tripwires" in " ".join(used["masked_loss"])


def test_a_notebook_cannot_hide_its_objects_from_the_watch(solutions):
    """A notebook that makes the grader skip `lookup` (which shows the watch each object)."""
    lesson, solution, _ = solutions("09_seq2seq")
    only_masked_loss = {"masked_loss": lesson.defines["masked_loss"]}
    before = child._watch_fingerprint()
    code = """
        import instructor.grading
        import lessons.seq2seq

        masked_cross_entropy = lessons.seq2seq.masked_loss

        def unwatched(probes, exercise, defines, namespace, seed):
            return getattr(probes, "probe_" + exercise)(namespace[defines], seed)

        instructor.grading.run_probe = unwatched
    """
    run_probe = child.grading.run_probe
    try:
        namespace = _as_cell(dict(solution), code)
        results, used = child.run_probes(
            "09_seq2seq", only_masked_loss, namespace, 3, lesson.kit_answers, before
        )
    finally:
        child.grading.run_probe = run_probe
    assert "changed the grader's tripwires" in " ".join(used["masked_loss"])
