"""Hidden tests for lesson 04 (the GRU): the simplified GRU's step and the full GRU's step.

Each student cell gets weights drawn from the seed, scaled so that every gate
is neither shut nor wide open, and runs one step and a masked sequence inside
`keras.layers.RNN`, compiled in a `keras.Model` (a `call` written with NumPy
fails there, as in the students' check). A third case forces the update gate
open (Γ_u = 1, or Z_t = 0), which separates a swapped gate from a wrong candidate.
"""

import functools

import numpy as np

from instructor.grading import compare, lookup
from instructor.grading.cells import run_gated_cell


def _run_cell(cell_class, parts, rng, force=None, *, exercise):
    """One step and a masked sequence through the student's cell with weights from `rng`."""
    out, new_states, sequence, _ = run_gated_cell(
        cell_class, parts, rng, 1, force, exercise=exercise
    )
    return {
        "one step: the output": out,
        "one step: the new state": new_states[0],
        "a masked sequence in keras.layers.RNN": sequence,
    }


def probe_simplified_gru_call(namespace, seed):
    cell_class = lookup(namespace, "SimplifiedGRUCell")
    run = functools.partial(_run_cell, cell_class, "uc", exercise="simplified_gru_call")
    return {
        "cell": {
            "random weights": run(np.random.default_rng([seed, 0])),
            "the update gate forced open (Γ_u = 1)": run(
                np.random.default_rng([seed, 1]), force=("u", 1)
            ),
        }
    }


def probe_gru_call(namespace, seed):
    cell_class = lookup(namespace, "MyGRUCell")
    run = functools.partial(_run_cell, cell_class, "zrh", exercise="gru_call")
    return {
        "cell": {
            "random weights": run(np.random.default_rng([seed, 0])),
            "the update gate forced to take the candidate (Z_t = 0)": run(
                np.random.default_rng([seed, 1]), force=("z", 0)
            ),
            "the reset gate forced open (R_t = 1)": run(
                np.random.default_rng([seed, 2]), force=("r", 1)
            ),
        }
    }


def compare_simplified_gru_call(student, reference):
    return compare(student, reference, rtol=1e-4, atol=1e-5)  # float32 arithmetic


def compare_gru_call(student, reference):
    return compare(student, reference, rtol=1e-4, atol=1e-5)
