"""lessons.config, set_seed and the version range, per device with the GPU check stubbed."""

import re
import subprocess
import sys
from pathlib import Path

import keras
import pytest

import lessons
from lessons import config, seeding, versions

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    for name in ("CI", "RNN_LESSONS_QUICK", "RNN_LESSONS_SIZE", "RNN_LESSONS_IMPLEMENTATION"):
        monkeypatch.delenv(name, raising=False)
    config.set_implementation(None)
    yield
    config.set_implementation(None)


def _gpu(monkeypatch, visible):
    monkeypatch.setattr(config, "gpu_visible", lambda: visible)


# --- run size ------------------------------------------------------------------------------
def test_pick_per_run_size(monkeypatch):
    _gpu(monkeypatch, False)
    assert config.run_size() == "full"
    assert config.pick(ci=1, full=2, gpu=3) == 2
    _gpu(monkeypatch, True)
    assert config.run_size() == "gpu"
    assert config.pick(ci=1, full=2, gpu=3) == 3
    assert config.pick(ci=1, full=2) == 2  # gpu= left out: the full size
    assert config.pick(ci=1, full=2, gpu=None) is None  # None is a value, not "left out"
    monkeypatch.setenv("CI", "true")
    assert config.pick(ci=1, full=2, gpu=3) == 1  # CI mode wins over the GPU
    monkeypatch.setenv("RNN_LESSONS_SIZE", "full")  # the override wins over both
    assert config.pick(ci=1, full=2, gpu=3) == 2
    monkeypatch.setenv("RNN_LESSONS_SIZE", "GPU ")
    _gpu(monkeypatch, False)
    assert config.pick(ci=1, full=2, gpu=3) == 3  # a GPU size asked for on a CPU
    monkeypatch.setenv("RNN_LESSONS_SIZE", "huge")
    with pytest.raises(ValueError, match="RNN_LESSONS_SIZE must be one of ci, gpu, full"):
        config.pick(ci=1, full=2)


def test_ci_flag_values(monkeypatch):
    _gpu(monkeypatch, False)
    for value, small in [("1", True), ("true", True), ("0", False), ("no", False), ("", False)]:
        monkeypatch.setenv("CI", value)
        assert config.ci_mode() is small
        assert config.pick(ci="ci", full="full") == ("ci" if small else "full")


# --- implementation -----------------------------------------------------------------------
def test_implementation_default_per_device_and_overrides(monkeypatch):
    _gpu(monkeypatch, False)
    assert config.implementation() == config.CPU_IMPLEMENTATION == "kit"
    _gpu(monkeypatch, True)
    assert config.implementation() == "keras"
    config.set_implementation("kit")
    assert config.implementation() == "kit"
    assert config.implementation("keras") == "keras"  # a layer's own argument wins
    monkeypatch.setenv("RNN_LESSONS_IMPLEMENTATION", "keras")
    assert config.implementation() == "keras"  # the environment wins over the setter
    monkeypatch.setenv("RNN_LESSONS_IMPLEMENTATION", "fast")
    with pytest.raises(ValueError, match="RNN_LESSONS_IMPLEMENTATION must be one of kit, keras"):
        config.implementation()
    with pytest.raises(ValueError, match="`implementation`"):
        config.set_implementation("cudnn")


# --- XLA ------------------------------------------------------------------------------------
def test_jit_compile_per_device(monkeypatch):
    monkeypatch.setattr(config, "op_determinism", lambda: False)
    _gpu(monkeypatch, False)
    assert config.jit_compile(True) is True and config.jit_compile(False) is False
    _gpu(monkeypatch, True)
    assert config.jit_compile(True) == "auto"  # Keras decides per model, without a warning
    assert config.jit_compile(False) is False
    _gpu(monkeypatch, False)
    monkeypatch.setattr(config, "op_determinism", lambda: True)
    assert config.jit_compile(True) == "auto"
    with pytest.raises(TypeError, match="`wanted`"):
        config.jit_compile("yes")


# --- seeding ------------------------------------------------------------------------------
@pytest.fixture
def determinism_calls(monkeypatch):
    """Record (instead of making) TensorFlow's op-determinism switch: it cannot be undone."""
    if keras.backend.backend() != "tensorflow":
        pytest.skip("op determinism is TensorFlow's")
    import tensorflow as tf

    calls = []
    monkeypatch.setattr(tf.config.experimental, "enable_op_determinism", lambda: calls.append(1))
    monkeypatch.setattr(seeding, "_last", dict(seeding._last))
    return calls


def test_set_seed_on_a_gpu_keeps_the_fast_kernels_by_default(monkeypatch, determinism_calls):
    _gpu(monkeypatch, True)
    assert lessons.set_seed(3) == 3
    assert determinism_calls == []
    assert "floating-point noise on the GPU" in seeding.describe()
    assert "cuDNN and XLA kept" in config.describe()
    assert lessons.set_seed(3, deterministic=True) == 3
    assert determinism_calls == [1]
    assert "bit for bit" in seeding.describe() and "no XLA" in seeding.describe()


def test_set_seed_on_a_cpu(monkeypatch, determinism_calls):
    _gpu(monkeypatch, False)
    lessons.set_seed(0)
    assert determinism_calls == []
    assert seeding.describe() == "seed 0: repeats bit for bit on the CPU"
    with pytest.raises(ValueError, match="`deterministic` must be True or False.*'auto'"):
        lessons.set_seed(0, deterministic="auto")
    with pytest.raises(TypeError, match="`seed`"):
        lessons.set_seed(1.5)


# --- versions -------------------------------------------------------------------------------
def test_pyproject_states_the_supported_range():
    text = (ROOT / "pyproject.toml").read_text()  # tomllib is Python 3.11+; the kit runs on 3.10
    for package, (low, high) in versions.SUPPORTED.items():
        assert re.search(rf'^\s*"{package}>={re.escape(low)},<{re.escape(high)}",', text, re.M)


def test_the_running_pair_is_in_range():
    assert versions.in_range("keras", keras.__version__)
    assert versions.warnings() == []


# Versions inside and outside each package's supported range.
INSIDE = {"keras": ["3.3.3", "3.15.1"], "tensorflow": ["2.16.2", "2.21.0", "2.21.1+cpu"]}
OUTSIDE = {
    "keras": ["3.3.2", "3.16.0", "3.16.0rc1", "2.15.0"],
    "tensorflow": ["2.16.1", "2.22.0", "2.15.1"],
}


@pytest.mark.parametrize(
    "package, version, inside",
    [
        *((package, version, True) for package, listed in INSIDE.items() for version in listed),
        *((package, version, False) for package, listed in OUTSIDE.items() for version in listed),
    ],
)
def test_in_range(package, version, inside):
    assert versions.in_range(package, version) is inside


def test_describe_prints_versions_and_warns_outside_the_range(monkeypatch):
    _gpu(monkeypatch, False)
    line = config.describe()
    assert f"Keras {keras.__version__}" in line and "WARNING" not in line
    assert "recurrent layers: the kit's cells" in line
    if versions.installed("tensorflow"):
        assert f"TensorFlow {versions.installed('tensorflow')}" in line
    fake = {"tensorflow": "2.23.0", "keras": "3.15.1"}
    monkeypatch.setattr(versions, "installed", lambda package: fake[package])
    first, warning, *rest = config.describe().splitlines()
    assert "TensorFlow 2.23.0" in first and rest == []
    assert warning.startswith("WARNING: tensorflow 2.23.0 is outside")
    assert versions.supported_range("tensorflow") in warning
    fake["keras"] = "3.1.0"
    assert len(config.describe().splitlines()) == 3


def test_an_unsupported_keras_fails_at_import_naming_the_range():
    """A Keras without the private DropoutRNNCell module: `import lessons` says what to install."""
    code = """
import importlib.abc, sys
import keras
MODULE = "keras.src.layers.rnn.dropout_rnn_cell"
class Moved(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == MODULE:
            raise ModuleNotFoundError(f"No module named {MODULE!r}")
sys.modules.pop(MODULE)
sys.meta_path.insert(0, Moved())
import lessons
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode != 0
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: rnn-lessons cannot run on keras"), last
    assert versions.supported_range("keras") in last
