"""The gated recurrent unit (Cho et al., 2014), as on the slides."""

import keras
from keras import ops

from lessons.arguments import check_bool
from lessons.cell import RecurrentCell


@keras.saving.register_keras_serializable(package="lessons")
class GRUCell(RecurrentCell):
    """One step of the GRU: a reset gate R_t and an update gate Z_t.

    Equations (slides' form, `reset_after=False`)::

        R_t = σ(X_t W_xr + H_{t-1} W_hr + b_r)              reset gate
        Z_t = σ(X_t W_xz + H_{t-1} W_hz + b_z)              update gate
        H̃_t = tanh(X_t W_xh + (R_t ⊙ H_{t-1}) W_hh + b_h)   candidate state
        H_t = Z_t ⊙ H_{t-1} + (1 − Z_t) ⊙ H̃_t               new state

    Z_t near 1 keeps the old state (memory); near 0 it takes the candidate.
    R_t near 0 lets the candidate ignore the past.

    With `reset_after=True` (the cuDNN form, Keras' default) the reset gate
    is applied after the matrix product, and the recurrent side has biases of
    its own (b_hz, b_hr, b_hh)::

        H̃_t = tanh(X_t W_xh + b_h + R_t ⊙ (H_{t-1} W_hh + b_hh))

    Notation map:
        - Andrew Ng: c^<t> = a^<t> = H_t, c̃^<t> = H̃_t, Γ_r = R_t and
          Γ_u = 1 − Z_t: his update c^<t> = Γ_u ∗ c̃^<t> + (1 − Γ_u) ∗ c^<t-1>
          gates the *candidate*, ours gates the *old state*.
        - colah: z_t, r_t with W_z·[h_{t-1}, x_t] (one matrix on the stacked
          vector = W_hz and W_xz side by side) and h_t = (1 − z_t) ∗ h_{t-1}
          + z_t ∗ h̃_t, so his z_t is our 1 − Z_t as well.
        - Keras `GRU`: `kernel` = [W_xz | W_xr | W_xh], `recurrent_kernel` =
          [W_hz | W_hr | W_hh] (gate order z, r, h); `bias` = [b_z | b_r | b_h],
          or with `reset_after=True` a (2, 3h) array whose second row is
          [b_hz | b_hr | b_hh].

    Args:
        units: Positive integer, the number of hidden units h.
        reset_after: Apply R_t after the product with W_hh (cuDNN form).
            Default `False`, the slides' form.
        activation: The candidate's nonlinearity. Default `"tanh"`.
        recurrent_activation: The gates' nonlinearity σ. Default `"sigmoid"`.
        kernel_initializer: Initializer for the W_x· weights.
        recurrent_initializer: Initializer for the W_h· weights.
        bias_initializer: Initializer for the biases.
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

    >>> gru = keras.layers.RNN(GRUCell(4))
    >>> tuple(gru(np.zeros((2, 5, 3))).shape)
    (2, 4)
    """

    gates = ("z", "r", "h")

    def __init__(self, units, reset_after=False, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = check_bool("reset_after", reset_after)

    def build(self, input_shape):
        input_dim = self.check_step_shape(input_shape)
        self.add_gate_weights(input_dim, self.gates)
        if self.reset_after:  # the recurrent side's own biases
            for g in ("z", "r", "h"):
                setattr(
                    self, f"b_h{g}", self._weight(f"b_h{g}", (self.units,), self.bias_initializer)
                )
        self.built = True

    def call(self, inputs, states, training=False):
        H_prev = states[0] if isinstance(states, (list, tuple)) else states
        X_t, H_drop = self.drop_inputs(inputs, H_prev, training)
        # X_t W_x· + b_· for the three parts at once (one matmul).
        x_z, x_r, x_h = self.affine(X_t, ("W_xz", "W_xr", "W_xh"), ("b_z", "b_r", "b_h"))
        if self.reset_after:
            h_z, h_r, h_h = self.affine(H_drop, ("W_hz", "W_hr", "W_hh"), ("b_hz", "b_hr", "b_hh"))
            Z_t = self.recurrent_activation(x_z + h_z)
            R_t = self.recurrent_activation(x_r + h_r)
            H_tilde = self.activation(x_h + R_t * h_h)
        else:
            h_z, h_r = self.affine(H_drop, ("W_hz", "W_hr"))
            Z_t = self.recurrent_activation(x_z + h_z)
            R_t = self.recurrent_activation(x_r + h_r)
            H_tilde = self.activation(x_h + ops.matmul(R_t * H_drop, self.W_hh))
        H_t = Z_t * H_prev + (1.0 - Z_t) * H_tilde
        self.record(Z_t=Z_t, R_t=R_t, H_tilde=H_tilde)
        return H_t, [H_t]

    def weight_stacks(self):
        if self.reset_after:
            return super().weight_stacks() + [("b_hz", "b_hr", "b_hh")]
        return super().weight_stacks()[:2] + [("W_hz", "W_hr")]

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}
