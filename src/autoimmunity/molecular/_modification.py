"""Post-translational modifications that create or strengthen autoimmune epitopes.

Modifications are plain functions on sequences; later layers apply them where
the biology puts them (tissue transglutaminase in the inflamed gut,
peptidyl-arginine deiminases in inflamed or smoking lung and synovium).

- **Deamidation by tissue transglutaminase (TG2)**: glutamine (Q) becomes
  glutamate (E). TG2 deamidates Q in the sequence Q-X-P, but not in Q-P or
  Q-X-X-P: the spacing to the next proline decides (Vader LW et al.,
  Gastroenterology 2002;122:1729-1737). A hydrophobic residue after that
  proline (Q-X-P-[FYWMLIV]) further favours deamidation (Fleckenstein B et al.,
  J Biol Chem 2002;277:34109-34116); ``motif="QXPF"`` applies that stricter rule.
- **Citrullination by PAD enzymes**: arginine (R) becomes citrulline (``X``).
  PAD2 and PAD4 show no strict sequence motif, so every arginine is a target
  unless positions are given. Each predictor scores citrulline as glutamine
  (see :data:`~autoimmunity.molecular._aminoacids.CITRULLINE_SCORED_AS`):
  neutral and polar, without arginine's positive charge.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .._errors import InputError
from ._aminoacids import CITRULLINE, validate_peptide

__all__ = ["DEAMIDATION_MOTIFS", "deamidation_sites", "deamidate", "citrullinate"]

#: Regular expressions whose first residue is the deamidated glutamine.
DEAMIDATION_MOTIFS = {
    "QXP": re.compile(r"Q(?=[^P]P)"),
    "QXPF": re.compile(r"Q(?=[^P]P[FYWMLIV])"),
}


def deamidation_sites(sequence: str, motif: str = "QXP") -> list[int]:
    """0-based positions of glutamines that TG2 deamidates under ``motif``."""
    if motif not in DEAMIDATION_MOTIFS:
        raise InputError("motif", f"{motif!r} is not a known TG2 motif; use one of {', '.join(DEAMIDATION_MOTIFS)}")
    seq = validate_peptide(sequence, field="peptide")
    return [m.start() for m in DEAMIDATION_MOTIFS[motif].finditer(seq)]


def deamidate(sequence: str, motif: str = "QXP") -> str:
    """Return the sequence with every TG2-targeted glutamine changed to glutamate."""
    seq = validate_peptide(sequence, field="peptide")
    chars = list(seq)
    for i in deamidation_sites(seq, motif):
        chars[i] = "E"
    return "".join(chars)


def citrullinate(sequence: str, positions: Iterable[int] | None = None) -> str:
    """Return the sequence with arginines changed to citrulline (``X``).

    ``positions`` are 1-based residue numbers within ``sequence``; each must be
    an arginine. With no positions, every arginine is converted.
    """
    seq = validate_peptide(sequence, field="peptide")
    chars = list(seq)
    if positions is None:
        targets = [i for i, c in enumerate(seq) if c == "R"]
    else:
        targets = []
        for pos in positions:
            if not 1 <= int(pos) <= len(seq) or seq[int(pos) - 1] != "R":
                raise InputError("positions", f"residue {pos} of {seq} is not an arginine (R); only R can be citrullinated")
            targets.append(int(pos) - 1)
    for i in targets:
        chars[i] = CITRULLINE
    return "".join(chars)
