"""Argument checks shared by the kit's modules: bad input gets an error that names it."""

import numbers


def check_int(name, value, minimum=1):
    """`value` as an int if it is an integer >= `minimum`, else raise naming `name`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"Argument `{name}` must be an integer >= {minimum}, got {value!r} "
            f"of type {type(value).__name__}."
        )
    if value < minimum:
        raise ValueError(f"Argument `{name}` must be an integer >= {minimum}, got {value}.")
    return int(value)
