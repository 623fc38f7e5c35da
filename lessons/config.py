"""The kit's one run-size switch: CI mode (small and fast) or full mode.

CI mode is on when the environment variable `CI` is set to anything but
"", "0", "false" or "no" (CI services set it), or when `RNN_LESSONS_QUICK`
is. In CI mode each notebook runs end to end in under 90 seconds on a 2-core
CPU with small data and few epochs, and still checks something real; in full
mode (the default, and on Colab) it trains to the quality its text claims.

In a notebook::

    from lessons import config
    epochs = config.pick(ci=2, full=30)
"""

import os

_OFF = {"", "0", "false", "no", "off"}


def _flag(name):
    return os.environ.get(name, "").strip().lower() not in _OFF


def ci_mode():
    """True when the small, fast run size is asked for (read at every call)."""
    return _flag("CI") or _flag("RNN_LESSONS_QUICK")


def pick(ci, full):
    """`ci` in CI mode, `full` otherwise: one place decides every size."""
    return ci if ci_mode() else full


def describe():
    """One line: the run size, the Keras backend and the GPU, for a notebook's first cell."""
    import keras

    gpus = []
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    mode = "CI mode (small data, few epochs)" if ci_mode() else "full mode"
    gpu = ", ".join(gpus) if gpus else "none (CPU only)"
    return (
        f"rnn-lessons: {mode}; Keras {keras.__version__} on {keras.backend.backend()}; GPU: {gpu}"
    )
