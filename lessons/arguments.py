"""Argument checks for every public constructor and function of the kit.

One contract: a value of the wrong type raises `TypeError`, a value out of
range `ValueError`; both name the argument and say what it must be. Nothing is
coerced silently except to the plain Python type of a right value (NumPy's
`np.int64(3)` becomes `3`, `np.True_` becomes `True`).
"""

import math
import numbers

import numpy as np


def _got(value):
    return f"got {value!r} of type {type(value).__name__}"


def check_int(name, value, minimum=1, maximum=None, what=None):
    """`value` as an int if it is an integer in [`minimum`, `maximum`], else raise naming `name`.

    `what` says what the integer is, e.g. "time step 0..5" (default ">= 1" or "in 0..5").
    """
    span = what or (f">= {minimum}" if maximum is None else f"in {minimum}..{maximum}")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"Argument `{name}` must be an integer {span}, {_got(value)}.")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"Argument `{name}` must be an integer {span}, got {value}.")
    return int(value)


def check_units(units, name="units"):
    """`units` (a layer width) as a positive int, else raise naming it."""
    if isinstance(units, (bool, np.bool_)) or not isinstance(units, numbers.Integral):
        raise TypeError(f"Argument `{name}` must be a positive integer, {_got(units)}.")
    if units <= 0:
        raise ValueError(f"Argument `{name}` must be a positive integer, got {units}.")
    return int(units)


def check_number(name, value, minimum=0.0, allow_minimum=True, hint=""):
    """`value` as a float if it is a finite real number >= `minimum` (> if not `allow_minimum`).

    `hint` ends the description, e.g. " (0 = greedy)".
    """
    if minimum == 0 and not allow_minimum:
        what = f"a finite positive number{hint}"
    else:
        what = f"a finite number {'>=' if allow_minimum else '>'} {minimum:g}{hint}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"Argument `{name}` must be {what}, {_got(value)}.")
    low = value < minimum if allow_minimum else value <= minimum
    if not math.isfinite(value) or low:
        raise ValueError(f"Argument `{name}` must be {what}, got {value}.")
    return float(value)


def check_rate(name, rate):
    """A dropout-like `rate` as a float in [0, 1), else raise naming it."""
    if isinstance(rate, (bool, np.bool_)) or not isinstance(rate, numbers.Real):
        raise TypeError(f"Argument `{name}` must be a float in [0, 1), {_got(rate)}.")
    if not 0.0 <= float(rate) < 1.0:  # also refuses NaN
        raise ValueError(f"Argument `{name}` must be a float in [0, 1), got {rate}.")
    return float(rate)


def check_bool(name, value):
    """`value` as a bool if it is True or False (NumPy's too), else raise naming `name`."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"Argument `{name}` must be True or False, {_got(value)}.")
    return bool(value)


def check_choice(name, value, choices):
    """`value` if it is one of `choices` (strings, or None where None is listed)."""
    listed = ", ".join(map(repr, choices))
    if not (value is None or isinstance(value, str)):
        raise TypeError(f"Argument `{name}` must be one of {listed}; {_got(value)}.")
    if value not in choices:
        raise ValueError(f"Argument `{name}` must be one of {listed}; got {value!r}.")
    return value


def check_seed(name, seed, generator=False):
    """None or an integer >= 0 (and, with `generator`, a NumPy Generator), else raise."""
    if seed is None or (generator and isinstance(seed, np.random.Generator)):
        return seed
    what = "None, an integer >= 0 or a numpy Generator" if generator else "an integer >= 0 or None"
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"Argument `{name}` must be {what}, {_got(seed)}.")
    if seed < 0:
        raise ValueError(f"Argument `{name}` must be {what}, got {seed}.")
    return int(seed)


def rng(seed):
    """A NumPy Generator from `seed` (None, an integer >= 0, or a Generator, used as it is)."""
    seed = check_seed("seed", seed, generator=True)
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
