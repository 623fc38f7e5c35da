"""The kit's one seeding helper, and what repeating a run means on each device."""

import keras

from lessons.arguments import check_int

_last = {"seed": None, "deterministic": None, "gpu": None}


def set_seed(seed=0, deterministic=False):
    """Seed Python's `random`, NumPy and the Keras backend with `seed`.

    What a second run with the same seed then prints depends on the device:

    - CPU: the same numbers, bit for bit (the tests check this), with XLA
      wherever a notebook asks for it.
    - GPU, default (`deterministic=False`): the same numbers to within
      floating-point noise. cuDNN's recurrent kernels and XLA stay on (they
      are the reason to use a GPU), and some GPU kernels add up in a varying
      order, so the last digits of a loss, and after many steps a few
      sampled characters, can differ.
    - `deterministic=True` (TensorFlow): bit-for-bit repetition asked for,
      at a cost. It turns on TensorFlow's op determinism, which replaces the
      GPU kernels whose sums run in a varying order with slower ones (or
      raises for ops that have none), and makes Keras skip XLA in every
      model compiled afterwards (`lessons.config.jit_compile` then answers
      "auto", so Keras does it without a warning). cuDNN's RNN kernels are
      reported to vary even then. It stays on until the Python process ends.

    Args:
        seed: A non-negative integer.
        deterministic: True to turn on op determinism (see above), False
            (the default) to keep the fast kernels. On a CPU neither is
            needed for repetition; True still costs XLA there.

    Returns:
        `seed`. `lessons.config.describe()` (the set-up cell's line) says
        which of the three cases above holds.
    """
    seed = check_int("seed", seed, minimum=0)
    if deterministic not in (True, False):
        raise ValueError(
            f"Argument `deterministic` must be True or False, got {deterministic!r}. True "
            "repeats a GPU run bit for bit at the cost of XLA and fast kernels (see set_seed)."
        )
    from lessons import config

    keras.utils.set_random_seed(seed)  # random, numpy and the backend
    if deterministic and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    _last.update(seed=seed, deterministic=deterministic, gpu=config.gpu_visible())
    return seed


def describe():
    """What the last `set_seed` promises on this device, in a few words."""
    if _last["seed"] is None:
        return "not seeded (runs differ)"
    seed = _last["seed"]
    if _last["deterministic"]:
        return (
            f"seed {seed}, op determinism on: repeats bit for bit (cuDNN may still vary), "
            "no XLA, slower kernels"
        )
    if _last["gpu"]:
        return (
            f"seed {seed}: repeats to within floating-point noise on the GPU "
            "(cuDNN and XLA kept; set_seed(deterministic=True) for bit for bit, slower)"
        )
    return f"seed {seed}: repeats bit for bit on the CPU"
