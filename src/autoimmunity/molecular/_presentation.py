"""Which peptides of which proteins a person's HLA class II molecules present.

Proteins are cut into every overlapping window of ``peptide_length`` residues
(15 by default, the modal length of class II ligands; Chicz RM et al., J Exp
Med 1993;178:27). Each window is scored on each molecule by its best 9-mer
core (:mod:`._binding`) and ranked against random peptides of the same length.
A window counts as presented when its percentile rank is at most
:data:`PRESENTATION_THRESHOLD`.

:func:`presented_ligands` collapses overlapping windows to the distinct
peptide-MHC ligands a T cell can see: one row per (molecule, core position),
with the five TCR-facing residues (P-1, P2, P3, P5, P8).

Everything here depends only on genotype and protein set, so results are cached.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from .._errors import InputError
from ._aminoacids import encode
from ._antigens import Protein, get_proteins
from ._binding import CORE_LENGTH, best_cores, core_matrix, core_scores, percentile_rank
from ._hla import HLAGenotype, HLAMolecule, parse_genotype

__all__ = ["PRESENTATION_THRESHOLD", "PEPTIDE_LENGTH", "present", "presented_ligands", "ligand_ranks", "as_genotype",
           "unmodelled_molecules"]

#: Percentile rank (%) at or below which a peptide counts as presented: the
#: strong-binder threshold of NetMHCIIpan-3.2 (Jensen KK et al., Immunology
#: 2018;154:394-406). A documented parameter; later layers may weight by rank.
PRESENTATION_THRESHOLD = 2.0
#: Length of the peptide windows cut from proteins (residues).
PEPTIDE_LENGTH = 15

#: Offsets from the core's first residue (P1) of the TCR-facing positions
#: P-1, P2, P3, P5, P8 (Rudolph MG, Stanfield RL, Wilson IA, Annu Rev Immunol
#: 2006;24:419; Stern LJ et al., Nature 1994;368:215).
_CONTACT_OFFSETS = np.array([-1, 1, 2, 4, 7])
#: Residue used for P-1 when the core starts at a protein's first residue.
_MISSING_FLANK = "G"

_COLUMNS = [
    "protein", "accession", "start", "end", "peptide", "core", "register", "core_start",
    "allele", "model", "score", "percentile_rank", "presented",
]


def as_genotype(genotype: str | HLAGenotype | HLAMolecule) -> HLAGenotype:
    """Accept a genotype string, an :class:`HLAGenotype` or a single molecule."""
    if isinstance(genotype, HLAGenotype):
        return genotype
    if isinstance(genotype, HLAMolecule):
        return HLAGenotype((genotype.name,), (genotype,), (1,))
    return parse_genotype(str(genotype))


def _as_proteins(proteins) -> tuple[Protein, ...]:
    if isinstance(proteins, Protein):
        return (proteins,)
    if isinstance(proteins, str):
        return tuple(get_proteins(proteins))
    return tuple(p if isinstance(p, Protein) else get_proteins([p])[0] for p in proteins)


def unmodelled_molecules(genotype: HLAGenotype) -> list[str]:
    """Molecules of the genotype that no matrix scores (they present nothing)."""
    return [m.name for m in genotype.molecules if core_matrix(m) is None]


def _windows(sequence: str, length: int) -> np.ndarray:
    raw = np.frombuffer(sequence.encode("ascii"), dtype="S1")
    view = np.lib.stride_tricks.sliding_window_view(raw, length).copy()
    return view.view(f"S{length}").ravel().astype(str)


def _scored_windows(matrix, sequence: str, peptide_length: int):
    """(window length, best core score, core register, %rank) of every window of ``sequence``
    on one matrix, or ``None`` when the sequence is shorter than a core."""
    length = min(int(peptide_length), len(sequence))
    if length < CORE_LENGTH:
        return None
    best, register = best_cores(matrix, core_scores(matrix, encode(sequence)), length)
    return length, best, register, percentile_rank(matrix, best, length)


@lru_cache(maxsize=256)
def _present_cached(genotype: HLAGenotype, proteins: tuple[Protein, ...], peptide_length: int) -> pd.DataFrame:
    frames = []
    for molecule in genotype.molecules:
        matrix = core_matrix(molecule)
        if matrix is None:
            continue
        for protein in proteins:
            seq = protein.sequence
            scored = _scored_windows(matrix, seq, peptide_length)
            if scored is None:
                continue
            length, best, register, rank = scored
            n = best.shape[0]
            start = np.arange(n)
            peptides = _windows(seq, length)
            core_start = start + register
            cores = _windows(seq, CORE_LENGTH)[core_start]
            frames.append(
                pd.DataFrame(
                    {
                        "protein": protein.symbol,
                        "accession": protein.accession,
                        "start": start + 1,
                        "end": start + length,
                        "peptide": peptides,
                        "core": cores,
                        "register": register,
                        "core_start": core_start + 1,
                        "allele": molecule.name,
                        "model": matrix.source,
                        "score": best,
                        "percentile_rank": rank,
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=_COLUMNS[:-1])
    return pd.concat(frames, ignore_index=True)


def present(
    genotype: str | HLAGenotype,
    proteins: str | Protein | Sequence[str | Protein],
    *,
    threshold: float = PRESENTATION_THRESHOLD,
    peptide_length: int = PEPTIDE_LENGTH,
    only_presented: bool = False,
) -> pd.DataFrame:
    """Score every peptide window of ``proteins`` on every molecule of ``genotype``.

    Returns a tidy table, one row per (window, molecule): protein, accession,
    start and end (1-based, inclusive), peptide, core, register (0-based offset
    of the core in the peptide), core_start (1-based), allele (molecule),
    model (matrix used), score, percentile_rank and presented
    (``percentile_rank <= threshold``).
    """
    if not 0 < threshold <= 100:
        raise InputError("threshold", f"{threshold} is outside (0, 100]; it is a percentile rank")
    if peptide_length < CORE_LENGTH:
        raise InputError("peptide_length", f"{peptide_length} is shorter than the 9-residue core")
    geno = as_genotype(genotype)
    missing = unmodelled_molecules(geno)
    if missing:
        warnings.warn(f"no binding model for {', '.join(missing)}: these molecules present nothing", stacklevel=2)
    table = _present_cached(geno, _as_proteins(proteins), int(peptide_length)).copy()
    table.attrs["unmodelled"] = missing
    table["presented"] = table["percentile_rank"] <= threshold
    if only_presented:
        table = table[table["presented"]].reset_index(drop=True)
    return table


def _contacts(sequence: str, core_start0: np.ndarray) -> np.ndarray:
    padded = _MISSING_FLANK + sequence
    raw = np.frombuffer(padded.encode("ascii"), dtype="S1")
    idx = core_start0[:, None] + 1 + _CONTACT_OFFSETS[None, :]
    return raw[idx].copy().view("S5").ravel().astype(str)


def presented_ligands(
    genotype: str | HLAGenotype,
    proteins: str | Protein | Iterable[str | Protein],
    *,
    threshold: float = PRESENTATION_THRESHOLD,
    peptide_length: int = PEPTIDE_LENGTH,
) -> pd.DataFrame:
    """The distinct presented peptide-MHC ligands, as a T cell sees them.

    One row per (molecule, protein, core position) among presented windows,
    keeping the best (lowest) percentile rank over the windows that carry the
    core. Columns: protein, accession, core_start (1-based), core, p_minus1,
    tcr_contacts (residues at P-1, P2, P3, P5, P8), allele, molecule_index
    (position of the molecule in ``genotype.molecules``), score,
    percentile_rank, n_windows (how many presented windows carry the core).
    """
    geno = as_genotype(genotype)
    prots = _as_proteins(proteins)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = present(geno, prots, threshold=threshold, peptide_length=peptide_length, only_presented=True)
    if table.empty:
        return pd.DataFrame(
            columns=["protein", "accession", "core_start", "core", "p_minus1", "tcr_contacts", "allele",
                     "molecule_index", "score", "percentile_rank", "n_windows"]
        )
    grouped = (
        table.groupby(["allele", "protein", "core_start"], sort=False)
        .agg(accession=("accession", "first"), core=("core", "first"), score=("score", "max"),
             percentile_rank=("percentile_rank", "min"), n_windows=("peptide", "size"))
        .reset_index()
    )
    sequences = {p.symbol: p.sequence for p in prots}
    contacts = np.empty(len(grouped), dtype=object)
    p_minus1 = np.empty(len(grouped), dtype=object)
    for symbol, rows in grouped.groupby("protein", sort=False).groups.items():
        starts0 = grouped.loc[rows, "core_start"].to_numpy() - 1
        contacts[rows] = _contacts(sequences[symbol], starts0)
        p_minus1[rows] = [sequences[symbol][s - 1] if s > 0 else None for s in starts0]
    grouped["tcr_contacts"] = contacts
    grouped["p_minus1"] = p_minus1
    grouped["molecule_index"] = grouped["allele"].map({m.name: i for i, m in enumerate(geno.molecules)}).astype(np.int32)
    columns = ["protein", "accession", "core_start", "core", "p_minus1", "tcr_contacts", "allele",
               "molecule_index", "score", "percentile_rank", "n_windows"]
    return grouped[columns].sort_values(["protein", "core_start", "molecule_index"]).reset_index(drop=True)


def ligand_ranks(
    molecule: str | HLAMolecule,
    protein: Protein,
    *,
    threshold: float = PRESENTATION_THRESHOLD,
    peptide_length: int = PEPTIDE_LENGTH,
) -> tuple[np.ndarray, np.ndarray]:
    """The array core of :func:`presented_ligands` for one molecule and one protein:
    ``(core_start, percentile_rank)`` of its distinct presented ligands, by core position
    (1-based), each with the best rank over the windows that carry it. The same numbers as
    the table's ``core_start`` and ``percentile_rank`` columns, without building the table
    (the cohort engine needs only these; ``tests/test_presentation.py``)."""
    matrix = core_matrix(molecule)
    scored = None if matrix is None else _scored_windows(matrix, protein.sequence, peptide_length)
    if scored is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    _, best, register, rank = scored
    keep = rank <= threshold
    core_start = (np.arange(best.shape[0], dtype=np.int64) + register)[keep] + 1
    rank = rank[keep]
    order = np.lexsort((rank, core_start))
    core_start, rank = core_start[order], rank[order]
    first = np.ones(core_start.shape[0], dtype=bool)
    first[1:] = core_start[1:] != core_start[:-1]
    return core_start[first], rank[first]
