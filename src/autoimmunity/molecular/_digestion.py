"""Luminal digestion of dietary proteins: which class II ligands survive to be presented.

Gastric pepsin, the pancreatic endopeptidases (trypsin, chymotrypsin, elastase) and the
brush-border peptidases cut most food proteins into amino acids and peptides too short to
bind class II molecules. Proline-rich stretches resist: a bond next to a proline is a poor
substrate for all of these endopeptidases, which is why the gliadin 33-mer
LQLQPFPQPQLPYPQPQLPYPQPQLPYPQPQPF survives gastric, pancreatic and brush-border digestion
intact (Shan L et al., Science 2002;297:2275) while other regions of the same protein do not.

Model. A peptide bond between residues ``i`` (P1, Schechter-Berger notation) and ``i+1``
(P1') is a cleavage site when P1 matches one of the enzymes' primary specificities below
and neither P1 nor P1' is a proline. Each site is cut with probability
:data:`CUT_PROBABILITY`, independently. A ligand (its 9-mer core and one flanking residue on
each side, the shortest stretch a class II molecule holds stably; Rudensky AY et al.,
Nature 1991;353:622 for natural ligand lengths) survives when none of the bonds inside that
stretch is cut.

Primary specificities (P1; Keil B, *Specificity of Proteolysis*, Springer 1992; the rules
used by ExPASy PeptideCutter): pepsin F, L, W, Y; trypsin K, R; chymotrypsin F, Y, W (L, M
at lower rates, counted under pepsin for L); elastase A, V, L, I, G, S. Citrulline (X) is not
a trypsin site (it is not charged).
"""

from __future__ import annotations

import numpy as np

from .._errors import InputError
from ._aminoacids import validate_peptide

__all__ = ["CUT_PROBABILITY", "DIGESTION_P1", "cleavage_sites", "ligand_survival"]

#: Residues at P1 after which at least one luminal endopeptidase cuts (see module docstring).
DIGESTION_P1 = frozenset("FLWY" + "KR" + "M" + "AVIGS")
#: Probability that one cleavage site is cut during gastro-intestinal transit (assumption:
#: digestion is extensive -- hours of exposure to enzymes in excess -- so a site is cut more
#: often than not; recorded in docs/model.md).
CUT_PROBABILITY = 0.8
#: Residues of flank kept on each side of a 9-mer core by a surviving ligand.
LIGAND_FLANK = 1


def cleavage_sites(sequence: str) -> np.ndarray:
    """Boolean array over the ``len(sequence) - 1`` peptide bonds: True where bond ``i``
    (between residues ``i`` and ``i+1``, 0-based) is a luminal cleavage site."""
    seq = validate_peptide(sequence, field="sequence", min_length=2)
    p1 = np.array([c in DIGESTION_P1 for c in seq[:-1]], dtype=bool)
    no_pro = np.array([a != "P" and b != "P" for a, b in zip(seq[:-1], seq[1:])], dtype=bool)
    return p1 & no_pro


def ligand_survival(sequence: str, core_starts, core_length: int = 9, *, cut_probability: float = CUT_PROBABILITY) -> np.ndarray:
    """Probability that the ligand whose core starts at each 1-based ``core_starts`` position
    of ``sequence`` leaves luminal digestion intact (core plus :data:`LIGAND_FLANK` residues
    each side, clipped at the protein ends)."""
    if not 0.0 <= cut_probability <= 1.0:
        raise InputError("cut_probability", f"{cut_probability} must be between 0 and 1")
    sites = cleavage_sites(sequence).astype(np.int64)
    cum = np.concatenate([[0], np.cumsum(sites)])
    starts0 = np.asarray(core_starts, dtype=np.int64) - 1
    if starts0.size and (starts0.min() < 0 or starts0.max() + core_length > len(sequence)):
        raise InputError("core_starts", f"cores must lie inside the {len(sequence)}-residue sequence")
    first = np.maximum(starts0 - LIGAND_FLANK, 0)
    last = np.minimum(starts0 + core_length - 1 + LIGAND_FLANK, len(sequence) - 1)
    # bonds first .. last-1 lie inside the ligand
    n_sites = cum[last] - cum[first]
    return (1.0 - cut_probability) ** n_sites
