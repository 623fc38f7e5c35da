"""The Gradescope autograder's time for one submission, offline, as its test runs it.

    .venv/bin/python benchmarks/autograder.py [--lesson 04_gru] [--runs 3]

Makes the lesson's zip, lays out a folder as Gradescope's /autograder with the
solution notebook as the upload, runs `run_autograder` and prints each run's
wall time (start to results.json: the notebook and the reference run side by
side) and the median.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="04_gru")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tool = str(Path(sys.executable).with_name("rnn-lessons"))
    with tempfile.TemporaryDirectory(prefix="autograder-bench-", ignore_cleanup_errors=True) as tmp:
        folder = Path(tmp)
        archive = folder / "autograder.zip"
        made = subprocess.run([tool, "autograder", args.lesson, str(archive), "--root", str(REPO)])
        assert made.returncode == 0
        times = []
        for run in range(args.runs):
            root = folder / f"run{run}"
            with zipfile.ZipFile(archive) as opened:
                opened.extractall(root / "source")
            shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
            (root / "submission").mkdir()
            shutil.copy(REPO / "solutions" / f"{args.lesson}.ipynb", root / "submission")
            env = {**os.environ, "RNN_LESSONS_AUTOGRADER_ROOT": str(root)}
            env["RNN_LESSONS_PYTHON"] = sys.executable
            started = time.monotonic()
            subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True)
            times.append(time.monotonic() - started)
            report = json.loads((root / "results" / "results.json").read_text())
            print(f"run {run + 1}: {times[-1]:.1f} s, score {report['score']:g}")
        print(f"median of {args.runs}: {statistics.median(times):.1f} s per submission")


if __name__ == "__main__":
    main()
