"""The ``thymus`` command: central tolerance for one person."""

from __future__ import annotations

import typer

from ._common import handle_errors, print_json, seeded_generator

_SUMMARY_KEYS = (
    "fraction_selected",
    "fraction_deleted",
    "fraction_neglected",
    "treg_fraction_of_cd4",
    "mean_cross_reactivity",
    "mean_cross_reactivity_preselection",
    "self_reactive_fraction",
    "escaped_tra_total",
)


def register(app: typer.Typer) -> None:
    """Add the ``thymus`` command to ``app``."""

    @app.command()
    @handle_errors
    def thymus(
        hla: str = typer.Option(..., help='HLA class II genotype, e.g. "DRB1*04:01,DRB1*03:01,DQA1*03:01-DQB1*03:02".'),
        aire: str = typer.Option("normal", help="AIRE function: normal, het (one working copy) or null."),
        ins_vntr: str = typer.Option("I/I", "--ins-vntr", help="INS VNTR classes: I/I, I/III or III/III."),
        foxp3: str = typer.Option("normal", help="FOXP3 function: normal or null."),
        ptpn22: str = typer.Option("C/C", help="PTPN22 rs2476601 (1858C>T, R620W): C/C, C/T or T/T."),
        thymocytes: int = typer.Option(100_000, help="Number of thymocytes to select."),
        b_cells: int = typer.Option(0, "--b-cells", help="Number of bone-marrow B cells to develop (0: none)."),
        seed: int = typer.Option(0, help="Random seed."),
        airr: str = typer.Option("", help="Write the mature T-cell repertoire to this AIRR rearrangement TSV."),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ):
        """Select a person's T cells in the thymus (and B cells in the marrow) from their genotype.

        Prints fate fractions, Treg fraction of CD4 cells, amino-acid enrichment
        after negative selection, escaped and recognising clones per self antigen,
        and mean cross-reactivity (definitions: docs/tolerance.md).
        """

        from .._errors import InputError
        from ..tolerance import ToleranceGenotype, central_tolerance

        if thymocytes < 1:
            raise InputError("thymocytes", f"{thymocytes} must be at least 1")
        if b_cells < 0:
            raise InputError("b-cells", f"{b_cells} must be >= 0")
        genotype = ToleranceGenotype(aire=aire, ins_vntr=ins_vntr, foxp3=foxp3, ptpn22=ptpn22)
        repertoire = central_tolerance(hla, thymocytes, b_cells, seeded_generator(seed), genotype=genotype)
        summary = repertoire.summary()
        summary["seed"] = seed
        if airr:
            from ..io import write_airr

            write_airr(repertoire, airr)
            summary["airr"] = airr
        if json_out:
            print_json(summary)
            return
        from rich.console import Console
        from rich.table import Table

        console = Console()
        table = Table(title=f"Central tolerance: {summary['hla']} ({summary['n_thymocytes']} thymocytes, seed {seed})")
        table.add_column("quantity")
        table.add_column("value", justify="right")
        for key in _SUMMARY_KEYS:
            value = summary[key]
            table.add_row(key, f"{value:.4g}" if isinstance(value, float) else str(value))
        console.print(table)
        antigens = Table(title="Self antigens: escaped (<= E_n) and recognising (<= activation) conventional clones")
        for col in ("antigen", "escaped", "recognising"):
            antigens.add_column(col, justify="right" if col != "antigen" else "left")
        for symbol, count in sorted(summary["escaped_by_antigen"].items(), key=lambda kv: -kv[1]):
            antigens.add_row(symbol, str(count), str(summary["recognising_by_antigen"][symbol]))
        console.print(antigens)
        if "b_cells" in summary:
            b = summary["b_cells"]
            console.print(
                f"B cells: {b['n_b_cells']} developed, deleted {b['fraction_deleted']:.3f}, "
                f"anergic {b['anergic_fraction_of_mature']:.3f} and edited {b['edited_fraction_of_mature']:.3f} of mature, "
                f"self-reactive naive {b['self_reactive_naive_fraction']:.4f}"
            )
        if airr:
            console.print(f"AIRR rearrangements written to {airr}")
