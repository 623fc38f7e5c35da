"""Cell diagrams in the style of colah's "Understanding LSTM Networks", drawn from a cell.

`draw_cell(cell)` reads what a `lessons` cell declares about itself (its `gates`, its
`activation` and `recurrent_activation`, its states, peephole weights) and draws one step:
the state path along the top, each gate as a box holding its nonlinearity (σ, tanh, ...)
with the slides' name on the arrow that leaves it, and the pointwise ⊙, + and 1 − nodes
where the step combines them. A cell built with `activation="relu"` shows ReLU in its box;
a coupled LSTM has no I_t box, because it has no input gate.

Example:

>>> figure = draw_cell(GRUCell(8))
>>> sorted(gate_labels(figure))
['H̃_t', 'R_t', 'Z_t']
"""

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyBboxPatch

from lessons.gru import GRUCell
from lessons.lstm import CoupledLSTMCell, LSTMCell, PeepholeLSTMCell
from lessons.rnn import SimpleRNNCell

# The slides' name of what each gate's box computes, by the letter of its weights.
SLIDE_NAMES = {"z": "Z_t", "r": "R_t", "i": "I_t", "f": "F_t", "o": "O_t", "c": "C̃_t"}
SYMBOLS = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU", "linear": "id", "hard_sigmoid": "hσ"}
GATE_GID = "gate"  # the gid of every gate box's label, for `gate_labels`
TOP, GATE_Y, BOTTOM = 5.0, 2.6, 1.0  # heights of the state path, the boxes, the input line
STYLE = {"arrowstyle": "-|>", "color": "0.25", "lw": 1.3, "shrinkA": 0, "shrinkB": 0}


def symbol(activation):
    """σ, tanh, ReLU, ... for a Keras activation function."""
    name = getattr(activation, "__name__", str(activation))
    return SYMBOLS.get(name, name)


def parts(cell):
    """[(letter, slide name, nonlinearity symbol)] for each box of `cell`, in its gate order.

    The candidate (C̃_t of an LSTM, H̃_t of a GRU, the vanilla RNN's H_t itself) uses the
    cell's `activation`; every gate its `recurrent_activation`.
    """
    candidate = "c" if "c" in cell.gates else "h"
    found = []
    for letter in cell.gates:
        if letter == candidate:
            name = "H_t" if cell.gates == ("h",) else SLIDE_NAMES.get(letter, "H̃_t")
            found.append((letter, name, symbol(cell.activation)))
        else:
            found.append((letter, SLIDE_NAMES[letter], symbol(cell.recurrent_activation)))
    return found


def draw_cell(cell, ax=None, title=None):
    """One step of `cell` as a colah-style diagram; returns the figure.

    Args:
        cell: A `lessons` cell: `SimpleRNNCell`, `GRUCell` (the slides' form),
            `LSTMCell`, `PeepholeLSTMCell` or `CoupledLSTMCell` (built or not).
        ax: A matplotlib Axes to draw in; a new figure when None.
        title: The title; by default the cell's class name.

    Returns:
        The matplotlib Figure.
    """
    if not isinstance(cell, (SimpleRNNCell, GRUCell, LSTMCell, PeepholeLSTMCell, CoupledLSTMCell)):
        raise TypeError(
            "Argument `cell` must be a lessons SimpleRNNCell, GRUCell, LSTMCell, "
            f"PeepholeLSTMCell or CoupledLSTMCell, got {type(cell).__name__}."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.8))
    boxes = parts(cell)
    x = {letter: 2.0 + 1.9 * k for k, (letter, _, _) in enumerate(boxes)}
    right = x[boxes[-1][0]] + 2.6
    ax.add_patch(
        FancyBboxPatch((0.3, 0.4), right - 0.6, 5.3, "round,pad=0.1", fc="#eef3fb", ec="0.5")
    )
    for letter, name, nonlinearity in boxes:
        _gate(ax, x[letter], nonlinearity, name)
    if cell.gates == ("h",):
        _vanilla(ax, x, right)
    elif "z" in x:
        _gru(ax, x, right)
    else:  # the LSTMs: a cell state C_t beside H_t
        _lstm(ax, x, right, coupled="i" not in x, peephole=isinstance(cell, PeepholeLSTMCell))
    _inputs(ax, x, boxes)
    ax.set_xlim(-1.2, right + 1.3)
    ax.set_ylim(-0.5, 6.4)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title or type(cell).__name__)
    return ax.figure


def gate_labels(figure):
    """The slide names of the gate boxes drawn in `figure` (what `draw_cell` drew)."""
    return [
        t.get_text().strip("$") for a in figure.axes for t in a.texts if t.get_gid() == GATE_GID
    ]


# --- pieces ------------------------------------------------------------------------------------
def _arrow(ax, start, end, label=None, dashed=False, where=(0.15, 0.0)):
    ax.annotate("", end, start, arrowprops={**STYLE, "ls": "--" if dashed else "-"})
    if label:
        mx, my = (start[0] + end[0]) / 2 + where[0], (start[1] + end[1]) / 2 + where[1]
        ax.text(mx, my, label, fontsize=9, color="#1f4e9b", ha="left", va="center")


def _line(ax, start, end):
    ax.plot([start[0], end[0]], [start[1], end[1]], color="0.25", lw=1.3)


def _node(ax, xy, text):
    """A pointwise operation: ⊙, +, 1 − or tanh, in a pink circle."""
    ax.add_patch(Circle(xy, 0.32, fc="#f6c9d0", ec="0.3", zorder=3))
    ax.text(*xy, text, ha="center", va="center", fontsize=7 if len(text) > 2 else 11, zorder=4)


def _gate(ax, x, nonlinearity, name):
    """A yellow layer box at (x, GATE_Y) with its nonlinearity; its slide name above it."""
    ax.add_patch(
        FancyBboxPatch(
            (x - 0.55, GATE_Y - 0.35), 1.1, 0.7, "round,pad=0.05", fc="#f9e79f", ec="0.3"
        )
    )
    ax.text(x, GATE_Y, nonlinearity, ha="center", va="center", fontsize=11)
    # Left of the arrow that leaves the box's top, clear of arrows that leave to the right.
    ax.text(
        x - 0.1, GATE_Y + 0.55, f"${name}$", fontsize=10, color="#1f4e9b", ha="right", gid=GATE_GID
    )


def _inputs(ax, x, boxes):
    """H_{t-1} and X_t join on the input line and feed every box from below."""
    first, last = x[boxes[0][0]], x[boxes[-1][0]]
    ax.text(-0.9, BOTTOM, "$H_{t-1}$", ha="center", va="center", fontsize=10)
    _line(ax, (-0.5, BOTTOM), (last, BOTTOM))
    ax.text(first - 1.0, -0.3, "$X_t$", ha="center", va="center", fontsize=10)
    _line(ax, (first - 1.0, 0.0), (first - 1.0, BOTTOM))
    for letter, _, _ in boxes:
        _arrow(ax, (x[letter], BOTTOM), (x[letter], GATE_Y - 0.4))


def _state_path(ax, right, name, enters=True):
    if enters:
        ax.text(-0.9, TOP, f"${name}_{{t-1}}$", ha="center", va="center", fontsize=10)
    ax.text(right + 0.8, TOP, f"${name}_t$", ha="center", va="center", fontsize=10)


def _vanilla(ax, x, right):
    h = x["h"]
    _state_path(ax, right, "H", enters=False)  # H_{t-1} only enters the layer: no path around
    _arrow(ax, (h, GATE_Y + 0.4), (h, TOP))
    _arrow(ax, (h, TOP), (right + 0.4, TOP))
    _arrow(ax, (h, TOP), (h, 6.2), "output $H_t$")


def _gru(ax, x, right):
    z, r, h = x["z"], x["r"], x["h"]
    _state_path(ax, right, "H")
    one_minus, reset = (z + 0.95, 3.9), (r + 0.95, 1.7)
    _keep_and_add(ax, z, h, right)
    _arrow(ax, (z, 3.9), (one_minus[0] - 0.32, 3.9))
    _node(ax, one_minus, "1−")
    _arrow(ax, (one_minus[0] + 0.32, 3.9), (h - 0.32, 3.9))
    # R_t ⊙ H_{t-1} feeds the candidate (reset_after=True resets H_{t-1} W_hh instead).
    _arrow(ax, (r + 0.55, GATE_Y - 0.2), (reset[0] - 0.2, reset[1] + 0.25))  # from R_t's side
    _node(ax, reset, "⊙")
    _arrow(ax, (r + 0.95, BOTTOM), (r + 0.95, reset[1] - 0.32))
    _arrow(ax, (reset[0] + 0.32, reset[1]), (h - 0.55, GATE_Y - 0.2))
    _arrow(ax, (h, TOP), (h + 0.8, 6.2), "output $H_t$")


def _keep_and_add(ax, gate, candidate, right):
    """The state path both gated cells share: the old state ⊙ a gate, + the candidate ⊙ its
    weight (drawn by the caller into the ⊙ at (candidate, 3.9)), out to the right."""
    _arrow(ax, (-0.5, TOP), (gate - 0.35, TOP))
    _node(ax, (gate, TOP), "⊙")
    _arrow(ax, (gate + 0.35, TOP), (candidate - 0.35, TOP))
    _node(ax, (candidate, TOP), "+")
    _arrow(ax, (candidate + 0.35, TOP), (right + 0.4, TOP))
    _arrow(ax, (gate, GATE_Y + 0.4), (gate, TOP - 0.35))
    _node(ax, (candidate, 3.9), "⊙")
    _arrow(ax, (candidate, GATE_Y + 0.4), (candidate, 3.9 - 0.32))
    _arrow(ax, (candidate, 3.9 + 0.32), (candidate, TOP - 0.35))


def _lstm(ax, x, right, coupled, peephole):
    f, c, o = x["f"], x["c"], x["o"]
    _state_path(ax, right, "C")
    squash, show = (o + 1.0, 4.1), (o + 1.0, 3.0)
    _keep_and_add(ax, f, c, right)
    if coupled:  # I_t = 1 − F_t: what is forgotten is replaced
        one_minus = (f + 0.95, 3.9)
        _arrow(ax, (f, 3.9), (one_minus[0] - 0.32, 3.9))
        _node(ax, one_minus, "1−")
        _arrow(ax, (one_minus[0] + 0.32, 3.9), (c - 0.32, 3.9), "$I_t$", where=(-0.2, 0.25))
    else:
        i = x["i"]
        _arrow(ax, (i, GATE_Y + 0.4), (c - 0.3, 3.9 - 0.1))
    _line(ax, (squash[0], TOP), (squash[0], squash[1] + 0.32))
    _node(ax, squash, "tanh")
    _arrow(ax, (squash[0], squash[1] - 0.32), (show[0], show[1] + 0.32))
    _arrow(ax, (o, GATE_Y + 0.4), (show[0] - 0.3, show[1] - 0.1))
    _node(ax, show, "⊙")
    _arrow(ax, (show[0] + 0.32, show[1]), (right + 0.4, show[1]))
    ax.text(right + 0.8, show[1], "$H_t$", ha="center", va="center", fontsize=10)
    if peephole:  # the gates also read the cell: C_{t-1} for I_t and F_t, C_t for O_t
        for letter, source in (("i", f - 0.6), ("f", f - 0.6), ("o", c + 0.6)):
            if letter in x:
                _arrow(ax, (source, TOP), (x[letter] - 0.3, GATE_Y + 0.4), dashed=True)
