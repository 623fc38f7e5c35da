"""What the checks share: values in messages, and running a student's cell as Keras does.

The diagnoses stay in each lesson's module; this is the plumbing under them:
NumPy views of tensors, short printing, building a student's cell and setting
its named weights, and running it inside `keras.layers.RNN` with a crash
explained in plain words.
"""

import keras
import numpy as np

from lessons.checks import (
    CheckFailed,
    error_text,
    expect,
    is_numpy_on_symbolic,
    not_written_yet,
    numpy_in_graph_message,
    run_student_code,
)


class KitError(RuntimeError):
    """The kit's own references disagree: a bug in the kit, not in the student's code."""


ATOL = 1e-5  # float32 arithmetic in the student's cell
FORCE = 40.0  # a gate bias that saturates the sigmoid: exactly 1 (or 0) in float32


def kit_agrees(condition, what):
    """Raise `KitError` unless `condition`: two of the kit's references must give one answer."""
    if not condition:
        raise KitError(
            f"The kit's own references disagree ({what}). This is not your mistake: "
            "tell your instructor."
        )


# --- values in messages ----------------------------------------------------------------
def as_array(value):
    """A tensor, array or list as a float64 NumPy array."""
    return np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)


def short(array, precision=4):
    """An array printed in a few lines, small values as 0."""
    return np.array2string(
        np.asarray(array), precision=precision, suppress_small=True, max_line_width=90
    )


def kind_of(value):
    """The type's name of what a student's code returned, with its length for a tuple or list."""
    name = type(value).__name__
    return f"{name} of length {len(value)}" if isinstance(value, (tuple, list)) else name


def index_mismatches(call, name, to_index, index_to):
    """How the student's `to_index` (called `name`) fails to undo the list `index_to`.

    The check fails unless it is a dict. Returns `(expected, wrong, extra)`: the dict it
    should be, the tokens it maps elsewhere (or not at all), its keys not in `index_to`.
    """
    __tracebackhide__ = True
    expect(
        isinstance(to_index, dict),
        f"{call}: {name} should be a dict from token to index, got {type(to_index).__name__}.",
    )
    expected = {token: index for index, token in enumerate(index_to)}
    wrong = [t for t in expected if to_index.get(t) != expected[t]]
    extra = [t for t in to_index if t not in expected]
    return expected, wrong, extra


def short_repr(value, limit=120):
    """repr(value), cut to `limit` characters so a message stays readable."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- a student's cell ------------------------------------------------------------------
def weight_names(gates):
    """W_xg, W_hg, b_g for each gate g, in that order."""
    return [f"{kind}{g}" for g in gates for kind in ("W_x", "W_h", "b_")]


def sigmoid(a):
    """σ(a) in NumPy, for the float64 references of the gated cells."""
    return 1.0 / (1.0 + np.exp(-a))


def affine(X, H_prev, w, g):
    """A_g = X_t W_xg + H_{t-1} W_hg + b_g, from the weights dict `w` (gate letter `g`)."""
    return X @ w[f"W_x{g}"] + H_prev @ w[f"W_h{g}"] + w[f"b_{g}"]


def forced(weights, **values):
    """Gates forced to 1 or 0, e.g. `forced(w, f=0, o=1)`: their weights 0, bias ±FORCE."""
    w = dict(weights)
    for g, value in values.items():
        w[f"W_x{g}"] = np.zeros_like(w[f"W_x{g}"])
        w[f"W_h{g}"] = np.zeros_like(w[f"W_h{g}"])
        w[f"b_{g}"] = np.full_like(w[f"b_{g}"], FORCE if value == 1 else -FORCE)
    return w


# --- wrong weights: the mistakes a cell's check recomputes (lessons 04 and 05) ------------
def with_weights(w, **changes):
    """A copy of the weights dict `w` with some entries replaced."""
    return {**w, **changes}


def transposed(name):
    """Weights with `name` transposed (x @ W where W @ x was meant, or the reverse)."""
    return lambda w: with_weights(w, **{name: w[name].T})


def zeroed(name):
    """Weights with `name` all zero (a term left out)."""
    return lambda w: with_weights(w, **{name: np.zeros_like(w[name])})


def swapped(a, b):
    """The weights of gates `a` and `b` exchanged (a gate computed with another's weights)."""
    names = ("W_x{}", "W_h{}", "b_{}")
    return lambda w: with_weights(
        w,
        **{n.format(a): w[n.format(b)] for n in names},
        **{n.format(b): w[n.format(a)] for n in names},
    )


def _listed(names):
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]


def make_cell(cell_class, units, input_dim, names):
    """Instantiate and build the student's cell; say plainly which named weight is missing."""
    __tracebackhide__ = True
    if not isinstance(cell_class, type):
        given = (
            f"an instance of it, `{type(cell_class).__name__}(...)`"
            if isinstance(cell_class, keras.layers.Layer)
            else short_repr(cell_class)
        )
        raise CheckFailed(
            f"The check takes your cell's class itself, e.g. `check(MyCell)`, and builds the "
            f"cell with its own sizes; it got {given}. Pass the class, without parentheses."
        )
    cell = run_student_code(cell_class, units, what=f"{cell_class.__name__}({units})")
    run_student_code(cell.build, (None, input_dim), what=f"building {cell_class.__name__}")
    for name in names:
        shape = {"W_x": (input_dim, units), "W_h": (units, units)}.get(name[:3], (units,))
        weight = getattr(cell, name, None)
        expect(
            weight is not None,
            f"The cell has no weight `{name}` after `build`. Keep the `build` method of the "
            f"exercise as it was given: it creates {_listed(names)}.",
        )
        expect(
            tuple(weight.shape) == shape,
            f"`{name}` has shape {tuple(weight.shape)}; with {input_dim} input features and "
            f"{units} units it should be {shape}. Keep the `build` method as it was given.",
        )
    return cell


def set_weights(cell, weights):
    """Assign each named weight (W_xh, b_z, ...) of `cell` from a dict of arrays."""
    for name, value in weights.items():
        getattr(cell, name).assign(np.asarray(value, dtype="float32"))


def call_name(cell, exercise):
    """The student's `call` as messages name it, with its exercise (as the grader does)."""
    return f"`{type(cell).__name__}.call` (exercise {exercise})"


def run_in_keras(fn, what, cell, exercise, advice):
    """Run `fn()`, which makes Keras call the student's `cell`; explain a crash in plain words.

    `advice` ends the message for a crash that is neither NumPy on a traced
    tensor nor the exercise's stub, e.g. "return `H_t, [H_t]`".
    """
    __tracebackhide__ = True
    try:
        return fn()
    except Exception as error:
        if is_numpy_on_symbolic(error):  # TensorFlow raises NotImplementedError for it
            raise CheckFailed(numpy_in_graph_message(call_name(cell, exercise))) from None
        if isinstance(error, NotImplementedError):
            raise not_written_yet("Your cell's call") from None
        raise CheckFailed(
            f"Your cell works when called directly but fails {what}: "
            f"{type(error).__name__}: {error_text(error)}. There Keras traces `call` into a "
            f"graph, on symbolic tensors: {advice}."
        ) from None


def run_compiled(cell, X, exercise, advice):
    """The last output of `keras.layers.RNN(cell)` on `X`, run in a compiled graph (predict)."""
    model = keras.Sequential([keras.Input(X.shape[1:]), keras.layers.RNN(cell)])
    return run_in_keras(
        lambda: model.predict(X, verbose=0),
        "inside a compiled model (model.predict)",
        cell,
        exercise,
        advice,
    )


def check_traced(cell, exercise, advice, input_dim=3):
    """Keras traces `call` on symbolic tensors in a compiled model: NumPy cannot run there."""
    __tracebackhide__ = True
    model = keras.Sequential([keras.Input((None, input_dim)), keras.layers.RNN(cell)])
    model.compile(jit_compile=False)  # a traced graph is the test; XLA would only add time
    X = np.zeros((2, 3, input_dim), "float32")
    run_in_keras(
        lambda: model.predict(X, verbose=0),
        "inside a compiled model (model.predict)",
        cell,
        exercise,
        advice,
    )
