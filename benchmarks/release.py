"""Time `rnn-lessons release` (writing the student course) and `release --check`.

    .venv/bin/python benchmarks/release.py [--runs 5]

Each run is the command line in a subprocess, into a fresh temporary folder; the
medians of `--runs` runs are printed, with the size of what was written.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(command):
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cli = str(Path(sys.executable).with_name("rnn-lessons"))
    writes, checks, files, size = [], [], 0, 0
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="release-") as folder:
            out = Path(folder) / "course"
            writes.append(timed([cli, "release", str(out)]))
            checks.append(timed([cli, "release", str(out), "--check"]))
            written = [p for p in out.rglob("*") if p.is_file()]
            files, size = len(written), sum(p.stat().st_size for p in written)
    print(f"release: median {statistics.median(writes):.1f} s of {args.runs} runs")
    print(f"release --check: median {statistics.median(checks):.1f} s")
    print(f"the release: {files} files, {size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
