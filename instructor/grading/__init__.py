"""The grader's hidden tests ("probes"), one module per lesson: how to write them.

`rnn-lessons grade` (see `instructor.grade`) runs every submitted notebook in a
sandboxed child process, then calls the lesson's probes there on the objects
the notebook defined. The same probes run, with the same seed, on the
solution's exercise code in another process that never runs student code: the
*reference*. Only the results travel, as JSON, and the grader compares them in
its own process. So points come from behaviour on fresh inputs, and a
submission that patches NumPy, Keras or `lessons.checks` only changes its own
outputs.

Writing the probes of lesson NN (in `lessons/checks/lessonNN.py`)
-----------------------------------------------------------------
An exercise lives in two files. Its lesson's source, `solutions/NN_topic.py`,
holds its cell, the call of its check and, in the header
(`rnn_lessons.exercises`), its points and what the student defines
(`defines`); the cells it needs from the rest of the notebook are tagged there
(`rnn_lessons={"context": true}`: the imports, helpers such as lesson 07's
`run_rnn`). The lesson's spec, `lessons/checks/lessonNN.py`, holds the rest:
the kit answers it must not use (`KIT_ANSWERS`), the students' check
(`check_name`), and, between the lines `# BEGIN HIDDEN TESTS` and
`# END HIDDEN TESTS` (after the checks), its probe and comparison. The
student release leaves that region out (`rnn-lessons release`), so students
get the checks but not the hidden tests. What the probes of several lessons
share stays here (`cells.py` runs a student's cell). For every exercise `name`
the region holds its cases, drawn from a seed::

    def probe_name(defined, seed):
        rng = np.random.default_rng(seed)
        ...                                       # inputs from `rng` only
        return {"part": value, ...}

- `defined` is what the header's `defines` names, looked up in the notebook's
  namespace by the grader (`run_probe`), never by a name written here: the
  object itself for one name (a probe never runs if the notebook lacks it: the
  exercise is "missing"); for a list of names, one function per name, in
  order, that returns the object or raises `Missing`, so that each part of
  the exercise can be missing on its own (lesson 02's gradient check). The
  namespace is the notebook's after all its cells ran; the reference's holds
  the solution's context cells and its exercise cells, run in order.
- Draw every input from `seed` (a fresh one per grading run, so nothing can be
  precomputed). The student's run and the reference must see the same inputs
  whatever the student's code does: draw all inputs before calling student
  code, or give each part its own generator (`np.random.default_rng([seed, k])`).
- Return a dict of *parts*. Each part is worth the same share of the points, so
  make one part per thing that deserves its own credit (lesson 02's gradient
  check has one part per function); most exercises have one part. Name the
  cases inside a part in words ("an empty batch"): the feedback shows the path
  to the first difference, e.g.
  `padding['an empty batch']['padded']: shape (1, 3) instead of (1, 2)`.
- Values are what the student's code returned, made plain: numbers, strings,
  booleans, None, lists, dicts, NumPy arrays (and tensors, turned into
  arrays). Normalize what the exercise leaves open (a list or a tuple, a list
  or an array of ints) and keep what it fixes (an integer dtype, a bool mask).
- Wrap a call that may raise in `capture(...)`: an exception becomes a value,
  `{"__error__": "ValueError", ...}`, equal to the reference's only if the
  reference raised the same type (e.g. a check for bad input). An exception
  that escapes the probe fails the whole exercise ("missing" for `Missing` and
  `NotImplementedError`, "error" for any other; TensorFlow's NotImplementedError
  for NumPy on a traced tensor is an error, `NumPyOnSymbolicTensor`). Run a
  student's cell compiled, where Keras traces it (`cells.traced_sequence`);
  a cell exercise is declared by its gates and the gates it pins
  (`cells.cell_probe`).
- Probes run once per submission, in seconds: a few small cases, not the
  notebook's training.

Optionally, `compare_name(student, reference) -> (fraction, detail)` replaces
the default comparison, `compare` below (numbers and arrays close within a
tolerance, everything else equal): `within(rtol, atol)` for other tolerances
(float32 arithmetic wants `within(rtol=1e-4, atol=1e-5)`); use
`same_distribution` for counts drawn at random (lesson 03's sampler).
`fraction` in [0, 1] gives the points; `detail` says in a few words what
differs.

`tests/test_grade.py` fails for any exercise declared in a solution header
that has no probe, and checks for every lesson with probes that they pass the
solution's code and find every exercise of the blank student notebook missing;
add a wrong answer or two of your own there (`test_probes_catch_wrong_answers`).
"""

import functools
import math
import traceback

import numpy as np

ERROR = "__error__"
ARRAY = "__ndarray__"
DICT = "__dict__"


class Missing(Exception):
    """The notebook does not define an object the exercise asks for."""


class NumPyOnSymbolicTensor(TypeError):
    """The student's code gave NumPy a traced tensor (e.g. `np.tanh` in a cell's `call`).

    TensorFlow raises `NotImplementedError` for it, which would read as an
    unwritten exercise: the probes raise this instead, with the words of the
    students' check (`lessons.checks.numpy_in_graph_message`).
    """


WATCHING = []  # the tripwires of the exercise being probed (see grading.child)


def run_probe(probes, exercise, defines, namespace, seed):
    """`probes.probe_<exercise>` run on what the exercise `defines`, looked up in `namespace`.

    Args:
        probes: the lesson's spec, `lessons.checks.lessonNN` (its HIDDEN TESTS region).
        exercise: the exercise's name in the lesson's header.
        defines: the header's `defines`: a name, or a list of names.
        namespace: the notebook's global namespace after its cells ran.
        seed: the seed every input of the probe is drawn from.
    """
    if not isinstance(defines, str) and len(defines) == 1:
        defines = defines[0]  # `defines: [name]` in the header reads as `defines: name`
    if isinstance(defines, str):
        defined = lookup(namespace, defines)
    else:
        defined = tuple(functools.partial(lookup, namespace, name) for name in defines)
    return getattr(probes, f"probe_{exercise}")(defined, seed)


def lookup(namespace, name):
    """`namespace[name]`, or `Missing` saying that the notebook does not define it.

    The exercise's tripwires see the object: an alias or subclass of the kit's answer is a hit.
    """
    if name not in namespace:
        raise Missing(f"`{name}` is not defined: run or restore the exercise cell that defines it")
    for wire in WATCHING:
        wire.inspect(namespace[name], label=f"`{name}`")
    return namespace[name]


MESSAGE_LIMIT = 1000  # characters of an exception's message kept, cut at a sentence end


def error_value(error):
    """An exception as a plain value that can be compared and shown, with where it was raised.

    The message reads as `lessons.checks.error_text` gives it (no colour codes,
    no Keras argument listing), whole up to `MESSAGE_LIMIT`. NumPy refusing a
    traced tensor is no stub, though TensorFlow raises `NotImplementedError`:
    it is named `NumPyOnSymbolicTensor` and is not "missing".
    """
    from lessons.checks import error_text, is_numpy_on_symbolic  # here: the grader needs no Keras

    numpy = isinstance(error, NumPyOnSymbolicTensor) or is_numpy_on_symbolic(error)
    return {
        ERROR: NumPyOnSymbolicTensor.__name__ if numpy else type(error).__name__,
        "message": error_text(error, limit=MESSAGE_LIMIT),
        "missing": isinstance(error, (Missing, NotImplementedError)) and not numpy,
        "where": _where(error),
    }


def _where(error):
    """Where `error` was raised, as "cell N, line L" (its cause's frame if it has none there)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        frames = traceback.extract_tb(error.__traceback__)
        in_cells = [f for f in frames if f.filename.startswith("<cell ")]
        if in_cells:
            return f"{in_cells[-1].filename[1:-1]}, line {in_cells[-1].lineno}"
        error = error.__cause__ or error.__context__
    return ""


def capture(fn, *args, **kwargs):
    """`fn(*args, **kwargs)` made plain, or its exception as an error value."""
    try:
        return plain(fn(*args, **kwargs))
    except Exception as error:  # the student's code may raise anything
        return error_value(error)


def is_error(value):
    return isinstance(value, dict) and ERROR in value


# --- plain values: what travels from the child to the grader, as JSON ------------------
def plain(value):
    """`value` as JSON-ready data: arrays and dicts tagged so they come back as they were."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, dict):
        if ERROR in value or ARRAY in value or DICT in value:
            return value  # already plain (e.g. from `capture`): encode once only
        pairs = [[plain(k), plain(v)] for k, v in value.items()]
        return {DICT: sorted(pairs, key=lambda pair: repr(pair[0]))}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if not isinstance(value, np.ndarray) and hasattr(value, "__array__"):
        value = np.asarray(value)  # tensors, Keras variables
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            return {ARRAY: [plain(v) for v in value.ravel().tolist()], "dtype": "object"}
        return {ARRAY: value.tolist(), "dtype": value.dtype.str, "shape": list(value.shape)}
    return {"__object__": type(value).__name__}


def unplain(value):
    """The inverse of `plain`: arrays and dicts back (dict keys stay as pairs' order)."""
    if isinstance(value, list):
        return [unplain(v) for v in value]
    if isinstance(value, dict):
        if ARRAY in value and value.get("dtype") != "object":
            return np.asarray(value[ARRAY], dtype=np.dtype(value["dtype"])).reshape(value["shape"])
        if DICT in value:
            return {_hashable(unplain(k)): unplain(v) for k, v in value[DICT]}
        return {k: unplain(v) if k != ERROR else v for k, v in value.items()}
    return value


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


# --- comparing a student's result with the reference's ---------------------------------
def difference(got, want, path="", rtol=1e-5, atol=1e-6):
    """None if `got` matches `want`, else where and how they differ, in a few words."""
    where = path or "the result"
    if is_error(want) or is_error(got):
        if is_error(want) and is_error(got) and got[ERROR] == want[ERROR]:
            return None
        if is_error(got):
            message = f": {got['message']}" if got.get("message") else ""
            return f"{where}: raised {got[ERROR]}{message}"
        return f"{where}: should raise {want[ERROR]}, returned {_show(got)}"
    if isinstance(want, np.ndarray):
        return _array_difference(got, want, where, rtol, atol)
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f"{where}: {_kind(got)} instead of a dict"
        missing = [k for k in want if k not in got]
        extra = [k for k in got if k not in want]
        if missing or extra:
            return f"{where}: keys {_show(missing)} missing, {_show(extra)} unexpected"
        for key in want:
            found = difference(got[key], want[key], f"{path}[{key!r}]", rtol, atol)
            if found:
                return found
        return None
    if isinstance(want, list):
        if not isinstance(got, list):
            return f"{where}: {_kind(got)} instead of a sequence of {len(want)}"
        if len(got) != len(want):
            return f"{where}: {len(got)} items instead of {len(want)}: {_show(got)}"
        for i, (g, w) in enumerate(zip(got, want)):
            found = difference(g, w, f"{path}[{i}]", rtol, atol)
            if found:
                return found
        return None
    if isinstance(want, bool) or isinstance(got, bool) or not _is_number(want):
        return None if type(got) is type(want) and got == want else _values(where, got, want)
    if not _is_number(got):
        return _values(where, got, want)
    if isinstance(want, int) and isinstance(got, int):
        return None if got == want else _values(where, got, want)
    close = math.isclose(got, want, rel_tol=rtol, abs_tol=atol) or (
        math.isnan(got) and math.isnan(want)
    )
    return None if close else _values(where, got, want)


def _array_difference(got, want, where, rtol, atol):
    if not isinstance(got, np.ndarray):
        return f"{where}: {_kind(got)} instead of an array of shape {want.shape}"
    if got.shape != want.shape:
        return f"{where}: shape {got.shape} instead of {want.shape}"
    if _dtype_kind(got) != _dtype_kind(want):
        return f"{where}: dtype {got.dtype} instead of {_dtype_kind(want)} ({want.dtype})"
    if want.dtype.kind == "f":
        ok = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    else:
        ok = got == want
    if np.all(ok):
        return None
    index = tuple(int(i) for i in np.argwhere(~ok)[0])
    shown, wanted = _pair(got[index].item(), want[index].item())
    return (
        f"{where}: {shown} instead of {wanted} at {list(index)} "
        f"({int((~ok).sum())} of {ok.size} entries differ)"
    )


DTYPE_KINDS = {"b": "bool", "i": "integer", "u": "integer", "f": "float"}


def _dtype_kind(array):
    return DTYPE_KINDS.get(array.dtype.kind, "other")


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _kind(value):
    if isinstance(value, np.ndarray):
        return "an array"
    return f"{type(value).__name__} {_show(value)}"


def _values(where, got, want):
    if _is_number(got) and _is_number(want):
        got, want = _pair(got, want)
        return f"{where}: {got} instead of {want}"
    return f"{where}: {_show(got)} instead of {_show(want)}"


def _number(value, digits=4):
    """A number as a person writes it: an int whole, a float to `digits` significant digits."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return f"{float(value):.{digits}g}"


def _pair(got, want):
    """`got` and `want` to 4 significant digits, or more where 4 would show them equal."""
    for digits in range(4, 10):
        shown, wanted = _number(got, digits), _number(want, digits)
        if shown != wanted:
            break
    return shown, wanted


def _show(value, limit=80):
    """`value` in plain words: numbers to 4 digits, no NumPy reprs, long data shortened.

    A list, dict or array too long for `limit` characters keeps its first items
    and says how many it has: only the data is shortened, never the sentence
    around it.
    """
    if isinstance(value, np.ndarray):
        first = value.ravel()[:limit]  # more would not fit in `limit` characters
        items = [_number(v) if value.dtype.kind in "biuf" else _show(v) for v in first]
        shape = f"array of shape {value.shape}: " if value.ndim != 1 else "array "
        return shape + _join(items, "[", "]", limit, value.size)
    if isinstance(value, (list, tuple)):
        items = [_show(v, limit) for v in value[:limit]]
        return _join(items, *("[]" if isinstance(value, list) else "()"), limit, len(value))
    if isinstance(value, dict):
        items = [f"{_show(k, limit)}: {_show(v, limit)}" for k, v in list(value.items())[:limit]]
        return _join(items, "{", "}", limit, len(value))
    if isinstance(value, (int, float, np.number, np.bool_)):
        return _number(value)
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text)} characters)"


def _join(items, start, end, limit, count):
    """The items that fit in `limit` characters, then "…" and how many there are in all."""
    kept = []
    for item in items:
        if kept and len(", ".join([*kept, item])) > limit:
            return f"{start}{', '.join(kept)}, … {end} ({count} items)"
        kept.append(item)
    return f"{start}{', '.join(kept)}{end}"


def compare(student, reference, rtol=1e-5, atol=1e-6):
    """The default comparison: each part of the reference is worth the same share.

    Returns:
        (fraction of the parts that match, detail): the detail names the first
        difference of each part that does not match.
    """
    if is_error(student):
        return 0.0, difference(student, reference)
    problems = [
        difference(student.get(part), want, part, rtol, atol)
        if isinstance(student, dict)
        else f"{part}: the hidden test returned {_kind(student)}"
        for part, want in reference.items()
    ]
    wrong = [p for p in problems if p]
    return 1.0 - len(wrong) / len(problems), "; ".join(wrong)


def within(rtol, atol):
    """`compare` with these tolerances: `compare_name = within(rtol=1e-4, atol=1e-5)`."""
    return functools.partial(compare, rtol=rtol, atol=atol)


def _chi_square_threshold(df, z=4.753):
    """The chi-square value exceeded with probability 1e-6 (Wilson–Hilferty)."""
    a = 2.0 / (9.0 * df)
    return df * (1.0 - a + z * math.sqrt(a)) ** 3


def same_distribution(counts, reference_counts):
    """Whether two count vectors could come from one distribution (chi-square, p < 1e-6 fails).

    The two-sample test of homogeneity: a correct sampler, drawn with any
    seed, fails it about once in a million gradings.
    """
    try:
        a, b = np.asarray(counts, np.float64), np.asarray(reference_counts, np.float64)
    except (TypeError, ValueError):  # not counts at all
        return False
    if a.shape != b.shape or a.ndim != 1 or a.min() < 0 or a.sum() == 0 or b.sum() == 0:
        return False
    used = (a + b) > 0
    a, b = a[used], b[used]
    if len(a) == 1:
        return True
    scale_a, scale_b = math.sqrt(b.sum() / a.sum()), math.sqrt(a.sum() / b.sum())
    statistic = float((((a * scale_a - b * scale_b) ** 2) / (a + b)).sum())
    return statistic <= _chi_square_threshold(len(a) - 1)
