"""Adapter from the molecular (and tolerance) layers to the engine's per-person inputs.

For every antigen group of a :class:`~autoimmunity.immune.Model` and a genotype it gives

* the **presentation factor** ``pi = W / (W + W50)``, where ``W`` is the rank-weighted
  number of distinct peptide-MHC ligands this HLA genotype presents from the antigen
  (``presented_ligands`` at percentile rank <= ``RANK_WINDOW``; each ligand weighs
  ``2**(-rank/RANK_SCALE)``). For antigens modified where they are met (gliadin
  deamidated by tTG in the gut) a second factor for the modified sequence;
* the expected numbers of **naive conventional**, **thymic regulatory** and **naive B**
  precursors (cells), from the presented ligands, the precursor frequency per ligand and,
  for self antigens, thymic display (AIRE, INS VNTR) and deletion.

HLA therefore acts only through the ligands it presents. Everything genotype-only is
cached, so a cohort reuses it: the presented ligands per HLA *molecule* and protein (a
genotype's ligands are the union of its molecules'; a cohort has a few dozen molecules), the
presentation weights per HLA genotype string, the expectations per genotype; each person then
draws clone numbers (Poisson) so identical twins differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from .._errors import InputError
from ..immune import CELL_UNIT, Model, PersonInputs
from ..immune._model import eaten_protein
from ..immune._kernel import N_PG, PG_B0, PG_N0, PG_PRES, PG_R0

__all__ = ["Genotype", "GenotypeExpectation", "SEEDING_PARAMETERS", "genotype_expectation", "draw_people",
           "presentation_weight"]

#: Seeding parameters: value, units, meaning, source.
SEEDING_PARAMETERS = {
    "rank_window": (10.0, "percentile rank", "ligands up to this rank contribute to presentation",
                    "assumption: 5x the strong-binder threshold (PRESENTATION_THRESHOLD = 2)"),
    "rank_scale": (2.0, "percentile rank", "rank at which a ligand's weight halves",
                   "assumption: the strong-binder threshold of NetMHCIIpan"),
    "w50": (2.0, "weighted ligands", "presentation weight giving a presentation factor of 0.5", "calibrated"),
    "precursor_frequency": (1e-6, "per naive CD4 cell per weighted ligand",
                            "naive CD4 precursor frequency for one presented epitope",
                            "tsv:tcell.naive_cd4.precursor_frequency (0.2-10 per 10^6; 1 per 10^6 chosen)"),
    "naive_cd4": (5.6e10, "cells", "naive CD4 T cells in the body",
                  "tsv:tcell.naive.total_number_adult (1e11) x CD4 share of blood T cells 837/(837+660) (tsv:blood.cd4_t_count, blood.cd8_t_count)"),
    "cells_per_clone": (1000.0, "cells", "naive cells per clone (clone size), unit of Poisson draws",
                        "calc: tsv:tcell.naive.total_number_adult / tsv:tcell.naive.tcr_diversity = 1e11/1e8"),
    "deletion": (0.9, "fraction", "fraction of displayed self-reactive conventional clones deleted in the thymus", "assumption"),
    "deletion_ubiquitous": (0.999999, "fraction", "fraction of self-reactive conventional clones deleted when the antigen is on every thymic APC (ubiquitous)",
                            "assumption: ubiquitous antigens are met on cortical and medullary APCs throughout selection; "
                            "calibrated: tTG-specific CD4 T cells are not found in coeliac disease (Sollid LM, Nat Rev Immunol "
                            "2002;2:647), so anti-tTG needs gluten (0.99 left ~6 tTG clones per person and a gluten-independent "
                            "tTG loop; 0.99999 one clone in ~200 DQ2.5 homozygotes; Calibration record)"),
    "ptpn22_escape_gain": (0.9, "fold per T allele", "relative increase, per PTPN22 620W allele, of the share of self-reactive clones "
                           "that escape thymic deletion (weaker TCR signal): escape = (1 - deletion) x (1 + gain x alleles)",
                           "assumption; no fold-effect published (immune_parameters.md qualitative findings); 0.9 keeps the earlier "
                           "10% relative loss of deletion for tissue-restricted antigens (0.9 x 0.9 = 1 - 0.1 x 1.9)"),
    "treg_fraction": (0.1, "fraction", "fraction of displayed self-reactive clones that become thymic Tregs",
                      "assumption; Tregs are 6.35% of CD4 (tsv:treg.fraction_of_cd4_blood)"),
    "b_precursors": (1e4, "cells", "naive B cells specific for one protein antigen", "assumption (immune_parameters.md gaps: no naive B count)"),
    "b_self_censoring": (0.9, "fraction", "fraction of self-reactive B cells removed (B tolerance) when the antigen is displayed", "assumption"),
    "b_self_censoring_ubiquitous": (0.99, "fraction", "fraction of self-reactive B cells removed when the antigen is ubiquitous "
                                    "(expressed in the bone marrow where B cells develop: receptor editing and deletion)",
                                    "assumption: B-cell central tolerance acts in the bone marrow on antigens expressed there, "
                                    "like deletion_ubiquitous for T cells; calibrated: one tTG B clone (100 cells) expected per "
                                    "person, so anti-tTG can follow gluten-specific help in most DQ2.5 homozygotes (0.999 left 90% "
                                    "of people without one; Calibration record)"),
    "ctla4_effect": (0.1, "fraction per CT60 G allele", "loss of CTLA4-mediated suppression per susceptibility allele",
                     "assumption; no effect size found (immune_parameters.md)"),
    "il2ra_effect": (0.1, "fraction per risk haplotype", "loss of Treg IL-2 responsiveness per IL2RA risk haplotype",
                     "assumption; no consistent fold-change (immune_parameters.md)"),
    "ptpn22_treg_effect": (0.1, "fraction per T allele", "loss of peripheral Treg TCR signalling per PTPN22 620W allele", "assumption"),
}


def _p(name: str) -> float:
    return SEEDING_PARAMETERS[name][0]


_CHOICES = {
    "aire": ("normal", "null"),
    "foxp3": ("normal", "null"),
    "ins_vntr": ("I/I", "I/III", "III/III"),
    "ptpn22": ("C/C", "C/T", "T/T"),
    "ctla4": ("A/A", "A/G", "G/G"),
    "il2ra": ("N/N", "N/R", "R/R"),
}
_ALIASES = {"III/I": "I/III", "T/C": "C/T", "G/A": "A/G", "R/N": "N/R", "WT": "normal", "KO": "null"}


@dataclass(frozen=True)
class Genotype:
    """A person's genotype: HLA class II (allele string for ``parse_genotype``) and the
    non-HLA loci: AIRE, FOXP3 (normal/null), INS VNTR (I/I, I/III, III/III), PTPN22
    rs2476601 (C/C, C/T, T/T), CTLA4 CT60 (A/A, A/G, G/G; G = susceptibility), IL2RA
    (N/N, N/R, R/R; R = T1D-associated haplotype)."""

    hla: str
    aire: str = "normal"
    foxp3: str = "normal"
    ins_vntr: str = "III/III"
    ptpn22: str = "C/C"
    ctla4: str = "A/A"
    il2ra: str = "N/N"

    def __post_init__(self):
        for key, allowed in _CHOICES.items():
            raw = str(getattr(self, key)).strip()
            val = _ALIASES.get(raw.upper(), raw)
            match = [a for a in allowed if a.lower() == val.lower()]
            if not match:
                raise InputError(f"genotype.{key}", f"{raw!r} is not allowed; use one of {', '.join(allowed)}")
            object.__setattr__(self, key, match[0])
        if not str(self.hla).strip():
            raise InputError("genotype.hla", "give HLA class II alleles, e.g. 'DRB1*15:01, DQA1*01:02-DQB1*06:02'")


def presentation_weight(hla: str, protein) -> float:
    """Rank-weighted number of distinct ligands ``hla`` presents from ``protein``."""
    return _presentation_weights(str(hla), (protein,))[0]


#: (molecule, protein) -> (core_start, percentile_rank) of the ligands; see _molecule_ligands
_LIGANDS: dict = {}


def _molecule_ligands(molecule, proteins: tuple) -> list[tuple[np.ndarray, np.ndarray]]:
    """(core_start, percentile_rank) of the distinct ligands one HLA molecule presents from
    each of ``proteins`` (:func:`autoimmunity.molecular.ligand_ranks` at rank <=
    ``rank_window``: the numbers of ``presented_ligands`` without its table). Ligands are per
    molecule (one row per molecule and core position), so a genotype's ligands are the union
    of its molecules' ligands: caching per molecule shares the work between all genotypes
    that carry the molecule (a cohort has a few dozen molecules but many more genotypes)."""
    from ..molecular import ligand_ranks

    for prot in dict.fromkeys(proteins):
        if (molecule, prot) not in _LIGANDS:
            _LIGANDS[(molecule, prot)] = ligand_ranks(molecule, prot, threshold=_p("rank_window"))
    return [_LIGANDS[(molecule, p)] for p in proteins]


@lru_cache(maxsize=65536)
def _presentation_weights(hla: str, proteins: tuple, dosed: bool = False) -> tuple[float, ...]:
    """:func:`presentation_weight` for each of ``proteins``: the distinct ligands, which set precursor
    numbers. ``dosed``: each ligand counted by its molecule's gene copies (``HLAGenotype.copies``: 2 for
    a homozygote's molecules), the ligand density on an APC, which sets the TCR signal (DQ2.5
    homozygous APCs present gluten to T cells more strongly than heterozygous ones: Vader W et al.,
    Proc Natl Acad Sci USA 2003;100:12390); the same to the last bit when every molecule has one copy.
    A trans DQ dimer counts 1, like a cis one: docs/model.md "Seeding" says why the chains' sharing
    between cis and trans dimers is not applied."""
    from ..molecular import parse_genotype

    geno = parse_genotype(hla, field="genotype.hla")
    # the genotype's ligand table, in the order presented_ligands(geno, ...) returns it
    # (by core position, then molecule index), so each sum is the same to the last bit
    index = {m.name: i for i, m in enumerate(geno.molecules)}
    copies = dict(zip(geno.molecules, geno.copies))
    per_molecule = [(index[m.name], float(copies[m]) if dosed else 1.0, _molecule_ligands(m, proteins))
                    for m in dict.fromkeys(geno.molecules)]
    out = []
    for k in range(len(proteins)):
        start = np.concatenate([lig[k][0] for _, _, lig in per_molecule] + [np.zeros(0, dtype=np.int64)])
        rank = np.concatenate([lig[k][1] for _, _, lig in per_molecule] + [np.zeros(0)])
        mol = np.concatenate([np.full(len(lig[k][0]), i, dtype=np.int64) for i, _, lig in per_molecule]
                             + [np.zeros(0, dtype=np.int64)])
        dose = np.concatenate([np.full(len(lig[k][0]), c) for _, c, lig in per_molecule] + [np.zeros(0)])
        if rank.size == 0:
            out.append(0.0)
            continue
        order = np.lexsort((mol, start))
        out.append(float(np.sum(dose[order] * 2.0 ** (-rank[order] / _p("rank_scale")))))
    return tuple(out)


@lru_cache(maxsize=65536)
def _created_weight(hla: str, native, modified, dosed: bool = False) -> float:
    """Presentation weight of the epitopes a modification creates: over every molecule of the
    genotype and every core position, the weight of the modified protein's ligand minus that of
    the native ligand at the same core (0 where the modification weakens or removes a ligand).
    Clones for these epitopes never met them in the native protein, so they are a group of
    their own (docs/model.md, "Seeding"). ``dosed``: each molecule counted by its gene copies,
    as in :func:`_presentation_weights`."""
    from ..molecular import parse_genotype

    geno = parse_genotype(hla, field="genotype.hla")
    dose = dict(zip(geno.molecules, geno.copies)) if dosed else {}
    scale = _p("rank_scale")
    total = 0.0
    for molecule in dict.fromkeys(geno.molecules):
        (start_n, rank_n), (start_m, rank_m) = _molecule_ligands(molecule, (native, modified))
        native_weight = dict(zip(start_n.tolist(), (2.0 ** (-rank_n / scale)).tolist()))
        gained = 2.0 ** (-rank_m / scale) - np.array([native_weight.get(s, 0.0) for s in start_m.tolist()])
        total += dose.get(molecule, 1) * float(np.sum(np.maximum(gained, 0.0)))
    return total


@lru_cache(maxsize=64)
def _modified_protein(symbol: str, kind: str = "self"):
    from ..molecular import deamidate, get_protein

    prot = eaten_protein(symbol) if kind == "diet" else get_protein(symbol)
    return replace(prot, sequence=deamidate(prot.sequence), symbol=f"{symbol}_deamidated")


@dataclass(frozen=True)
class GenotypeExpectation:
    """Genotype-only expectations for one model structure (arrays over groups)."""

    groups: tuple[str, ...]
    weight: np.ndarray  # W, distinct ligands: sets precursor numbers (deamidated group: epitopes deamidation creates)
    dose_weight: np.ndarray  # the same with each molecule counted by its gene copies: sets presentation
    presentation: np.ndarray
    naive_cells: np.ndarray  # expected naive conventional precursors (cells)
    treg_cells: np.ndarray  # expected thymic Treg precursors (cells)
    b_cells: np.ndarray  # expected naive B precursors (cells)
    display: np.ndarray  # thymic display probability (self antigens)
    px: np.ndarray  # (4,) FOXP3, CTLA4, IL2RA, PTPN22 factors


def _display_probability(protein, genotype: Genotype) -> float:
    """Probability that a developing clone meets the antigen in the thymus: 1 for
    ubiquitous self, 0 for foreign or undisplayed proteins, and for tissue-restricted
    antigens the tolerance layer's AIRE- and INS VNTR-dependent encounter probability
    (:func:`autoimmunity.tolerance.tra_encounter_probability`)."""
    if not protein.is_self or protein.thymic_display == "none":
        return 0.0
    if protein.thymic_display == "ubiquitous":
        return 1.0
    from ..tolerance import ThymusParameters, ToleranceGenotype, tra_encounter_probability

    tolerance_genotype = ToleranceGenotype(aire=genotype.aire, ins_vntr=genotype.ins_vntr, foxp3=genotype.foxp3,
                                           ptpn22=genotype.ptpn22)
    return tra_encounter_probability(protein.symbol, tolerance_genotype, ThymusParameters())


def genotype_expectation(model: Model, genotype: Genotype) -> GenotypeExpectation:
    key = tuple((g.symbol, g.kind, g.modified) for g in model.groups)
    return _expectation_cached(key, genotype)


@lru_cache(maxsize=16384)  # a cohort of 10^5 people has a few thousand genotypes
def _expectation_cached(key, genotype: Genotype) -> GenotypeExpectation:
    from ..molecular import commensal_pool, get_protein

    n = len(key)
    W, Wd, disp = np.zeros(n), np.zeros(n), np.zeros(n)
    naive, treg, bcell = np.zeros(n), np.zeros(n), np.zeros(n)
    per_weight = _p("precursor_frequency") * _p("naive_cd4")
    escape_gain = 1.0 + _p("ptpn22_escape_gain") * genotype.ptpn22.count("T")
    # every protein whose presentation is needed, scored in one pass (cached per molecule)
    needed = [eaten_protein(symbol) if kind == "diet" else (commensal_pool() if kind == "commensal" else get_protein(symbol))
              for symbol, kind, modified in key if not modified]
    weights = dict(zip(needed, _presentation_weights(str(genotype.hla), tuple(needed))))
    dosed = dict(zip(needed, _presentation_weights(str(genotype.hla), tuple(needed), True)))
    for i, (symbol, kind, modified) in enumerate(key):
        prot = commensal_pool() if kind == "commensal" else get_protein(symbol)
        eaten = eaten_protein(symbol) if kind == "diet" else prot
        if modified:
            W[i] = _created_weight(str(genotype.hla), eaten, _modified_protein(symbol, kind))
            Wd[i] = _created_weight(str(genotype.hla), eaten, _modified_protein(symbol, kind), True)
        else:
            W[i] = weights[eaten]
            Wd[i] = dosed[eaten]
        d = _display_probability(prot, genotype)
        disp[i] = d
        total = per_weight * W[i]
        dele = max(0.0, 1.0 - (1.0 - _p("deletion_ubiquitous" if prot.thymic_display == "ubiquitous" else "deletion")) * escape_gain)
        naive[i] = total * (1.0 - d * dele)
        treg[i] = total * d * _p("treg_fraction") * (0.0 if genotype.foxp3 == "null" else 1.0)
        bcens = _p("b_self_censoring_ubiquitous") if prot.thymic_display == "ubiquitous" else _p("b_self_censoring")
        bcell[i] = _p("b_precursors") * (1.0 - d * bcens if prot.is_self else 1.0)
    w50 = _p("w50")
    px = np.array([
        0.0 if genotype.foxp3 == "null" else 1.0,
        1.0 - _p("ctla4_effect") * genotype.ctla4.count("G"),
        1.0 - _p("il2ra_effect") * genotype.il2ra.count("R"),
        1.0 - _p("ptpn22_treg_effect") * genotype.ptpn22.count("T"),
    ])
    return GenotypeExpectation(
        groups=tuple(k[0] for k in key), weight=W, dose_weight=Wd, presentation=Wd / (Wd + w50),
        naive_cells=naive, treg_cells=treg, b_cells=bcell, display=disp, px=px,
    )


def draw_people(model: Model, genotypes: list[Genotype], rng: np.random.Generator) -> PersonInputs:
    """Per-person engine inputs: clone numbers drawn Poisson around the genotype
    expectation (clone size ``cells_per_clone``; B clones 100 cells)."""
    n, G = len(genotypes), len(model.groups)
    pg = np.zeros((n, G, N_PG))
    px = np.zeros((n, 4))
    cpc = _p("cells_per_clone")
    for i, gt in enumerate(genotypes):
        e = genotype_expectation(model, gt)
        pg[i, :, PG_PRES] = e.presentation
        pg[i, :, PG_N0] = rng.poisson(e.naive_cells / cpc) * cpc / CELL_UNIT
        pg[i, :, PG_R0] = rng.poisson(e.treg_cells / cpc) * cpc / CELL_UNIT
        pg[i, :, PG_B0] = rng.poisson(e.b_cells / 100.0) * 100.0 / CELL_UNIT
        px[i] = e.px
    return PersonInputs(pg, px)


def _math_check() -> None:  # pragma: no cover
    assert math.isclose(_p("naive_cd4"), 5.6e10)
