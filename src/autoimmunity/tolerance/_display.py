"""What the thymus (and the bone marrow) displays to developing lymphocytes.

Thymic display of one person has three parts, all as T cells see them
(five TCR-facing residues on one of the person's HLA class II molecules):

1. **Ubiquitous self**: the presented cores of the catalogue's ubiquitous self
   proteins, plus those of a random *background self proteome* (residues drawn
   from the human proteome composition with a fixed seed, the same for
   everybody) scored by the molecular layer's binding matrices and percentile
   ranks. Every thymocyte meets all of them (cortical and medullary
   antigen-presenting cells).
2. **Tissue-restricted antigens (TRAs)**: the presented cores of each catalogue
   protein with ``thymic_display == "aire"``. A thymocyte meets each TRA gene
   only with a probability (see :meth:`ThymicDisplay.encounter_probabilities`).
3. **Never displayed** self proteins (``thymic_display == "none"``) are not
   shown; their ligands are still listed so escapees can be counted.

Everything here depends only on the HLA molecules and the parameters, and is
cached **per molecule** (a cohort with many genotypes reuses the few dozen
molecules it contains). The background uses the molecular layer's scoring
kernels directly on one long encoded sequence, because the per-window tables of
:func:`autoimmunity.molecular.present` are too large for 10^6 residues.

The fixed panel of random foreign ligands that defines cross-reactivity is
built here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._errors import InputError
from ..molecular import (
    N_CONTACTS,
    TCR_CONTACT_POSITIONS,
    HLAGenotype,
    HLAMolecule,
    antigen_catalogue,
    as_genotype,
    core_matrix,
    encode_contacts,
    human_aa_composition,
    percentile_rank,
    presented_ligands,
    tcr_contacts,
)
from ..molecular import best_cores, core_scores
from ._parameters import ThymusParameters, ToleranceGenotype

__all__ = [
    "ThymicDisplay",
    "thymic_display",
    "tra_encounter_probability",
    "background_self_proteome",
    "molecule_background_ligands",
    "marrow_self_epitopes",
    "clear_display_caches",
    "SELF_PROTEOME_SEED",
    "FOREIGN_PANEL_SEED",
]

#: Seed of the background self proteome (the same for every person).
SELF_PROTEOME_SEED = 20_081_667
#: Seed of the foreign cross-reactivity panel.
FOREIGN_PANEL_SEED = 20_100_350
#: Peptide length used for background presentation (the molecular layer's default).
_PEPTIDE_LENGTH = 15
#: Offsets from P1 (0-based) of P-1, P2, P3, P5, P8.
_OFFSETS = np.array([p - 1 if p > 0 else p for p in TCR_CONTACT_POSITIONS])


@lru_cache(maxsize=4)
def background_self_proteome(n_residues: int) -> np.ndarray:
    """The background self proteome: ``uint8`` residue codes drawn from the human
    proteome composition with :data:`SELF_PROTEOME_SEED` (read-only).

    The same residues for everybody (the species' self); shorter requests are
    prefixes of longer ones.
    """
    n = int(n_residues)
    if n < 0:
        raise InputError("self_proteome_residues", f"{n} is negative")
    rng = np.random.default_rng(SELF_PROTEOME_SEED)
    # Draw in fixed blocks so that any length is a prefix of any longer one.
    block = 1 << 16
    out = np.empty(n, dtype=np.uint8)
    comp = human_aa_composition()
    for start in range(0, n, block):
        stop = min(n, start + block)
        out[start:stop] = rng.choice(20, size=block, p=comp).astype(np.uint8)[: stop - start]
    out.setflags(write=False)
    return out


def _molecule_name(molecule) -> str:
    return molecule.name if isinstance(molecule, HLAMolecule) else str(molecule)


@lru_cache(maxsize=256)
def molecule_background_ligands(molecule: str, n_residues: int, threshold: float) -> np.ndarray:
    """Distinct TCR-contact codes ``uint8[P, 5]`` of the background self cores
    presented by one molecule (15-mer windows at percentile rank <= threshold)."""
    matrix = core_matrix(molecule)
    if matrix is None:
        raise InputError("hla", f"no binding model for {molecule}")
    codes = background_self_proteome(n_residues)
    if codes.shape[0] < _PEPTIDE_LENGTH:
        return np.zeros((0, N_CONTACTS), dtype=np.uint8)
    kmer = core_scores(matrix, codes)
    best, register = best_cores(matrix, kmer, _PEPTIDE_LENGTH)
    rank = percentile_rank(matrix, best, _PEPTIDE_LENGTH)
    starts = np.nonzero(rank <= threshold)[0]
    core_start = np.unique(starts + register[starts])
    core_start = core_start[core_start + _OFFSETS.min() >= 0]
    contacts = codes[core_start[:, None] + _OFFSETS[None, :]]
    out = np.unique(contacts, axis=0) if contacts.shape[0] else contacts
    out = np.ascontiguousarray(out, dtype=np.uint8)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=256)
def _molecule_antigen_ligands(molecule: HLAMolecule, threshold: float) -> dict[str, np.ndarray]:
    """Contact codes of the presented cores of every self catalogue protein on one molecule."""
    proteins = [p for p in antigen_catalogue().values() if p.is_self]
    table = presented_ligands(molecule, proteins, threshold=threshold)
    out: dict[str, np.ndarray] = {p.symbol: np.zeros((0, N_CONTACTS), dtype=np.uint8) for p in proteins}
    if len(table):
        strings = [tcr_contacts(core, p1 if isinstance(p1, str) else None) for core, p1 in zip(table["core"], table["p_minus1"])]
        codes = encode_contacts(strings)
        symbols = table["protein"].to_numpy()
        for symbol in np.unique(symbols):
            arr = np.unique(codes[symbols == symbol], axis=0)
            arr.setflags(write=False)
            out[str(symbol)] = arr
    return out


@lru_cache(maxsize=16)
def _foreign_panel(n_ligands: int, n_molecules: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([FOREIGN_PANEL_SEED, n_molecules])
    contacts = rng.choice(20, size=(int(n_ligands), N_CONTACTS), p=human_aa_composition()).astype(np.uint8)
    molecule = rng.integers(0, max(n_molecules, 1), size=int(n_ligands)).astype(np.int32)
    contacts.setflags(write=False)
    molecule.setflags(write=False)
    return contacts, molecule


def _stack(parts: list[tuple[np.ndarray, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate (contacts, molecule index) parts, dropping duplicate ligands."""
    if not parts or sum(p[0].shape[0] for p in parts) == 0:
        return np.zeros((0, N_CONTACTS), dtype=np.uint8), np.zeros(0, dtype=np.int32)
    contacts = np.concatenate([p[0] for p in parts])
    molecule = np.concatenate([np.full(p[0].shape[0], p[1], dtype=np.int32) for p in parts])
    key = np.concatenate([contacts, molecule.astype(np.uint8)[:, None]], axis=1) if molecule.max() < 256 else None
    if key is not None:
        _, keep = np.unique(key, axis=0, return_index=True)
        keep.sort()
        contacts, molecule = contacts[keep], molecule[keep]
    contacts = np.ascontiguousarray(contacts)
    contacts.setflags(write=False)
    molecule.setflags(write=False)
    return contacts, molecule


def tra_encounter_probability(gene: str, genotype: ToleranceGenotype, parameters: ThymusParameters) -> float:
    """Probability that one thymocyte meets tissue-restricted antigen ``gene`` in the medulla.

    ``p = 1 - (1 - f)^n`` with ``n = mtec_contacts`` and ``f`` the fraction of
    mTECs displaying the gene: ``tra_mtec_fraction``, times
    ``aire_null_residual`` without AIRE (``aire_het_fraction`` with one
    working copy), and for insulin times the INS VNTR display fold (mean over
    the two alleles). The one place this is computed: thymic selection and the
    life-course seeding both use it.
    """
    f = parameters.tra_mtec_fraction
    if genotype.aire == "null":
        f *= parameters.aire_null_residual
    elif genotype.aire == "het":
        f *= parameters.aire_het_fraction
    if gene == "INS":
        f *= genotype.insulin_display_fold(parameters.ins_vntr_class3_fold)
    return parameters.encounter_probability(f)


@dataclass(frozen=True, eq=False)
class ThymicDisplay:
    """The self ligands a person's thymus can display, and the foreign panel.

    Attributes
    ----------
    hla: the genotype as given.
    molecules: the person's molecule names; ligand molecule indices point here.
    ubiquitous_contacts, ubiquitous_molecule: ligands every thymocyte meets
        (background self plus ubiquitous catalogue proteins), distinct.
    antigen_contacts, antigen_molecule: per self catalogue protein (symbol),
        its presented ligands on this genotype.
    antigen_display: per symbol, the protein's thymic display class.
    tra_genes: symbols of the tissue-restricted (``aire``) antigens, in order.
    foreign_contacts, foreign_molecule: the cross-reactivity panel.
    """

    hla: str
    molecules: tuple[str, ...]
    ubiquitous_contacts: np.ndarray
    ubiquitous_molecule: np.ndarray
    antigen_contacts: dict
    antigen_molecule: dict
    antigen_display: dict
    tra_genes: tuple[str, ...]
    foreign_contacts: np.ndarray
    foreign_molecule: np.ndarray

    @property
    def n_molecules(self) -> int:
        return len(self.molecules)

    @property
    def n_ubiquitous(self) -> int:
        return int(self.ubiquitous_contacts.shape[0])

    def n_ligands(self, symbol: str) -> int:
        return int(self.antigen_contacts[symbol].shape[0])

    def encounter_probabilities(self, genotype: ToleranceGenotype, parameters: ThymusParameters) -> np.ndarray:
        """Per TRA gene (``tra_genes`` order), the probability that one thymocyte
        meets it on at least one of the mTECs it scans (:func:`tra_encounter_probability`)."""
        return np.array([tra_encounter_probability(gene, genotype, parameters) for gene in self.tra_genes])

    def summary(self) -> dict:
        return {
            "molecules": list(self.molecules),
            "ubiquitous_ligands": self.n_ubiquitous,
            "ligands_by_antigen": {s: self.n_ligands(s) for s in self.antigen_contacts},
            "tra_genes": list(self.tra_genes),
            "cross_reactivity_panel": int(self.foreign_contacts.shape[0]),
        }


@lru_cache(maxsize=256)
def _display_cached(molecules: tuple[HLAMolecule, ...], hla: str, n_residues: int, threshold: float, panel: int) -> ThymicDisplay:
    catalogue = antigen_catalogue()
    self_symbols = [s for s, p in catalogue.items() if p.is_self]
    ubiquitous_parts = []
    per_antigen: dict[str, list] = {s: [] for s in self_symbols}
    for index, molecule in enumerate(molecules):
        ubiquitous_parts.append((molecule_background_ligands(molecule.name, n_residues, threshold), index))
        ligands = _molecule_antigen_ligands(molecule, threshold)
        for symbol in self_symbols:
            per_antigen[symbol].append((ligands[symbol], index))
            if catalogue[symbol].thymic_display == "ubiquitous":
                ubiquitous_parts.append((ligands[symbol], index))
    u_contacts, u_molecule = _stack(ubiquitous_parts)
    antigen_contacts, antigen_molecule = {}, {}
    for symbol in self_symbols:
        antigen_contacts[symbol], antigen_molecule[symbol] = _stack(per_antigen[symbol])
    f_contacts, f_molecule = _foreign_panel(panel, len(molecules))
    return ThymicDisplay(
        hla=hla,
        molecules=tuple(m.name for m in molecules),
        ubiquitous_contacts=u_contacts,
        ubiquitous_molecule=u_molecule,
        antigen_contacts=antigen_contacts,
        antigen_molecule=antigen_molecule,
        antigen_display={s: catalogue[s].thymic_display for s in self_symbols},
        tra_genes=tuple(s for s in self_symbols if catalogue[s].thymic_display == "aire"),
        foreign_contacts=f_contacts,
        foreign_molecule=f_molecule,
    )


def thymic_display(hla: str | HLAGenotype, parameters: ThymusParameters | None = None) -> ThymicDisplay:
    """The self ligands this genotype's thymus can display (cached; see module docstring)."""
    params = parameters or ThymusParameters()
    genotype = as_genotype(hla)
    if not genotype.molecules:
        raise InputError("hla", "the genotype forms no class II molecule")
    return _display_cached(
        tuple(genotype.molecules),
        str(genotype),
        int(params.self_proteome_residues),
        float(params.presentation_threshold),
        int(params.cross_reactivity_panel),
    )


@lru_cache(maxsize=8)
def marrow_self_epitopes(n_residues: int) -> np.ndarray:
    """Distinct 5-residue linear self epitopes visible to B cells in the marrow.

    Every contiguous 5-mer of the catalogue's ubiquitous self proteins and of the
    first ``n_residues`` of the background self proteome, ``uint8[P, 5]``.
    Genotype-independent (B cells need no MHC), so cached once.
    """
    from ..molecular import encode

    parts = [np.lib.stride_tricks.sliding_window_view(background_self_proteome(n_residues), 5)] if n_residues >= 5 else []
    for protein in antigen_catalogue().values():
        if protein.is_self and protein.thymic_display == "ubiquitous" and len(protein) >= 5:
            parts.append(np.lib.stride_tricks.sliding_window_view(encode(protein.sequence), 5))
    if not parts:
        return np.zeros((0, 5), dtype=np.uint8)
    out = np.unique(np.concatenate(parts), axis=0).astype(np.uint8)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=64)
def protein_epitopes(symbol: str) -> np.ndarray:
    """Distinct 5-residue linear epitopes of one catalogue protein, ``uint8[P, 5]``."""
    from ..molecular import encode

    protein = antigen_catalogue()[symbol]
    if len(protein) < 5:
        return np.zeros((0, 5), dtype=np.uint8)
    out = np.unique(np.lib.stride_tricks.sliding_window_view(encode(protein.sequence), 5), axis=0).astype(np.uint8)
    out.setflags(write=False)
    return out


def clear_display_caches() -> None:
    """Forget cached displays (after registering a new binding predictor)."""
    for fn in (background_self_proteome, molecule_background_ligands, _molecule_antigen_ligands, _foreign_panel,
               _display_cached, marrow_self_epitopes, protein_epitopes):
        fn.cache_clear()
