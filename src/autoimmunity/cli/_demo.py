"""``autoimmunity demo``: the main job on the embedded defaults."""

from __future__ import annotations

import typer

from ._common import handle_errors, quiet_warnings

#: DR3-DQ2.5 / DR4-DQ8, the highest-risk type 1 diabetes genotype in Europeans.
DEMO_GENOTYPE = "DRB1*03:01,DRB1*04:01,DQA1*05:01-DQB1*02:01,DQA1*03:01-DQB1*03:02"
DEMO_SELF = "INS,GAD2,PTPRN,SLC30A8,G6PC2"


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command."""

    @app.command()
    @handle_errors
    @quiet_warnings
    def demo(seed: int = typer.Option(2026, help="Random seed.")):
        """Run the main job on the embedded defaults and print what it found."""
        import numpy as np
        from rich.console import Console

        from ..molecular import parse_genotype, present
        from ._common import print_table

        console = Console()
        genotype = parse_genotype(DEMO_GENOTYPE)
        console.rule("[bold]1. HLA presentation")
        console.print(f"genotype {DEMO_GENOTYPE}: {len(genotype.molecules)} class II molecules "
                      f"({', '.join(m.common_name for m in genotype.molecules)})")
        table = present(genotype, DEMO_SELF, only_presented=True).sort_values("percentile_rank")
        print_table(table, f"Islet autoantigen peptides presented ({len(table)})",
                    ["protein", "start", "peptide", "core", "allele", "percentile_rank"], limit=12)

        console.rule("[bold]2. Molecular mimicry (EBNA1 vs myelin basic protein, DRB1*15:01)")
        from ..molecular._mimicry import mimicry

        pairs = mimicry("MBP", "EBNA1", "DRB1*15:01", top=5, rng=np.random.default_rng(seed))
        print_table(pairs, "Top EBNA1 mimics of MBP", limit=5)
