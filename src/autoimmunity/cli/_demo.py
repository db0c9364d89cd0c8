"""``autoimmunity demo``: the main job on the embedded defaults.

It walks one high-risk person through the layers: which islet peptides their
HLA presents, what their thymus lets escape, which Epstein-Barr virus peptides
mimic myelin basic protein, and then their simulated life course (it writes
``report.html`` and prints where it is; it opens nothing).
"""

from __future__ import annotations

import typer

from ._common import handle_errors, print_table, quiet_warnings

#: DR3-DQ2.5 / DR4-DQ8, the highest-risk type 1 diabetes genotype in Europeans.
DEMO_GENOTYPE = "DRB1*03:01,DRB1*04:01,DQA1*05:01-DQB1*02:01,DQA1*03:01-DQB1*03:02"
DEMO_SELF = ("INS", "GAD2", "PTPRN", "SLC30A8", "G6PC2")
DEMO_THYMOCYTES = 200_000


def _presentation(console, genotype) -> None:
    from ..molecular import presented_ligands

    console.rule("[bold]1. HLA presentation of islet autoantigens")
    console.print(f"genotype {DEMO_GENOTYPE}: {len(genotype.molecules)} class II molecules "
                  f"({', '.join(m.common_name for m in genotype.molecules)})")
    ligands = presented_ligands(genotype, list(DEMO_SELF)).sort_values("percentile_rank")
    ligands["molecule"] = [genotype.molecules[i].common_name for i in ligands["molecule_index"]]
    counts = ligands.groupby("protein").size().reindex(DEMO_SELF, fill_value=0)
    console.print("distinct presented cores: " + ", ".join(f"{p} {n}" for p, n in counts.items()))
    print_table(ligands, "Strongest presented islet ligands",
                ["protein", "core_start", "core", "molecule", "percentile_rank", "tcr_contacts"], limit=8)


def _thymus(console, seed: int) -> None:
    import numpy as np

    from ..tolerance import ToleranceGenotype, simulate_thymus

    console.rule(f"[bold]2. Thymic selection ({DEMO_THYMOCYTES:,} thymocytes)")
    rows = []
    for label, genotype in (("AIRE normal", ToleranceGenotype()), ("AIRE null", ToleranceGenotype(aire="null"))):
        summary = simulate_thymus(DEMO_GENOTYPE, DEMO_THYMOCYTES, np.random.default_rng(seed), genotype=genotype).summary()
        escaped = summary["escaped_by_antigen"]
        rows.append(
            {"thymus": label, "selected": summary["fraction_selected"], "deleted": summary["fraction_deleted"],
             "treg_of_cd4": summary["treg_fraction_of_cd4"],
             **{f"escaped_{p}": escaped.get(p, 0) for p in DEMO_SELF}}
        )
    import pandas as pd

    print_table(pd.DataFrame(rows), "Fates and escaped islet-reactive clones")


def _mimicry(console, seed: int) -> None:
    import numpy as np

    from ..molecular import mimicry

    console.rule("[bold]3. Molecular mimicry: EBV vs myelin basic protein on the DR15 haplotype (DRB1*15:01, DRB5*01:01)")
    columns = ["self_core", "self_allele", "foreign_protein", "foreign_core", "foreign_allele", "overlap",
               "contact_identity"]
    for foreign in ("BALF5", "EBNA1"):
        pairs = mimicry("MBP", foreign, "DRB1*15:01,DRB5*01:01", top=3, rng=np.random.default_rng(seed))
        print_table(pairs, f"Top {foreign} mimics of MBP", columns, limit=3)
    console.print("BALF5 627-641 on DRB5*01:01 shares all five TCR contacts with MBP 85-99 on DRB1*15:01 "
                  "(Lang et al., Nat Immunol 2002); EBNA1's best pairs are what chance gives (docs/molecular.md).")


def _life_course(console, seed: int, out_dir: str) -> None:
    import json
    from pathlib import Path

    from .._data import data_path
    from ..host import run_scenario

    console.rule("[bold]4. One life course (embedded scenario: DR3-DQ2/DR4-DQ8 child, CVB4 infections)")
    scenario = data_path("scenarios", "demo.toml")
    summary = run_scenario(scenario, out_dir, seed=seed, report=True, progress=True)
    written = json.loads((Path(out_dir) / "summary.json").read_text())
    console.print(f"onsets: {written.get('onsets')}")
    console.print(f"autoantibodies (age first positive): {written.get('autoantibodies')}")
    console.print(f"report: {Path(out_dir, 'report.html').resolve()}")
    del summary


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command."""

    @app.command()
    @handle_errors
    @quiet_warnings
    def demo(
        seed: int = typer.Option(2026, help="Random seed."),
        out: str = typer.Option("runs/demo", help="Folder for the life-course outputs (report.html and tables)."),
    ):
        """Run the main job on the embedded defaults and print what it found."""
        from rich.console import Console

        from ..molecular import parse_genotype

        console = Console()
        genotype = parse_genotype(DEMO_GENOTYPE)
        _presentation(console, genotype)
        _thymus(console, seed)
        _mimicry(console, seed)
        _life_course(console, seed, out)
