"""Molecular-layer commands: bind, present, modify, mimicry."""

from __future__ import annotations

import typer

from ._common import handle_errors, print_json, print_table, quiet_warnings, seeded_generator


def register(app: typer.Typer) -> None:
    """Add the molecular commands to ``app``."""

    @app.command()
    @handle_errors
    def bind(
        allele: str = typer.Option(..., help="HLA class II molecule, e.g. HLA-DRB1*04:01, DQA1*03:01-DQB1*03:02 or DQ8."),
        peptide: str = typer.Option(..., help="Peptide of at least 9 residues (X = citrulline)."),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ):
        """Predict the binding core, score and percentile rank of a peptide on one molecule."""
        from ..molecular import bind as _bind

        result = _bind(allele, peptide).to_dict()
        if json_out:
            print_json(result)
        else:
            for key, value in result.items():
                typer.echo(f"{key:16s} {value}")

    @app.command()
    @handle_errors
    @quiet_warnings
    def present(
        hla: str = typer.Option(..., help='Genotype, e.g. "DRB1*04:01,DRB1*03:01,DQA1*03:01-DQB1*03:02".'),
        protein: str = typer.Option("all", help="Comma-separated gene symbols or accessions, or 'all'."),
        threshold: float = typer.Option(2.0, help="Percentile rank at or below which a peptide is presented."),
        all_windows: bool = typer.Option(False, "--all", help="List every window, not only presented ones."),
        json_out: bool = typer.Option(False, "--json", help="Print a JSON list."),
    ):
        """List the peptides of the given proteins that the genotype presents."""
        from ..molecular import present as _present

        table = _present(hla, protein, threshold=threshold, only_presented=not all_windows)
        if table.attrs.get("unmodelled"):
            typer.echo(f"note: no binding model for {', '.join(table.attrs['unmodelled'])}; they present nothing", err=True)
        table = table.sort_values("percentile_rank").reset_index(drop=True)
        if json_out:
            print_json(table)
        else:
            print_table(table, f"Presented peptides ({len(table)})",
                        ["protein", "start", "peptide", "core", "allele", "score", "percentile_rank"])

    @app.command()
    @handle_errors
    def modify(
        peptide: str = typer.Option(..., help="Peptide or protein sequence."),
        deamidate: bool = typer.Option(False, "--deamidate", help="Tissue transglutaminase Q->E at Q-X-P."),
        citrullinate: bool = typer.Option(False, "--citrullinate", help="PAD R->citrulline (X)."),
        positions: str = typer.Option("", help="With --citrullinate: 1-based arginine positions (comma-separated); default all."),
        motif: str = typer.Option("QXP", help="With --deamidate: QXP (Vader 2002) or QXPF (Fleckenstein 2002)."),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ):
        """Apply a post-translational modification to a sequence."""
        from .._errors import InputError
        from ..molecular import citrullinate as _cit
        from ..molecular import deamidate as _deam
        from ..molecular import deamidation_sites, validate_peptide

        if deamidate == citrullinate:
            raise InputError("modification", "choose exactly one of --deamidate or --citrullinate")
        seq = validate_peptide(peptide)
        if deamidate:
            result = _deam(seq, motif=motif)
            sites = [i + 1 for i in deamidation_sites(seq, motif)]
        else:
            pos = [int(p) for p in positions.split(",") if p.strip()] if positions else None
            result = _cit(seq, pos)
            sites = [i + 1 for i, (a, b) in enumerate(zip(seq, result)) if a != b]
        out = {"input": seq, "modified": result, "modification": "deamidation" if deamidate else "citrullination", "sites": sites}
        if json_out:
            print_json(out)
        else:
            typer.echo(result)

    @app.command()
    @handle_errors
    def mimicry(
        self_protein: str = typer.Option(..., "--self", help="Self protein (gene symbol or accession)."),
        foreign: str = typer.Option(None, help="Foreign proteins: comma-separated symbols or accessions."),
        foreign_fasta: str = typer.Option(
            None, help="Foreign proteome: a (UniProt-style, optionally gzipped) FASTA file, instead of --foreign."
        ),
        hla: str = typer.Option(..., help="HLA class II genotype."),
        top: int = typer.Option(10, help="Number of pairs to report."),
        threshold: float = typer.Option(
            None, help="Percentile rank at or below which a ligand is compared (default 10, MIMICRY_THRESHOLD)."
        ),
        potential: str = typer.Option(
            None, help="Contact potential, tcren2024 or mj1996 (default tcren2024, MIMICRY_MODEL)."
        ),
        across_molecules: bool = typer.Option(
            True, "--across-molecules/--same-molecule-only", help="Also pair ligands on different molecules."
        ),
        seed: int = typer.Option(0, help="Random seed for the confidence intervals."),
        json_out: bool = typer.Option(False, "--json", help="Print a JSON list."),
    ):
        """Rank foreign peptides (of named proteins or a whole proteome) that mimic the self protein's ligands."""

        from .._errors import InputError
        from ..molecular import MIMICRY_MODEL, TCRModel
        from ..molecular._mimicry import mimicry as _mimicry

        if top < 1:
            raise InputError("top", f"{top} must be at least 1")
        if (foreign is None) == (foreign_fasta is None):
            raise InputError("foreign", "give either --foreign (symbols) or --foreign-fasta (a file), not both")
        if foreign_fasta is not None:
            from ..molecular import read_fasta

            foreign = read_fasta(foreign_fasta, origin="foreign", thymic_display="none")
        model = MIMICRY_MODEL if potential is None else TCRModel(potential=potential)
        table = _mimicry(
            self_protein, foreign, hla, top=top, threshold=threshold, model=model,
            across_molecules=across_molecules, rng=seeded_generator(seed),
        )
        if json_out:
            print_json(table)
        else:
            columns = ["self_protein", "self_core_start", "self_core", "self_allele", "foreign_protein",
                       "foreign_core_start", "foreign_core", "foreign_allele", "overlap", "cross_reactivity",
                       "contact_identity"]
            print_table(table, f"Top {len(table)} mimic pairs (--json for every column)", columns)
