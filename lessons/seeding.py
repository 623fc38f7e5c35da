"""The kit's one seeding helper: two runs of a notebook print the same numbers."""

import keras

from lessons.arguments import check_int


def set_seed(seed=0, deterministic="auto"):
    """Seed Python's `random`, NumPy and the Keras backend with `seed`.

    Args:
        seed: A non-negative integer.
        deterministic: On TensorFlow, whether to turn on op determinism, which
            replaces GPU kernels whose sums run in a varying order. Keras then
            also skips XLA, which costs speed. `"auto"` (the default) turns it
            on only when TensorFlow sees a GPU: on a CPU, seeded runs repeat
            without it (the tests check this), and there Keras' `fit` leaves
            XLA off by default anyway.

    Returns:
        `seed`.
    """
    seed = check_int("seed", seed, minimum=0)
    if deterministic not in (True, False, "auto"):
        raise ValueError(
            f'Argument `deterministic` must be True, False or "auto", got {deterministic!r}.'
        )
    keras.utils.set_random_seed(seed)  # random, numpy and the backend
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        if deterministic == "auto":
            deterministic = bool(tf.config.list_physical_devices("GPU"))
        if deterministic:
            tf.config.experimental.enable_op_determinism()
    return seed
