"""The shared base of the kit's recurrent cells.

Every cell in `lessons` is a `keras.layers.Layer` that computes one time step
of the slides' equations. This module holds what they all share: argument
checks, the per-gate weights, variational dropout and `get_config`. The
equations themselves live in `rnn.py`, `gru.py` and `lstm.py`.
"""

import keras
from keras import ops
from keras.layers import Layer

from lessons.arguments import check_rate, check_units
from lessons.versions import unsupported_keras

# Keras keeps its dropout-mask mixin private (no public name in keras 3.0-3.15); it is what
# `keras.layers.RNN` looks for to draw one mask per sequence before the time loop starts.
# Where a Keras release moves it, the kit stops here with the versions it supports.
try:
    from keras.src.layers.rnn.dropout_rnn_cell import DropoutRNNCell
except ImportError as error:  # pragma: no cover - only on an unsupported Keras
    raise unsupported_keras(
        "its private keras.src.layers.rnn.dropout_rnn_cell.DropoutRNNCell, which "
        "keras.layers.RNN uses for per-sequence dropout masks, is gone"
    ) from error

# Cells being watched by `lessons.gates.record_gates`: id(cell) -> list of steps.
_RECORDERS = {}


def _reseeded(initializer, offset):
    """A copy of `initializer` with a seed of its own for one weight.

    A Keras initializer holds one fixed seed, so reusing it for W_xz, W_xr,
    W_xh would start every gate with the same weights (and the gates would
    stay alike). Keras' own GRU never meets this: it draws one wide kernel.
    An unseeded initializer gets a fresh seed (repeatable after `set_seed`);
    a seeded one gets its seed moved on by `offset`.
    """
    initializer = keras.initializers.get(initializer)
    config = initializer.get_config()
    if "seed" not in config:  # zeros, ones, constants: nothing random
        return initializer
    if config["seed"] is None:
        return type(initializer).from_config(config)
    if isinstance(config["seed"], int):
        return type(initializer).from_config({**config, "seed": config["seed"] + offset})
    return initializer  # a SeedGenerator moves on by itself at each call


class RecurrentCell(Layer, DropoutRNNCell):
    """Base class: one time step of a recurrent network.

    Subclasses name their gates in `gates` (e.g. `("i", "f", "c", "o")` for the
    LSTM) and get, per gate g, the weights `W_xg` (inputs × units), `W_hg`
    (units × units) and `b_g` (units,), named as on the slides. `affine`
    computes all gates' X_t W_x· (or H_{t-1} W_h·) in one matmul.

    Dropout is variational (Gal & Ghahramani, 2016): `keras.layers.RNN` draws
    one mask for X_t and one for H_{t-1} per sequence, and every time step
    reuses them; at inference no mask is applied.
    """

    gates = ()

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = check_units(units)
        self.activation = keras.activations.get(activation)
        self.recurrent_activation = keras.activations.get(recurrent_activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.dropout = check_rate("dropout", dropout)
        self.recurrent_dropout = check_rate("recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed=seed)

    # --- shapes -----------------------------------------------------------
    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def check_step_shape(self, input_shape):
        """A cell sees one step, (batch, features): the RNN's input is rank 3."""
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                f"{type(self).__name__} expects the sequence given to "
                "`keras.layers.RNN` to be rank 3, (batch, timesteps, features), "
                "with a known number of features; one time step then has shape "
                f"(batch, features). Got a step of shape {tuple(input_shape)}."
            )
        return int(input_shape[-1])

    # --- weights ------------------------------------------------------------
    def add_gate_weights(self, input_dim, gates, bias_initializers=None):
        """Create W_xg, W_hg and b_g for each gate g, as attributes of `self`."""
        bias_initializers = bias_initializers or {}
        for g in gates:
            setattr(
                self,
                f"W_x{g}",
                self._weight(f"W_x{g}", (input_dim, self.units), self.kernel_initializer),
            )
            setattr(
                self,
                f"W_h{g}",
                self._weight(f"W_h{g}", (self.units, self.units), self.recurrent_initializer),
            )
        for g in gates:
            init = bias_initializers.get(g, self.bias_initializer)
            setattr(self, f"b_{g}", self._weight(f"b_{g}", (self.units,), init))

    def _weight(self, name, shape, initializer):
        self._weights_made = getattr(self, "_weights_made", 0) + 1
        initializer = _reseeded(initializer, self._weights_made)
        return self.add_weight(name=name, shape=shape, initializer=initializer)

    def stacked(self, names):
        """The weights named `names` side by side: [W_1 | W_2 | ...].

        Inside `keras.layers.RNN` this was built once before the time loop
        (see `get_dropout_mask`); called on its own, the cell builds it here.
        """
        names = tuple(names)
        cached = getattr(self, "_stacked_cache", {}).get(names)
        if cached is not None:
            return cached
        tensors = [getattr(self, n) for n in names]
        return tensors[0] if len(tensors) == 1 else ops.concatenate(tensors, axis=-1)

    def affine(self, x, weights, biases=()):
        """x [W_1 | W_2 | ...] + [b_1 | b_2 | ...], split back per gate.

        The slides write one product per gate (X_t W_xi, X_t W_xf, ...); one
        wider matmul gives the same numbers and runs faster.
        """
        y = ops.matmul(x, self.stacked(weights))
        if biases:
            y = y + self.stacked(biases)
        return ops.split(y, len(weights), axis=-1) if len(weights) > 1 else [y]

    def weight_stacks(self):
        """The tuples of weight names that `call` passes to `affine`."""
        return [
            tuple(f"W_x{g}" for g in self.gates),
            tuple(f"b_{g}" for g in self.gates),
            tuple(f"W_h{g}" for g in self.gates),
        ]

    # --- work done once per sequence -------------------------------------------
    # `keras.layers.RNN` calls `get_dropout_mask` before its time loop and
    # `reset_dropout_mask` after it, to keep one dropout mask per sequence.
    # The stacked weights are constant over a sequence too, so they are built
    # there as well; built inside the loop they would be rebuilt at every step
    # (an LSTM trained 1.2x slower than Keras' own on a 2-core CPU).
    def get_dropout_mask(self, step_input):
        self._stacked_cache = {}
        self._stacked_cache = {names: self.stacked(names) for names in self.weight_stacks()}
        return super().get_dropout_mask(step_input)

    def reset_dropout_mask(self):
        self._stacked_cache = {}
        super().reset_dropout_mask()

    # --- variational dropout -----------------------------------------------
    def drop_inputs(self, X_t, H_prev, training):
        """Apply this sequence's dropout masks to X_t and H_{t-1} (training only)."""
        # `super()`: the mixin's mask getter, without the per-sequence set-up above.
        if training and self.dropout > 0:
            X_t = X_t * super().get_dropout_mask(X_t)
        if training and self.recurrent_dropout > 0:
            H_prev = H_prev * self.get_recurrent_dropout_mask(H_prev)
        return X_t, H_prev

    def get_initial_state(self, batch_size=None):
        sizes = _as_list(self.state_size)
        return [ops.zeros((batch_size, d), dtype=self.compute_dtype) for d in sizes]

    # --- looking inside --------------------------------------------------------
    def record(self, **values):
        """Hand this step's gates to `lessons.gates.record_gates`; otherwise a no-op."""
        steps = _RECORDERS.get(id(self))
        if steps is not None:
            steps.append(values)

    # --- serialization --------------------------------------------------------
    def get_config(self):
        config = {
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "recurrent_activation": keras.activations.serialize(self.recurrent_activation),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}


def state_count(cell):
    """How many states a cell carries: 1 for the RNN and the GRU, 2 for the LSTMs."""
    return len(cell.state_size) if isinstance(cell.state_size, (list, tuple)) else 1


class CellWrapper(Layer, DropoutRNNCell):
    """Base of the cell wrappers (`Zoneout`, `PerStepDropout`): one cell inside.

    A wrapper has the wrapped cell's states and output, builds it, and hands
    on the calls `keras.layers.RNN` makes once per sequence (dropout masks,
    stacked weights), so the inner cell runs as fast as it does unwrapped.
    Subclasses write `call` and add their own arguments to `get_config`.
    """

    def __init__(self, cell, **kwargs):
        super().__init__(**kwargs)
        if not (isinstance(cell, Layer) and hasattr(cell, "state_size")):
            raise TypeError(
                "Argument `cell` must be a recurrent cell: a keras Layer with a "
                f"`state_size`, such as lessons.LSTMCell(8); got {cell!r}."
            )
        self.cell = cell

    @property
    def state_size(self):
        return self.cell.state_size

    @property
    def output_size(self):
        sizes = self.cell.state_size
        first = sizes[0] if isinstance(sizes, (list, tuple)) else sizes
        return getattr(self.cell, "output_size", first)

    def build(self, input_shape):
        if not self.cell.built:
            self.cell.build(input_shape)
        self.built = True

    def step(self, inputs, states, training):
        """The wrapped cell's step: `(output, new_states)`, the states always as a list."""
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        output, new = self.cell(inputs, states, training=training)
        return output, list(new) if isinstance(new, (list, tuple)) else [new]

    def get_initial_state(self, batch_size=None):
        if hasattr(self.cell, "get_initial_state"):
            return self.cell.get_initial_state(batch_size=batch_size)
        sizes = _as_list(self.cell.state_size)
        return [ops.zeros((batch_size, d), dtype=self.compute_dtype) for d in sizes]

    # `keras.layers.RNN` sets up (and clears) the per-sequence dropout masks of
    # its cell through these four methods: hand them on to the wrapped cell.
    def get_dropout_mask(self, step_input):
        if isinstance(self.cell, DropoutRNNCell):
            return self.cell.get_dropout_mask(step_input)

    def get_recurrent_dropout_mask(self, step_input):
        if isinstance(self.cell, DropoutRNNCell):
            return self.cell.get_recurrent_dropout_mask(step_input)

    def reset_dropout_mask(self):
        if isinstance(self.cell, DropoutRNNCell):
            self.cell.reset_dropout_mask()

    def reset_recurrent_dropout_mask(self):
        if isinstance(self.cell, DropoutRNNCell):
            self.cell.reset_recurrent_dropout_mask()

    def get_config(self):
        return {**super().get_config(), "cell": keras.saving.serialize_keras_object(self.cell)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        cell = keras.saving.deserialize_keras_object(config.pop("cell"))
        return cls(cell, **config)


class NoisyCellWrapper(CellWrapper):
    """Base of the wrappers that draw fresh noise at every step (`Zoneout`, `PerStepDropout`).

    Fresh noise needs a seed that moves with the step. TensorFlow's and
    PyTorch's loops let the wrapper's `SeedGenerator` advance inside the
    loop; JAX's `keras.layers.RNN` is a `lax.scan`, traced once in a stateless
    scope, where it cannot: every step (and every call) would repeat one mask.
    So the wrapper carries one state more than its cell, after the cell's:
    t, shape `(batch, 1)`, the number of real steps each example has taken.
    On JAX it draws one key per sequence where `keras.layers.RNN` draws the
    dropout masks, before the loop, and a step's i-th draw uses::

        key_{t,i} = fold_in(fold_in(key, Σ_batch t), i)

    Padding freezes an example's t, but the sum over the batch grows at every
    step where any example is real, so no key repeats within a sequence.
    Subclasses draw with `self.seed_at(steps, i)`.
    """

    def __init__(self, cell, **kwargs):
        super().__init__(cell, **kwargs)
        self._sequence_key = None

    @property
    def state_size(self):
        return [*_as_list(self.cell.state_size), 1]

    def split(self, states):
        """`(the cell's states, t)` from the wrapper's states.

        A direct call with the cell's states alone (no t) counts from zero.
        """
        states = _as_list(states)
        if len(states) == state_count(self.cell):
            return states, ops.zeros_like(states[0][:, :1])
        *states, steps = states
        return states, steps

    def get_initial_state(self, batch_size=None):
        states = super().get_initial_state(batch_size=batch_size)
        return [*_as_list(states), ops.zeros((batch_size, 1), dtype=self.compute_dtype)]

    def seed_at(self, steps, draw):
        """The seed of this step's `draw`-th random tensor (see the class docstring)."""
        if self._sequence_key is None:  # not on JAX, or called outside keras.layers.RNN
            return self.seed_generator
        import jax  # only here: the other backends never come this way

        step = ops.cast(ops.sum(steps), "uint32")
        return jax.random.fold_in(jax.random.fold_in(self._sequence_key, step), draw)

    def get_dropout_mask(self, step_input):
        if keras.backend.backend() == "jax":
            self._sequence_key = self.seed_generator.next()
        return super().get_dropout_mask(step_input)

    def reset_dropout_mask(self):
        self._sequence_key = None
        super().reset_dropout_mask()


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]
