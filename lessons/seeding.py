"""The kit's one seeding helper: two runs of a notebook print the same numbers."""

import keras


def set_seed(seed=0, deterministic=True):
    """Seed Python's `random`, NumPy and the Keras backend with `seed`.

    On TensorFlow, `deterministic=True` also turns on op determinism, so
    parallel reductions give the same result every run. (Keras then skips
    XLA when `jit_compile="auto"`, which costs some speed.)
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"Argument `seed` must be a non-negative integer, got {seed!r}.")
    keras.utils.set_random_seed(seed)  # random, numpy and the backend
    if deterministic and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    return seed
