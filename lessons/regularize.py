"""Regularizers for recurrent networks that Keras does not ship.

Lesson 08 compares the ways to keep an RNN from memorizing its training set.
Keras' cells already give variational dropout (one mask per sequence, the
cells' `dropout` and `recurrent_dropout`), weight decay (the optimizers'
`weight_decay`), gradient clipping (`global_clipnorm`) and early stopping
(`keras.callbacks.EarlyStopping`); `lessons.Zoneout` gives zoneout. This
module adds the two that are left:

- `PerStepDropout`: "naive" dropout with a fresh mask at every time step,
  the baseline that variational dropout (Gal & Ghahramani, 2016) improves on.
- `ar_tar_penalty` and `ActivationRegularization`: activation regularization
  (AR) and temporal activation regularization (TAR) of Merity et al. (2017),
  added to the training loss.
"""

import keras
from keras import ops
from keras.layers import Layer

from lessons.arguments import check_number, check_rate
from lessons.cell import NoisyCellWrapper


@keras.saving.register_keras_serializable(package="lessons")
class PerStepDropout(NoisyCellWrapper):
    """Dropout with a fresh mask at every time step ("naive" dropout).

    Wraps a cell. During training, at every step t, new Bernoulli masks drop
    units of the input X_t and of the previous hidden state H_{t-1} before
    the cell sees them, and scale the kept ones by 1 / (1 − p)::

        M_t ~ Bernoulli(1 − p) / (1 − p)        fresh at every step
        X_t ← M_t^x ⊙ X_t,   H_{t-1} ← M_t^h ⊙ H_{t-1}

    Variational dropout (the kit's cells' own `dropout` and
    `recurrent_dropout`) drops the same places with one mask per sequence.
    With fresh masks on H_{t-1} every unit is wiped out again and again along
    the sequence, so a memory survives k steps only with probability
    (1 − p)^k: that is why dropout on the recurrent connection needs the
    variational form. At inference nothing is dropped.

    For an LSTM, H_{t-1} enters only the gates' matrix products, exactly the
    places the cell's own `recurrent_dropout` masks; C_{t-1} is not dropped.
    (A GRU also reuses H_{t-1} in H_t = Z_t ⊙ H_{t-1} + ..., which this
    wrapper drops too.)

    Args:
        cell: The cell to wrap, e.g. `lessons.LSTMCell(64)`.
        dropout: Fraction of X_t's units dropped at each step, in [0, 1).
        recurrent_dropout: Fraction of H_{t-1}'s units dropped at each step,
            in [0, 1).
        seed: Seed for the masks.

    Call arguments:
        inputs: X_t, shape `(batch, features)`.
        states: The wrapped cell's states at t − 1; the first is H_{t-1}.
        training: Drop (True) or pass everything through (False).

    Returns:
        `(H_t, states_t)`: the wrapped cell's, and last the step count that
        keeps the masks fresh on every backend (`lessons.cell.NoisyCellWrapper`).

    Example:

    >>> from lessons import LSTMCell
    >>> layer = keras.layers.RNN(PerStepDropout(LSTMCell(8), 0.3, 0.3))
    >>> tuple(layer(np.ones((2, 5, 3)), training=True).shape)
    (2, 8)
    """

    def __init__(self, cell, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(cell, **kwargs)
        self.dropout = check_rate("dropout", dropout)
        self.recurrent_dropout = check_rate("recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed=seed)

    def call(self, inputs, states, training=False):
        states, steps = self.split(states)
        if training:
            inputs = self.drop(inputs, self.dropout, self.seed_at(steps, 0))
            states[0] = self.drop(states[0], self.recurrent_dropout, self.seed_at(steps, 1))
        output, states = self.step(inputs, states, training)
        return output, [*states, steps + 1.0]

    def drop(self, x, rate, seed=None):
        if rate == 0.0:
            return x
        return keras.random.dropout(x, rate, seed=self.seed_generator if seed is None else seed)

    def get_config(self):
        config = {
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}


def ar_tar_penalty(H, mask=None, alpha=2.0, beta=1.0):
    """AR and TAR: penalties on large and on fast-changing hidden states.

    With H_t the RNN's outputs and the means taken over the real (unpadded)
    time steps and all units::

        AR  = α · mean_t ‖H_t‖² / h              large activations cost
        TAR = β · mean_t ‖H_t − H_{t-1}‖² / h    over pairs of real steps

    Merity et al. (2017) add both to a language model's loss (α = 2, β = 1).

    Args:
        H: Hidden states, shape `(batch, time, units)`.
        mask: Optional `(batch, time)` booleans, True at real steps.
        alpha: α >= 0, the weight of AR.
        beta: β >= 0, the weight of TAR.

    Returns:
        A scalar tensor, AR + TAR. Zero when there is nothing to average.
    """
    alpha = check_number("alpha", alpha)
    beta = check_number("beta", beta)
    if len(ops.shape(H)) != 3:
        raise ValueError(
            f"Argument `H` must have shape (batch, time, units), got shape {tuple(ops.shape(H))}."
        )
    H = ops.convert_to_tensor(H, dtype="float32")
    if mask is None:
        real = ops.ones(ops.shape(H)[:2])
    else:
        real = ops.cast(mask, H.dtype)
        if not _same_shape(tuple(real.shape), tuple(H.shape)[:2]):
            raise ValueError(
                f"Argument `mask` must have shape (batch, time) = {tuple(H.shape)[:2]}, "
                f"got {tuple(real.shape)}."
            )
    ar = _masked_mean(ops.mean(ops.square(H), axis=-1), real)
    pairs = real[:, 1:] * real[:, :-1]
    tar = _masked_mean(ops.mean(ops.square(H[:, 1:] - H[:, :-1]), axis=-1), pairs)
    return alpha * ar + beta * tar


def _same_shape(a, b):
    """Shapes agree wherever both are known (inside a traced model some sizes are None)."""
    return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b))


def _masked_mean(values, weights):
    return ops.sum(values * weights) / ops.maximum(ops.sum(weights), 1.0)


@keras.saving.register_keras_serializable(package="lessons")
class ActivationRegularization(Layer):
    """Adds AR and TAR (`ar_tar_penalty`) to the loss; passes its input through.

    Put it after a recurrent layer with `return_sequences=True`. The penalty
    is added during training only, so validation losses stay comparable
    with those of models trained without it. Padding (the Keras mask) is
    left out of both means.

    Args:
        alpha: α >= 0, the weight of AR. Default 2.0.
        beta: β >= 0, the weight of TAR. Default 1.0.

    Call arguments:
        inputs: H, shape `(batch, time, units)`.
        mask: The mask Keras hands on, `(batch, time)`.
        training: Add the penalty (True) or not.

    Example:

    >>> reg = ActivationRegularization(alpha=2.0, beta=1.0)
    >>> out = reg(np.ones((2, 4, 3)), training=True)  # adds 2.0 * 1 + 1.0 * 0
    """

    def __init__(self, alpha=2.0, beta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = check_number("alpha", alpha)
        self.beta = check_number("beta", beta)
        self.supports_masking = True

    def call(self, inputs, mask=None, training=False):
        if training:
            self.add_loss(ar_tar_penalty(inputs, mask, self.alpha, self.beta))
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "beta": self.beta}
