"""Checks for lesson 01 (the vanilla RNN): the cell's step and the loss summed over time.

`check_rnn_cell_call` copies random weights into the student's cell and tests each
term of H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h) on its own (only the input, only
the state, only the bias), then whole sequences with padding masks inside
`keras.layers.RNN`, against NumPy written here from the equation, the kit's
`SimpleRNNCell` and Keras' `SimpleRNN`, and finally inside a compiled model.
Before the first run inside `keras.layers.RNN` the cell is traced in a compiled
model: a `call` written with NumPy works when called directly, but not there.

`check_sequence_loss` compares the student's loss with NumPy from the notes'
formula and with Keras' `categorical_crossentropy` summed over time, on several
batches, including a probability of exactly 0 and a one-step sequence.
"""

import keras
import numpy as np

from lessons.checks import (
    CheckFailed,
    all_passed,
    error_text,
    expect,
    expect_items,
    passed,
    run_student_code,
    run_with_hint,
)
from lessons.checks.engine import (
    ATOL,
    as_array,
    check_traced,
    kind_of,
    kit_agrees,
    make_cell,
    run_compiled,
    run_in_keras,
    set_weights,
    short,
)
from lessons.rnn import SimpleRNNCell

# The kit's own answers to each exercise, which a student's code must not hand in
# (lessons.checks.tripwire watches them while a check or the grader's probe runs).
KIT_ANSWERS = {
    "rnn_cell_call": [
        "lessons.SimpleRNNCell",
        "lessons.checks.lesson01.reference_step",
        "lessons.checks.lesson01.reference_sequence",
    ],
    "sequence_loss": [
        "lessons.checks.lesson01.reference_sequence_loss",
        "lessons.checks.lesson01.keras_sequence_loss",
    ],
}

EXERCISE = "rnn_cell_call"
RNN_WEIGHTS = ["W_xh", "W_hh", "b_h"]
# The end of the message when Keras' traced run of the cell crashes.
ADVICE = "use keras.ops (ops.matmul, ops.tanh) on the tensors it passes in, and return `H_t, [H_t]`"


# --- references -------------------------------------------------------------------
def reference_step(X, H_prev, W_xh, W_hh, b_h):
    """H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h), in float64."""
    return np.tanh(X @ W_xh + H_prev @ W_hh + b_h)


def reference_sequence(X, W_xh, W_hh, b_h, mask=None, H_0=None):
    """All states of a masked sequence: a padded step keeps the previous state."""
    n, T, _ = X.shape
    H = np.zeros((n, W_hh.shape[0])) if H_0 is None else np.asarray(H_0, np.float64)
    mask = np.ones((n, T), dtype=bool) if mask is None else mask
    states = np.zeros((n, T, W_hh.shape[0]))
    for t in range(T):
        H = np.where(mask[:, t : t + 1], reference_step(X[:, t], H, W_xh, W_hh, b_h), H)
        states[:, t] = H
    return states


def keras_sequence_loss(y_true, y_pred):
    """The same loss in keras.ops, for `model.compile`: Keras' cross-entropy summed over t."""
    return keras.ops.sum(keras.losses.categorical_crossentropy(y_true, y_pred), axis=-1)


def reference_sequence_loss(y_true, y_pred):
    """-Σ_t Σ_i y_i log ŷ_i per sequence, with ŷ clipped to [1e-7, 1] like Keras."""
    y_pred = np.clip(np.asarray(y_pred, np.float64), 1e-7, 1.0)
    return -(np.asarray(y_true, np.float64) * np.log(y_pred)).sum(axis=(1, 2))


# --- shared pieces ----------------------------------------------------------------
def _random_weights(rng, d, h):
    W_hh = rng.normal(0.0, 0.6, size=(h, h))
    W_hh[0, -1] += 1.0  # surely not symmetric: W_hh and W_hhᵀ must give different numbers
    return {
        "W_xh": rng.normal(0.0, 0.6, size=(d, h)),
        "W_hh": W_hh,
        "b_h": rng.normal(0.0, 0.5, size=h),
    }


def _step(cell, X, H_prev, call):
    """One call of the student's cell: returns H_t as float64, after checking the structure."""
    __tracebackhide__ = True
    X = np.asarray(X, "float32")
    H_prev = np.asarray(H_prev, "float32")
    result = run_with_hint(
        cell,
        X,
        [H_prev],
        what=call,
        hint="Remember: `states` is a list holding one tensor, so H_{t-1} is `states[0]`; use "
        "keras.ops (ops.matmul, ops.tanh) on the cell's weights self.W_xh, self.W_hh, self.b_h.",
    )
    expect_items(
        result,
        2,
        f"{call} should return a pair `(H_t, [H_t])`: the output and the list of new states. "
        f"It returned {kind_of(result)}.",
    )
    output, new_states = result
    if isinstance(new_states, (tuple, list)):
        expect(
            len(new_states) == 1,
            f"{call}: the new states should be a list with one tensor, [H_t]; got "
            f"{len(new_states)} tensors.",
        )
        new_state = new_states[0]
    else:
        new_state = new_states
    output, new_state = as_array(output), as_array(new_state)
    expected_shape = (X.shape[0], H_prev.shape[1])
    expect(
        output.shape != (1, *expected_shape),
        f"{call}: H_t has shape {output.shape}, one axis too many: you used the list "
        "`states` itself where H_{t-1} belongs. H_{t-1} is `states[0]`.",
    )
    expect(
        output.shape == expected_shape,
        f"{call}: H_t should have shape (n, h) = {expected_shape}, got {output.shape}. "
        "Check the order in the products: X_t (n, d) @ W_xh (d, h) and H_{t-1} (n, h) @ "
        "W_hh (h, h).",
    )
    expect(
        new_state.shape == output.shape and np.allclose(new_state, output, atol=ATOL),
        f"{call}: the new state should be H_t itself (return `H_t, [H_t]`), but the state "
        "you returned differs from the output.",
    )
    return output


ACTIVATIONS = {
    "no activation at all (φ = identity)": lambda a: a,
    "ReLU": lambda a: np.maximum(a, 0.0),
    "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a)),
}


def _diagnose(got, pre_activation, candidates, what):
    """Fail unless got == tanh(pre_activation); name the mistake when `got` matches one.

    `candidates` maps a message to the output a specific mistake gives; wrong
    activations (identity, ReLU, sigmoid of the right sum) are always tried last.
    """
    __tracebackhide__ = True
    want = np.tanh(pre_activation)
    if np.allclose(got, want, atol=ATOL):
        return
    candidates = dict(candidates)
    for name, phi in ACTIVATIONS.items():
        candidates.setdefault(
            f"your output is {name} of the right sum; the vanilla RNN applies tanh to it "
            "(ops.tanh).",
            phi(pre_activation),
        )
    for mistake, value in candidates.items():
        if value.shape == got.shape and np.allclose(got, value, atol=ATOL):
            raise CheckFailed(f"{what}: {mistake}\nExpected {short(want)},\ngot      {short(got)}.")
    raise CheckFailed(f"{what}: expected H_t =\n{short(want)},\ngot\n{short(got)}.")


# --- exercise: rnn_cell_call -------------------------------------------------------
def check_rnn_cell_call(cell_class):
    """Check the `call` of a cell class with weights W_xh, W_hh, b_h (lesson 01, exercise 1)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(101)
    d, h, n = 3, 4, 2
    cell = make_cell(cell_class, h, d, RNN_WEIGHTS)
    weights = _random_weights(rng, d, h)
    W_xh, W_hh, b_h = weights["W_xh"], weights["W_hh"], weights["b_h"]
    X = rng.normal(size=(n, d))
    H_prev = rng.normal(0.0, 0.8, size=(n, h))
    zeros_b, zeros_X, zeros_H = np.zeros(h), np.zeros((n, d)), np.zeros((n, h))

    _check_bias_term(cell, weights, zeros_X, zeros_H)
    _check_input_term(cell, weights, X, zeros_H, zeros_b)
    _check_recurrent_term(cell, weights, zeros_X, H_prev, zeros_b)

    set_weights(cell, weights)
    got = _step(cell, X, H_prev, "cell(X_t, [H_prev])")
    pre_activation = X @ W_xh + H_prev @ W_hh + b_h
    _diagnose(got, pre_activation, {}, "all three terms together")
    passed("one step: tanh(X_t W_xh + H_{t-1} W_hh + b_h), each term and all together")

    check_traced(make_cell(cell_class, h, d, RNN_WEIGHTS), EXERCISE, ADVICE, d)
    _check_sequences(cell, weights, rng, d, h)
    _check_compiled_model(cell_class, rng)
    all_passed("rnn_cell_call")


def _check_term(cell, weights, X, H_prev, call, pre_activation, mistakes, what, formula):
    """One step with the other terms zeroed: H_t = tanh(pre_activation), or a named mistake.

    `_step` has checked the shape of H_t, (n, h) as H_prev's, so the mistakes' values are
    made before the step.
    """
    __tracebackhide__ = True
    set_weights(cell, weights)
    got = _step(cell, X, H_prev, call)
    _diagnose(got, pre_activation, mistakes, what)
    passed(f"{what}: {formula}")


def _check_bias_term(cell, weights, zeros_X, zeros_H):
    __tracebackhide__ = True
    b_h = np.broadcast_to(weights["b_h"], zeros_H.shape)
    mistakes = {
        "with X_t = 0 and H_{t-1} = 0 only the bias is left, H_t = tanh(b_h), but you got 0: "
        "add `+ self.b_h` inside the tanh.": zeros_H,
        "with X_t = 0 and H_{t-1} = 0 you return b_h itself: apply tanh to the whole sum "
        "(ops.tanh(...)), bias included.": b_h,
    }
    _check_term(
        cell,
        weights,
        zeros_X,
        zeros_H,
        call="cell(X_t = 0, [H_prev = 0])",
        pre_activation=b_h,
        mistakes=mistakes,
        what="the bias term alone (X_t = 0, H_{t-1} = 0)",
        formula="tanh(b_h)",
    )


def _check_input_term(cell, weights, X, zeros_H, zeros_b):
    __tracebackhide__ = True
    mistakes = {
        "with H_{t-1} = 0 and b_h = 0 the output should be tanh(X_t W_xh), but it is 0: the "
        "input term X_t W_xh is missing (use `inputs`, which is X_t).": zeros_H,
    }
    _check_term(
        cell,
        {**weights, "b_h": zeros_b},
        X,
        zeros_H,
        call="cell(X_t, [H_prev = 0]) with b_h = 0",
        pre_activation=X @ weights["W_xh"],
        mistakes=mistakes,
        what="the input term alone (H_{t-1} = 0, b_h = 0)",
        formula="tanh(X_t W_xh)",
    )


def _check_recurrent_term(cell, weights, zeros_X, H_prev, zeros_b):
    __tracebackhide__ = True
    W_hh = weights["W_hh"]
    mistakes = {
        "with X_t = 0 and b_h = 0 the output should be tanh(H_{t-1} W_hh), but it is 0: the "
        "recurrent term is missing. H_{t-1} is states[0].": np.zeros_like(H_prev),
        "with X_t = 0 and b_h = 0 you compute tanh(H_{t-1} W_hhᵀ): W_hh is transposed. "
        "With rows as examples it is ops.matmul(H_prev, self.W_hh).": np.tanh(H_prev @ W_hh.T),
        "with X_t = 0 and b_h = 0 you return H_{t-1} itself: multiply it by W_hh.": H_prev,
    }
    _check_term(
        cell,
        {**weights, "b_h": zeros_b},
        zeros_X,
        H_prev,
        call="cell(X_t = 0, [H_prev]) with b_h = 0",
        pre_activation=H_prev @ W_hh,
        mistakes=mistakes,
        what="the recurrent term alone (X_t = 0, b_h = 0)",
        formula="tanh(H_{t-1} W_hh)",
    )


def _check_sequences(cell, weights, rng, d, h):
    """Whole padded sequences in keras.layers.RNN vs NumPy, SimpleRNNCell and SimpleRNN."""
    __tracebackhide__ = True
    n, T = 4, 6
    X = rng.normal(size=(n, T, d)).astype("float32")
    lengths = np.array([T, 3, 1, 5])
    mask = np.arange(T)[None, :] < lengths[:, None]
    H_0 = rng.normal(0.0, 0.5, size=(n, h)).astype("float32")
    set_weights(cell, weights)
    layer = keras.layers.RNN(cell, return_sequences=True)
    got = as_array(
        run_in_keras(
            lambda: layer(X, mask=mask, initial_state=[H_0]),
            "inside keras.layers.RNN (padded sequences)",
            cell,
            EXERCISE,
            ADVICE,
        )
    )
    want = reference_sequence(X, weights["W_xh"], weights["W_hh"], weights["b_h"], mask, H_0)
    kit = keras.layers.RNN(SimpleRNNCell(h), return_sequences=True)
    kit.build((None, None, d))
    set_weights(kit.cell, weights)
    kit_states = as_array(kit(X, mask=mask, initial_state=[H_0]))
    builtin = keras.layers.SimpleRNN(h, return_sequences=True)
    builtin.build((None, None, d))
    builtin.set_weights([weights["W_xh"], weights["W_hh"], weights["b_h"]])
    builtin_states = as_array(builtin(X, mask=mask, initial_state=[H_0]))
    # The references must agree among themselves before they judge the student.
    kit_agrees(
        np.allclose(kit_states, want, atol=ATOL) and np.allclose(builtin_states, want, atol=ATOL),
        "NumPy, the kit's SimpleRNNCell and Keras' SimpleRNN on padded sequences",
    )
    expect(
        got.shape == want.shape,
        f"keras.layers.RNN(your cell, return_sequences=True) should give states of shape "
        f"(n, T, h) = {want.shape}, got {got.shape}.",
    )
    wrong = ~np.isclose(got, want, atol=ATOL).all(axis=-1)  # (n, T): which steps differ
    if wrong.any():
        i, t = map(int, np.argwhere(wrong)[0])
        hint = (
            " The very first step is already wrong although H_0 is given: use states[0], "
            "the state Keras passes in, not zeros."
            if t == 0
            else " Earlier steps were right, so the state is not carried from step to step: "
            "use states[0] (H_{t-1}) and return the new H_t in the list of states."
        )
        raise CheckFailed(
            f"In a padded batch inside keras.layers.RNN (with an initial state H_0), sequence "
            f"{i} (length {lengths[i]}) first differs at time step t = {t + 1}: expected "
            f"{short(want[i, t])}, got {short(got[i, t])}.{hint}"
        )
    passed(
        "padded sequences in keras.layers.RNN, from a given H_0: equal to NumPy, to "
        "lessons.SimpleRNNCell and to keras.layers.SimpleRNN at every step"
    )


def _check_compiled_model(cell_class, rng):
    """The cell must also run in a compiled graph (model.predict), at another size."""
    __tracebackhide__ = True
    d, h, n, T = 5, 1, 3, 4
    cell = make_cell(cell_class, h, d, RNN_WEIGHTS)
    weights = _random_weights(rng, d, h)
    set_weights(cell, weights)
    X = rng.normal(size=(n, T, d)).astype("float32")
    got = run_compiled(cell, X, EXERCISE, ADVICE)
    want = reference_sequence(X, weights["W_xh"], weights["W_hh"], weights["b_h"])[:, -1]
    expect(
        np.allclose(got, want, atol=ATOL),
        f"Inside a compiled model (model.predict) with d = {d} features and h = {h} unit, the "
        f"final states should be {short(want.ravel())}, got {short(np.ravel(got))}.",
    )
    passed(f"inside a compiled model (model.predict), with d = {d} and h = {h}")


# --- exercise: sequence_loss --------------------------------------------------------
def _loss_cases():
    rng = np.random.default_rng(7)

    def batch(n, T, k, zero_prob=False):
        logits = rng.normal(0.0, 1.5, size=(n, T, k))
        y_pred = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        classes = rng.integers(0, k, size=(n, T))
        if zero_prob:  # an impossible class, not the target: 0 · log 0 must not give NaN
            other = (classes + 1) % k
            y_pred[np.arange(n)[:, None], np.arange(T)[None, :], other] = 0.0
            y_pred /= y_pred.sum(-1, keepdims=True)
        y_true = np.eye(k)[classes]
        return y_true.astype("float32"), y_pred.astype("float32")

    return [
        ("3 sequences of 4 steps, 5 classes", *batch(3, 4, 5)),
        ("2 sequences of 7 steps, 10 classes", *batch(2, 7, 10)),
        ("a probability of exactly 0 at a class that is not the target", *batch(2, 3, 4, True)),
        ("one sequence of one step", *batch(1, 1, 3)),
    ]


def check_sequence_loss(sequence_loss):
    """Check `sequence_loss(y_true, y_pred) -> (batch,)` (lesson 01, exercise 2)."""
    __tracebackhide__ = True
    for description, y_true, y_pred in _loss_cases():
        n, T, _ = y_true.shape
        call = f"sequence_loss(y_true, y_pred) on {description}"
        got = as_array(run_student_code(sequence_loss, y_true, y_pred, what=call))
        want = reference_sequence_loss(y_true, y_pred)
        keras_sum = as_array(keras.losses.categorical_crossentropy(y_true, y_pred)).sum(axis=1)
        kit_agrees(
            np.allclose(keras_sum, want, rtol=1e-5, atol=1e-5), "NumPy's and Keras' cross entropy"
        )
        _check_loss_values(call, got, want, y_true, y_pred, n, T)
        losses = f"{n} losses" if n > 1 else "1 loss"
        passed(f"{description}: {losses}, equal to Σ_t of Keras' categorical_crossentropy")
    _check_loss_in_training(sequence_loss)
    all_passed("sequence_loss")


def _check_loss_values(call, got, want, y_true, y_pred, n, T):
    __tracebackhide__ = True
    expect(
        not np.isnan(got).any(),
        f"{call}: the loss is NaN. A probability of 0 at a class that is not the target "
        "gives 0 · log 0 = 0 · (−inf) = NaN: clip y_pred to [1e-7, 1] before the log "
        "(ops.clip(y_pred, 1e-7, 1.0)).",
    )
    if got.shape == (n, T):
        raise CheckFailed(
            f"{call}: you returned one loss per step, shape (batch, T) = {(n, T)}. Sum the "
            "per-step losses over time (axis=-1 of that array) to get one loss per sequence."
        )
    expect(
        got.shape == (n,),
        f"{call}: expected one loss per sequence, shape (batch,) = ({n},), got shape "
        f"{got.shape}. Sum over the classes (last axis) and over time (the axis after the "
        "batch), not over the batch.",
    )
    clipped = np.clip(y_pred.astype(np.float64), 1e-7, 1.0)
    candidates = {
        "it is the mean over time, not the sum: the notes add the steps' losses, "
        "L = Σ_t L^<t>.": want / T,
        "it has the wrong sign: cross-entropy is −Σ_i y_i log ŷ_i (log ŷ is negative, the "
        "loss is positive).": -want,
        "it adds −log ŷ_i over all classes; multiply by the one-hot y_true so only the "
        "target class counts.": -np.log(clipped).sum(axis=(1, 2)),
        "it looks like log base 10 or 2: use the natural log, ops.log.": want / np.log(10),
    }
    for mistake, value in candidates.items():
        if not np.allclose(want, value, rtol=1e-4) and np.allclose(got, value, rtol=1e-4):
            raise CheckFailed(f"{call}: {mistake}\nExpected {short(want)},\ngot      {short(got)}.")
    expect(
        np.allclose(got, want, rtol=1e-4, atol=1e-4),
        f"{call}: expected the losses {short(want)}, got {short(got)}. Each is "
        "−Σ_t Σ_i y_i log ŷ_i over one sequence.",
    )


def _check_loss_in_training(sequence_loss):
    """Keras must be able to train with it: it is called on symbolic tensors in a graph."""
    __tracebackhide__ = True
    x = np.random.default_rng(3).normal(size=(16, 3, 2)).astype("float32")
    y = np.eye(2, dtype="float32")[(x[..., 0] > 0).astype(int)]  # (16, 3, 2)
    cell = SimpleRNNCell(
        4,
        kernel_initializer=keras.initializers.GlorotUniform(seed=3),
        recurrent_initializer=keras.initializers.Orthogonal(seed=4),
    )
    model = keras.Sequential(
        [
            keras.Input((3, 2)),
            keras.layers.RNN(cell, return_sequences=True),
            keras.layers.Dense(
                2, activation="softmax", kernel_initializer=keras.initializers.GlorotUniform(5)
            ),
        ]
    )
    try:
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss=sequence_loss)
        evaluated = float(model.evaluate(x, y, batch_size=16, verbose=0))
        want = float(np.mean(reference_sequence_loss(y, model.predict(x, verbose=0))))
        trained = float(model.train_on_batch(x, y))
    except Exception as error:
        raise CheckFailed(
            "Keras could not train with your loss (model.compile(loss=sequence_loss), then "
            f"evaluate and train_on_batch): {type(error).__name__}: {error_text(error)}. "
            "Write it with keras.ops (ops.clip, ops.log, ops.sum), which work on Keras' "
            "symbolic tensors."
        ) from None
    expect(
        np.isclose(evaluated, want, rtol=1e-4),
        f"Inside model.evaluate your loss gave {evaluated:.5f}, but the mean over the batch of "
        f"−Σ_t Σ_i y_i log ŷ_i is {want:.5f}. Return one loss per sequence; Keras averages "
        "them over the batch itself.",
    )
    expect(
        np.isfinite(trained),
        f"A training step with your loss gave {trained}; it should be a finite number.",
    )
    passed("Keras evaluates and trains with it (model.compile(loss=sequence_loss))")


# BEGIN HIDDEN TESTS
# The probes of lesson 01 (the vanilla RNN): the cell's step and the loss summed over time.
#
# The student's `MyRNNCell` gets weights drawn from the seed and runs one step
# and a masked sequence inside `keras.layers.RNN`, compiled in a `keras.Model`
# (a `call` written with NumPy fails there, as in the students' check);
# `sequence_loss` gets random
# one-hot targets and predicted distributions, some with probabilities of
# exactly 0.

from instructor.grading import within  # noqa: E402
from instructor.grading.cells import cell_call, traced_sequence  # noqa: E402


def _cell(cell_class, units, input_dim, weights):
    """A built `keras.layers.RNN` around the student's cell, holding `weights`."""
    import keras

    rnn = keras.layers.RNN(cell_class(units), return_sequences=True)
    rnn.build((None, None, input_dim))
    for name, value in weights.items():
        getattr(rnn.cell, name).assign(value)
    return rnn


def probe_rnn_cell_call(cell_class, seed):
    rng = np.random.default_rng(seed)
    n, T, d, h = 3, 6, 4, 5
    weights = {
        "W_xh": rng.normal(0, 0.6, (d, h)).astype("float32"),
        "W_hh": rng.normal(0, 0.6, (h, h)).astype("float32"),
        "b_h": rng.normal(0, 0.5, h).astype("float32"),
    }
    X_t = rng.normal(size=(n, d)).astype("float32")
    H_prev = rng.normal(0, 0.5, (n, h)).astype("float32")
    X = rng.normal(size=(n, T, d)).astype("float32")
    mask = np.arange(T)[None, :] < np.array([T, 2, 4])[:, None]

    rnn = _cell(cell_class, h, d, weights)
    H_t, new_states = rnn.cell(X_t, [H_prev])
    new_state = new_states[0] if isinstance(new_states, (list, tuple)) else new_states
    states = traced_sequence(rnn, X, mask, cell_call(cell_class, "rnn_cell_call"))
    return {
        "cell": {
            "one step: H_t": np.asarray(H_t),
            "one step: the new state": np.asarray(new_state),
            "a masked sequence in keras.layers.RNN": np.asarray(states),
        }
    }


compare_rnn_cell_call = within(rtol=1e-4, atol=1e-5)  # float32 arithmetic


def _distributions(rng, shape, zeros=False):
    logits = rng.normal(0, 2, shape)
    p = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    if zeros:  # exact zeros away from the target, renormalized
        p[..., 1] = 0.0
        p /= p.sum(axis=-1, keepdims=True)
    return p.astype("float32")


def probe_sequence_loss(sequence_loss, seed):
    rng = np.random.default_rng(seed)
    cases = {}
    for description, (batch, T, classes, zeros) in {
        "a batch of sequences": (4, 5, 6, False),
        "probabilities of exactly 0 for classes that are not the target": (3, 4, 5, True),
        "one-step sequences": (5, 1, 3, False),
    }.items():
        targets = rng.integers(0, classes, (batch, T))
        if zeros:
            targets[targets == 1] = 0  # class 1 has probability 0, and is never the target
        y_true = np.eye(classes, dtype="float32")[targets]
        y_pred = _distributions(rng, (batch, T, classes), zeros)
        cases[description] = np.asarray(sequence_loss(y_true, y_pred))
    return {"loss": cases}


compare_sequence_loss = within(rtol=1e-4, atol=1e-5)
# END HIDDEN TESTS


# The kit's own answers fail a check (lessons.checks.tripwire); after every check is defined.
from lessons.checks.tripwire import guard_checks  # noqa: E402

guard_checks(globals())
