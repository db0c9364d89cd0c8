"""Command-line entry point (typer + rich). Commands live in sibling modules,
each with a ``register(app)`` function."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="autoimmunity",
    help="Simulate how autoimmune disease emerges, from peptide presentation to populations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"autoimmunity {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Simulate how autoimmune disease emerges, from peptide presentation to populations."""


_COMMAND_MODULES = ("_molecular", "_demo", "_thymus", "_simulate", "_cohort")

for _name in _COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"{__package__}.{_name}")
    except ModuleNotFoundError as _exc:  # a layer not built yet
        if _exc.name != f"{__package__}.{_name}":
            raise
        continue
    _module.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
