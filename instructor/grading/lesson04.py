"""Hidden tests for lesson 04 (the GRU): the simplified GRU's step and the full GRU's step.

Each student cell gets weights drawn from the seed, scaled so that every gate
is neither shut nor wide open, and runs one step and a masked sequence inside
`keras.layers.RNN`, compiled in a `keras.Model` (a `call` written with NumPy
fails there, as in the students' check). A third case forces the update gate
open (Γ_u = 1, or Z_t = 0), which separates a swapped gate from a wrong candidate.
"""

from instructor.grading import within
from instructor.grading.cells import cell_probe


def _named(results):
    out, new_states, sequence, _ = results
    return {
        "one step: the output": out,
        "one step: the new state": new_states[0],
        "a masked sequence in keras.layers.RNN": sequence,
    }


probe_simplified_gru_call = cell_probe(
    "uc",
    1,
    _named,
    {"the update gate forced open (Γ_u = 1)": ("u", 1)},
    exercise="simplified_gru_call",
)
probe_gru_call = cell_probe(
    "zrh",
    1,
    _named,
    {
        "the update gate forced to take the candidate (Z_t = 0)": ("z", 0),
        "the reset gate forced open (R_t = 1)": ("r", 1),
    },
    exercise="gru_call",
)


compare_simplified_gru_call = within(rtol=1e-4, atol=1e-5)  # float32 arithmetic


compare_gru_call = within(rtol=1e-4, atol=1e-5)
