"""The repertoire a person leaves central tolerance with.

A :class:`Repertoire` holds the mature T-cell clones (from
:func:`~autoimmunity.tolerance.simulate_thymus`) and, optionally, the mature B
cells (from :func:`~autoimmunity.tolerance.simulate_bone_marrow`), with fate
counts, summaries, and energies of every clone to any ligand on demand.

Definitions used by the summaries (also in ``docs/tolerance.md``):

* ``escaped_by_antigen[g]``: mature *conventional* T-cell clones whose binding
  energy to some presented ligand of self protein ``g`` is at most E_n, the
  negative-selection threshold (clones that would have been deleted had the
  thymus shown them ``g``). Binding energies are raw (the receptor-ligand
  energy, without the person's PTPN22 signalling shift), and E_n is the
  nominal threshold, so repertoires of different PTPN22 genotypes are compared
  on the same scale.
* ``recognising_by_antigen[g]``: the same at the peripheral activation
  threshold (``TCRModel.recognition_threshold``; the tolerance layer's default
  model uses :data:`~autoimmunity.tolerance.DEFAULT_ACTIVATION_THRESHOLD`,
  calibrated on the mature repertoire), which is stronger than E_n:
  preselection thymocytes respond to weaker ligands than mature T cells
  (Davey GM et al. J Exp Med 1998;188:1867).
* ``mean_cross_reactivity``: mean over mature T-cell clones of the fraction of a
  fixed panel of random foreign ligands that the clone recognises at the
  activation threshold (Kosmrlj A et al. Nature 2010;465:350 use the same
  notion: the probability of recognising a random peptide).
* ``aa_enrichment[a]``: frequency of residue ``a`` among the contact residues of
  mature clones divided by its frequency among the positively selected
  thymocytes, i.e. after/before *negative* selection (Kosmrlj 2008, Fig. 3).
  ``aa_enrichment_overall`` divides by the frequency among all thymocytes
  (before positive selection too); there strongly interacting residues come out
  *enriched*, because positive selection (79% neglect) favours them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._errors import InputError
from ..molecular import STANDARD_AMINO_ACIDS, ALPHABET, as_genotype, presented_ligands
from ..molecular import Receptors, TCRModel, encode_contacts, interaction_energies, min_energies, tcr_contacts
from ._display import ThymicDisplay, protein_epitopes
from ._parameters import BoneMarrowParameters, ThymusParameters, ToleranceGenotype

__all__ = [
    "Repertoire",
    "ThymusOutcome",
    "BoneMarrowOutcome",
    "LINEAGE_CONVENTIONAL",
    "LINEAGE_REGULATORY",
    "LINEAGE_B_NAIVE",
    "LINEAGE_B_ANERGIC",
    "receptor_strings",
]

LINEAGE_CONVENTIONAL = "CD4_conventional"
LINEAGE_REGULATORY = "CD4_regulatory"
LINEAGE_B_NAIVE = "B_naive"
LINEAGE_B_ANERGIC = "B_anergic"

_LETTERS = np.frombuffer(ALPHABET.encode("ascii"), dtype="S1")


def receptor_strings(contacts: np.ndarray) -> np.ndarray:
    """Contact codes ``uint8[n, 5]`` as 5-letter strings."""
    if contacts.shape[0] == 0:
        return np.zeros(0, dtype=object)
    return _LETTERS[contacts].view("S5").ravel().astype(str)


def _binomial_se(k: int, n: int) -> float:
    if n <= 0:
        return float("nan")
    p = k / n
    return float(np.sqrt(p * (1 - p) / n))


def _min_chunked(receptors: Receptors, contacts: np.ndarray, molecule, potential: str) -> np.ndarray:
    """Each receptor's strongest energy over the ligands (+inf if none)."""
    return min_energies(receptors, contacts, molecule, potential=potential)[0]


@dataclass(frozen=True, eq=False)
class ThymusOutcome:
    """Everything thymic selection produced for one person (arrays over mature clones)."""

    display: ThymicDisplay
    genotype: ToleranceGenotype
    parameters: ThymusParameters
    model: TCRModel
    signal_shift: float
    n_thymocytes: int
    fate_counts: dict
    receptors: Receptors
    lineage: np.ndarray
    ubiquitous_energy: np.ndarray
    self_energy: np.ndarray
    full_self_energy: np.ndarray
    tra_energy: np.ndarray
    tra_seen: np.ndarray
    aa_counts_before: np.ndarray
    aa_counts_positive: np.ndarray
    aa_counts_after: np.ndarray
    cross_reactivity_mature: np.ndarray
    cross_reactivity_preselection: float
    cross_reactivity_positive_only: float
    n_preselection_sample: int
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def n_mature(self) -> int:
        return len(self.receptors)

    @property
    def conventional(self) -> np.ndarray:
        return self.lineage == LINEAGE_CONVENTIONAL

    def antigen_table(self) -> pd.DataFrame:
        """Per self catalogue protein: display class, presented ligands, encounter
        probability, escaped and recognising conventional clones."""
        if "antigens" in self._cache:
            return self._cache["antigens"]
        display = self.display
        conv = self.receptors.take(np.nonzero(self.conventional)[0])
        probs = dict(zip(display.tra_genes, display.encounter_probabilities(self.genotype, self.parameters)))
        rows = []
        for symbol in display.antigen_contacts:
            contacts, molecule = display.antigen_contacts[symbol], display.antigen_molecule[symbol]
            energy = _min_chunked(conv, contacts, molecule, self.model.potential)
            kind = display.antigen_display[symbol]
            # On its mTEC a TRA acts at tra_density_fold times the density of an average ligand.
            density = np.log(self.parameters.tra_density_fold) if kind == "aire" else 0.0
            rows.append(
                {
                    "antigen": symbol,
                    "thymic_display": kind,
                    "n_ligands": int(contacts.shape[0]),
                    "encounter_probability": 1.0 if kind == "ubiquitous" else probs.get(symbol, 0.0),
                    "escaped": int((energy - density <= self.parameters.negative_threshold).sum()),
                    "recognising": int((energy <= self.model.recognition_threshold).sum()),
                }
            )
        table = pd.DataFrame(rows)
        self._cache["antigens"] = table
        return table

    def aa_enrichment(self, reference: str = "preselection") -> dict[str, float]:
        """Per amino acid, frequency among mature contact residues over frequency
        among ``preselection`` thymocytes or among ``positive``-selected ones
        (isolating negative selection)."""
        base = {"preselection": self.aa_counts_before, "positive": self.aa_counts_positive}.get(reference)
        if base is None:
            raise InputError("reference", f"{reference!r}: use 'preselection' or 'positive'")
        after = self.aa_counts_after / max(self.aa_counts_after.sum(), 1)
        before = base / max(base.sum(), 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(before > 0, after / before, np.nan)
        return {aa: float(r) for aa, r in zip(STANDARD_AMINO_ACIDS, ratio)}

    def summary(self) -> dict:
        n = self.n_thymocytes
        counts = self.fate_counts
        mature = counts["regulatory"] + counts["conventional"]
        antigens = self.antigen_table()
        conv = self.conventional
        self_reactive = int((self.full_self_energy[conv] <= self.parameters.negative_threshold).sum())
        cross = self.cross_reactivity_mature
        return {
            "n_thymocytes": n,
            "n_mature": mature,
            "fate_counts": dict(counts),
            "fraction_selected": mature / n,
            "fraction_deleted": counts["deleted"] / n,
            "fraction_neglected": counts["neglected"] / n,
            "treg_fraction_of_cd4": counts["regulatory"] / mature if mature else 0.0,
            "aa_enrichment": self.aa_enrichment("positive"),
            "aa_enrichment_overall": self.aa_enrichment("preselection"),
            "escaped_by_antigen": dict(zip(antigens["antigen"], antigens["escaped"].astype(int))),
            "recognising_by_antigen": dict(zip(antigens["antigen"], antigens["recognising"].astype(int))),
            "escaped_tra_total": int(antigens.loc[antigens["thymic_display"] == "aire", "escaped"].sum()),
            "self_reactive_conventional": self_reactive,
            "self_reactive_fraction": self_reactive / int(conv.sum()) if conv.any() else 0.0,
            "mean_cross_reactivity": float(cross.mean()) if cross.size else float("nan"),
            "mean_cross_reactivity_preselection": self.cross_reactivity_preselection,
            "mean_cross_reactivity_positive_only": self.cross_reactivity_positive_only,
            "standard_errors": {
                "fraction_selected": _binomial_se(mature, n),
                "fraction_deleted": _binomial_se(counts["deleted"], n),
                "fraction_neglected": _binomial_se(counts["neglected"], n),
                "treg_fraction_of_cd4": _binomial_se(counts["regulatory"], mature),
                "mean_cross_reactivity": float(cross.std(ddof=1) / np.sqrt(cross.size)) if cross.size > 1 else float("nan"),
            },
            "thymic_display": {
                "molecules": list(self.display.molecules),
                "ubiquitous_ligands": self.display.n_ubiquitous,
                "tra_encounter_probability": dict(
                    zip(self.display.tra_genes, self.display.encounter_probabilities(self.genotype, self.parameters).tolist())
                ),
            },
            "thresholds": {
                "positive": self.parameters.positive_threshold,
                "negative": self.parameters.negative_threshold,
                "treg": self.parameters.treg_threshold,
                "activation": self.model.recognition_threshold,
                "signal_shift": self.signal_shift,
            },
        }


@dataclass(frozen=True, eq=False)
class BoneMarrowOutcome:
    """Everything bone-marrow tolerance produced (arrays over surviving B cells)."""

    parameters: BoneMarrowParameters
    model: TCRModel
    genotype: ToleranceGenotype
    signal_shift: float
    n_b_cells: int
    fate_counts: dict
    receptors: Receptors
    state: np.ndarray
    edits: np.ndarray
    self_energy: np.ndarray
    first_self_reactive: int
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def naive(self) -> np.ndarray:
        return self.state == LINEAGE_B_NAIVE

    def antigen_table(self) -> pd.DataFrame:
        """Per self catalogue protein: naive (non-anergic) mature B cells binding one
        of its linear epitopes at least as strongly as the (nominal) anergy and
        editing thresholds."""
        if "antigens" in self._cache:
            return self._cache["antigens"]
        from ..molecular import antigen_catalogue

        naive = self.receptors.take(np.nonzero(self.naive)[0])
        rows = []
        for symbol, protein in antigen_catalogue().items():
            if not protein.is_self:
                continue
            energy = _min_chunked(naive, protein_epitopes(symbol), 0, self.model.potential)
            rows.append(
                {
                    "antigen": symbol,
                    "escaped": int((energy <= self.parameters.edit_threshold).sum()),
                    "self_reactive": int((energy <= self.parameters.anergy_threshold).sum()),
                }
            )
        table = pd.DataFrame(rows)
        self._cache["antigens"] = table
        return table

    def summary(self) -> dict:
        counts = self.fate_counts
        n = self.n_b_cells
        survivors = counts["naive"] + counts["anergic"]
        naive = self.naive
        escaped = int((self.self_energy[naive] <= self.parameters.anergy_threshold).sum())
        antigens = self.antigen_table()
        return {
            "n_b_cells": n,
            "fate_counts": dict(counts),
            "fraction_first_receptor_self_reactive": self.first_self_reactive / n,
            "fraction_deleted": counts["deleted"] / n,
            "fraction_surviving": survivors / n,
            "edited_fraction_of_mature": counts["edited_survivors"] / survivors if survivors else 0.0,
            "anergic_fraction_of_mature": counts["anergic"] / survivors if survivors else 0.0,
            "self_reactive_naive": escaped,
            "self_reactive_naive_fraction": escaped / int(naive.sum()) if naive.any() else 0.0,
            "escaped_by_antigen": dict(zip(antigens["antigen"], antigens["escaped"].astype(int))),
            "self_reactive_by_antigen": dict(zip(antigens["antigen"], antigens["self_reactive"].astype(int))),
            "standard_errors": {
                "fraction_deleted": _binomial_se(counts["deleted"], n),
                "anergic_fraction_of_mature": _binomial_se(counts["anergic"], survivors),
                "self_reactive_naive_fraction": _binomial_se(escaped, int(naive.sum())),
            },
            "thresholds": {
                "edit": self.parameters.edit_threshold,
                "anergy": self.parameters.anergy_threshold,
                "signal_shift": self.signal_shift,
            },
        }


@dataclass(frozen=True, eq=False)
class Repertoire:
    """Mature lymphocyte clones after central tolerance.

    Attributes
    ----------
    hla: the HLA genotype (canonical string).
    thymus: :class:`ThymusOutcome` or ``None``.
    bone_marrow: :class:`BoneMarrowOutcome` or ``None``.
    """

    hla: str
    thymus: ThymusOutcome | None = None
    bone_marrow: BoneMarrowOutcome | None = None

    def with_bone_marrow(self, outcome: BoneMarrowOutcome) -> Repertoire:
        return Repertoire(self.hla, self.thymus, outcome)

    @property
    def n_t_clones(self) -> int:
        return self.thymus.n_mature if self.thymus else 0

    @property
    def n_b_clones(self) -> int:
        return len(self.bone_marrow.receptors) if self.bone_marrow else 0

    @property
    def fate_counts(self) -> dict:
        out = {}
        if self.thymus:
            out["T"] = dict(self.thymus.fate_counts)
        if self.bone_marrow:
            out["B"] = dict(self.bone_marrow.fate_counts)
        return out

    def _require_thymus(self) -> ThymusOutcome:
        if self.thymus is None:
            raise InputError("repertoire", "this repertoire has no T cells (run simulate_thymus)")
        return self.thymus

    def _require_marrow(self) -> BoneMarrowOutcome:
        if self.bone_marrow is None:
            raise InputError("repertoire", "this repertoire has no B cells (run simulate_bone_marrow)")
        return self.bone_marrow

    def clones(self) -> pd.DataFrame:
        """One row per mature clone: clone_id, lineage, receptor (contact residues),
        min_self_energy (raw, kT, over the self it was tested on), and for T cells
        cross_reactivity, for B cells receptor_edits."""
        frames = []
        if self.thymus and self.thymus.n_mature:
            t = self.thymus
            frames.append(
                pd.DataFrame(
                    {
                        "clone_id": [f"T{i}" for i in range(t.n_mature)],
                        "lineage": t.lineage,
                        "receptor": receptor_strings(t.receptors.contacts),
                        "min_self_energy": t.self_energy.astype(float),
                        "cross_reactivity": t.cross_reactivity_mature,
                        "receptor_edits": 0,
                    }
                )
            )
        if self.bone_marrow and len(self.bone_marrow.receptors):
            b = self.bone_marrow
            frames.append(
                pd.DataFrame(
                    {
                        "clone_id": [f"B{i}" for i in range(len(b.receptors))],
                        "lineage": b.state,
                        "receptor": receptor_strings(b.receptors.contacts),
                        "min_self_energy": b.self_energy.astype(float),
                        "cross_reactivity": np.nan,
                        "receptor_edits": b.edits,
                    }
                )
            )
        if not frames:
            return pd.DataFrame(columns=["clone_id", "lineage", "receptor", "min_self_energy", "cross_reactivity", "receptor_edits"])
        return pd.concat(frames, ignore_index=True)

    # -- energies on demand ------------------------------------------------------------

    def t_cell_energies(self, ligands, molecule=None) -> np.ndarray:
        """Raw energies (kT) of every mature T-cell clone to ligands, ``float32[clones, P]``.

        ``ligands`` is a table from :func:`autoimmunity.molecular.presented_ligands`
        for this person's genotype (columns core and p_minus1, or tcr_contacts,
        and allele), or 5-letter contact strings / ``uint8[P, 5]`` codes with
        ``molecule`` (index into the person's molecules, or a molecule name).
        """
        t = self._require_thymus()
        contacts, mol = self._ligand_codes(ligands, molecule)
        return interaction_energies(t.receptors, contacts, mol, potential=t.model.potential)

    def t_cell_energies_to_proteins(self, proteins, *, threshold: float | None = None) -> tuple[pd.DataFrame, np.ndarray]:
        """The presented ligands of ``proteins`` on this genotype and every mature
        T-cell clone's energy to each: ``(ligand table, float32[clones, P])``."""
        table = presented_ligands(self.hla, proteins, **({} if threshold is None else {"threshold": threshold}))
        return table, self.t_cell_energies(table)

    def b_cell_energies(self, protein_or_sequence) -> np.ndarray:
        """Minimum raw energy (kT) of every surviving B cell to the linear 5-residue
        epitopes of a catalogue protein (symbol) or a sequence, ``float32[clones]``."""
        from ..molecular import antigen_catalogue, encode, validate_peptide

        b = self._require_marrow()
        catalogue = antigen_catalogue()
        if isinstance(protein_or_sequence, str) and protein_or_sequence in catalogue:
            epitopes = protein_epitopes(protein_or_sequence)
        else:
            seq = getattr(protein_or_sequence, "sequence", protein_or_sequence)
            seq = validate_peptide(seq, field="sequence", min_length=5)
            epitopes = np.unique(np.lib.stride_tricks.sliding_window_view(encode(seq), 5), axis=0).astype(np.uint8)
        return _min_chunked(b.receptors, epitopes, 0, b.model.potential)

    def _ligand_codes(self, ligands, molecule):
        t = self._require_thymus()
        names = t.display.molecules
        if isinstance(ligands, pd.DataFrame):
            if {"core", "p_minus1"} <= set(ligands.columns):
                strings = [tcr_contacts(c, p if isinstance(p, str) else None) for c, p in zip(ligands["core"], ligands["p_minus1"])]
            elif "tcr_contacts" in ligands.columns:
                strings = list(ligands["tcr_contacts"])
            else:
                raise InputError("ligands", "table needs columns core and p_minus1, or tcr_contacts")
            if "allele" not in ligands.columns:
                raise InputError("ligands", "table needs an allele column (the presenting molecule)")
            unknown = sorted(set(ligands["allele"]) - set(names))
            if unknown:
                raise InputError("ligands", f"molecules {unknown} are not in this person's genotype {list(names)}")
            index = {n: i for i, n in enumerate(names)}
            return encode_contacts(strings), np.array([index[a] for a in ligands["allele"]], dtype=np.int64)
        if molecule is None:
            raise InputError("molecule", "give the presenting molecule (index or name) with contact strings")
        if isinstance(ligands, np.ndarray) and ligands.dtype == np.uint8:
            codes = ligands
        else:
            codes = encode_contacts(list(ligands) if not isinstance(ligands, str) else [ligands])
        if isinstance(molecule, str):
            if molecule not in names:
                name = as_genotype(molecule).molecules[0].name
                if name not in names:
                    raise InputError("molecule", f"{molecule} is not one of {list(names)}")
                molecule = name
            molecule = names.index(molecule)
        return codes, molecule

    # -- summaries ---------------------------------------------------------------------

    def summary(self) -> dict:
        """The thymus summary keys at top level (see module docstring), plus ``b_cells``."""
        out: dict = {"hla": self.hla}
        if self.thymus:
            out["genotype"] = self.thymus.genotype.to_dict()
            out.update(self.thymus.summary())
        if self.bone_marrow:
            out.setdefault("genotype", self.bone_marrow.genotype.to_dict())
            out["b_cells"] = self.bone_marrow.summary()
        return out
