"""The vanilla RNN cell: H_t = φ(X_t W_xh + H_{t-1} W_hh + b_h)."""

import keras
from keras import ops

from lessons.cell import RecurrentCell


@keras.saving.register_keras_serializable(package="lessons")
class SimpleRNNCell(RecurrentCell):
    """One step of the vanilla (Elman) RNN, as on the slides.

    Equations (batch n, inputs d, hidden units h)::

        H_t = φ(X_t W_xh + H_{t-1} W_hh + b_h)        X_t: n×d, H_t: n×h

    with φ = tanh by default. The output layer O_t = H_t W_hq + b_q is not
    part of the cell: put a `Dense` after the RNN.

    The same three weights are used at every time step (parameter sharing):
    the cell has d·h + h·h + h parameters whatever the sequence length.

    Notation map:
        - Andrew Ng: a^<t> = g(W_aa a^<t-1> + W_ax x^<t> + b_a), i.e.
          a^<t> = H_t, W_ax = W_xhᵀ, W_aa = W_hhᵀ (column vectors there, rows
          here). The stacked form W_a [a^<t-1>; x^<t>] is the same product.
        - BPTT notes: s_t = tanh(U x_t + W s_{t-1}), i.e. U = W_xhᵀ, W = W_hhᵀ.
        - Keras `SimpleRNN`: `kernel` = W_xh, `recurrent_kernel` = W_hh,
          `bias` = b_h.

    Args:
        units: Positive integer, the number of hidden units h.
        activation: φ. Default `"tanh"`.
        kernel_initializer: Initializer for W_xh. Default `"glorot_uniform"`.
        recurrent_initializer: Initializer for W_hh. Default `"orthogonal"`.
        bias_initializer: Initializer for b_h. Default `"zeros"`.
        dropout: Fraction of X_t dropped, one mask per sequence. Default 0.
        recurrent_dropout: Fraction of H_{t-1} dropped, one mask per sequence.
        seed: Seed for the dropout masks.

    Call arguments:
        inputs: X_t, shape `(batch, features)`.
        states: `[H_{t-1}]`, shape `(batch, units)`.
        training: Whether dropout is applied.

    Returns:
        `(H_t, [H_t])`.

    Example:

    >>> rnn = keras.layers.RNN(SimpleRNNCell(4), return_sequences=True)
    >>> tuple(rnn(np.zeros((2, 5, 3))).shape)
    (2, 5, 4)
    """

    gates = ("h",)

    def __init__(self, units, activation="tanh", **kwargs):
        if "recurrent_activation" in kwargs:  # there is no gate for it to act on
            raise TypeError(
                "SimpleRNNCell has no gates, so no `recurrent_activation`; got "
                f"recurrent_activation={kwargs['recurrent_activation']!r}. Set `activation` (φ)."
            )
        super().__init__(units, activation=activation, **kwargs)

    def build(self, input_shape):
        input_dim = self.check_step_shape(input_shape)
        self.add_gate_weights(input_dim, self.gates)  # W_xh, W_hh, b_h
        self.built = True

    def call(self, inputs, states, training=False):
        H_prev = states[0] if isinstance(states, (list, tuple)) else states
        X_t, H_prev = self.drop_inputs(inputs, H_prev, training)
        H_t = self.activation(ops.matmul(X_t, self.W_xh) + ops.matmul(H_prev, self.W_hh) + self.b_h)
        return H_t, [H_t]

    def get_config(self):
        config = super().get_config()
        del config["recurrent_activation"]
        return config
