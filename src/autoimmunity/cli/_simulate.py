"""``autoimmunity simulate``: one person's life course from a scenario TOML."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from .._errors import InputError


def register(app: typer.Typer) -> None:
    @app.command("simulate")
    def simulate_cmd(
        scenario: Path = typer.Argument(..., help="scenario TOML (see examples/scenarios)"),
        out: Path = typer.Option(..., "--out", help="output directory"),
        seed: int = typer.Option(0, "--seed", help="random seed"),
        batch: int = typer.Option(0, "--batch", help="simulate N people with different seeds; writes summaries.jsonl"),
        no_report: bool = typer.Option(False, "--no-report", help="skip report.html"),
    ) -> None:
        """Simulate a person's life (trajectory.parquet, events.json, summary.json, report.html)."""
        from ..host import run_batch, run_scenario

        try:
            if batch < 0:
                raise InputError("batch", f"{batch}: give N >= 1 people (0 or no --batch: one person with a report)")
            if batch > 0:
                sums = run_batch(scenario, out, batch, seed=seed, progress=sys.stderr.isatty())
                n_on = {}
                for s in sums:
                    for d, age in s.onsets.items():
                        n_on[d] = n_on.get(d, 0) + (age is not None)
                typer.echo(f"{batch} people -> {out / 'summaries.jsonl'}; onsets: " + ", ".join(f"{d} {k}" for d, k in n_on.items()))
            else:
                s = run_scenario(scenario, out, seed=seed, report=not no_report, progress=sys.stderr.isatty())
                onsets = ", ".join(f"{d} at {a:.2f} y" for d, a in s.onsets.items() if a is not None) or "none"
                typer.echo(f"wrote {out}/summary.json; onsets: {onsets}")
        except InputError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
