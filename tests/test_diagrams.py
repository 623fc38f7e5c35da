"""Cell diagrams: drawn from the cell's own gate list, nonlinearities and variant."""

import keras
import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch  # noqa: E402

import lessons  # noqa: E402
from lessons.diagrams import SLIDE_NAMES, draw_cell, gate_labels  # noqa: E402

CELLS = {
    "SimpleRNNCell": (lessons.SimpleRNNCell, ["H_t"], ["tanh"]),
    "GRUCell": (lessons.GRUCell, ["Z_t", "R_t", "H̃_t"], ["σ", "σ", "tanh"]),
    "LSTMCell": (lessons.LSTMCell, ["I_t", "F_t", "C̃_t", "O_t"], ["σ", "σ", "tanh", "σ"]),
    "PeepholeLSTMCell": (lessons.PeepholeLSTMCell, ["I_t", "F_t", "C̃_t", "O_t"], None),
    "CoupledLSTMCell": (lessons.CoupledLSTMCell, ["F_t", "C̃_t", "O_t"], ["σ", "tanh", "σ"]),
}


def box_symbols(figure):
    """The nonlinearities written in the yellow boxes, left to right."""
    texts = [t for t in figure.axes[0].texts if t.get_text() and t.get_gid() is None]
    boxes = [t for t in texts if t.get_position()[1] == 2.6]  # the boxes' row
    return [t.get_text() for t in sorted(boxes, key=lambda t: t.get_position()[0])]


def nodes(figure):
    """The texts of the pointwise-operation circles (⊙, +, 1−, tanh)."""
    centres = {p.center for p in figure.axes[0].patches if isinstance(p, Circle)}
    texts = [t for t in figure.axes[0].texts if t.get_text()]
    return sorted(t.get_text() for t in texts if t.get_position() in centres)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", sorted(CELLS))
def test_the_boxes_are_the_cells_gates_with_their_nonlinearities(name):
    cell_class, labels, symbols = CELLS[name]
    cell = cell_class(3)
    figure = draw_cell(cell)
    assert gate_labels(figure) == labels
    # One box per entry of the cell's own gate list, named as the slides name it.
    assert len(gate_labels(figure)) == len(cell.gates)
    assert [SLIDE_NAMES.get(g) for g in cell.gates if g in SLIDE_NAMES] == [
        label for label in labels if label in SLIDE_NAMES.values()
    ]
    if symbols:
        assert box_symbols(figure) == symbols
    assert figure.axes[0].get_title() == name


def test_a_cell_with_other_activations_shows_them():
    cell = lessons.GRUCell(3, activation="relu", recurrent_activation="hard_sigmoid")
    assert box_symbols(draw_cell(cell)) == ["hσ", "hσ", "ReLU"]
    assert box_symbols(draw_cell(lessons.SimpleRNNCell(3, activation="relu"))) == ["ReLU"]


def test_the_pointwise_operations_of_each_cell():
    assert nodes(draw_cell(lessons.SimpleRNNCell(2))) == []
    assert nodes(draw_cell(lessons.GRUCell(2))) == ["+", "1−", "⊙", "⊙", "⊙"]
    assert nodes(draw_cell(lessons.LSTMCell(2))) == ["+", "tanh", "⊙", "⊙", "⊙"]
    # Coupled: no input gate; 1 − F_t writes the candidate.
    assert nodes(draw_cell(lessons.CoupledLSTMCell(2))) == ["+", "1−", "tanh", "⊙", "⊙", "⊙"]


def test_only_the_peephole_cell_has_dashed_lines_from_the_cell_state_to_its_three_gates():
    def dashed(figure):
        arrows = [t.arrow_patch for t in figure.axes[0].texts if getattr(t, "arrow_patch", None)]
        assert arrows and all(isinstance(a, FancyArrowPatch) for a in arrows)
        return sum(a.get_linestyle() not in ("-", "solid") for a in arrows)

    assert dashed(draw_cell(lessons.PeepholeLSTMCell(2))) == 3
    assert dashed(draw_cell(lessons.LSTMCell(2))) == 0


def test_a_built_cell_and_a_given_axes_work_too():
    cell = lessons.LSTMCell(4)
    cell.build((None, 3))
    figure, ax = plt.subplots()
    assert draw_cell(cell, ax=ax, title="one step") is figure
    assert ax.get_title() == "one step"


def test_a_cell_it_cannot_draw_is_named():
    with pytest.raises(TypeError, match="Argument `cell` must be a lessons .* got GRUCell"):
        draw_cell(keras.layers.GRUCell(3))
