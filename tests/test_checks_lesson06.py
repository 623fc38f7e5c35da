"""Lesson 06: reference solutions pass every check, wrong ones are caught and named.

The reference solutions are the exercise cells of `solutions/06_deep_rnn.py`, executed on
their own (with the imports of the lesson's first code cell). The wrong implementations are
mistakes students make; each must raise `CheckFailed` with a message that names the problem.
"""

import keras
import lesson_source
import numpy as np
from keras import ops
from lesson_source import caught_by

import lessons
from lessons.checks import lesson06 as checks

LESSON, CHECKS, exercise_cells, run_cells, solution = lesson_source.harness("06_deep_rnn")


# --- wrong stacked forward passes ------------------------------------------------------------
def _start(cells, n):
    return [cell.get_initial_state(batch_size=n) for cell in cells]


@caught_by(checks.check_deep_rnn_forward, ["layer 2 reads X_t", "H_t^{j-1}"])
def forward_every_layer_reads_x(cells, X):
    states, outputs = _start(cells, X.shape[0]), [[] for _ in cells]
    for t in range(X.shape[1]):
        for j, cell in enumerate(cells):
            out, states[j] = cell(X[:, t], states[j])
            outputs[j].append(out)
    return [ops.stack(H, axis=1) for H in outputs]


@caught_by(checks.check_deep_rnn_forward, ["layer 2 reads H_{t-1}^{j-1}", "previous step"])
def forward_layers_read_one_step_late(cells, X):
    """Layer j reads what layer j-1 output at the previous step (a stale `below`)."""
    n = X.shape[0]
    states, outputs = _start(cells, n), [[] for _ in cells]
    previous = [np.zeros((n, cell.units), "float32") for cell in cells]
    for t in range(X.shape[1]):
        for j, cell in enumerate(cells):
            inputs = X[:, t] if j == 0 else previous[j - 1]
            out, states[j] = cell(inputs, states[j])
            outputs[j].append(out)
        previous = [H[-1] for H in outputs]
    return [ops.stack(H, axis=1) for H in outputs]


@caught_by(checks.check_deep_rnn_forward, ["zero states at every time step", "layer 1"])
def forward_state_not_carried(cells, X):
    outputs = [[] for _ in cells]
    for t in range(X.shape[1]):
        below = X[:, t]
        for j, cell in enumerate(cells):
            below, _ = cell(below, cell.get_initial_state(batch_size=X.shape[0]))
            outputs[j].append(below)
    return [ops.stack(H, axis=1) for H in outputs]


@caught_by(checks.check_deep_rnn_forward, ["share one list of states", "layer 1"])
def forward_one_shared_state(cells, X):
    states, outputs = cells[0].get_initial_state(batch_size=X.shape[0]), [[] for _ in cells]
    for t in range(X.shape[1]):
        below = X[:, t]
        for j, cell in enumerate(cells):
            below, states = cell(below, states)
            outputs[j].append(below)
    return [ops.stack(H, axis=1) for H in outputs]


@caught_by(checks.check_deep_rnn_forward, ["top first"])
def forward_top_first(cells, X):
    return _reference_forward(cells, X)[::-1]


@caught_by(checks.check_deep_rnn_forward, ["return a list with one sequence per layer"])
def forward_top_only(cells, X):
    return _reference_forward(cells, X)[-1]


@caught_by(checks.check_deep_rnn_forward, ["time first", "axis 1"])
def forward_time_major(cells, X):
    return [ops.transpose(H, (1, 0, 2)) for H in _reference_forward(cells, X)]


def _reference_forward(cells, X):
    states, outputs = _start(cells, X.shape[0]), [[] for _ in cells]
    for t in range(X.shape[1]):
        below = X[:, t]
        for j, cell in enumerate(cells):
            below, states[j] = cell(below, states[j])
            outputs[j].append(below)
    return [ops.stack(H, axis=1) for H in outputs]


test_wrong_stacked_forward_is_caught = lesson_source.catches(checks.check_deep_rnn_forward)


# --- wrong residual stacks --------------------------------------------------------------------
@caught_by(checks.check_residual_stack, ["no skip at all"])
def residual_without_skip(rnn_layers, projections, X):
    U = X
    for rnn in rnn_layers:
        U = rnn(U)
    return U


@caught_by(checks.check_residual_stack, ["got no skip", "U^j P_j"])
def residual_without_projection(rnn_layers, projections, X):
    U = X
    for rnn, P in zip(rnn_layers, projections):
        U = rnn(U) + U if P is None else rnn(U)
    return U


@caught_by(
    checks.check_residual_stack, ["raised", "projections[j] is a matrix", "ops.matmul(U, P)"]
)
def residual_unprojected_skip(rnn_layers, projections, X):
    U = X
    for rnn in rnn_layers:
        U = rnn(U) + U
    return U


@caught_by(checks.check_residual_stack, ["to the layer's input", "goes around the layer"])
def residual_skip_into_the_input(rnn_layers, projections, X):
    U = X
    for rnn, P in zip(rnn_layers, projections):
        skip = U if P is None else ops.matmul(U, P)
        U = rnn(U + skip) if P is None else rnn(U) + skip
    return U


@caught_by(checks.check_residual_stack, ["only the top layer"])
def residual_top_only(rnn_layers, projections, X):
    U = X
    for rnn in rnn_layers[:-1]:
        U = rnn(U)
    P = projections[-1]
    return rnn_layers[-1](U) + (U if P is None else ops.matmul(U, P))


@caught_by(checks.check_residual_stack, ["last time step only"])
def residual_last_step_only(rnn_layers, projections, X):
    U = X
    for rnn, P in zip(rnn_layers, projections):
        skip = U if P is None else ops.matmul(U, P)
        H = rnn(U)
        last = H[:, -1:] + skip[:, -1:]
        U = ops.concatenate([H[:, :-1], last], axis=1)
    return U


@caught_by(checks.check_residual_stack, ["output to itself"])
def residual_doubled(rnn_layers, projections, X):
    U = X
    for rnn in rnn_layers:
        U = rnn(U)
        U = U + U  # meant: + the layer's input, which was overwritten
    return U


@caught_by(checks.check_residual_stack, ["every layer adds X"])
def residual_adds_x_everywhere(rnn_layers, projections, X):
    U = X
    for rnn, P in zip(rnn_layers, projections):
        U = rnn(U) + (X if P is None else ops.matmul(X, P))
    return U


test_wrong_residual_stack_is_caught = lesson_source.catches(checks.check_residual_stack)


# --- wrong dense stacks -----------------------------------------------------------------------
@caught_by(checks.check_dense_stack, ["reverse order", "[X, H^1, ..., H^{j-1}]"])
def dense_reversed(rnn_layers, X):
    below = [X]
    for rnn in rnn_layers:
        below.append(rnn(ops.concatenate(below[::-1], axis=-1)))
    return below[-1]


@caught_by(checks.check_dense_stack, ["X comes last"])
def dense_x_last(rnn_layers, X):
    below = [X]
    for rnn in rnn_layers:
        below.append(rnn(ops.concatenate(below[1:] + below[:1], axis=-1)))
    return below[-1]


@caught_by(checks.check_dense_stack, ["return H^L alone"])
def dense_returns_everything(rnn_layers, X):
    below = [X]
    for rnn in rnn_layers:
        below.append(rnn(ops.concatenate(below, axis=-1)))
    return ops.concatenate(below, axis=-1)


@caught_by(checks.check_dense_stack, ["raised", "widths [2, 6, 9]"])
def dense_reads_only_x_and_the_layer_below(rnn_layers, X):
    H = X
    for j, rnn in enumerate(rnn_layers):
        H = rnn(H if j == 0 else ops.concatenate([X, H], axis=-1))
    return H


@caught_by(checks.check_dense_stack, ["raised", "last axis"])
def dense_concatenated_over_time(rnn_layers, X):
    below = [X]
    for rnn in rnn_layers:
        below.append(rnn(ops.concatenate(below, axis=1)))
    return below[-1]


test_wrong_dense_stack_is_caught = lesson_source.catches(checks.check_dense_stack)


# --- the references ---------------------------------------------------------------------------
def test_references_agree_with_keras_and_the_kit(rng):
    """The checks' references: layer by layer == StackedRNNCells; NumPy == StackedRNN."""
    cells = [lessons.GRUCell(4), lessons.LSTMCell(3)]
    cells[0].build((None, 2))
    cells[1].build((None, 4))
    X = rng.normal(size=(2, 5, 2)).astype("float32")
    layers = checks.reference_layers(cells, X)
    np.testing.assert_allclose(checks.reference_stacked_cells(cells, X), layers[-1], atol=2e-5)
    stack = lessons.StackedRNN([5, 3], cell="gru", connection="residual", return_sequences=True)
    stack.build((None, None, 2))
    want = checks.reference_residual(stack.recurrent_layers, checks._projection_matrices(stack), X)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(stack(X)), want, atol=2e-5)
    dense = lessons.StackedRNN([4, 3], cell="gru", connection="dense", return_sequences=True)
    dense.build((None, None, 2))
    want, _ = checks.reference_dense(dense.recurrent_layers, X)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(dense(X)), want, atol=2e-5)
