"""Checks for lesson 06 (deep RNNs): the stacked forward pass, residual and dense stacks.

`check_deep_rnn_forward` runs the student's loop over time steps and layers on stacks of
recurrent cells (equal widths, mixed widths, a GRU under an LSTM, one layer of one step).
The reference runs each layer on its own with `keras.layers.RNN` (on clones of the cells
with copied weights); its top layer must equal `keras.layers.StackedRNNCells`. A wrong
answer is matched against the usual mistakes (every layer reads X_t, a layer reads the layer
below one step late, the state is not carried, one state shared by all layers, the layers
returned top first), and the message names the first layer and time step that differ.

`check_residual_stack` hands the student the recurrent layers of a
`lessons.StackedRNN(connection="residual")` and its projections P_j (None for P_j = I) and
compares the result with NumPy from H^j = RNN_j(U^j) + U^j P_j (each RNN_j run by Keras on
the right U^j) and with the stack itself. It names a missing skip, a missing projection,
a skip added to the layer's input, to the top layer or to the last step only.

`check_dense_stack` does the same for U^j = [X, H^1, ..., H^{j-1}] and
`lessons.StackedRNN(connection="dense")`, and names pieces concatenated in the wrong order
or the concatenation returned instead of H^L.
"""

import keras
import numpy as np

from lessons.checks import CheckFailed, all_passed, error_text, expect, not_written_yet, passed
from lessons.checks.engine import as_array, kit_agrees, short
from lessons.deep import StackedRNN
from lessons.gru import GRUCell
from lessons.lstm import LSTMCell

# The kit's own answers to each exercise, which a student's code must not hand in
# (lessons.checks.tripwire watches them while a check or the grader's probe runs).
KIT_ANSWERS = {
    "deep_rnn_forward": [
        "lessons.StackedRNN",
        "lessons.checks.lesson06.reference_layers",
        "lessons.checks.lesson06.reference_stacked_cells",
    ],
    "dense_stack": [
        "lessons.StackedRNN",
        "lessons.checks.lesson06.reference_dense",
    ],
    "residual_stack": [
        "lessons.StackedRNN",
        "lessons.checks.lesson06.reference_residual",
    ],
}

ATOL = 2e-5  # float32 arithmetic through a few layers


# --- shared pieces ----------------------------------------------------------------------------
def _run_student(fn, args, call, hint):
    """Call the student's function; a crash says what broke and where to look (`hint`)."""
    __tracebackhide__ = True
    try:
        return fn(*args)
    except NotImplementedError:
        raise not_written_yet(call) from None
    except Exception as error:
        raise CheckFailed(
            f"{call} raised {type(error).__name__}: {error_text(error, limit=220)}. {hint}"
        ) from None


def _randomize(layer, rng, scale=0.6):
    """Random weights everywhere, so that no zero bias or identity start hides a mistake."""
    for w in layer.weights:
        w.assign(rng.normal(0.0, scale, size=w.shape).astype("float32"))


def _first_step_that_differs(got, want):
    """(example, step) of the first mismatch of two (n, T, h) arrays."""
    wrong = ~np.isclose(got, want, atol=ATOL).all(axis=-1)
    i, t = map(int, np.argwhere(wrong)[0])
    return i, t


def _tensor(X):
    """X as the student's code meets it in a model: a tensor of the backend, not NumPy."""
    return keras.ops.convert_to_tensor(X)


def _same(a, b):
    return a is not None and np.shape(a) == np.shape(b) and np.allclose(a, b, atol=ATOL)


def _run_layer(layer, U, cache=None):
    """A `keras.layers.RNN` (return_sequences=True) on a float64 array, back as float64.

    With a `cache` (a dict), a layer already run on the same U is not run again:
    the mistakes tried one after another share most of their layers' inputs.
    """
    U = np.asarray(U, "float32")
    key = (id(layer), U.shape, U.tobytes())
    if cache is not None and key in cache:
        return cache[key]
    H = as_array(layer(U))
    if cache is not None:
        cache[key] = H
    return H


# --- exercise: deep_rnn_forward -------------------------------------------------------------
CELL_KINDS = {"gru": GRUCell, "lstm": LSTMCell, "keras_lstm": keras.layers.LSTMCell}


def _built_cells(rng, d, layers):
    """Cells of the kinds and widths in `layers`, layer j built for the width below it."""
    cells, width = [], d
    for kind, units in layers:
        cell = CELL_KINDS[kind](units)
        cell.build((None, width))
        _randomize(cell, rng)
        cells.append(cell)
        width = units
    return cells


def _clone(cell, input_width):
    twin = type(cell).from_config(cell.get_config())
    twin.build((None, input_width))
    for mine, theirs in zip(twin.weights, cell.weights, strict=True):
        mine.assign(theirs)
    return twin


def reference_layers(cells, X):
    """[H^1, ..., H^L]: layer j run on its own by keras.layers.RNN on H^{j-1} (H^0 = X)."""
    outputs, U = [], np.asarray(X, np.float64)
    for cell in cells:
        layer = keras.layers.RNN(_clone(cell, U.shape[-1]), return_sequences=True)
        U = _run_layer(layer, U)
        outputs.append(U)
    return outputs


def reference_stacked_cells(cells, X):
    """H^L from keras.layers.StackedRNNCells with the same weights."""
    twins = [type(cell).from_config(cell.get_config()) for cell in cells]
    layer = keras.layers.RNN(keras.layers.StackedRNNCells(twins), return_sequences=True)
    layer.build((None, None, X.shape[-1]))
    for cell, twin in zip(cells, twins):
        for mine, theirs in zip(twin.weights, cell.weights, strict=True):
            mine.assign(theirs)
    return _run_layer(layer, X)


def _as_list(states):
    return list(states) if isinstance(states, (list, tuple)) else [states]


def _simulate(cells, X, read="below", state="own"):
    """The stacked forward pass, done right or with one of the usual mistakes.

    read: "below" (H_t^{j-1}), "x" (every layer reads X_t) or "late" (H_{t-1}^{j-1}).
    state: "own" (each layer carries its states), "zeros" (restarts every step) or
    "shared" (one list of states for all layers). Returns None when the mistake
    cannot run on these widths (it would crash in the student's code too).
    """
    n, T = X.shape[:2]
    X = np.asarray(X, "float32")
    states = [_as_list(cell.get_initial_state(batch_size=n)) for cell in cells]
    shared = states[0]
    outputs = [[] for _ in cells]
    try:
        for t in range(T):
            below = X[:, t]
            for j, cell in enumerate(cells):
                if read == "x":
                    inputs = X[:, t]
                elif read == "late" and j > 0:
                    inputs = outputs[j - 1][t - 1] if t > 0 else np.zeros_like(below)
                else:
                    inputs = below
                start = {
                    "own": states[j],
                    "zeros": _as_list(cell.get_initial_state(batch_size=n)),
                    "shared": shared,
                }[state]
                below, new = cell(inputs, start)
                states[j] = shared = _as_list(new)
                below = as_array(below).astype("float32")
                outputs[j].append(below)
    except Exception:  # a mistake that these widths or cells do not allow
        return None
    return [np.stack(H, axis=1).astype(np.float64) for H in outputs]


def _first_wrong_layer(candidate, right):
    for j, (a, b) in enumerate(zip(candidate, right)):
        if not _same(a, b):
            return j
    return None


STACK_MISTAKES = [
    (
        {"read": "x"},
        "layer {j} reads X_t, but only layer 1 does: layer j reads H_t^{{j-1}}, the output "
        "the layer below has just computed at the same step (H_t^j = f_j(H_{{t-1}}^j, "
        "H_t^{{j-1}})).",
    ),
    (
        {"read": "late"},
        "layer {j} reads H_{{t-1}}^{{j-1}}, the output of the layer below at the previous "
        "step; it should read H_t^{{j-1}}, computed at this step. Inside each time step, run "
        "the layers from the bottom up and hand each one the output of the one below.",
    ),
    (
        {"state": "zeros"},
        "the layers start from zero states at every time step (from layer {j} on, the "
        "outputs forget the past): keep each layer's states from one step to the next, "
        "states[j] = the new states that cell j returns.",
    ),
    (
        {"state": "shared"},
        "all layers share one list of states, so layer {j} starts from the state another "
        "layer has just written: keep a list of states per layer, states[j], each started "
        "from cells[j].get_initial_state(batch_size=n).",
    ),
]


FORWARD_HINT = (
    "Layer 1 reads X_t (d features), layer j > 1 reads H_t^{j-1}, the output of cell j-1; "
    "each cell takes its own list of states and returns (H_t, new list of states)."
)


def _stack_cases():
    rng = np.random.default_rng(606)
    return [
        ("3 GRU layers of 4 units on 4 features", 4, [("gru", 4)] * 3, (3, 5), rng),
        (
            "a GRU of 5 units under an LSTM of 3 units (two states), on 2 features",
            2,
            [("gru", 5), ("lstm", 3)],
            (2, 4),
            rng,
        ),
        (
            "one layer of Keras' own LSTMCell (2 units), one time step",
            3,
            [("keras_lstm", 2)],
            (2, 1),
            rng,
        ),
    ]


def check_deep_rnn_forward(deep_rnn_forward):
    """Check `deep_rnn_forward(cells, X) -> [H^1, ..., H^L]` (lesson 06, exercise 1)."""
    __tracebackhide__ = True
    for description, d, layers, (n, T), rng in _stack_cases():
        cells = _built_cells(rng, d, layers)
        X = rng.normal(size=(n, T, d)).astype("float32")
        call = f"deep_rnn_forward(cells, X) on {description}"
        got = _run_student(deep_rnn_forward, (cells, _tensor(X)), call, FORWARD_HINT)
        want = reference_layers(cells, X)
        # The references must agree among themselves before they judge the student.
        # (StackedRNNCells of one cell is the cell itself, and JAX's RNN cannot run it.)
        kit_agrees(
            len(cells) == 1 or np.allclose(reference_stacked_cells(cells, X), want[-1], atol=ATOL),
            "NumPy and StackedRNNCells",
        )
        kit_agrees(
            all(_same(a, b) for a, b in zip(_simulate(cells, X), want)),
            "NumPy and Keras' RNN layers",
        )
        _compare_layers(call, got, want, cells, X)
        passed(
            f"{description}: every layer's H^j at every step equals keras.layers.RNN layer by "
            "layer, and H^L equals keras.layers.StackedRNNCells"
        )
    all_passed("deep_rnn_forward")


def _compare_layers(call, got, want, cells, X):
    __tracebackhide__ = True
    L = len(want)
    expect(
        isinstance(got, (list, tuple)),
        f"{call} returned {type(got).__name__}; return a list with one sequence per layer, "
        f"[H^1, ..., H^L] ({L} here), each of shape (n, T, h_j).",
    )
    expect(
        len(got) == L,
        f"{call} returned {len(got)} sequences; the stack has {L} layer(s), so return "
        "[H^1, ..., H^L], one per layer, bottom first (not X).",
    )
    got = [as_array(H) for H in got]
    n, T = X.shape[:2]
    for j, (H, W) in enumerate(zip(got, want)):
        if H.shape == (T, n, W.shape[-1]) and T != n:
            raise CheckFailed(
                f"{call}: H^{j + 1} has shape {H.shape}, time first; stack the steps on axis "
                f"1 (ops.stack(steps, axis=1)) to get (n, T, h) = {W.shape}."
            )
        expect(
            H.shape == W.shape,
            f"{call}: H^{j + 1} (layer {j + 1}) should have shape (n, T, h_{j + 1}) = "
            f"{W.shape}, got {H.shape}.",
        )
    wrong = _first_wrong_layer(got, want)
    if wrong is None:
        return
    if L > 1 and all(_same(a, b) for a, b in zip(got, reversed(want))):
        raise CheckFailed(
            f"{call}: you returned the layers top first; return [H^1, ..., H^L] with the "
            "bottom layer (the one that reads X) first."
        )
    for options, mistake in STACK_MISTAKES:
        candidate = _simulate(cells, X, **options)
        if candidate is not None and all(_same(a, b) for a, b in zip(got, candidate)):
            j = _first_wrong_layer(candidate, want)
            raise CheckFailed(f"{call}: {mistake.format(j=j + 1)}")
    i, t = _first_step_that_differs(got[wrong], want[wrong])
    below = (
        "Layer 1 is already wrong: it reads X_t and its own H_{t-1}^1."
        if wrong == 0
        else f"The layers below it are right, so look at what layer {wrong + 1} reads "
        f"(H_t^{wrong}, the output of layer {wrong} at the same step) and which states it "
        f"starts from (its own, H_{{t-1}}^{wrong + 1})."
    )
    raise CheckFailed(
        f"{call}: layer {wrong + 1} of {L} first differs at time step t = {t + 1} (example "
        f"{i}): expected {short(want[wrong][i, t])}, got {short(got[wrong][i, t])}. {below}"
    )


# --- residual and dense stacks -----------------------------------------------------------------
def _stack(rng, kind, d, units, connection):
    # The kit's cells on every device: the check's references read their weights.
    stack = StackedRNN(
        units, cell=kind, connection=connection, return_sequences=True, implementation="kit"
    )
    stack.build((None, None, d))
    _randomize(stack, rng)
    return stack


def _projection_matrices(stack):
    """P_j as NumPy matrices, None where P_j = I (the widths agree)."""
    return [
        None if isinstance(p, keras.layers.Identity) else as_array(p.kernel).astype("float32")
        for p in stack.projections
    ]


def reference_residual(layers, projections, X, rule="right", cache=None):
    """H^L from H^j = RNN_j(U^j) + U^j P_j in NumPy, or with one of the usual mistakes.

    Each RNN_j(U) is the layer run by Keras on U; the rest is NumPy. `rule` names
    the mistake (the keys of RESIDUAL_MISTAKES) or "right". Returns None when the
    mistake cannot run on these widths (it would crash in the student's code too).
    """
    X = np.asarray(X, np.float64)
    U = X
    for j, (layer, P) in enumerate(zip(layers, projections)):
        skip = U if P is None else U @ P  # U^j P_j
        if rule == "input":  # RNN_j(U^j + U^j): the skip fed into the layer
            if P is not None:
                return None
            U = _run_layer(layer, U + skip, cache)
            continue
        R = _run_layer(layer, U, cache)  # RNN_j(U^j)
        top = j == len(layers) - 1
        if rule == "last step":
            H = R.copy()
            H[:, -1] += skip[:, -1]
        elif rule == "around the stack":  # a plain stack, then + X at the top
            H = R + X if top and X.shape == R.shape else (None if top else R)
        elif rule == "from X":
            H = R + X if P is None and X.shape == R.shape else None
        else:
            H = {
                "right": R + skip,
                "none": R,
                "identity only": R + skip if P is None else R,
                "top only": R + skip if top else R,
                "doubled": 2 * R,
            }[rule]
        if H is None:
            return None
        U = H
    return U


RESIDUAL_MISTAKES = {
    "none": "there is no skip at all: that is the plain stack. Add each layer's input to its "
    "output, H^j = RNN_j(U^j) + U^j P_j.",
    "identity only": "the layers whose widths differ (projections[j] is a matrix P_j) got no "
    "skip: there the skip is the projected input, U^j P_j (ops.matmul(U, P)).",
    "input": "you added the skip to the layer's input, RNN_j(U^j + U^j); it goes around the "
    "layer: H^j = RNN_j(U^j) + U^j P_j.",
    "top only": "only the top layer's output has its skip: every layer j adds its own input "
    "U^j P_j, and the layer above reads that sum (U^{j+1} = H^j), not RNN_j(U^j) alone.",
    "last step": "the skip was added to the last time step only (the final state); add it at "
    "every step t, to the whole sequence RNN_j(U^j).",
    "doubled": "you added the layer's output to itself, 2 RNN_j(U^j): keep the layer's input "
    "U^j in a variable of its own until the skip is added.",
    "from X": "every layer adds X, the stack's input; layer j adds its own input U^j "
    "(= H^{j-1}, the output of the layer below).",
    "around the stack": "there is one skip around the whole stack (X added to the top); each "
    "layer has its own: H^j = RNN_j(U^j) + U^j P_j.",
}


def _residual_cases():
    rng = np.random.default_rng(616)
    return [
        ("3 GRU layers of 4 units on 4 features (every P_j = I)", "gru", 4, [4, 4, 4], (3, 5)),
        (
            "GRU layers of 5, 5 and 3 units on 2 features (P_1: 2x5, P_2 = I, P_3: 5x3)",
            "gru",
            2,
            [5, 5, 3],
            (2, 4),
        ),
        (
            "one LSTM layer of 4 units on 2 features (P_1: 2x4), one time step",
            "lstm",
            2,
            [4],
            (3, 1),
        ),
    ], rng


def check_residual_stack(residual_stack):
    """Check `residual_stack(rnn_layers, projections, X) -> H^L` (lesson 06, exercise 2)."""
    __tracebackhide__ = True
    cases, rng = _residual_cases()
    for description, kind, d, units, (n, T) in cases:
        stack = _stack(rng, kind, d, units, "residual")
        layers, projections = stack.recurrent_layers, _projection_matrices(stack)
        X = rng.normal(size=(n, T, d)).astype("float32")
        call = f"residual_stack(rnn_layers, projections, X) on {description}"
        args = (list(layers), list(projections), _tensor(X))
        got = _run_skip_code(residual_stack, args, call, d, units)
        cache = {}
        want = reference_residual(layers, projections, X, cache=cache)
        kit_agrees(
            np.allclose(as_array(stack(X)), want, atol=ATOL), "NumPy and the kit's StackedRNN"
        )
        _compare_top(call, got, (n, T, units[-1]))
        if not np.allclose(got, want, atol=ATOL):
            for rule, mistake in RESIDUAL_MISTAKES.items():
                if _same(got, reference_residual(layers, projections, X, rule, cache)):
                    raise CheckFailed(f"{call}: {mistake}")
            _fail_with_step(call, got, want, "H^j = RNN_j(U^j) + U^j P_j, layer by layer")
        passed(f"{description}: equal to NumPy and to lessons.StackedRNN(connection='residual')")
    all_passed("residual_stack")


def reference_dense(layers, X, order="right", cache=None):
    """H^L with U^j = [X, H^1, ..., H^{j-1}], or the pieces in a wrong order."""
    below = [np.asarray(X, np.float64)]
    for layer in layers:
        pieces = {
            "right": below,
            "reversed": below[::-1],
            "X last": below[1:] + below[:1],
        }[order]
        below.append(_run_layer(layer, np.concatenate(pieces, axis=-1), cache))
    return below[-1], np.concatenate(below, axis=-1)


def _dense_cases():
    rng = np.random.default_rng(626)
    return [
        ("GRU layers of 4, 3 and 2 units on 2 features", "gru", 2, [4, 3, 2], (3, 5)),
        ("2 LSTM layers of 3 units on 3 features", "lstm", 3, [3, 3], (2, 4)),
        ("one GRU layer of 3 units (U^1 = X), one time step", "gru", 2, [3], (2, 1)),
    ], rng


DENSE_MISTAKES = {
    "reversed": "the pieces of U^j are in reverse order; it is [X, H^1, ..., H^{j-1}]: the "
    "stack's input first, then the layers from the bottom up (W_x· of layer j expects them "
    "in that order).",
    "X last": "X comes last in your U^j; it is [X, H^1, ..., H^{j-1}], X first, then the "
    "layers from the bottom up.",
}


def check_dense_stack(dense_stack):
    """Check `dense_stack(rnn_layers, X) -> H^L` (lesson 06, exercise 3)."""
    __tracebackhide__ = True
    cases, rng = _dense_cases()
    for description, kind, d, units, (n, T) in cases:
        stack = _stack(rng, kind, d, units, "dense")
        layers = stack.recurrent_layers
        X = rng.normal(size=(n, T, d)).astype("float32")
        call = f"dense_stack(rnn_layers, X) on {description}"
        got = _run_skip_code(dense_stack, (list(layers), _tensor(X)), call, d, units, dense=True)
        cache = {}
        want, everything = reference_dense(layers, X, cache=cache)
        kit_agrees(
            np.allclose(as_array(stack(X)), want, atol=ATOL), "NumPy and the kit's StackedRNN"
        )
        if got.shape == everything.shape and got.shape != want.shape:
            raise CheckFailed(
                f"{call}: you returned [X, H^1, ..., H^L] concatenated, shape {got.shape}; "
                f"return H^L alone, the top layer's output, shape {want.shape}. The "
                "concatenations are what the layers read."
            )
        _compare_top(call, got, (n, T, units[-1]))
        if not np.allclose(got, want, atol=ATOL):
            for order, mistake in DENSE_MISTAKES.items():
                if _same(got, reference_dense(layers, X, order, cache)[0]):
                    raise CheckFailed(f"{call}: {mistake}")
            _fail_with_step(call, got, want, "U^j = [X, H^1, ..., H^{j-1}], H^j = RNN_j(U^j)")
        passed(f"{description}: equal to NumPy and to lessons.StackedRNN(connection='dense')")
    all_passed("dense_stack")


def _run_skip_code(fn, args, call, d, units, dense=False):
    """Run the student's stack; a crash gets the widths each layer expects."""
    __tracebackhide__ = True
    if dense:
        widths = [d + sum(units[:j]) for j in range(len(units))]
        hint = (
            "Layer j reads U^j = [X, H^1, ..., H^{j-1}], concatenated on the last axis "
            f"(the features, ops.concatenate(pieces, axis=-1)): widths {widths} here."
        )
    else:
        hint = (
            "Where U^j and H^j have different widths, projections[j] is a matrix P_j: "
            "the skip is ops.matmul(U, P), not U itself (only None means P_j = I)."
        )
    return as_array(_run_student(fn, args, call, hint))


def _compare_top(call, got, shape):
    __tracebackhide__ = True
    n, T, h = shape
    if got.shape == (n, h) and T > 1:
        raise CheckFailed(
            f"{call}: you returned shape {got.shape}, one vector per example; return the "
            f"top layer's whole sequence H^L, shape (n, T, h_L) = {shape}."
        )
    expect(
        got.shape == shape,
        f"{call}: H^L should have shape (n, T, h_L) = {shape}, got {got.shape}.",
    )


def _fail_with_step(call, got, want, rule):
    __tracebackhide__ = True
    i, t = _first_step_that_differs(got, want)
    raise CheckFailed(
        f"{call}: H^L first differs at time step t = {t + 1} (example {i}): expected "
        f"{short(want[i, t])}, got {short(got[i, t])}. Check {rule}."
    )


# BEGIN HIDDEN TESTS
# The probes of lesson 06 (deep RNNs): the stacked forward pass by hand, and the
# residual and dense connections between layers.
#
# Every case builds the kit's cells (or `keras.layers.RNN` layers around them)
# with weights drawn from the seed, so the student's function and the
# reference see the same network and the same inputs.

from instructor.grading import within  # noqa: E402


def _random_weights(layer, rng):
    for w in layer.weights:
        w.assign(rng.normal(0, 0.5, w.shape).astype("float32"))


def _cells(kinds, widths, d, rng):
    import lessons

    cells, width_below = [], d
    for kind, h in zip(kinds, widths):
        cell = lessons.GRUCell(h) if kind == "gru" else lessons.LSTMCell(h)
        cell.build((None, width_below))
        _random_weights(cell, rng)
        cells.append(cell)
        width_below = h
    return cells


def _rnn_layers(widths, input_widths, rng):
    import keras

    import lessons

    layers = []
    for h, d in zip(widths, input_widths):
        rnn = keras.layers.RNN(lessons.GRUCell(h), return_sequences=True)
        rnn.build((None, None, d))
        _random_weights(rnn, rng)
        layers.append(rnn)
    return layers


def probe_deep_rnn_forward(deep_rnn_forward, seed):
    cases = {}
    for k, (description, kinds, widths, T) in enumerate(
        [
            ("three GRU layers of equal width", ["gru"] * 3, [4, 4, 4], 5),
            ("a GRU under an LSTM, mixed widths", ["gru", "lstm"], [5, 3], 4),
            ("one layer, one step", ["gru"], [3], 1),
        ]
    ):
        rng = np.random.default_rng([seed, k])
        d = 3
        cells = _cells(kinds, widths, d, rng)
        X = rng.normal(size=(2, T, d)).astype("float32")
        outputs = deep_rnn_forward(cells, X)
        cases[description] = [np.asarray(H) for H in outputs]
    return {"layers": cases}


def probe_residual_stack(residual_stack, seed):
    cases = {}
    for k, (description, widths) in enumerate(
        [
            ("equal widths (identity skips)", [3, 3, 3]),
            ("widths that change (projections)", [5, 5, 2]),
        ]
    ):
        rng = np.random.default_rng([seed, k])
        d = 3
        inputs = [d] + widths[:-1]
        layers = _rnn_layers(widths, inputs, rng)
        projections = [
            None if w_in == w_out else rng.normal(0, 0.5, (w_in, w_out)).astype("float32")
            for w_in, w_out in zip(inputs, widths)
        ]
        X = rng.normal(size=(2, 4, d)).astype("float32")
        cases[description] = np.asarray(residual_stack(layers, projections, X))
    return {"top layer": cases}


def probe_dense_stack(dense_stack, seed):
    cases = {}
    for k, (description, widths) in enumerate([("three layers", [4, 3, 2]), ("one layer", [3])]):
        rng = np.random.default_rng([seed, k])
        d = 3
        inputs = [d + sum(widths[:j]) for j in range(len(widths))]
        layers = _rnn_layers(widths, inputs, rng)
        X = rng.normal(size=(2, 4, d)).astype("float32")
        cases[description] = np.asarray(dense_stack(layers, X))
    return {"top layer": cases}


compare_deep_rnn_forward = within(rtol=1e-4, atol=1e-5)  # float32 arithmetic


compare_residual_stack = within(rtol=1e-4, atol=1e-5)


compare_dense_stack = within(rtol=1e-4, atol=1e-5)
# END HIDDEN TESTS


# The kit's own answers fail a check (lessons.checks.tripwire); after every check is defined.
from lessons.checks.tripwire import guard_checks  # noqa: E402

guard_checks(globals())
