"""What the tests need from the backend they run on: arrays, gradients, a compiled call.

The tests run on TensorFlow, and again on JAX (`KERAS_BACKEND=jax`, in `make test`) and
PyTorch (`make test-torch`); these three helpers are the only place they differ.
"""

import keras
import numpy as np

BACKEND = keras.backend.backend()


def to_numpy(x, dtype=None):
    """A NumPy copy of a backend tensor (a PyTorch one may require grad), or of anything."""
    if isinstance(x, (list, tuple)):
        return np.asarray([to_numpy(item) for item in x], dtype=dtype)
    return np.asarray(keras.ops.convert_to_numpy(x), dtype=dtype)


def assert_close(actual, desired, **kwargs):
    """`np.testing.assert_allclose` on tensors of any backend."""
    np.testing.assert_allclose(to_numpy(actual), to_numpy(desired), **kwargs)


def assert_equal(actual, desired, **kwargs):
    """`np.testing.assert_array_equal` on tensors of any backend."""
    np.testing.assert_array_equal(to_numpy(actual), to_numpy(desired), **kwargs)


def allclose(a, b, **kwargs):
    """`np.allclose` on tensors of any backend."""
    return np.allclose(to_numpy(a), to_numpy(b), **kwargs)


def gradients(layer, x, **kwargs):
    """d(sum of layer(x, **kwargs) squared) / d(x and each trainable weight), as NumPy.

    Returns `(dx, [dW for W in layer.trainable_weights])`; a weight the loss does not
    reach gives None (TensorFlow) or zeros (JAX, PyTorch): tests ask for non-zero.
    """
    x = np.asarray(x, dtype="float32")
    weights = layer.trainable_weights
    if BACKEND == "tensorflow":
        import tensorflow as tf

        x = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(layer(x, **kwargs) ** 2)
        dx, *dw = tape.gradient(loss, [x, *weights])
    elif BACKEND == "jax":
        import jax

        others = [v.value for v in layer.non_trainable_variables]

        def loss(x, values):
            outputs, _ = layer.stateless_call(values, others, x, **kwargs)
            return (outputs**2).sum()

        dx, dw = jax.grad(loss, argnums=(0, 1))(x, [w.value for w in weights])
    elif BACKEND == "torch":
        import torch

        x = torch.tensor(x, requires_grad=True)
        loss = (layer(x, **kwargs) ** 2).sum()
        dx, *dw = torch.autograd.grad(loss, [x, *[w.value for w in weights]], allow_unused=True)
    else:
        raise NotImplementedError(f"no gradient helper for the {BACKEND!r} backend")
    return to_numpy(dx), [None if g is None else to_numpy(g) for g in dw]


def compiled(layer):
    """`layer`'s call as the backend compiles it (tf.function, jax.jit); PyTorch runs eagerly."""
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.function(layer)
    if BACKEND == "jax":
        import jax

        def run(x, training=False):
            values = [v.value for v in layer.trainable_variables]
            others = [v.value for v in layer.non_trainable_variables]
            outputs, others = layer.stateless_call(values, others, x, training=training)
            return outputs, others

        jitted = jax.jit(run, static_argnames="training")

        def call(x, training=False):
            if not layer.built:
                layer(x)  # builds the weights the compiled call reads
            outputs, others = jitted(x, training=training)
            for variable, value in zip(layer.non_trainable_variables, others):
                variable.assign(value)  # the seed moves on, as it does in a compiled fit
            return outputs

        return call
    return layer
