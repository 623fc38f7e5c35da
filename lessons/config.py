"""The kit's run-time choices, each made in one place: run size, layers, XLA.

**Run size.** `pick(ci=..., full=..., gpu=...)` returns the value for the
run size in force:

- "ci" when the environment variable `CI` is set to anything but "", "0",
  "false", "no" or "off" (CI services set it), or `RNN_LESSONS_QUICK` is:
  each notebook runs end to end in under 90 seconds on a 2-core CPU, with
  small data and few epochs, and still checks something real;
- "gpu" when a GPU is visible (Colab with a GPU): sized for a Colab-class
  GPU; a `pick` without `gpu=` uses its `full` value there;
- "full" otherwise: trains to the quality the lesson's text claims.

`RNN_LESSONS_SIZE=ci|gpu|full` overrides the automatic choice.

**Layers.** `implementation()` says which recurrent layers `StackedRNN` and
`Seq2Seq` build when their `implementation` argument is left out:

- "keras": Keras' built-in `GRU`, `LSTM` (`SimpleRNN` for the vanilla cell)
  with the settings cuDNN needs: the fused cuDNN kernel on a GPU, 3-8x
  faster than a step-by-step loop there. `lessons.from_keras` turns a
  trained model into the readable one, with the same weights.
- "kit": `keras.layers.RNN` around the kit's cells, the slides' equations
  line by line: gates can be recorded (`lessons.gates`).

The default is "keras" when a GPU is visible and "kit" on a CPU, where the
kit's cells train as fast as the built-ins (benchmarks/README.md). Override
it with `set_implementation("keras")` or `RNN_LESSONS_IMPLEMENTATION=keras`
(the environment variable wins), or per layer with `implementation=`.

**XLA.** `jit_compile(wanted)` is the value to give `model.compile`.

In a notebook::

    from lessons import config
    epochs = config.pick(ci=2, full=30, gpu=40)
"""

import os

from lessons import versions
from lessons.arguments import check_bool, check_choice

IMPLEMENTATIONS = ("kit", "keras")
SIZES = ("ci", "gpu", "full")
CPU_IMPLEMENTATION = "kit"  # as fast as the built-ins on a CPU (benchmarks/README.md)

_OFF = {"", "0", "false", "no", "off"}
_UNSET = object()
_chosen = {"implementation": None}


def _flag(name):
    return os.environ.get(name, "").strip().lower() not in _OFF


def _env_choice(name, choices):
    """The environment variable `name` if set (checked against `choices`), else None."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return None
    if value not in choices:
        raise ValueError(
            f"Environment variable {name} must be one of {', '.join(choices)}; got {value!r}."
        )
    return value


def gpu_visible():
    """Whether the Keras backend sees a GPU: the one GPU check every choice here uses."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    if backend == "jax":
        import jax

        return any(d.platform == "gpu" for d in jax.devices())
    if backend == "torch":
        import torch

        return torch.cuda.is_available()
    return False


def gpu_names():
    """The GPUs the backend sees, by name (TensorFlow), or ["GPU"] on another backend."""
    import keras

    if not gpu_visible():
        return []
    if keras.backend.backend() != "tensorflow":
        return ["GPU"]
    import tensorflow as tf

    names = []
    for device in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(device)
        names.append(details.get("device_name", device.name))
    return names


# --- run size ------------------------------------------------------------------------------
def ci_mode():
    """True when the small, fast run size is asked for (read at every call)."""
    return _flag("CI") or _flag("RNN_LESSONS_QUICK")


def run_size():
    """ "ci", "gpu" or "full": `RNN_LESSONS_SIZE` if set, else CI mode, a GPU, or full."""
    size = _env_choice("RNN_LESSONS_SIZE", SIZES)
    if size is not None:
        return size
    if ci_mode():
        return "ci"
    return "gpu" if gpu_visible() else "full"


def pick(ci, full, gpu=_UNSET):
    """The value for the run size in force: one place decides every size.

    Args:
        ci: The CI-mode value (small, fast).
        full: The full-mode value (the quality the text claims, on a CPU).
        gpu: The value on a GPU; default: `full`.
    """
    size = run_size()
    if size == "ci":
        return ci
    if size == "gpu" and gpu is not _UNSET:
        return gpu
    return full


# --- which layers ---------------------------------------------------------------------------
def set_implementation(value):
    """Make "kit" or "keras" the default `implementation` (None: back to automatic)."""
    if value is not None:
        check_choice("implementation", value, IMPLEMENTATIONS)
    _chosen["implementation"] = value


def implementation(value=None):
    """The implementation to build: `value` if given, else the default (see the module doc).

    Args:
        value: None, "kit" or "keras".
    """
    if value is not None:
        return check_choice("implementation", value, IMPLEMENTATIONS)
    chosen = _env_choice("RNN_LESSONS_IMPLEMENTATION", IMPLEMENTATIONS)
    chosen = chosen or _chosen["implementation"]
    if chosen is not None:
        return chosen
    return "keras" if gpu_visible() else CPU_IMPLEMENTATION


# --- XLA ------------------------------------------------------------------------------------
def op_determinism():
    """Whether TensorFlow's op determinism is on (`set_seed(deterministic=True)`)."""
    import keras

    if keras.backend.backend() != "tensorflow":
        return False
    from tensorflow.python.framework.config import is_op_determinism_enabled

    return bool(is_op_determinism_enabled())


def jit_compile(wanted=True):
    """The `jit_compile` to give `model.compile`: XLA where it helps and Keras accepts it.

    On a CPU, `wanted` as given (Keras' own "auto" never picks XLA there).
    On a GPU, or under op determinism, "auto": Keras then compiles with XLA
    when every layer supports it and quietly skips it otherwise: cuDNN layers
    refuse XLA (and are the faster path), and so does op determinism. Passing
    True there instead makes Keras print "Model doesn't support
    `jit_compile=True`" and run without XLA anyway.

    Args:
        wanted: Whether this model should be compiled with XLA.

    Returns:
        False, True or "auto".
    """
    if not check_bool("wanted", wanted):
        return False
    return "auto" if gpu_visible() or op_determinism() else True


# --- the set-up cell's line -----------------------------------------------------------------
def describe():
    """The set-up cell's description: run size, versions, GPU, layers and seeding.

    One line, then one warning line per package outside the supported range.
    """
    import keras

    from lessons import seeding

    size = {
        "ci": "CI mode (small data, few epochs)",
        "gpu": "GPU size",
        "full": "full mode",
    }[run_size()]
    tf_version = versions.installed("tensorflow")
    tf = f"TensorFlow {tf_version}, " if tf_version else ""
    gpu = ", ".join(gpu_names()) or "none (CPU only)"
    layers = {"keras": "Keras' built-in (cuDNN on a GPU)", "kit": "the kit's cells"}
    line = (
        f"rnn-lessons: {size}; {tf}Keras {keras.__version__} on {keras.backend.backend()}; "
        f"GPU: {gpu}; recurrent layers: {layers[implementation()]}; {seeding.describe()}"
    )
    return "\n".join([line, *versions.warnings()])
