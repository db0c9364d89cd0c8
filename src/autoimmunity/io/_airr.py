"""Export of a simulated repertoire as an AIRR Rearrangement TSV.

One row per mature clone (one receptor chain; the model has one receptor per
clone), with every field the AIRR Rearrangement schema requires (v1.4:
https://docs.airr-community.org/en/stable/datarep/rearrangements.html) plus the
fields scirpy's ``scirpy.io.read_airr`` needs (``cell_id``, ``locus``,
``productive``, ``junction_aa``, a count column). Columns:

=======================  =====================================================================
column                   content
=======================  =====================================================================
sequence_id              clone id (``T0``, ``T1``, ... ; ``B0``, ... for B cells)
sequence                 empty: the model has no nucleotide sequence
rev_comp                 ``F``
productive               ``T`` (only productive receptors are modelled)
v_call, d_call, j_call   empty: no V(D)J segments are modelled (a realistic VDJ generator may
                         fill them later behind the same interface)
sequence_alignment,      empty
germline_alignment
junction                 empty (no nucleotides)
junction_aa              the receptor's five contact residues (facing P-1, P2, P3, P5, P8;
                         for B cells the 5-residue paratope). NOT a real CDR3 junction: no
                         conserved C/F anchors, 5 residues; AIRR tools read it as an amino-
                         acid string, which is what clonotype and distance analyses need
v_cigar, d_cigar,        empty
j_cigar
locus                    ``TRB`` for T cells (the CDR3-beta loop dominates peptide contacts;
                         a single-chain model), ``IGH`` for B cells
cell_id                  same as sequence_id (one chain per cell)
clone_id                 same as sequence_id (each simulated clone is distinct)
duplicate_count,         1 (one simulated clone each)
consensus_count,
umi_count
lineage                  custom: ``CD4_conventional``, ``CD4_regulatory``, ``B_naive`` or
                         ``B_anergic``
min_self_energy          custom: strongest raw energy (kT) to the self it was tested on
cross_reactivity         custom: fraction of the foreign panel recognised (T cells)
receptor_edits           custom: rounds of receptor editing (B cells)
=======================  =====================================================================

Custom fields are allowed by the AIRR standard (extra columns).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._errors import InputError

__all__ = ["AIRR_COLUMNS", "AIRR_REQUIRED", "repertoire_to_airr", "write_airr", "read_airr"]

#: Required fields of the AIRR Rearrangement schema (v1.4).
AIRR_REQUIRED = (
    "sequence_id", "sequence", "rev_comp", "productive", "v_call", "d_call", "j_call",
    "sequence_alignment", "germline_alignment", "junction", "junction_aa", "v_cigar", "d_cigar", "j_cigar",
)
#: Every column written, in order.
AIRR_COLUMNS = AIRR_REQUIRED + (
    "locus", "cell_id", "clone_id", "duplicate_count", "consensus_count", "umi_count",
    "lineage", "min_self_energy", "cross_reactivity", "receptor_edits",
)


def repertoire_to_airr(repertoire, *, include_b_cells: bool = False) -> pd.DataFrame:
    """The mature T-cell clones (and, optionally, B cells) as an AIRR rearrangement table."""
    clones = repertoire.clones()
    if not include_b_cells:
        clones = clones[clones["clone_id"].str.startswith("T")]
    if clones.empty:
        return pd.DataFrame(columns=list(AIRR_COLUMNS))
    n = len(clones)
    is_b = clones["clone_id"].str.startswith("B").to_numpy()
    table = pd.DataFrame(
        {
            "sequence_id": clones["clone_id"].to_numpy(),
            "sequence": [""] * n,
            "rev_comp": ["F"] * n,
            "productive": ["T"] * n,
            "v_call": [""] * n,
            "d_call": [""] * n,
            "j_call": [""] * n,
            "sequence_alignment": [""] * n,
            "germline_alignment": [""] * n,
            "junction": [""] * n,
            "junction_aa": clones["receptor"].to_numpy(),
            "v_cigar": [""] * n,
            "d_cigar": [""] * n,
            "j_cigar": [""] * n,
            "locus": ["IGH" if b else "TRB" for b in is_b],
            "cell_id": clones["clone_id"].to_numpy(),
            "clone_id": clones["clone_id"].to_numpy(),
            "duplicate_count": [1] * n,
            "consensus_count": [1] * n,
            "umi_count": [1] * n,
            "lineage": clones["lineage"].to_numpy(),
            "min_self_energy": clones["min_self_energy"].round(4).to_numpy(),
            "cross_reactivity": clones["cross_reactivity"].to_numpy(),
            "receptor_edits": clones["receptor_edits"].astype(int).to_numpy(),
        }
    )
    return table[list(AIRR_COLUMNS)]


def write_airr(repertoire, path: str | Path, *, include_b_cells: bool = False) -> Path:
    """Write :func:`repertoire_to_airr` to a tab-separated file (``.tsv``); returns the path."""
    path = Path(path)
    if path.is_dir():
        raise InputError("airr", f"{str(path)!r} is a directory; give a file name ending in .tsv")
    if path.parent and not path.parent.exists():
        raise InputError("airr", f"folder {str(path.parent)!r} does not exist")
    repertoire_to_airr(repertoire, include_b_cells=include_b_cells).to_csv(path, sep="\t", index=False, na_rep="")
    return path


def read_airr(path: str | Path) -> pd.DataFrame:
    """Read an AIRR rearrangement TSV written by :func:`write_airr` (all columns as text
    except the counts and custom numeric columns)."""
    path = Path(path)
    if not path.exists():
        raise InputError("airr", f"file {str(path)!r} does not exist")
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    for col in ("duplicate_count", "consensus_count", "umi_count", "receptor_edits"):
        if col in table:
            table[col] = pd.to_numeric(table[col])
    for col in ("min_self_energy", "cross_reactivity"):
        if col in table:
            table[col] = pd.to_numeric(table[col].where(table[col] != "", None), errors="coerce")
    return table
