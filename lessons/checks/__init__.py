"""Students' checks: call one after each exercise; it says in plain words what is wrong.

Each lesson has a module here (`lessons.checks.lesson00`, ...) with one
`check_<exercise>` function per exercise. A check runs the student's code
against an independent reference (NumPy from the equations, Keras' built-ins,
statistics over many samples), prints a line per part that passed, and on the
first failure raises `CheckFailed` with a message that says what was expected,
what came back and where to look. The check's own frames are hidden from the
notebook's traceback, so the student sees the message, not our code.
"""

import re


class CheckFailed(AssertionError):
    """An exercise does not do what it should; the message says what and where."""


def passed(message):
    """Report one part of a check that passed."""
    print(f"✔ {message}")


def expect(condition, message):
    """Raise `CheckFailed(message)` unless `condition` holds."""
    __tracebackhide__ = True  # IPython and pytest hide this frame
    if not condition:
        raise CheckFailed(message)


def run_student_code(fn, *args, what):
    """Call the student's `fn(*args)`; turn a crash into a plain-words failure."""
    __tracebackhide__ = True
    try:
        return fn(*args)
    except NotImplementedError:
        raise CheckFailed(
            f"{what} is not written yet: replace `raise NotImplementedError()`."
        ) from None
    except Exception as error:  # any bug in the student's code
        raise CheckFailed(f"{what} raised {type(error).__name__}: {error}") from error


def all_passed(exercise):
    print(f"All checks passed for {exercise}.")


def error_text(error, limit=200):
    """The gist of an exception raised inside Keras: no colour codes, no argument listing."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
    text = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", text)  # TensorFlow's op names
    text = re.sub(r"\s*\[Op:\w+\]( name: ?\S*)?", "", text)
    lines = []
    for line in text.splitlines():
        if line.startswith("Arguments received"):
            break
        if line.strip() and not line.startswith("Exception encountered"):
            lines.append(line.strip())
    text = " ".join(lines).rstrip(". ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
