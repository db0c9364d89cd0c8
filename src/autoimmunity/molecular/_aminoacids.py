"""Amino-acid alphabet, sequence validation and integer encoding.

The alphabet is the 20 standard residues in alphabetical one-letter order,
followed by citrulline, written ``X`` (as in the project's curated epitope
table). Citrulline is the product of peptidyl-arginine deiminase (PAD) acting
on arginine; it is not genetically encoded, so it only appears after
:func:`autoimmunity.molecular.citrullinate`.

Every kernel in the package works on ``uint8`` codes from :func:`encode`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .._errors import InputError

__all__ = [
    "STANDARD_AMINO_ACIDS",
    "ALPHABET",
    "CITRULLINE",
    "N_STANDARD",
    "N_LETTERS",
    "CITRULLINE_SCORED_AS",
    "validate_peptide",
    "encode",
    "encode_many",
    "kmer_codes",
]

STANDARD_AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
CITRULLINE = "X"
ALPHABET = STANDARD_AMINO_ACIDS + CITRULLINE
N_STANDARD = 20
N_LETTERS = 21

#: Citrulline has no row in substitution, contact-energy or binding matrices.
#: It is scored as glutamine: both are neutral, polar, unbranched side chains of
#: similar length (citrulline's ureido group replaces arginine's positively
#: charged guanidinium; Vossenaar et al., BioEssays 2003;25:1106). The
#: consequence (loss of a positive charge) is what matters for the
#: electropositive P4 pocket of HLA-DRB1*04:01 (Scally et al., J Exp Med
#: 2013;210:2569). This is a documented approximation, not a measurement.
CITRULLINE_SCORED_AS = "Q"

_LOOKUP = np.full(256, 255, dtype=np.uint8)
for _i, _aa in enumerate(ALPHABET):
    _LOOKUP[ord(_aa)] = _i
    _LOOKUP[ord(_aa.lower())] = _i


def validate_peptide(peptide: str, *, field: str = "peptide", min_length: int = 1) -> str:
    """Return the peptide upper-cased, or raise :class:`InputError`.

    Allowed letters are the 20 standard amino acids and ``X`` (citrulline).
    """
    if not isinstance(peptide, str):
        raise InputError(field, f"expected a string of amino-acid letters, got {type(peptide).__name__}")
    seq = peptide.strip().upper()
    bad = sorted({c for c in seq if c not in ALPHABET})
    if bad:
        raise InputError(
            field,
            f"{peptide!r} has letters {''.join(bad)!r} that are not amino acids; "
            f"allowed: {STANDARD_AMINO_ACIDS} and X (citrulline)",
        )
    if len(seq) < min_length:
        raise InputError(field, f"{peptide!r} has {len(seq)} residues; at least {min_length} are needed")
    return seq


def encode(sequence: str) -> np.ndarray:
    """Encode one sequence as ``uint8`` codes (index into :data:`ALPHABET`)."""
    codes = _LOOKUP[np.frombuffer(sequence.encode("ascii"), dtype=np.uint8)]
    if (codes == 255).any():
        validate_peptide(sequence, field="sequence")
    return codes


def encode_many(sequences: Iterable[str]) -> np.ndarray:
    """Encode equal-length sequences as a ``uint8`` matrix of shape (n, length)."""
    seqs = list(sequences)
    if not seqs:
        return np.zeros((0, 0), dtype=np.uint8)
    length = len(seqs[0])
    if any(len(s) != length for s in seqs):
        raise InputError("sequences", "all sequences must have the same length for encode_many")
    codes = _LOOKUP[np.frombuffer("".join(seqs).encode("ascii"), dtype=np.uint8)].reshape(len(seqs), length)
    if (codes == 255).any():
        for s in seqs:
            validate_peptide(s, field="sequence")
    return codes


def kmer_codes(codes: np.ndarray, k: int) -> np.ndarray:
    """All overlapping k-mers of an encoded sequence, shape (len - k + 1, k), as a view."""
    if codes.shape[0] < k:
        return np.zeros((0, k), dtype=codes.dtype)
    return np.lib.stride_tricks.sliding_window_view(codes, k)
