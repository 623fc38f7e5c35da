"""Students' checks: call one after each exercise; it says in plain words what is wrong.

Each lesson has a module here (`lessons.checks.lesson00`, ...) with one
`check_<exercise>` function per exercise. A check runs the student's code
against an independent reference (NumPy from the equations, Keras' built-ins,
statistics over many samples), prints a line per part that passed, and on the
first failure raises `CheckFailed` with a message that says what was expected,
what came back and where to look. The check's own frames are hidden from the
notebook's traceback, so the student sees the message, not our code: pytest and
IPython skip the frames marked `__tracebackhide__`, but IPython always shows the
frame that raised, so in IPython (Jupyter, Colab) a `CheckFailed` is shown by
`show_failure`, which cuts the traceback where the kit's code begins.
"""

import contextlib
import io
import re
import sys
from pathlib import Path


class CheckFailed(AssertionError):
    """An exercise does not do what it should; the message says what and where."""


KIT = Path(__file__).resolve().parents[1]  # the package `lessons`


def without_kit_frames(tb):
    """The traceback `tb` up to the first frame of the kit's code (the student's frames)."""
    head, last = tb, None
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename).resolve().is_relative_to(KIT):
            if last is None:
                return head
            last.tb_next = None  # writable since Python 3.7
            return head
        last, tb = tb, tb.tb_next
    return head


def show_failure(shell, etype, value, tb, tb_offset=None):
    """IPython's handler for `CheckFailed`: its usual traceback, without the kit's frames."""
    shell.showtraceback((etype, value, without_kit_frames(tb)), tb_offset=tb_offset)


def _hide_kit_frames_in_ipython():
    """Show failed checks with `show_failure` in a running IPython, unless it has a handler."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and hasattr(shell, "set_custom_exc") and not shell.custom_exceptions:
        shell.set_custom_exc((CheckFailed,), show_failure)


_hide_kit_frames_in_ipython()


def passed(message):
    """Report one part of a check that passed."""
    print(f"✔ {message}")


def expect(condition, message):
    """Raise `CheckFailed(message)` unless `condition` holds."""
    __tracebackhide__ = True  # IPython and pytest hide this frame
    if not condition:
        raise CheckFailed(message)


def expect_items(value, count, message):
    """Raise `CheckFailed(message)` unless `value` is a tuple or list of `count` items."""
    __tracebackhide__ = True
    expect(isinstance(value, (tuple, list)) and len(value) == count, message)


def not_written_yet(what):
    """The failure for code that still raises the stub's NotImplementedError."""
    return CheckFailed(f"{what} is not written yet: replace `raise NotImplementedError()`.")


def run_student_code(fn, *args, what):
    """Call the student's `fn(*args)`; turn a crash into a plain-words failure.

    A `NotImplementedError` is the exercise's stub, unless it is the backend's
    refusal to give NumPy a symbolic tensor: that code is written, but with NumPy
    where Keras traces it into a graph.
    """
    __tracebackhide__ = True
    try:
        return fn(*args)
    except Exception as error:  # any bug in the student's code
        if is_numpy_on_symbolic(error):
            raise CheckFailed(numpy_in_graph_message(what, inside=GRAPHS)) from None
        if isinstance(error, NotImplementedError):
            raise not_written_yet(what) from None
        raise CheckFailed(f"{what} raised {type(error).__name__}: {error_text(error)}") from error


def run_with_hint(fn, *args, what, hint):
    """`run_student_code`, with `hint` after the message of a crash.

    The stub's "not written yet" stays as it is: there is nothing to hint at yet.
    """
    __tracebackhide__ = True
    try:
        return run_student_code(fn, *args, what=what)
    except CheckFailed as failure:
        if "not written yet" in str(failure):
            raise
        raise CheckFailed(f"{failure} {hint}") from None


# What each backend says when NumPy gets a tensor that has no values yet (a traced one).
NUMPY_ON_SYMBOLIC = (
    "Cannot convert a symbolic",  # TensorFlow: np.tanh(t), np.dot(t, W), np.asarray(t)
    "numpy() is only available when eager execution is enabled",  # np.asarray(self.W)
    "'SymbolicTensor' object has no attribute 'numpy'",  # t.numpy()
    "A KerasTensor is symbolic",  # NumPy on keras.Input(...)
    "__array__() was called on traced array",  # JAX's TracerArrayConversionError
)
GRAPHS = "a Keras graph (keras.layers.RNN, model.fit, model.predict)"


def is_numpy_on_symbolic(error):
    """Whether `error`, or an exception it was raised from, is NumPy refusing a traced tensor.

    TensorFlow raises `NotImplementedError` for it, the type of an unwritten
    exercise, so only its words tell the two apart.
    """
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if any(words in str(error) for words in NUMPY_ON_SYMBOLIC):
            return True
        error = error.__cause__ or error.__context__
    return False


def numpy_in_graph_message(what, inside="keras.layers.RNN"):
    """What to say when `what` used NumPy where Keras traces it (the checks and the grader)."""
    return (
        f"{what} uses NumPy: use keras.ops: NumPy cannot run inside {inside}, which traces "
        "the code with symbolic tensors that hold no numbers yet. Write ops.matmul, ops.tanh, "
        "ops.sigmoid, ... where you wrote np.dot (or @ on NumPy arrays), np.tanh, np.asarray, "
        "...: code that works when called directly can still fail there."
    )


def yours_or_kit(yours, check, kit):
    """`yours` when it passes `check`, otherwise the kit's `kit`, saying which in one line.

    A cell that needs an exercise's result calls this, so that an exercise left unfinished
    (or still failing its check) does not stop the rest of the lesson: the cell runs on the
    kit's version instead. The check runs quietly; only the one line is printed.

    Args:
        yours: The student's function or class, or a tuple of them for a check that takes
            several (`check(*yours)`).
        check: The exercise's check, e.g. `checks.check_sample`.
        kit: The kit's version, the same shape as `yours`.

    Returns:
        `yours` or `kit`.

    Example:
    >>> def check_double(double):
    ...     expect(double(2) == 4, "double(2) should be 4")
    >>> def double(x):
    ...     raise NotImplementedError()
    >>> def kit_double(x):
    ...     return 2 * x
    >>> use = yours_or_kit(double, check_double, kit_double)
    Your double does not pass its check yet, so this cell uses the kit's kit_double.
    >>> use(21)
    42
    """
    if not callable(check):
        raise TypeError(f"check must be the exercise's check function, got {check!r}")
    several = isinstance(yours, tuple)
    if several != isinstance(kit, tuple) or (several and len(yours) != len(kit)):
        raise ValueError(f"kit must have the shape of yours: got {kit!r} for {yours!r}")
    names = " and ".join(_name(part) for part in (yours if several else (yours,)))
    kit_names = " and ".join(_name(part) for part in (kit if several else (kit,)))
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            check(*yours) if several else check(yours)
    except Exception:  # a failed check, or a crash the check did not turn into one
        verb = "do" if several else "does"
        print(
            f"Your {names} {verb} not pass its check yet, so this cell uses the kit's {kit_names}."
        )
        return kit
    print(f"This cell uses your {names} (it passes its check).")
    return yours


def _name(obj):
    return getattr(obj, "__name__", None) or type(obj).__name__


def all_passed(exercise):
    print(f"All checks passed for {exercise}.")


def error_text(error, limit=200):
    """The gist of an exception raised inside Keras, for a message: words, not markup.

    No colour codes, no "Arguments received by ..." listing, no TensorFlow op
    names or traced file paths. A long run of numbers (an array printed in the
    message) keeps its ends; then, if the text is still longer than `limit`
    characters (None: no limit), it ends at the last sentence that fits and
    says that the rest is left out.
    """
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", str(error))
    text = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", text)  # TensorFlow's op names
    text = re.sub(r"\s*\[Op:\w+\]( name: ?\S*)?", "", text)
    lines, source_line = [], False
    for line in (raw.strip() for raw in text.splitlines()):
        if line.startswith("Arguments received"):
            break
        if source_line or re.match(r'File ".*", line \d+', line):
            source_line = not source_line  # a traced frame: its path, then its code
            continue
        if line and not line.startswith(("Exception encountered", "in user code:")):
            lines.append(line)
    text = _shorten_numbers(" ".join(lines)).rstrip(". ")
    if limit is None or len(text) <= limit:
        return text
    return _cut_at_sentence(text, limit)


SHORTENED = " [message shortened]"


def _shorten_numbers(text, width=80):
    """Runs of digits, brackets and separators longer than `width` keep their two ends."""
    keep = width // 2

    def shorten(match):
        run = match.group()
        return f"{run[:keep].rstrip()} … {run[-keep // 2 :].lstrip()}"

    return re.sub(rf"[-+0-9.,eE\s\[\]()]{{{width + 1},}}", shorten, text)


def _cut_at_sentence(text, limit):
    """`text` ending at the last sentence that fits in `limit`, marked as shortened."""
    room = max(limit - len(SHORTENED), 1)
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s)", text[: room + 1])]
    if ends and ends[-1] >= room // 3:
        return text[: ends[-1]] + SHORTENED
    space = text.rfind(" ", 0, room)
    return text[: space if space > 0 else room].rstrip(" ,;:") + SHORTENED


def random_gate_weights(rng, d, h, gates):
    """Random W_xg, W_hg, b_g for each gate g; every W_hg surely not symmetric.

    For the checks of a student's cell: random weights leave no zero bias or
    identity start to hide a mistake, and W ≠ Wᵀ catches a transposed product.
    """
    weights = {}
    for g in gates:
        W_h = rng.normal(0.0, 0.6, size=(h, h))
        W_h[0, -1] += 1.0  # W and Wᵀ must give different numbers
        weights[f"W_x{g}"] = rng.normal(0.0, 0.6, size=(d, h))
        weights[f"W_h{g}"] = W_h
        weights[f"b_{g}"] = rng.normal(0.0, 0.5, size=h)
    return weights
