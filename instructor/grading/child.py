"""The grader's child process: run a notebook's code cells, then the lesson's probes.

    python -m instructor.grading.child JOB.json

JOB.json (written by `instructor.grade`) holds the code cells, the lesson, its
exercises, the probes' seed, the limits and where to write the results. The
cells run in order in one namespace, as in a kernel: a cell that raises is
recorded and the next one runs. A cell still running when the cells' time is
up, or one that runs out of memory, stops the notebook there; the probes then
run on what the notebook defined so far. The results file holds only what the
probes saw (plain values, as JSON) and what happened to each cell: the grader
decides the points in its own process.

The same program computes the reference, on the solution's exercise cells.

While an exercise's probe runs, the kit's own answers to it (`KIT_ANSWERS` in
the lesson's checks module) are tripwires (`lessons.checks.tripwire`): the results
name each one the student's code called, subclassed or wrapped, and an audit
hook stops the notebook's code from removing the profile hook that watches.
"""

import importlib
import json
import os
import resource
import signal
import sys
import time
import traceback

from instructor import grading
from instructor.grading import demos, error_value, plain
from lessons.checks import tripwire

AUTHORITY = (os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ""),)

OUT_OF_MEMORY = ("MemoryError", "ResourceExhaustedError")


class CellTimeout(BaseException):
    """The notebook's cells used up their time (a BaseException: `except Exception` misses it)."""


def limit_resources(memory_mb, max_file_mb=512):
    """Memory (data segment: heap and private mappings), file size, no core dumps."""
    for limit, value in (
        (resource.RLIMIT_DATA, memory_mb * 2**20),
        (resource.RLIMIT_FSIZE, max_file_mb * 2**20),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(limit, (value, value))


def _on_alarm(signum, frame):
    raise CellTimeout()


class _NoIPython:
    """`get_ipython()` outside a kernel: magics and shell escapes are skipped."""

    def __init__(self):
        self.skipped = []

    def _skip(self, *args, **kwargs):
        self.skipped.append(" ".join(str(a) for a in args)[:80])

    run_line_magic = run_cell_magic = system = getoutput = _skip


def _namespace(shell):
    namespace = {"__name__": "__main__", "get_ipython": lambda: shell}
    try:
        from IPython.display import display

        namespace["display"] = display
    except ImportError:
        namespace["display"] = print
    return namespace


def _where(error, filename):
    """The line of the cell where `error` was raised (its last frame in the cell)."""
    if isinstance(error, SyntaxError) and error.filename == filename:
        return error.lineno  # the cell did not compile: no frame of it ran
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
    return frames[-1].lineno if frames else None


def _close_figures():
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def run_cells(cells, namespace, deadline, progress):
    """Run the cells in order until `deadline` (time.time()); returns (errors, stopped)."""
    transform = demos.ipython_to_python()
    errors, stopped = [], None
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(deadline - time.time(), 0.01))
    try:
        for cell in cells:
            number = cell["number"]
            with open(progress, "w") as file:
                file.write(str(number))
            filename = f"<cell {number}>"
            try:
                exec(compile(transform(cell["source"]), filename, "exec"), namespace)
            except CellTimeout:
                stopped = {"reason": "timeout", "cell": number}
                break
            except (Exception, SystemExit, KeyboardInterrupt) as error:
                record = error_value(error) | {"cell": number, "line": _where(error, filename)}
                errors.append(record)
                if type(error).__name__ in OUT_OF_MEMORY:
                    stopped = {"reason": "out-of-memory", "cell": number}
                    break
            finally:
                _close_figures()
    except CellTimeout:  # the alarm rang between two cells
        stopped = stopped or {"reason": "timeout", "cell": None}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return errors, stopped


def _guard_profile(event, args):
    """An audit hook: the notebook's code may not replace the tripwires' profile hook."""
    if event not in ("sys.setprofile", "sys.settrace"):
        return
    # A notebook's check arms and disarms its own tripwire; had it replaced the probe's,
    # Tripwire.intact would say so.
    if sys._getframe(1).f_code in _ARMING:
        return
    if tripwire.student_on_stack(AUTHORITY):
        raise RuntimeError(f"{event} is not allowed while grading")


_ARMING = (tripwire.Tripwire.arm.__code__, tripwire.Tripwire.disarm.__code__)


def _watch_fingerprint():
    """What a notebook must not replace: the tripwires, and what shows them the objects."""
    shown = (grading.lookup, grading.run_probe)  # run_probe looks the `defines` up
    return tripwire.fingerprint(), *(id(f) for f in shown), *(id(f.__code__) for f in shown)


def run_probes(lesson, exercises, namespace, seed, kit_answers=None, before=None):
    """({exercise: plain probe result}, {exercise: [kit answers it used]}).

    `exercises`: {exercise: what it defines (a name or a list of names)}, as the header says.

    An exception anywhere in a probe becomes its result. `before`: the watch's
    fingerprint taken before the notebook ran; if its code changed, every
    exercise with kit answers counts as using them.
    """
    module = importlib.import_module(f"lessons.checks.lesson{lesson[:2]}")  # its probes
    results, used = {}, {}
    tampered = before is not None and _watch_fingerprint() != before
    for exercise, defines in exercises.items():
        wire = tripwire.Tripwire((kit_answers or {}).get(exercise, ()), authority=AUTHORITY)
        grading.WATCHING.append(wire)  # lookup() shows it every object it returns
        try:
            with wire:
                results[exercise] = plain(
                    grading.run_probe(module, exercise, defines, namespace, seed)
                )
                if not wire.intact():
                    wire.record("your code replaced the grader's profile hook")
        except Exception as error:  # whatever the student's code raised
            results[exercise] = error_value(error)
        finally:
            grading.WATCHING.remove(wire)
        if tampered and wire.codes:
            wire.record("your code changed the grader's tripwires (lessons.checks.tripwire)")
        if wire.hits:
            used[exercise] = wire.hits
        _close_figures()
    return results, used


def main(job_path):
    with open(job_path) as file:
        job = json.load(file)
    limit_resources(job["memory_mb"])
    sys.addaudithook(_guard_profile)
    before = _watch_fingerprint()
    started = time.monotonic()
    shell = _NoIPython()
    namespace = _namespace(shell)
    errors, stopped = run_cells(job["cells"], namespace, job["cells_deadline"], job["progress"])
    cells_done = time.monotonic()
    probes, used = run_probes(
        job["lesson"], job["exercises"], namespace, job["seed"], job.get("kit_answers"), before
    )
    results = {
        "complete": True,
        "cell_errors": errors,
        "stopped": stopped,
        "skipped_magics": shell.skipped,
        "probes": probes,
        "kit_answers_used": used,
        "seconds": {"cells": cells_done - started, "probes": time.monotonic() - cells_done},
    }
    partial = job["results"] + ".partial"
    with open(partial, "w") as file:
        json.dump(results, file)
    os.replace(partial, job["results"])


if __name__ == "__main__":
    sys.argv = sys.argv[:2]
    main(sys.argv[1])
