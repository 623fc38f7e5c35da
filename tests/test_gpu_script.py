"""benchmarks/gpu.sh --dry-run: the GPU run's plumbing, on the CPU with tiny sizes."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import keras
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="the GPU run is TensorFlow's")
def test_gpu_script_dry_run_writes_one_results_file(tmp_path):
    stored = sorted((ROOT / "solutions").glob("*.ipynb"))
    before = {p: p.stat().st_mtime_ns for p in stored}
    env = {**os.environ, "PY": sys.executable}
    env.pop("CI", None)
    run = subprocess.run(
        ["bash", "benchmarks/gpu.sh", "--dry-run", "--out", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    results = (tmp_path / "results.md").read_text()
    assert results.startswith("# GPU run of rnn-lessons") and "DRY RUN" in results
    # Device and versions: the ones this process runs with.
    assert f"Keras {keras.__version__}" in results
    assert "GPUs TensorFlow sees: none" in results and "cuDNN" in results
    # cells.py: a timed row for the fast-path pair (two times and their ratio).
    assert re.search(r"^StackedRNN GRU x2 +graph +[\d.]+ +[\d.]+ +[\d.]+$", results, re.M), results
    # The stand-in lesson ran to the end in a kernel: describe() line, a figure, a notebook.
    assert "### dry_run (size ci)" in results and "- completed;" in results
    assert "rnn-lessons: CI mode" in results and "final loss" in results
    figure = tmp_path / "dry_run" / "figure_1.png"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "dry_run.ipynb").is_file()
    assert re.search(r"^Total: \d+ s$", results, re.M)
    assert {p: p.stat().st_mtime_ns for p in stored} == before  # stored notebooks untouched
