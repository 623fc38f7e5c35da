"""Kit code quoted in a lesson's prose is the kit's code, line for line.

A lesson shows an equation next to the line of `lessons/` that computes it, in a fenced
```python block of a markdown cell. If that line is changed in the kit, the quote must change.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^# ```python\n(.*?)^# ```$", re.S | re.M)
KIT = "\n".join(path.read_text() for path in sorted((ROOT / "lessons").rglob("*.py")))
KIT_LINES = {line.strip() for line in KIT.splitlines()}


def quoted_lines(source):
    """(line number, code) of every line in the lesson's ```python fences, comments cut off."""
    for fence in FENCE.finditer(source):
        first = source.count("\n", 0, fence.start(1)) + 1
        for offset, line in enumerate(fence.group(1).splitlines()):
            code = re.sub(r"\s+#\s.*$", "", line.removeprefix("#").strip())
            if code:
                yield first + offset, code


def in_kit(code):
    """The whole kit line, or a part of one (a quoted expression)."""
    return code in KIT_LINES or any(code in line for line in KIT_LINES)


@pytest.mark.parametrize("path", sorted((ROOT / "solutions").glob("[0-9][0-9]_*.py")), ids=str)
def test_every_quoted_kit_line_is_in_the_kit(path):
    missing = [
        f"{path.name}:{n}: {code}" for n, code in quoted_lines(path.read_text()) if not in_kit(code)
    ]
    assert not missing, "quoted in the prose but not in lessons/:\n" + "\n".join(missing)


def test_a_changed_quote_is_caught():
    lesson = "# ```python\n# H_tilde = self.attentional(ops.concatenate([H, C], axis=-1))\n# ```\n"
    assert [in_kit(code) for _, code in quoted_lines(lesson)] == [False]
    lesson = lesson.replace("[H, C]", "[C, H]")
    assert [in_kit(code) for _, code in quoted_lines(lesson)] == [True]
