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
"""

import importlib
import json
import os
import resource
import signal
import sys
import time
import traceback

from instructor.grading import error_value, plain

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


def _transformer():
    """IPython's own translation of `%magic` and `!command` lines, or commenting them out."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell
    except ImportError:
        return lambda source: "\n".join(
            "# " + line if line.lstrip().startswith(("%", "!")) else line
            for line in source.splitlines()
        )


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
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
    return frames[-1].lineno if frames else None


def _close_figures():
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def run_cells(cells, namespace, deadline, progress):
    """Run the cells in order until `deadline` (time.time()); returns (errors, stopped)."""
    transform = _transformer()
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


def run_probes(lesson, exercises, namespace, seed):
    """{exercise: plain probe result}; an exception anywhere in a probe becomes its result."""
    module = importlib.import_module(f"instructor.grading.lesson{lesson[:2]}")
    results = {}
    for exercise in exercises:
        probe = getattr(module, f"probe_{exercise}")
        try:
            results[exercise] = plain(probe(namespace, seed))
        except Exception as error:  # whatever the student's code raised
            results[exercise] = error_value(error)
        _close_figures()
    return results


def main(job_path):
    with open(job_path) as file:
        job = json.load(file)
    limit_resources(job["memory_mb"])
    started = time.monotonic()
    shell = _NoIPython()
    namespace = _namespace(shell)
    errors, stopped = run_cells(job["cells"], namespace, job["cells_deadline"], job["progress"])
    cells_done = time.monotonic()
    probes = run_probes(job["lesson"], job["exercises"], namespace, job["seed"])
    results = {
        "complete": True,
        "cell_errors": errors,
        "stopped": stopped,
        "skipped_magics": shell.skipped,
        "probes": probes,
        "seconds": {"cells": cells_done - started, "probes": time.monotonic() - cells_done},
    }
    partial = job["results"] + ".partial"
    with open(partial, "w") as file:
        json.dump(results, file)
    os.replace(partial, job["results"])


if __name__ == "__main__":
    sys.argv = sys.argv[:2]
    main(sys.argv[1])
