"""Long short-term memory (Hochreiter & Schmidhuber, 1997) and two variants."""

import keras

from lessons.arguments import check_bool
from lessons.cell import RecurrentCell

_LSTM_ARGS = """
    Args:
        units: Positive integer, the number of hidden units h.
        activation: The nonlinearity of C̃_t and of the output, tanh(C_t).
            Default `"tanh"`.
        recurrent_activation: The gates' nonlinearity σ. Default `"sigmoid"`.
        unit_forget_bias: Start b_f at 1, so the cell remembers by default
            (Jozefowicz et al., 2015). Default `True`.
        kernel_initializer: Initializer for the W_x· weights.
        recurrent_initializer: Initializer for the W_h· weights.
        bias_initializer: Initializer for the biases.
        dropout: Fraction of X_t dropped, one mask per sequence. Default 0.
        recurrent_dropout: Fraction of H_{t-1} dropped, one mask per sequence.
        seed: Seed for the dropout masks.

    Call arguments:
        inputs: X_t, shape `(batch, features)`.
        states: `[H_{t-1}, C_{t-1}]`, each of shape `(batch, units)`.
        training: Whether dropout is applied.

    Returns:
        `(H_t, [H_t, C_t])`.
"""


class _LSTMBase(RecurrentCell):
    """What the three LSTM cells share: two states (H, C) and a forget bias."""

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = check_bool("unit_forget_bias", unit_forget_bias)

    @property
    def state_size(self):
        return [self.units, self.units]

    def build(self, input_shape):
        input_dim = self.check_step_shape(input_shape)
        forget_init = {"f": "ones"} if self.unit_forget_bias else {}
        self.add_gate_weights(input_dim, self.gates, bias_initializers=forget_init)
        self.built = True

    def gate_inputs(self, X_t, H_prev):
        """A_g = X_t W_xg + H_{t-1} W_hg + b_g for every gate g, in two matmuls."""
        W_x, b, W_h = self.weight_stacks()
        x_parts = self.affine(X_t, W_x, b)
        h_parts = self.affine(H_prev, W_h)
        return [x + h for x, h in zip(x_parts, h_parts)]

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


@keras.saving.register_keras_serializable(package="lessons")
class LSTMCell(_LSTMBase):
    __doc__ = (  # a docstring built from parts: assigned, or Python would drop it
        """One step of the LSTM: input, forget and output gates and a cell state.

    Equations::

        I_t = σ(X_t W_xi + H_{t-1} W_hi + b_i)      input gate
        F_t = σ(X_t W_xf + H_{t-1} W_hf + b_f)      forget gate
        O_t = σ(X_t W_xo + H_{t-1} W_ho + b_o)      output gate
        C̃_t = tanh(X_t W_xc + H_{t-1} W_hc + b_c)   candidate memory
        C_t = F_t ⊙ C_{t-1} + I_t ⊙ C̃_t             the conveyor belt
        H_t = O_t ⊙ tanh(C_t)

    Notation map:
        - Andrew Ng: Γ_u = I_t, Γ_f = F_t, Γ_o = O_t, c̃^<t> = C̃_t,
          c^<t> = C_t, a^<t> = H_t.
        - colah / BPTT notes: f_t = σ(W_f·[h_{t-1}, x_t] + b_f); the matrix
          W_f is W_hf and W_xf stacked (transposed), the same product.
        - Keras `LSTM`: `kernel` = [W_xi | W_xf | W_xc | W_xo],
          `recurrent_kernel` = [W_hi | W_hf | W_hc | W_ho], `bias` =
          [b_i | b_f | b_c | b_o] (gate order i, f, c, o).
    """
        + _LSTM_ARGS
        + """
    Example:

    >>> lstm = keras.layers.RNN(LSTMCell(4), return_state=True)
    >>> H_T, H_T_again, C_T = lstm(np.zeros((2, 5, 3)))
    >>> tuple(C_T.shape)
    (2, 4)
    """
    )

    gates = ("i", "f", "c", "o")

    def call(self, inputs, states, training=False):
        H_prev, C_prev = states
        X_t, H_drop = self.drop_inputs(inputs, H_prev, training)
        A_i, A_f, A_c, A_o = self.gate_inputs(X_t, H_drop)
        I_t = self.recurrent_activation(A_i)
        F_t = self.recurrent_activation(A_f)
        O_t = self.recurrent_activation(A_o)
        C_tilde = self.activation(A_c)
        C_t = F_t * C_prev + I_t * C_tilde
        H_t = O_t * self.activation(C_t)
        self.record(I_t=I_t, F_t=F_t, O_t=O_t, C_tilde=C_tilde)
        return H_t, [H_t, C_t]


@keras.saving.register_keras_serializable(package="lessons")
class PeepholeLSTMCell(_LSTMBase):
    """LSTM whose gates also look at the cell state (Gers & Schmidhuber, 2000).

    Equations (peephole weights w_c· are vectors, multiplied elementwise)::

        I_t = σ(X_t W_xi + H_{t-1} W_hi + w_ci ⊙ C_{t-1} + b_i)
        F_t = σ(X_t W_xf + H_{t-1} W_hf + w_cf ⊙ C_{t-1} + b_f)
        C̃_t = tanh(X_t W_xc + H_{t-1} W_hc + b_c)
        C_t = F_t ⊙ C_{t-1} + I_t ⊙ C̃_t
        O_t = σ(X_t W_xo + H_{t-1} W_ho + w_co ⊙ C_t + b_o)   (reads the new C_t)
        H_t = O_t ⊙ tanh(C_t)

    The notes write f_t = σ(W_f·[C_{t-1}, h_{t-1}, x_t] + b_f): a full matrix
    on C_{t-1}. Gers' original, TensorFlow's and this cell use a diagonal
    one (one weight per unit), so each gate peeks only at its own unit.
    There is no Keras built-in twin, so `to_keras` refuses this cell.
    """ + _LSTM_ARGS.replace(
        "        seed: Seed for the dropout masks.\n",
        "        seed: Seed for the dropout masks.\n"
        "        peephole_initializer: Initializer for w_ci, w_cf, w_co.\n"
        '            Default `"glorot_uniform"`.\n',
    )

    gates = ("i", "f", "c", "o")

    def __init__(self, units, peephole_initializer="glorot_uniform", **kwargs):
        super().__init__(units, **kwargs)
        self.peephole_initializer = keras.initializers.get(peephole_initializer)

    def build(self, input_shape):
        super().build(input_shape)
        for g in ("i", "f", "o"):
            setattr(
                self, f"w_c{g}", self._weight(f"w_c{g}", (self.units,), self.peephole_initializer)
            )

    def call(self, inputs, states, training=False):
        H_prev, C_prev = states
        X_t, H_drop = self.drop_inputs(inputs, H_prev, training)
        A_i, A_f, A_c, A_o = self.gate_inputs(X_t, H_drop)
        I_t = self.recurrent_activation(A_i + self.w_ci * C_prev)
        F_t = self.recurrent_activation(A_f + self.w_cf * C_prev)
        C_tilde = self.activation(A_c)
        C_t = F_t * C_prev + I_t * C_tilde
        O_t = self.recurrent_activation(A_o + self.w_co * C_t)
        H_t = O_t * self.activation(C_t)
        self.record(I_t=I_t, F_t=F_t, O_t=O_t, C_tilde=C_tilde)
        return H_t, [H_t, C_t]

    def get_config(self):
        init = keras.initializers.serialize(self.peephole_initializer)
        return {**super().get_config(), "peephole_initializer": init}


@keras.saving.register_keras_serializable(package="lessons")
class CoupledLSTMCell(_LSTMBase):
    __doc__ = (  # a docstring built from parts: assigned, or Python would drop it
        """LSTM with coupled forget and input gates: what is forgotten is replaced.

    Equations (no input gate, I_t = 1 − F_t)::

        F_t = σ(X_t W_xf + H_{t-1} W_hf + b_f)
        O_t = σ(X_t W_xo + H_{t-1} W_ho + b_o)
        C̃_t = tanh(X_t W_xc + H_{t-1} W_hc + b_c)
        C_t = F_t ⊙ C_{t-1} + (1 − F_t) ⊙ C̃_t
        H_t = O_t ⊙ tanh(C_t)

    One gate fewer than `LSTMCell` (a quarter fewer weights). Like the GRU's
    update gate, F_t interpolates between keeping and replacing. There is no
    Keras built-in twin, so `to_keras` refuses this cell.
    """
        + _LSTM_ARGS
    )

    gates = ("f", "c", "o")

    def call(self, inputs, states, training=False):
        H_prev, C_prev = states
        X_t, H_drop = self.drop_inputs(inputs, H_prev, training)
        A_f, A_c, A_o = self.gate_inputs(X_t, H_drop)
        F_t = self.recurrent_activation(A_f)
        O_t = self.recurrent_activation(A_o)
        C_tilde = self.activation(A_c)
        C_t = F_t * C_prev + (1.0 - F_t) * C_tilde
        H_t = O_t * self.activation(C_t)
        self.record(I_t=1.0 - F_t, F_t=F_t, O_t=O_t, C_tilde=C_tilde)
        return H_t, [H_t, C_t]
