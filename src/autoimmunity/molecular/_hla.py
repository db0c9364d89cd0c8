"""HLA class II alleles, molecules and genotypes.

Allele names follow the WHO nomenclature at two-field resolution
(``DRB1*04:01``, ``DQA1*05:01``, ``DQB1*02:01``); the ``HLA-`` prefix is
optional and the old four-digit form (``DRB1*0401``) is accepted. Class II
molecules are alpha-beta heterodimers: HLA-DR is named by its beta chain
(the DRA chain is monomorphic), HLA-DQ by both chains
(``DQA1*03:01-DQB1*03:02``).

DQ heterozygotes make trans-encoded molecules from the alpha chain of one
haplotype and the beta chain of the other. Only compatible pairs form: alpha
chains of the DQA1*01 group pair with beta chains of the DQB1*05 and DQB1*06
groups, the other alpha chains with DQB1*02, *03 and *04 (Kwok WW et al.,
J Immunol 1993;150:2263; Raymond CM et al., Immunogenetics 2005). The rule is
applied when a genotype is given as separate DQA1 and DQB1 alleles or as two
cis haplotypes.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from .._errors import InputError

__all__ = [
    "HLAMolecule",
    "HLAGenotype",
    "DQ_COMMON_NAMES",
    "normalize_allele",
    "parse_genotype",
    "known_alleles",
]

#: Serological-style names of the DQ molecules the project models.
DQ_COMMON_NAMES = {
    "DQ2.5": "HLA-DQA1*05:01-DQB1*02:01",
    "DQ2.2": "HLA-DQA1*02:01-DQB1*02:02",
    "DQ8": "HLA-DQA1*03:01-DQB1*03:02",
    "DQ6.2": "HLA-DQA1*01:02-DQB1*06:02",
    "DQ7.5": "HLA-DQA1*05:05-DQB1*03:01",
}
_COMMON_BY_MOLECULE = {v: k for k, v in DQ_COMMON_NAMES.items()}

#: DQ alleles accepted by name: the chains of the modelled molecules and of the
#: European haplotypes in ``data/hla_class2_haplotype_frequencies_europe.tsv``
#: (Varney et al. 2010; Chinoy et al. 2006), plus their common relatives.
_KNOWN_DQA1 = ("01:01", "01:02", "01:03", "01:04", "02:01", "03:01", "03:02", "03:03", "04:01", "05:01", "05:05", "06:01")
_KNOWN_DQB1 = (
    "02:01", "02:02", "03:01", "03:02", "03:03", "04:01", "04:02",
    "05:01", "05:02", "05:03", "06:01", "06:02", "06:03", "06:04", "06:09",
)

_ALLELE_RE = re.compile(r"^(?:HLA-)?(DRB[1345]|DQA1|DQB1|DPA1|DPB1)\*?(\d{2}):?(\d{2,3})$")


@dataclass(frozen=True, order=True)
class HLAMolecule:
    """One class II molecule (heterodimer) that can present peptides.

    Attributes
    ----------
    name: canonical name, ``HLA-DRB1*04:01`` or ``HLA-DQA1*03:01-DQB1*03:02``.
    locus: ``DR`` or ``DQ``.
    alpha: alpha-chain allele (``None`` for DR, whose alpha chain is invariant).
    beta: beta-chain allele.
    trans: True for a DQ molecule formed across haplotypes.
    """

    name: str
    locus: str
    alpha: str | None
    beta: str
    trans: bool = False

    @property
    def common_name(self) -> str:
        return _COMMON_BY_MOLECULE.get(self.name, self.name.removeprefix("HLA-"))

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class HLAGenotype:
    """A person's class II genotype: the alleles given and the molecules they form.

    ``molecules`` lists every distinct molecule (homozygous molecules once);
    ``copies`` gives how many gene copies encode each (1 or 2), which later
    layers may use as a surface-density factor.
    """

    alleles: tuple[str, ...]
    molecules: tuple[HLAMolecule, ...]
    copies: tuple[int, ...]

    def __str__(self) -> str:
        return ",".join(self.alleles)

    @property
    def molecule_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.molecules)

    def index(self, molecule: str | HLAMolecule) -> int:
        name = molecule.name if isinstance(molecule, HLAMolecule) else normalize_molecule(molecule)
        return self.molecule_names.index(name)


@lru_cache(maxsize=1)
def _tepitope_alleles() -> frozenset[str]:
    """DR beta-chain alleles that TEPITOPEpan (via epytope) has matrices for."""
    import pkgutil

    from epytope.Data.pssms.tepitopepan import mat

    names = set()
    for info in pkgutil.iter_modules(mat.__path__):
        gene, digits, _ = info.name.split("_")
        names.add(f"{gene}*{digits[:2]}:{digits[2:]}")
    return frozenset(names)


def known_alleles(gene: str | None = None) -> list[str]:
    """Allele names (without ``HLA-``) that the package accepts, optionally for one gene."""
    names = set(_tepitope_alleles())
    names |= {f"DQA1*{a}" for a in _KNOWN_DQA1} | {f"DQB1*{b}" for b in _KNOWN_DQB1}
    if gene:
        names = {n for n in names if n.startswith(gene.upper() + "*")}
    return sorted(names)


def _syntax(token: str) -> tuple[str, str] | None:
    match = _ALLELE_RE.match(token.strip().upper().replace(" ", ""))
    if not match:
        return None
    gene, first, second = match.groups()
    return gene, f"{gene}*{first}:{second}"


def normalize_allele(token: str, *, field: str = "hla") -> str:
    """Return the canonical ``GENE*XX:YY`` form of one allele, or raise :class:`InputError`.

    Unknown alleles are rejected with the closest known names.
    """
    parsed = _syntax(token)
    if parsed is None:
        parsed = _parse_with_mhcgnomes(token)
    if parsed is None:
        raise InputError(
            field,
            f"cannot read allele {token!r}; write alleles like DRB1*04:01, DQA1*05:01, DQB1*02:01 "
            f"or a DQ molecule like DQA1*03:01-DQB1*03:02",
        )
    gene, name = parsed
    if gene.startswith("DP"):
        raise InputError(field, f"{name}: HLA-DP has no binding model yet; use DRB1/DRB3/DRB4/DRB5 or DQA1/DQB1 alleles")
    if name not in set(known_alleles()):
        close = difflib.get_close_matches(name, known_alleles(gene), n=4, cutoff=0.6)
        hint = f"; close matches: {', '.join(close)}" if close else ""
        raise InputError(field, f"unknown allele {name!r}{hint}")
    return name


def _parse_with_mhcgnomes(token: str) -> tuple[str, str] | None:
    """Fallback for unusual spellings, using mhcgnomes (imported only when needed)."""
    try:
        import mhcgnomes

        parsed = mhcgnomes.parse(token.strip())
        text = parsed.to_string()
    except Exception:
        return None
    return _syntax(text)


def normalize_molecule(name: str, *, field: str = "allele") -> str:
    """Canonical molecule name from an allele, a DQ pair, or a DQ common name (``DQ8``)."""
    token = name.strip()
    if token.upper() in {k.upper() for k in DQ_COMMON_NAMES}:
        return next(v for k, v in DQ_COMMON_NAMES.items() if k.upper() == token.upper())
    parts = re.split(r"\s*[-/]\s*(?=(?:HLA-)?D[QRP])", token.removeprefix("HLA-"))
    if len(parts) == 2:
        a, b = (normalize_allele(p, field=field) for p in parts)
        if not (a.startswith("DQA1") and b.startswith("DQB1")):
            raise InputError(field, f"{name!r}: a paired molecule must be DQA1*..-DQB1*..")
        return f"HLA-{a}-{b}"
    allele = normalize_allele(token, field=field)
    if allele.startswith("DQ"):
        raise InputError(field, f"{allele} alone is not a molecule; give the pair, e.g. DQA1*05:01-DQB1*02:01, or DQ2.5")
    return f"HLA-{allele}"


def _dq_compatible(alpha: str, beta: str) -> bool:
    a1 = alpha.split("*")[1].startswith("01")
    b56 = beta.split("*")[1][:2] in ("05", "06")
    return a1 == b56


def parse_genotype(text: str, *, field: str = "hla") -> HLAGenotype:
    """Parse a comma-separated class II genotype.

    Tokens may be DR alleles (``DRB1*04:01``), cis DQ pairs
    (``DQA1*03:01-DQB1*03:02``), DQ common names (``DQ8``), or separate DQA1 and
    DQB1 alleles. Trans DQ molecules are formed between the chains of different
    haplotypes when the pair is compatible (see module docstring).
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError(field, "empty genotype; give alleles like 'DRB1*04:01,DRB1*03:01,DQA1*03:01-DQB1*03:02'")
    tokens = [t for t in re.split(r"[,;\s]+", text.strip()) if t]
    dr: list[str] = []
    dq_pairs: list[tuple[str, str]] = []
    dqa: list[str] = []
    dqb: list[str] = []
    for token in tokens:
        if token.upper() in {k.upper() for k in DQ_COMMON_NAMES} or re.search(r"DQA1.*[-/].*DQB1", token.upper()):
            molecule = normalize_molecule(token, field=field)
            a, b = molecule.removeprefix("HLA-").split("-")
            dq_pairs.append((a, b))
            continue
        allele = normalize_allele(token, field=field)
        if allele.startswith("DQA1"):
            dqa.append(allele)
        elif allele.startswith("DQB1"):
            dqb.append(allele)
        else:
            dr.append(allele)
    if len(dqa) != len(dqb):
        raise InputError(field, f"give DQA1 and DQB1 alleles in equal numbers (got {len(dqa)} DQA1, {len(dqb)} DQB1), or cis pairs")
    dq_pairs.extend(zip(dqa, dqb))
    if len([a for a in dr if a.startswith("DRB1")]) > 2 or len(dq_pairs) > 2:
        raise InputError(field, "at most two DRB1 alleles and two DQ haplotypes per person")

    counts: dict[HLAMolecule, int] = {}
    for allele in dr:
        mol = HLAMolecule(f"HLA-{allele}", "DR", None, allele)
        counts[mol] = counts.get(mol, 0) + 1
    for a, b in dq_pairs:
        mol = HLAMolecule(f"HLA-{a}-{b}", "DQ", a, b)
        counts[mol] = counts.get(mol, 0) + 1
    if len(dq_pairs) == 2:
        (a1, b1), (a2, b2) = dq_pairs
        for a, b in ((a1, b2), (a2, b1)):
            if _dq_compatible(a, b) and (a, b) not in dq_pairs:
                mol = HLAMolecule(f"HLA-{a}-{b}", "DQ", a, b, trans=True)
                counts.setdefault(mol, 1)
    alleles = tuple(dr) + tuple(f"{a}-{b}" for a, b in dq_pairs)
    molecules = tuple(counts)
    return HLAGenotype(alleles=alleles, molecules=molecules, copies=tuple(counts[m] for m in molecules))
