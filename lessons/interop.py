"""Move weights between Keras' built-in recurrent layers and the kit's cells.

Train fast with `keras.layers.LSTM` (cuDNN on a GPU), then `from_keras` gives
the same model built from the readable `LSTMCell`, whose gates you can open.
`to_keras` goes back. Both also convert a whole `StackedRNN` or `Seq2Seq`
between its two implementations ("keras": built-ins, fast on a GPU; "kit":
the readable cells), copying every weight. Keras packs each gate's weights side by side in one
matrix (`kernel`, `recurrent_kernel`, `bias`); the kit keeps one variable per
gate, named as on the slides. The tables below are the whole translation.
"""

import keras
import numpy as np

from lessons.cell import RecurrentCell
from lessons.gru import GRUCell
from lessons.lstm import LSTMCell
from lessons.rnn import SimpleRNNCell

# Keras cell type -> (kit cell type, the Keras gate order).
_TWINS = {
    keras.layers.SimpleRNNCell: (SimpleRNNCell, ("h",)),
    keras.layers.GRUCell: (GRUCell, ("z", "r", "h")),
    keras.layers.LSTMCell: (LSTMCell, ("i", "f", "c", "o")),
}
_LAYERS = {
    keras.layers.SimpleRNN: keras.layers.SimpleRNNCell,
    keras.layers.GRU: keras.layers.GRUCell,
    keras.layers.LSTM: keras.layers.LSTMCell,
}
_RNN_OPTIONS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll")


def _layout(cell, gates):
    """Which kit weights make up each of Keras' packed weights, in order."""
    layout = {
        "kernel": [[f"W_x{g}" for g in gates]],
        "recurrent_kernel": [[f"W_h{g}" for g in gates]],
        "bias": [[f"b_{g}" for g in gates]],
    }
    if getattr(cell, "reset_after", False):  # GRU: a second bias row, recurrent side
        layout["bias"].append([f"b_h{g}" for g in gates])
    return layout


# The options a kit cell and its Keras twin share (activations as names).
_COMMON_OPTIONS = ("units", "activation", "dropout", "recurrent_dropout", "seed")
_EXTRA_OPTIONS = {
    SimpleRNNCell: (),
    GRUCell: ("recurrent_activation", "reset_after"),
    LSTMCell: ("recurrent_activation", "unit_forget_bias"),
}


def _shared_options(cell, kit_type):
    """The options of `cell` (a Keras or a kit cell) that both twins accept."""
    options = {}
    for key in _COMMON_OPTIONS + _EXTRA_OPTIONS[kit_type]:
        value = getattr(cell, key)
        options[key] = keras.activations.serialize(value) if callable(value) else value
    return options


def _check_built(layer, arg):
    if not layer.built:
        raise ValueError(
            f"Argument `{arg}` must be a built layer (call it on data or call "
            f"`.build(input_shape)` first); {layer.name!r} has no weights yet."
        )


def _cell_from_keras(keras_cell):
    kit_type, gates = _TWINS[type(keras_cell)]
    if not keras_cell.use_bias:
        raise ValueError(
            f"`from_keras` needs a layer with use_bias=True; {keras_cell.name!r} has none."
        )
    cell = kit_type(**_shared_options(keras_cell, kit_type))
    cell.build((None, _input_dim(keras_cell)))
    _copy_from_keras_cell(keras_cell, cell, gates)
    return cell


def _keras_twin_of(cell):
    """The Keras cell type and gate order that match a kit cell, or TypeError."""
    for keras_type, (kit_type, gates) in _TWINS.items():
        if type(cell) is kit_type:
            return keras_type, gates
    raise TypeError(
        "Argument `layer` must hold a SimpleRNNCell, GRUCell or LSTMCell, which have "
        f"Keras built-in twins; got a {type(cell).__name__}, which has none."
    )


def _copy_from_keras_cell(keras_cell, cell, gates):
    for packed, groups in _layout(cell, gates).items():
        value = getattr(keras_cell, packed).numpy()
        rows = value if len(groups) > 1 else [value]
        for names, row in zip(groups, rows):
            for name, part in zip(names, np.split(row, len(names), axis=-1)):
                getattr(cell, name).assign(part)


def _copy_to_keras_cell(cell, keras_cell, gates):
    for packed, groups in _layout(cell, gates).items():
        rows = [
            np.concatenate([getattr(cell, n).numpy() for n in names], axis=-1) for names in groups
        ]
        getattr(keras_cell, packed).assign(np.stack(rows) if len(rows) > 1 else rows[0])


def _rnn_options(layer):
    options = {k: getattr(layer, k) for k in _RNN_OPTIONS}
    options["zero_output_for_mask"] = layer.zero_output_for_mask
    return options


def _build_like(new_layer, old_layer, input_dim):
    batch = old_layer.states[0].shape[0] if getattr(old_layer, "stateful", False) else None
    new_layer.build((batch, None, input_dim))


def _bidirectional(convert, layer):
    """Convert both directions of a `Bidirectional`.

    `Bidirectional` rebuilds the forward layer it is given from its config
    (fresh weights), so the converted weights are copied in after building.
    """
    forward, backward = convert(layer.forward_layer), convert(layer.backward_layer)
    twin = keras.layers.Bidirectional(forward, backward_layer=backward, merge_mode=layer.merge_mode)
    twin.build((None, None, _input_dim(forward.cell)))
    for source, target in ((forward, twin.forward_layer), (backward, twin.backward_layer)):
        for src, dst in zip(source.weights, target.weights, strict=True):
            dst.assign(src)
    return twin


def _input_dim(cell):
    """The number of input features of a built cell (its first weight is W_x· or kernel)."""
    return cell.weights[0].shape[0]


# --- whole models: StackedRNN and Seq2Seq ------------------------------------------------
def _models():
    from lessons.deep import StackedRNN
    from lessons.seq2seq.layers import Seq2Seq

    return StackedRNN, Seq2Seq


def _recurrent_layers(model):
    """Every recurrent layer of a StackedRNN or Seq2Seq, Bidirectionals opened, in order."""
    StackedRNN, _ = _models()
    layers = (
        model.recurrent_layers
        if isinstance(model, StackedRNN)
        else [*model.encoder.rnns, *model.decoder.rnns]
    )
    for layer in layers:
        if isinstance(layer, keras.layers.Bidirectional):
            yield from (layer.forward_layer, layer.backward_layer)
        else:
            yield layer


def _convert_model(model, implementation, arg="layer"):
    """The twin of `model` with the other `implementation` and every weight copied."""
    StackedRNN, _ = _models()
    if model.implementation == implementation:
        other = "to_keras" if implementation == "kit" else "from_keras"
        raise ValueError(
            f"Argument `{arg}` already has implementation={implementation!r}; {other} "
            "converts the other way."
        )
    _check_built(model, arg)
    sources = list(_recurrent_layers(model))
    config = {**model.get_config(), "implementation": implementation}
    try:
        twin = type(model).from_config(config)
    except ValueError as error:  # an option the built-ins cannot do
        raise ValueError(
            f"Argument `{arg}` cannot become Keras' built-in layers: {error}"
        ) from error
    if isinstance(model, StackedRNN):  # Seq2Seq builds itself
        twin.build((None, None, _input_dim(sources[0].cell)))
    targets = list(_recurrent_layers(twin))
    for source, target in zip(sources, targets, strict=True):
        if implementation == "kit":
            _copy_from_keras_cell(source.cell, target.cell, _TWINS[type(source.cell)][1])
        else:
            _copy_to_keras_cell(source.cell, target.cell, _keras_twin_of(source.cell)[1])
    # Everything else (embeddings, skips, bridges, attention, readout) has the same layout.
    rest = [
        [w for w in m.weights if not any(w is c for r in rnns for c in r.cell.weights)]
        for m, rnns in ((model, sources), (twin, targets))
    ]
    for source, target in zip(*rest, strict=True):
        target.assign(source)
    return twin


def from_keras(layer):
    """The kit's twin of a built Keras `SimpleRNN`, `GRU` or `LSTM` layer, or model.

    Args:
        layer: A built `keras.layers.SimpleRNN`, `GRU` (either `reset_after`)
            or `LSTM`, a `Bidirectional` wrapping one, or one of their cells;
            or a `StackedRNN` or `Seq2Seq` with `implementation="keras"`.

    Returns:
        A `keras.layers.RNN` holding the matching `lessons` cell with the same
        weights and the same `return_sequences`, `return_state` and
        `go_backwards` (a `Bidirectional` of two such, or a bare cell, when
        given one). Its outputs equal the original's to float32 rounding.
        For a `StackedRNN` or `Seq2Seq`: the same model with
        `implementation="kit"` (GRU cells with `reset_after=True`, as the
        built-ins have) and every weight copied, so `lessons.gates` and the
        attention weights can be read from the slides' equations.

    Example:

    >>> x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    >>> keras_lstm = keras.layers.LSTM(8, return_sequences=True)
    >>> y = keras_lstm(x)
    >>> readable = from_keras(keras_lstm)    # RNN(lessons.LSTMCell(8))
    >>> tuple(readable.cell.W_xf.shape)      # the forget gate's input weights
    (3, 8)
    >>> bool(np.allclose(readable(x), y, atol=1e-5))
    True
    """
    if isinstance(layer, _models()):
        return _convert_model(layer, "kit")
    if isinstance(layer, keras.layers.Bidirectional):
        return _bidirectional(from_keras, layer)
    cell = layer.cell if isinstance(layer, keras.layers.RNN) else layer
    if type(cell) not in _TWINS:
        raise TypeError(
            "Argument `layer` must be a keras.layers.SimpleRNN, GRU or LSTM (or a "
            f"Bidirectional of one, or their cell); got {type(layer).__name__}."
        )
    _check_built(layer, "layer")
    if cell is layer:
        return _cell_from_keras(cell)
    twin = keras.layers.RNN(_cell_from_keras(cell), **_rnn_options(layer))
    _build_like(twin, layer, _input_dim(cell))
    return twin


def to_keras(layer):
    """The Keras built-in twin of a `keras.layers.RNN` made of a `lessons` cell.

    The inverse of `from_keras`: the weights come back identical. Only
    `SimpleRNNCell`, `GRUCell` and `LSTMCell` have twins; the peephole and
    coupled LSTMs do not exist in Keras and raise `TypeError`.

    Args:
        layer: A built `keras.layers.RNN` whose cell is a `lessons` cell, a
            `Bidirectional` wrapping one, or such a cell itself; or a
            `StackedRNN` or `Seq2Seq` with `implementation="kit"` (GRU cells
            with `reset_after=True`, no zoneout or recurrent dropout: what
            cuDNN can run; else ValueError).

    Returns:
        A `keras.layers.SimpleRNN`, `GRU` or `LSTM` (or `Bidirectional`, or
        cell) with the same weights and options; for a model, the same model
        with `implementation="keras"`.
    """
    if isinstance(layer, _models()):
        return _convert_model(layer, "keras")
    if isinstance(layer, keras.layers.Bidirectional):
        return _bidirectional(to_keras, layer)
    cell = layer if not isinstance(layer, keras.layers.RNN) else layer.cell
    if not isinstance(cell, RecurrentCell) or type(layer) in _LAYERS:
        raise TypeError(
            "Argument `layer` must be a keras.layers.RNN whose cell is a lessons cell "
            f"(or a Bidirectional of one, or the cell); got {type(layer).__name__}."
        )
    keras_type, gates = _keras_twin_of(cell)
    _check_built(layer, "layer")
    options = _shared_options(cell, type(cell))
    if cell is layer:
        twin = keras_type(**options)
        twin.build((None, _input_dim(cell)))
        _copy_to_keras_cell(cell, twin, gates)
        return twin
    layer_type = next(k for k, v in _LAYERS.items() if v is keras_type)
    twin = layer_type(**options, **_rnn_options(layer))
    _build_like(twin, layer, _input_dim(cell))
    _copy_to_keras_cell(cell, twin.cell, gates)
    return twin
