"""Deep recurrent networks: stacked layers, skip connections and zoneout.

A deep RNN stacks L recurrent layers. At every time step, layer j reads the
hidden state that the layer below has just computed (lecture 20)::

    H_t^1 = f_1(H_{t-1}^1, X_t)
    H_t^j = f_j(H_{t-1}^j, H_t^{j-1})        j = 2, ..., L
    O_t   = g(H_t^L)

Each f_j is one of the kit's cells with weights of its own. Deep stacks are
harder to train for the same reason deep feed-forward networks are, and the
same two remedies help: the skip connections of ResNet and DenseNet, here
drawn between whole recurrent layers.

- `StackedRNN`: L layers of one kind of cell, stacked plainly, with residual
  or with dense connections, optionally bidirectional.
- `Zoneout`: a cell wrapper that regularizes the recurrence: during
  training each unit keeps its previous value with probability p.
"""

import types

import keras
from keras import ops
from keras.layers import Layer

from lessons.arguments import (
    check_bool,
    check_choice,
    check_int,
    check_rate,
    check_seed,
    check_units,
)
from lessons.cell import NoisyCellWrapper, state_count
from lessons.fastpath import builtin_layer, resolve
from lessons.gru import GRUCell
from lessons.lstm import CoupledLSTMCell, LSTMCell, PeepholeLSTMCell
from lessons.rnn import SimpleRNNCell

CELLS = {
    "rnn": SimpleRNNCell,
    "gru": GRUCell,
    "lstm": LSTMCell,
    "peephole": PeepholeLSTMCell,
    "coupled": CoupledLSTMCell,
}
CONNECTIONS = ("plain", "residual", "dense")
MERGE_MODES = ("concat", "sum", "ave", "mul")


# --- argument checks ----------------------------------------------------------------------
def _check_rates(name, rate):
    """One rate in [0, 1), or a non-empty list of them (one per state)."""
    if isinstance(rate, (list, tuple)):
        if not rate:
            raise ValueError(f"Argument `{name}` must be a float in [0, 1) or a list of them.")
        return [check_rate(name, r) for r in rate]
    return check_rate(name, rate)


def _check_layer_units(units, num_layers):
    """`units` as a list of one positive int per layer, agreeing with `num_layers`."""
    if num_layers is not None:
        num_layers = check_int("num_layers", num_layers)  # the number of stacked layers L
    if not isinstance(units, (list, tuple)):
        return [check_units(units)] * (2 if num_layers is None else int(num_layers))
    if not units:
        raise ValueError("Argument `units` must be a positive integer or a non-empty list of them.")
    if num_layers is not None and num_layers != len(units):
        raise ValueError(
            f"Argument `units` lists {len(units)} layers but `num_layers` is {num_layers}; "
            "give one width per layer, or leave `num_layers` out."
        )
    return [check_units(u) for u in units]


def _check_cell(cell):
    """A cell name from `CELLS`, or a factory `units -> cell`."""
    if isinstance(cell, str):
        return check_choice("cell", cell, tuple(CELLS))
    if isinstance(cell, Layer) or not callable(cell):
        raise TypeError(
            f"Argument `cell` must be one of {', '.join(map(repr, CELLS))} or a factory "
            "`units -> cell` (a cell class, or e.g. `lambda units: GRUCell(units, "
            f"reset_after=True)`), called once per layer; got {cell!r}."
        )
    return cell


# --- bidirectional ------------------------------------------------------------------------
def bidirectional_layer(layer, **kwargs):
    """`keras.layers.Bidirectional(layer, **kwargs)` that loads safely from a `.keras` file.

    Bidirectional copies `layer` by serializing it. Inside `load_model` Keras
    matches serialized objects by `id()`, so a template freed after one layer
    is built can lend its id to the next layer's template, and that layer is
    then handed the earlier one's copy (seen on JAX as "Forward layer and
    backward layer should have different `go_backwards` value"). Keeping the
    templates alive as long as the wrapper keeps every id unique.
    """
    wrapper = keras.layers.Bidirectional(layer, **kwargs)
    # A plain namespace: neither tracked as a sublayer nor walked when saving.
    wrapper._templates = types.SimpleNamespace(layers=(layer, kwargs.get("backward_layer")))
    return wrapper


# --- zoneout ------------------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="lessons")
class Zoneout(NoisyCellWrapper):
    """Zoneout (Krueger et al., 2016): units keep their old value by chance.

    Wraps a cell. At every time step a coin with probability p (the `rate`)
    decides, for every example and every unit, whether the unit keeps its
    previous value or takes the one the cell has just computed, S̃_t::

        D_t ~ Bernoulli(p)                      fresh at every step
        S_t = D_t ⊙ S_{t-1} + (1 − D_t) ⊙ S̃_t   training
        S_t = p S_{t-1} + (1 − p) S̃_t           inference: the expected value

    This is applied to every state the cell carries: H_t for the RNN and the
    GRU, H_t and C_t for the LSTMs, each state with a mask of its own. The
    step's output is the zoned-out H_t (the first state). The wrapper keeps
    one state more than its cell, last: the step count, so that the masks are
    fresh on every backend (see `lessons.cell.NoisyCellWrapper`).

    Dropout sets a unit to zero; zoneout sets it to its previous value, like
    a GRU whose update gate Z_t happens to be 1. A kept unit passes both its
    value and its gradient straight back through time, so zoneout
    regularizes without cutting the paths that carry long-term memory.

    Masks: `keras.layers.RNN` keeps the states unchanged at masked steps,
    zoned out or not, so padding changes nothing.

    Args:
        cell: The cell to wrap: a `lessons` cell, a Keras cell, or any
            `keras.layers.Layer` with `state_size` and
            `call(inputs, states, training)`.
        rate: p, in [0, 1): one rate for all states, or a list with one rate
            per state, e.g. `[0.05, 0.5]` for an LSTM's H_t and C_t (the
            paper's choice for character-level language models). Default 0.1.
        seed: Seed for the zoneout masks.

    Call arguments:
        inputs: X_t, shape `(batch, features)`.
        states: The wrapped cell's states at t − 1, e.g. `[H_{t-1}, C_{t-1}]`.
        training: Draw masks (True) or use the expected value (False).

    Returns:
        `(H_t, states_t)` with every state zoned out, as the wrapped cell's.

    Example:

    >>> lstm = keras.layers.RNN(Zoneout(LSTMCell(8), rate=[0.05, 0.5]))
    >>> tuple(lstm(np.zeros((2, 5, 3)), training=True).shape)
    (2, 8)
    """

    def __init__(self, cell, rate=0.1, seed=None, **kwargs):
        super().__init__(cell, **kwargs)
        self.rate = _check_rates("rate", rate)
        rates = self.rate if isinstance(self.rate, list) else [self.rate] * state_count(cell)
        if len(rates) != state_count(cell):
            raise ValueError(
                f"Argument `rate` must be one float or one per state; {type(cell).__name__} "
                f"has {state_count(cell)} state(s), got {len(rates)} rates: {rate}."
            )
        self.rates = rates
        self.seed = check_seed("seed", seed)
        self.seed_generator = keras.random.SeedGenerator(seed=seed)

    def call(self, inputs, states, training=False):
        old, steps = self.split(states)
        _, new = self.step(inputs, old, training)  # the output is the zoned-out H_t
        states = [
            self.zone(o, n, p, training, seed=self.seed_at(steps, i))
            for i, (o, n, p) in enumerate(zip(old, new, self.rates))
        ]
        return states[0], [*states, steps + 1.0]

    def zone(self, old, new, rate, training, seed=None):
        """S_t from S_{t-1} (`old`) and S̃_t (`new`) for one state."""
        if rate == 0.0:
            return new
        if not training:
            return rate * old + (1.0 - rate) * new
        seed = self.seed_generator if seed is None else seed
        keep = keras.random.uniform(ops.shape(new), seed=seed) < rate  # D_t
        return ops.where(keep, old, new)

    def get_config(self):
        config = {
            "rate": list(self.rate) if isinstance(self.rate, list) else self.rate,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}


# --- the stack ----------------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="lessons")
class StackedRNN(Layer):
    """L recurrent layers stacked, plainly or with skip connections.

    Layer j is `keras.layers.RNN` around a fresh cell of `units[j]` units
    (wrapped in `keras.layers.Bidirectional` if asked). It reads a sequence
    U^j and returns the sequence H^j; `connection` says what U^j is::

        plain      U^1 = X,   U^j = H^{j-1}                  H^j = RNN_j(U^j)
        residual   as plain, and                             H^j = RNN_j(U^j) + U^j P_j
        dense      U^j = [X, H^1, ..., H^{j-1}]   (features concatenated)

    The stack's output is the top layer's H^L, so the three connections are
    interchangeable: the output width is always the top layer's.

    - Residual (ResNet): P_j is the identity when U^j and H^j have the same
      width, else a learned matrix (a `Dense` without bias). A bias there
      would be wasted: a constant added to H^j is absorbed by the biases of
      the layer above (c W_x· + b_· is just another bias), or of the Dense
      after the stack. A skip lets the gradient reach the lower layers
      past the recurrences.
    - Dense (DenseNet): every layer reads the input and all layers below it,
      so features computed low in the stack need not be carried upward by
      each layer in turn. Widths grow: layer j reads d + Σ_{i<j} width_i.
    - Bidirectional: each layer is a forward and a backward RNN whose
      outputs are merged per step with `merge_mode`; "concat" doubles a
      layer's width (and the residual projections account for it).
    - `return_sequences=False`: the top layer returns its final state, as a
      Keras `RNN` (or `Bidirectional`) would: the forward RNN's state after
      the last real step, the backward RNN's after the first. Skips join
      sequences step by step, and a final state is not a step, so the top
      layer then has no residual skip of its own.

    Regularization, three kinds:

    - `layer_dropout`: `keras.layers.Dropout` on each layer's output before
      the layer above reads it, not after the top layer (PyTorch's
      `nn.LSTM(dropout=...)` convention; put your own `Dropout` after the
      stack if you want one there).
    - `dropout`, `recurrent_dropout`: passed to every cell (variational: one
      mask per sequence on X_t and on H_{t-1}), as in `keras.layers.LSTM`.
    - `zoneout`: every cell wrapped in `Zoneout(cell, zoneout)`.

    Masks (from `keras.layers.Masking` or `Embedding(mask_zero=True)` before
    the stack, or passed as `mask=`) reach every layer: padded steps keep
    each layer's state and read 0 in the returned sequence (as a
    `Bidirectional` returns them).

    Args:
        units: Hidden units per layer: one positive integer for all layers,
            or a list with one per layer.
        num_layers: L, an integer >= 1. Default: the length of `units` when
            it is a list, else 2.
        cell: One of "rnn", "gru", "lstm", "peephole", "coupled" (the kit's
            cells, `CELLS`), or a factory `units -> cell` called once per
            layer and direction, e.g. `lessons.GRUCell` or
            `lambda units: lessons.GRUCell(units, reset_after=True)`.
            A function cannot be saved, so `get_config` then stores the
            configs of the cells it made (serializable Keras layers, such as
            the kit's), and `from_config` rebuilds the stack from those.
            Default "lstm".
        connection: "plain", "residual" or "dense". Default "plain".
        bidirectional: Wrap every layer in `keras.layers.Bidirectional`.
            Default False.
        merge_mode: How a bidirectional layer joins its two directions:
            "concat", "sum", "ave" or "mul" (not None: the next layer needs
            one tensor). Default "concat".
        return_sequences: Return the top layer's whole sequence (batch,
            timesteps, width) instead of its final state (batch, width).
            Default False.
        layer_dropout: Dropout rate between layers, in [0, 1). Default 0.
        dropout: The cells' input dropout rate, in [0, 1). Default 0.
            A factory sets this itself; it must then be left at 0.
        recurrent_dropout: The cells' recurrent dropout rate. Default 0.
            A factory sets this itself too.
        zoneout: Zoneout rate p in [0, 1), or a list with one per state.
            Default 0 (no zoneout).
        seed: An integer; every random part (cells, zoneout, dropout, each
            layer and direction) gets a different seed derived from it.
        implementation: "kit" (`keras.layers.RNN` around the kit's cells,
            whose gates can be recorded), "keras" (Keras' built-in
            `SimpleRNN`, `GRU`, `LSTM` with the settings cuDNN needs: fast
            on a GPU), or None (the default): `lessons.config.implementation()`,
            "keras" on a GPU, "kit" on a CPU. The built-ins cannot do zoneout,
            recurrent dropout, the peephole or coupled cell, a factory, or a
            GRU with `reset_after=False`: with "keras" these raise a
            ValueError, with None they get the kit's cells. `lessons.from_keras`
            turns a trained "keras" stack into the "kit" one (same weights).
        reset_after: GRU only: apply R_t after the product with W_hh (the
            cuDNN form) or before it (the slides' form). Default: True with
            the built-ins (cuDNN needs it), False with the kit's cells.

    Call arguments:
        inputs: X, shape `(batch, timesteps, features)`.
        mask: Optional boolean `(batch, timesteps)`, True at real steps.
        training: Whether dropout and zoneout are applied.

    Returns:
        H^L: `(batch, timesteps, width)` if `return_sequences`, else
        `(batch, width)`, where width is `units[-1]`, doubled by a
        bidirectional "concat".

    Example:

    >>> deep = StackedRNN(32, num_layers=3, cell="gru", connection="residual",
    ...                   bidirectional=True, return_sequences=True)
    >>> tuple(deep(np.zeros((4, 10, 8))).shape)
    (4, 10, 64)
    """

    def __init__(
        self,
        units,
        num_layers=None,
        cell="lstm",
        connection="plain",
        bidirectional=False,
        merge_mode="concat",
        return_sequences=False,
        layer_dropout=0.0,
        dropout=0.0,
        recurrent_dropout=0.0,
        zoneout=0.0,
        seed=None,
        implementation=None,
        reset_after=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = _check_layer_units(units, num_layers)
        self.num_layers = len(self.units)
        self.cell = _check_cell(cell)
        self.connection = check_choice("connection", connection, CONNECTIONS)
        self.bidirectional = check_bool("bidirectional", bidirectional)
        self.merge_mode = check_choice("merge_mode", merge_mode, MERGE_MODES)
        self.return_sequences = check_bool("return_sequences", return_sequences)
        self.layer_dropout = check_rate("layer_dropout", layer_dropout)
        self.dropout = check_rate("dropout", dropout)
        self.recurrent_dropout = check_rate("recurrent_dropout", recurrent_dropout)
        self.zoneout = _check_rates("zoneout", zoneout)
        if callable(self.cell) and (self.dropout or self.recurrent_dropout):
            raise ValueError(
                "Arguments `dropout` and `recurrent_dropout` go to the kit's named cells; "
                "with a factory as `cell`, set them in the factory and leave these at 0."
            )
        self.seed = check_seed("seed", seed)
        blocked = [
            f"{name}={value}"
            for name, value in (("zoneout", self.zoneout), ("recurrent_dropout", recurrent_dropout))
            if value
        ]
        self.implementation, self.reset_after = resolve(
            implementation, self.cell, reset_after, blocked
        )
        self.supports_masking = True

        L = self.num_layers
        self.recurrent_layers = [self._recurrent_layer(j) for j in range(L)]
        self.dropouts = [
            keras.layers.Dropout(self.layer_dropout, seed=self._seed(j, 4)) for j in range(L - 1)
        ]
        self.projections = []  # P_j, made in `build` once the input width is known

    # --- the parts ------------------------------------------------------------------------
    def _seed(self, j, part):
        """A seed of its own for random part `part` (0..4) of layer j."""
        return None if self.seed is None else self.seed + 5 * j + part

    def _cell(self, j, backwards):
        k = int(backwards)
        if isinstance(self.cell, str):
            gru = {} if self.reset_after is None else {"reset_after": self.reset_after}
            cell = CELLS[self.cell](
                self.units[j],
                dropout=self.dropout,
                recurrent_dropout=self.recurrent_dropout,
                seed=self._seed(j, k),
                **gru,
            )
        else:
            cell = self.cell(self.units[j])
            if not (isinstance(cell, Layer) and hasattr(cell, "state_size")):
                raise TypeError(
                    f"Argument `cell`: the factory must return a recurrent cell (a keras "
                    f"Layer with `state_size`) for units={self.units[j]}; it returned {cell!r}."
                )
            if getattr(cell, "output_size", self.units[j]) != self.units[j]:
                raise ValueError(
                    f"Argument `cell`: the factory was asked for {self.units[j]} units "
                    f"and returned a cell with output_size {cell.output_size}."
                )
        if isinstance(self.zoneout, list) and len(self.zoneout) != state_count(cell):
            raise ValueError(
                f"Argument `zoneout` must be one rate, or one per state: {type(cell).__name__} "
                f"has {state_count(cell)} state(s), got {len(self.zoneout)} rates."
            )
        if self.zoneout:
            cell = Zoneout(cell, self.zoneout, seed=self._seed(j, 2 + k))
        return cell

    def _rnn(self, j, backwards=False):
        top = j == self.num_layers - 1
        options = {"return_sequences": self.return_sequences or not top, "go_backwards": backwards}
        if self.implementation == "keras":
            return builtin_layer(
                self.cell,
                self.units[j],
                self.reset_after,
                dropout=self.dropout,
                seed=self._seed(j, int(backwards)),
                **options,
            )
        return keras.layers.RNN(self._cell(j, backwards), **options)

    def _recurrent_layer(self, j):
        if not self.bidirectional:
            return self._rnn(j)
        # An explicit backward layer gets seeds of its own (Bidirectional would copy the forward's).
        return bidirectional_layer(
            self._rnn(j), merge_mode=self.merge_mode, backward_layer=self._rnn(j, backwards=True)
        )

    def _width(self, j):
        """Width of H^j: units, doubled when a Bidirectional concatenates."""
        concat = self.bidirectional and self.merge_mode == "concat"
        return self.units[j] * (2 if concat else 1)

    def _input_widths(self, features):
        """Width of U^j for every layer j."""
        if self.connection == "dense":
            below = [self._width(j) for j in range(self.num_layers - 1)]
            return [features + sum(below[:j]) for j in range(self.num_layers)]
        return [features] + [self._width(j) for j in range(self.num_layers - 1)]

    def _has_skip(self, j):
        """Residual skip around layer j: wherever the layer returns a sequence."""
        top = j == self.num_layers - 1
        return self.connection == "residual" and (self.return_sequences or not top)

    def _projection(self, j, input_width):
        if input_width == self._width(j):
            return keras.layers.Identity()
        return keras.layers.Dense(self._width(j), use_bias=False)

    # --- Keras layer ------------------------------------------------------------------------
    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(
                "StackedRNN expects inputs of shape (batch, timesteps, features) with a "
                f"known number of features; got {tuple(input_shape)}."
            )
        batch, steps, features = input_shape
        widths = self._input_widths(features)
        for layer, width in zip(self.recurrent_layers, widths):
            layer.build((batch, steps, width))
        skips = [j for j in range(self.num_layers) if self._has_skip(j)]
        self.projections = [self._projection(j, widths[j]) for j in skips]
        for j in skips:
            self.projections[j].build((batch, steps, widths[j]))
        self.built = True

    def call(self, inputs, mask=None, training=None):
        below = [inputs]  # X, H^1, ..., H^{j-1}
        for j, layer in enumerate(self.recurrent_layers):
            U = ops.concatenate(below, axis=-1) if self.connection == "dense" else below[-1]
            H = layer(U, mask=mask, training=training)
            if self._has_skip(j):
                H = H + self.projections[j](U)
            if j < self.num_layers - 1:
                H = self.dropouts[j](H, training=training)
            below.append(H)
        if self.return_sequences and mask is not None:  # padded steps read 0
            H = H * ops.expand_dims(ops.cast(mask, H.dtype), -1)
        return H

    def compute_output_shape(self, input_shape):
        width = self._width(self.num_layers - 1)
        if self.return_sequences:
            return (input_shape[0], input_shape[1], width)
        return (input_shape[0], width)

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None

    # --- serialization ----------------------------------------------------------------------
    def _cells(self):
        """Every layer's cell without its Zoneout, in the order the factory made them."""
        for layer in self.recurrent_layers:
            rnns = [layer.forward_layer, layer.backward_layer] if self.bidirectional else [layer]
            for rnn in rnns:
                yield rnn.cell.cell if isinstance(rnn.cell, Zoneout) else rnn.cell

    def get_config(self):
        # A factory (a function) cannot be saved; the cells it made can, so
        # the config keeps each one's config and `from_config` hands them out again.
        if isinstance(self.cell, str):
            cell = self.cell
        else:
            cell = [keras.saving.serialize_keras_object(c) for c in self._cells()]
        config = {
            "units": list(self.units),
            "num_layers": self.num_layers,
            "cell": cell,
            "connection": self.connection,
            "bidirectional": self.bidirectional,
            "merge_mode": self.merge_mode,
            "return_sequences": self.return_sequences,
            "layer_dropout": self.layer_dropout,
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "zoneout": list(self.zoneout) if isinstance(self.zoneout, list) else self.zoneout,
            "seed": self.seed,
            "implementation": self.implementation,
            "reset_after": self.reset_after,
        }
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.setdefault("implementation", "kit")  # saved before the choice existed
        if isinstance(config["cell"], list):  # saved from a factory: replay its cells
            cells = iter([keras.saving.deserialize_keras_object(c) for c in config["cell"]])
            config["cell"] = lambda units: next(cells)
        return cls(**config)
