"""The kit answers each exercise must not use: the `KIT_ANSWERS` table of its lesson's checks.

Students get the checks module (`lessons/checks/lessonNN.py`, the lesson's
spec), so the table lives there: its checks arm their tripwires from it, and
the grader reads it here.
"""

import importlib

from lessons.checks import tripwire


def declared(lesson):
    """{exercise: [dotted names]} of lesson `lesson` ("04"); ValueError if malformed."""
    module = importlib.import_module(f"lessons.checks.lesson{lesson}")
    found = {}
    for exercise, names in getattr(module, "KIT_ANSWERS", {}).items():
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError(
                f"exercise {exercise}: KIT_ANSWERS must list dotted names, got {names!r}"
            )
        for name in names:
            try:
                tripwire.resolve(name)
            except (ImportError, AttributeError) as error:
                raise ValueError(f"exercise {exercise}: kit answer {name!r}: {error}") from None
        if names:
            found[exercise] = names
    return found
