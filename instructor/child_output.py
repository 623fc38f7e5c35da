"""What a grading child leaves in its scratch folder, read back with care: it may be forged.

The child runs student code as the same user, so every file it leaves can be
anything: a symbolic link, a huge file, JSON of another shape, or a log that
prints the hidden tests. These read it as data, never trust its shape, and
blank the lines of the hidden tests and the solution in what feedback shows.
"""

import io
import json

RESULTS_LIMIT = 64 * 2**20  # bytes of results JSON read back from a child
HIDDEN = "[a line of the hidden tests or the solution: not shown]"


def small(path, limit):
    """The first `limit` bytes of a small file (the cell running when the child stopped)."""
    try:
        with open(path, "rb") as file:
            return file.read(limit).decode("utf-8", "replace").strip()
    except OSError:
        return ""


def results(path):
    """The child's results, or None if it left none (or something that is not its results)."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > RESULTS_LIMIT:
            return None
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    ok = isinstance(found, dict) and found.get("complete") is True
    return found if ok and isinstance(found.get("probes"), dict) else None


def tail(path, hidden=frozenset(), lines=15, limit=64 * 1024):
    """The last lines the child printed, for the feedback of a crash.

    Student code can read the probes it runs beside and print them before it crashes:
    a line of `hidden` (the probes', the solution's) is replaced by `HIDDEN`.
    """
    try:
        with open(path, "rb") as file:
            file.seek(max(0, file.seek(0, io.SEEK_END) - limit))
            text = file.read().decode("utf-8", "replace")
    except OSError:
        return ""
    from instructor.build import TF_LOG_LINE

    text = "".join(c for c in text if c.isprintable() or c == "\n")
    kept = [line for line in text.splitlines() if not TF_LOG_LINE.match(line)]
    return "\n".join(HIDDEN if line.strip() in hidden else line for line in kept[-lines:])
