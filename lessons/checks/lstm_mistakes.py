"""The mistakes the LSTM checks recognise (lesson 05), as NumPy steps.

Each mistake is a step `(X, H_prev, C_prev, w) -> (output, state 0, state 1)`
that computes what a student's cell with that mistake returns, next to the
words the check says when the student's numbers match it: a gate used the
wrong way round, tanh and σ exchanged, the states returned or read in the wrong
order, a transposed weight, a missing bias. `lessons.checks.lesson05` runs them
at the first time step where a student's cell and the reference differ.
"""

import numpy as np

from lessons.checks.engine import affine, sigmoid, swapped, transposed, zeroed

LSTM_GATES = ("i", "f", "c", "o")  # Keras' order: kernel = [W_xi | W_xf | W_xc | W_xo]
COUPLED_GATES = ("f", "c", "o")


_CELL_UPDATES = {
    "plain": lambda F, I, C, Ct: F * C + I * Ct,
    "swapped": lambda F, I, C, Ct: I * C + F * Ct,
    "forget both": lambda F, I, C, Ct: F * (C + I * Ct),
    "no input gate": lambda F, I, C, Ct: F * C + Ct,
    "no forget gate": lambda F, I, C, Ct: C + I * Ct,
    "candidate only": lambda F, I, C, Ct: I * Ct,
}
_OUTPUTS = {
    "right": lambda O, C, C_prev: O * np.tanh(C),
    "no tanh": lambda O, C, C_prev: O * C,
    "no gate": lambda O, C, C_prev: np.tanh(C),
    "tanh outside": lambda O, C, C_prev: np.tanh(O * C),
    "old cell": lambda O, C, C_prev: O * np.tanh(C_prev),
}
_RETURNS = {  # (H_t, C_t, H_{t-1}, C_{t-1}) -> (output, state 0, state 1)
    "right": lambda H, C, H_prev, C_prev: (H, H, C),
    "C as output": lambda H, C, H_prev, C_prev: (C, H, C),
    "states swapped": lambda H, C, H_prev, C_prev: (H, C, H),
    "H twice": lambda H, C, H_prev, C_prev: (H, H, H),
    "C everywhere": lambda H, C, H_prev, C_prev: (C, C, C),
    "old states": lambda H, C, H_prev, C_prev: (H, H_prev, C_prev),
}


def _lstm_variant(
    X,
    H_prev,
    C_prev,
    w,
    *,
    coupled=False,
    update="plain",
    gate=sigmoid,
    candidate=np.tanh,
    output="right",
    returns="right",
    read="right",
):
    """The LSTM step (or the coupled one) with one thing changed; returns (out, s0, s1)."""
    given = (H_prev, C_prev)
    if read == "swapped":  # C_{t-1} taken from states[0] and H_{t-1} from states[1]
        H_prev, C_prev = C_prev, H_prev
    F = gate(affine(X, H_prev, w, "f"))
    I = 1.0 - F if coupled else gate(affine(X, H_prev, w, "i"))
    O = gate(affine(X, H_prev, w, "o"))
    C_tilde = candidate(affine(X, H_prev, w, "c"))
    C = _CELL_UPDATES[update](F, I, C_prev, C_tilde)
    H = _OUTPUTS[output](O, C, C_prev)
    return _RETURNS[returns](H, C, *given)


def _variant(transform=None, **options):
    """A wrong step: `_lstm_variant` with `options`, on weights changed by `transform`."""
    return lambda X, H, C, w: _lstm_variant(X, H, C, transform(w) if transform else w, **options)


def _ignores_states(**options):
    return lambda X, H, C, w: _lstm_variant(X, 0.0 * H, 0.0 * C, w, **options)


GATE_WORDS = {
    "i": "the input gate I_t",
    "f": "the forget gate F_t",
    "o": "the output gate O_t",
    "c": "the candidate C̃_t",
}


def _shared_mistakes(coupled):
    """Mistakes both cells can make (output path, activations, states, weights)."""
    opts = {"coupled": True, "update": "plain"} if coupled else {}
    gates = COUPLED_GATES if coupled else LSTM_GATES
    mistakes = [
        (
            "tanh is missing on C_t before the output gate: H_t = O_t ⊙ tanh(C_t), "
            "not O_t ⊙ C_t (ops.tanh(C_t)).",
            _variant(output="no tanh", **opts),
        ),
        (
            "the output gate is not used: H_t = O_t ⊙ tanh(C_t), you return tanh(C_t).",
            _variant(output="no gate", **opts),
        ),
        (
            "the output gate sits inside the tanh: H_t = O_t ⊙ tanh(C_t), not tanh(O_t ⊙ C_t).",
            _variant(output="tanh outside", **opts),
        ),
        (
            "H_t is computed from the old cell C_{t-1}; it uses the new one: H_t = O_t ⊙ "
            "tanh(C_t), after C_t is updated.",
            _variant(output="old cell", **opts),
        ),
        (
            "the candidate C̃_t uses sigmoid; it uses tanh (values between −1 and 1, so the "
            "cell can be pushed up or down): C̃_t = tanh(X_t W_xc + H_{t-1} W_hc + b_c).",
            _variant(candidate=sigmoid, **opts),
        ),
        (
            "the candidate C̃_t has no tanh: C̃_t = tanh(X_t W_xc + H_{t-1} W_hc + b_c).",
            _variant(candidate=lambda a: a, **opts),
        ),
        (
            "the gates use tanh; I_t, F_t and O_t use the sigmoid σ (ops.sigmoid), so that "
            "they lie between 0 and 1.",
            _variant(gate=np.tanh, **opts),
        ),
        (
            "you return C_t as the output; the output is H_t: `return H_t, [H_t, C_t]`.",
            _variant(returns="C as output", **opts),
        ),
        (
            "the new states are in the wrong order: Keras passes them back to you as "
            "`states`, so return them as [H_t, C_t] (H first, as you read them).",
            _variant(returns="states swapped", **opts),
        ),
        (
            "H_t is returned where C_t belongs: the second state must be the cell C_t, "
            "`return H_t, [H_t, C_t]`.",
            _variant(returns="H twice", **opts),
        ),
        (
            "C_t is returned everywhere; the output and the first state are H_t: "
            "`return H_t, [H_t, C_t]`.",
            _variant(returns="C everywhere", **opts),
        ),
        (
            "the states you return are the old ones, [H_{t-1}, C_{t-1}]: return the states of "
            "this step, `return H_t, [H_t, C_t]`, so that the next step reads them.",
            _variant(returns="old states", **opts),
        ),
        (
            "H_{t-1} and C_{t-1} are read the wrong way round: `states` is [H_{t-1}, C_{t-1}], "
            "so H_prev = states[0] and C_prev = states[1].",
            _variant(read="swapped", **opts),
        ),
        (
            "you ignore the states Keras passes in: H_{t-1} is states[0] and C_{t-1} is "
            "states[1], not zeros.",
            _ignores_states(**opts),
        ),
    ]
    for a in gates:
        for b in gates:
            # I_t and F_t swapped is named by LSTM_MISTAKES' "swapped" update (same numbers).
            if a < b and {a, b} != {"i", "f"}:
                mistakes.append(
                    (
                        f"{GATE_WORDS[a]} and {GATE_WORDS[b]} use each other's weights: each "
                        f"uses its own W_x·, W_h·, b_· (W_x{a} for {a}, W_x{b} for {b}).",
                        _variant(swapped(a, b), **opts),
                    )
                )
    for g in gates:
        mistakes.append(
            (
                f"W_h{g} is transposed: with rows as examples it is ops.matmul(H_prev, "
                f"self.W_h{g}).",
                _variant(transposed(f"W_h{g}"), **opts),
            )
        )
        mistakes.append(
            (f"the bias b_{g} of {GATE_WORDS[g]} is missing.", _variant(zeroed(f"b_{g}"), **opts))
        )
    return mistakes


LSTM_MISTAKES = [
    (
        "the input and forget gates are swapped: F_t multiplies the old cell C_{t-1} (what "
        "to keep) and I_t the candidate C̃_t (what to write), C_t = F_t ⊙ C_{t-1} + I_t ⊙ C̃_t. "
        "You apply the forget gate to the candidate (or computed I_t with the forget gate's "
        "weights and F_t with the input gate's).",
        _variant(update="swapped"),
    ),
    (
        "the forget gate is applied to the candidate too: C_t = F_t ⊙ C_{t-1} + I_t ⊙ C̃_t, "
        "not F_t ⊙ (C_{t-1} + I_t ⊙ C̃_t).",
        _variant(update="forget both"),
    ),
    (
        "the input gate is not used: the candidate enters as I_t ⊙ C̃_t.",
        _variant(update="no input gate"),
    ),
    (
        "the forget gate is not used: the old cell enters as F_t ⊙ C_{t-1}.",
        _variant(update="no forget gate"),
    ),
    (
        "the old cell is missing from the update: C_t = F_t ⊙ C_{t-1} + I_t ⊙ C̃_t has two terms.",
        _variant(update="candidate only"),
    ),
    *_shared_mistakes(coupled=False),
]


def _coupled(update):
    """Coupled-cell updates, written out: F_t and (1 − F_t) placed by `update`."""

    def step(X, H_prev, C_prev, w):
        F = sigmoid(affine(X, H_prev, w, "f"))
        O = sigmoid(affine(X, H_prev, w, "o"))
        Ct = np.tanh(affine(X, H_prev, w, "c"))
        C = {
            "F twice": F * C_prev + F * Ct,
            "reversed": (1.0 - F) * C_prev + F * Ct,
            "no 1 - F": F * C_prev + Ct,
            "no F": C_prev + (1.0 - F) * Ct,
        }[update]
        H = O * np.tanh(C)
        return H, H, C

    return step


COUPLED_MISTAKES = [
    (
        "the candidate is weighed by F_t; in the coupled LSTM it is (1 − F_t): what is "
        "forgotten is replaced, C_t = F_t ⊙ C_{t-1} + (1 − F_t) ⊙ C̃_t.",
        _coupled("F twice"),
    ),
    (
        "F_t and 1 − F_t are swapped: F_t keeps the old cell and 1 − F_t lets the candidate "
        "in, C_t = F_t ⊙ C_{t-1} + (1 − F_t) ⊙ C̃_t.",
        _coupled("reversed"),
    ),
    (
        "the candidate is added without the factor (1 − F_t): C_t = F_t ⊙ C_{t-1} + "
        "(1 − F_t) ⊙ C̃_t, a weighted average of the old cell and the candidate.",
        _coupled("no 1 - F"),
    ),
    (
        "the old cell enters without the factor F_t: C_t = F_t ⊙ C_{t-1} + (1 − F_t) ⊙ C̃_t.",
        _coupled("no F"),
    ),
    *_shared_mistakes(coupled=True),
]
