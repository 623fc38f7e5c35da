"""The "keras" implementation of `StackedRNN` and `Seq2Seq`: built-ins cuDNN can run.

Keras' `GRU` and `LSTM` run NVIDIA's fused cuDNN kernel on a GPU when
(keras/src/backend/tensorflow/rnn.py, `cudnn_ok`): the activation is tanh,
the recurrent activation sigmoid, `unroll=False`, `use_bias=True`, and for
the GRU `reset_after=True`; and (keras/src/layers/rnn/gru.py, lstm.py) there
is no recurrent dropout. A mask must pad on the right, as the kit's data
does. `builtin_layer` makes layers with exactly these settings (the vanilla
cell has no cuDNN kernel: it gets `SimpleRNN`, fused by Keras' loop all the
same); `resolve` decides, in one place, which implementation a model gets.

The rule for what the built-ins cannot do (zoneout, recurrent dropout, the
peephole and coupled LSTMs, a cell factory, a GRU with `reset_after=False`):
asked for explicitly, `implementation="keras"` raises a ValueError naming
the option; left to the default (`lessons.config.implementation()`, "keras"
on a GPU), the model quietly gets the kit's cells, which can do all of them.
"""

import keras

from lessons import config
from lessons.arguments import check_bool

BUILTINS = {"rnn": keras.layers.SimpleRNN, "gru": keras.layers.GRU, "lstm": keras.layers.LSTM}
# What cuDNN needs (the defaults of Keras' layers, written out so no default can move them).
CUDNN_SETTINGS = {
    "activation": "tanh",
    "recurrent_activation": "sigmoid",
    "recurrent_dropout": 0.0,
    "unroll": False,
    "use_bias": True,
}


def resolve(implementation, cell, reset_after=None, blocked=()):
    """`(implementation, reset_after)` for a model of `cell` layers.

    Args:
        implementation: None (the default from `lessons.config`), "kit" or "keras".
        cell: The model's cell name, or a factory (not a string).
        reset_after: None (True for "keras", the cuDNN form; False for
            "kit", the slides' form), or a bool; GRU only.
        blocked: The options asked for that the built-ins cannot do, in words.

    Returns:
        The implementation and, for a GRU, `reset_after` (else None).
    """
    explicit = implementation is not None
    implementation = config.implementation(implementation)
    if reset_after is not None:
        reset_after = check_bool("reset_after", reset_after)
        if cell != "gru":
            raise ValueError(
                f"Argument `reset_after` applies to cell='gru' only; got it with cell={cell!r}."
            )
    blocked = list(blocked)
    if not (isinstance(cell, str) and cell in BUILTINS):
        blocked.insert(0, f"cell={cell!r} (Keras has GRU, LSTM and SimpleRNN)")
    if cell == "gru" and reset_after is False:
        blocked.append("reset_after=False (cuDNN's GRU applies R_t after W_hh)")
    if implementation == "keras" and blocked:
        if explicit:
            raise ValueError(
                "Argument `implementation`: 'keras' builds Keras' built-in layers with the "
                f"settings cuDNN needs, which cannot do {'; '.join(blocked)}. Use "
                "implementation='kit' (the kit's cells) for that, or leave `implementation` "
                "out to get the kit's cells for it automatically."
            )
        implementation = "kit"
    if cell == "gru" and reset_after is None:
        reset_after = implementation == "keras"
    return implementation, reset_after if cell == "gru" else None


def builtin_layer(cell, units, reset_after=None, **options):
    """Keras' `SimpleRNN`, `GRU` or `LSTM` for `cell`, with the settings cuDNN needs.

    Args:
        cell: "rnn", "gru" or "lstm".
        units: Hidden units.
        reset_after: For "gru": must be True (cuDNN's form).
        **options: `dropout`, `seed`, `return_sequences`, `return_state`,
            `go_backwards`, `name`.
    """
    settings = dict(CUDNN_SETTINGS)
    if cell == "rnn":
        settings.pop("recurrent_activation")
    if cell == "gru":
        if reset_after is not True:
            raise ValueError(f"Argument `reset_after` must be True for cuDNN, got {reset_after}.")
        settings["reset_after"] = True
    return BUILTINS[cell](units, **settings, **options)
