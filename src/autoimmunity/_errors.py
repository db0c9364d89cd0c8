"""Errors raised for bad user input.

Every user-facing error is an :class:`InputError`: a one-line message that names
the offending field and what is allowed. The command-line program prints it and
exits with status 2, without a traceback.
"""

from __future__ import annotations

__all__ = ["InputError", "require_generator", "require_count", "require_amount"]


class InputError(ValueError):
    """Bad user input: the message names the field and the allowed values."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


def require_generator(rng):
    """Return ``rng`` if it is a ``numpy.random.Generator``, else raise :class:`InputError`.

    Every function that draws takes one explicit generator (no global state), so the
    same seed gives the same result everywhere.
    """
    import numpy as np

    if not isinstance(rng, np.random.Generator):
        raise InputError("rng", "pass a numpy.random.Generator (numpy.random.default_rng(seed))")
    return rng


def require_count(value, field: str, minimum: int = 0) -> int:
    """Return ``value`` as an ``int`` if it is an integer >= ``minimum`` (seeds, numbers of
    people), else raise :class:`InputError` naming ``field``."""
    import numpy as np

    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(field, f"{value!r}: give an integer >= {minimum}")
    return int(value)


def require_amount(value, field: str, units: str) -> float:
    """Return ``value`` as a float if it is a finite number >= 0, and <= 1 when ``units`` is
    "fraction" (rates, scales, amounts and shares of the model), else raise :class:`InputError`
    naming ``field``."""
    import numpy as np

    if isinstance(value, bool):
        raise InputError(field, f"{value!r} is not a number")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(field, f"{value!r} is not a number") from None
    hi = 1.0 if units == "fraction" else np.inf
    if not (np.isfinite(v) and 0.0 <= v <= hi):
        raise InputError(field, f"{value!r} is outside [0, {hi:g}] ({units})")
    return v
