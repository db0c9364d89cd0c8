"""Cohort commands: ``autoimmunity cohort run | sql | summary``."""

from __future__ import annotations

from pathlib import Path

import typer

from .._errors import InputError


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _exposure_overrides(items: list[str]) -> tuple[tuple[str, str, float], ...]:
    """``["stream/quantity=value", ...]`` -> ``((stream, quantity, value), ...)``."""
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        stream, slash, quantity = key.partition("/")
        try:
            number = float(value)
        except ValueError:
            number = None
        if not sep or not slash or not stream or not quantity or number is None:
            raise InputError("exposure", f"{item!r}: give STREAM/QUANTITY=VALUE, e.g. enterovirus/islet_reach_share=0.3")
        out.append((stream.strip(), quantity.strip(), number))
    return tuple(sorted(out))


def register(app: typer.Typer) -> None:
    """Add the ``cohort`` sub-app to ``app``."""
    cohort = typer.Typer(name="cohort", help="Virtual cohorts: run, query (SQL), summarise.", no_args_is_help=True)
    app.add_typer(cohort, name="cohort")

    @cohort.command("run")
    def run(
        n: int = typer.Option(..., "--n", help="Unrelated people."),
        seed: int = typer.Option(..., "--seed", help="Seed; the same seed gives the same people for any workers/chunk size."),
        out: Path = typer.Option(..., "--out", help="Run directory (Parquet chunks + manifest.json); rerun to resume."),
        workers: int = typer.Option(1, "--workers", help="Dask LocalCluster processes (1 = in process)."),
        scheduler: str = typer.Option(None, "--scheduler", help="Address of an existing Dask scheduler."),
        twins: int = typer.Option(0, "--twins", help="M: add M monozygotic and M dizygotic twin pairs."),
        siblings: int = typer.Option(0, "--siblings", help="K: add K sibling pairs."),
        chunk_size: int = typer.Option(10_000, "--chunk-size", help="People per Parquet chunk."),
        horizon: float = typer.Option(80.0, "--horizon", help="Simulate from birth to this age (years)."),
        population: str = typer.Option("europe", "--population", help="Shipped population tables to sample from."),
        engine: str = typer.Option("auto", "--engine", help="'auto' or module:function implementing the engine contract."),
        quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
        threads: int = typer.Option(None, "--threads", help="Engine threads per process (default: all cores in "
                                    "process, cores/workers per Dask worker); results do not depend on it."),
        exposure: list[str] = typer.Option(None, "--exposure", help="Override a population exposure value, "
                                           "STREAM/QUANTITY=VALUE (repeatable), e.g. enterovirus/islet_reach_share=0.3; "
                                           "recorded in the manifest."),
    ):
        """Simulate a cohort into Parquet chunks with a run manifest."""
        from ..cohort import RunConfig, run_cohort

        try:
            if workers > 1 and scheduler:
                raise InputError("workers", "give either --workers or --scheduler")
            config = RunConfig(n=n, seed=seed, twins=twins, siblings=siblings, horizon_years=horizon,
                               population=population, engine=engine, exposures=_exposure_overrides(exposure or []))
            if threads is not None and threads < 1:
                raise InputError("threads", "must be >= 1")
            manifest = run_cohort(out, config, chunk_size=chunk_size, workers=workers, scheduler=scheduler,
                                  progress=not quiet, threads=threads)
        except InputError as exc:
            _fail(str(exc))
        secs = manifest.get("last_run_seconds", 0.0)
        typer.echo(f"{manifest['n_people']} people in {len(manifest['chunks'])} chunks -> {out} "
                   f"({'complete' if manifest['complete'] else 'INCOMPLETE'}; this run {secs:.1f} s)")

    @cohort.command("sql")
    def sql(
        run_dir: Path = typer.Argument(..., help="Run directory."),
        query: str = typer.Argument(..., help="SQL over the view 'people', e.g. \"select count(*) from people\"."),
        json_out: bool = typer.Option(False, "--json", help="Print JSON records."),
    ):
        """Query the Parquet chunks with DuckDB (view ``people``)."""
        import duckdb

        try:
            files = sorted(Path(run_dir).glob("chunk-*.parquet"))
            if not files:
                raise InputError("dir", f"{run_dir}: no chunk-*.parquet files")
            con = duckdb.connect()
            flist = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
            con.execute(f"create view people as select * from read_parquet([{flist}])")
            try:
                table = con.execute(query).df()
            except duckdb.Error as exc:
                raise InputError("query", str(exc).splitlines()[0]) from None
        except InputError as exc:
            _fail(str(exc))
        if json_out:
            from ._common import print_json

            print_json(table)
        else:
            import pandas as pd

            with pd.option_context("display.max_rows", 200, "display.max_columns", 50, "display.width", 200):
                typer.echo(table.to_string(index=False))

    @cohort.command("summary")
    def summary(
        run_dir: Path = typer.Argument(..., help="Run directory."),
        json_out: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
        report: Path = typer.Option(None, "--report", help="HTML report path (default DIR/report.html)."),
    ):
        """Epidemiology of a run (incidence, ORs, concordance, progression) and an HTML report."""
        import warnings

        from ..cohort import load_cohort, summarize, write_report

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                df = load_cohort(run_dir)
                result = summarize(df)
                path = write_report(df, result, report or Path(run_dir) / "report.html")
        except InputError as exc:
            _fail(str(exc))
        result["report"] = str(path)
        if json_out:
            from ._common import print_json

            print_json(result)
        else:
            typer.echo(f"{result['n']} people; report: {path}")
            for row in result["calibration"]:
                sim = row["simulated"]
                typer.echo(f"  {row['target']:28s} published {row['published']:<8g} simulated "
                           f"{'n/a' if sim is None else f'{sim:.4g}'}")
