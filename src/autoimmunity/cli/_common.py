"""Shared CLI helpers: one-line errors, JSON output, tables."""

from __future__ import annotations

import functools
import json
import math
import sys
from collections.abc import Callable

import numpy as np
import pandas as pd
import typer

from .._errors import InputError, require_count

__all__ = ["handle_errors", "quiet_warnings", "print_json", "to_jsonable", "print_table", "fail", "seeded_generator"]


def fail(message: str) -> None:
    """Print one error line to stderr and exit with status 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def seeded_generator(seed: int) -> np.random.Generator:
    """The command's one random generator, from a ``--seed`` that must be a non-negative integer."""
    return np.random.default_rng(require_count(seed, "seed"))


def handle_errors(func: Callable) -> Callable:
    """Turn :class:`InputError` (and file errors) into one line on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            fail(str(exc))
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            fail(f"{exc.filename}: {exc.strerror}")

    return wrapper


def quiet_warnings(func: Callable) -> Callable:
    """Silence Python warnings inside a command (the command reports what matters itself)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return func(*args, **kwargs)

    return wrapper


def to_jsonable(value):
    """Convert numpy/pandas values into plain JSON types (NaN -> null)."""
    if isinstance(value, pd.DataFrame):
        return [to_jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def print_json(value) -> None:
    """Print one JSON object (or list) to stdout."""
    sys.stdout.write(json.dumps(to_jsonable(value), indent=2) + "\n")


def _cell(value) -> str:
    """A table cell: floats to 3 decimals, or 3 significant digits when smaller than 0.01."""
    if not isinstance(value, float):
        return str(value)
    return f"{value:.3g}" if 0 < abs(value) < 0.01 else f"{value:.3f}"


def print_table(table: pd.DataFrame, title: str, columns: list[str] | None = None, limit: int = 30) -> None:
    """Render a DataFrame with rich."""
    from rich.console import Console
    from rich.table import Table

    columns = columns or list(table.columns)
    out = Table(title=title)
    for col in columns:
        out.add_column(col)
    for row in table[columns].head(limit).itertuples(index=False):
        out.add_row(*[_cell(v) for v in row])
    console = Console()
    console.print(out)
    if len(table) > limit:
        console.print(f"... {len(table) - limit} more rows (use --json for all)")
