"""Thymic selection of T cells by interaction energy (Kosmrlj-Chakraborty-Kardar style).

Each thymocyte has a receptor (five contact residues and a germline term per HLA
molecule, :func:`autoimmunity.molecular._tcr.random_receptors`). What decides its
fate is its *strongest* interaction over the self ligands it meets (Kosmrlj A,
Jha AK, Huseby ES, Kardar M, Chakraborty AK. PNAS 2008;105:16671):

* ``E_u`` = min energy over the ubiquitous self ligands (cortex and medulla);
* ``E_g`` = min energy over the ligands of tissue-restricted gene ``g``, which
  counts only if the thymocyte met ``g`` on an mTEC (a Bernoulli draw per
  thymocyte and gene with the probability of
  :meth:`ThymicDisplay.encounter_probabilities`);
* ``E_self`` = min(E_u, E_g over the genes met).

Signalling strength enters as an effective energy ``E + s`` with
``s = ptpn22_shift_per_allele * (number of PTPN22 T alleles)``: a weaker signal
from the same binding. Fates, in order:

1. neglect: ``E_u + s > E_p`` (no positive selection on cortical epithelium);
2. deletion: ``E_self + s <= E_n``;
3. regulatory (agonist selection): ``E_self + s <= E_treg``, unless FOXP3 is
   null, when these cells mature as conventional CD4 cells (Fontenot JD et al.
   Nat Immunol 2003;4:330; Treg-"wannabe" cells persist without Foxp3: Gavin MA
   et al. Nature 2007;445:771);
4. conventional CD4 T cell otherwise.

Only class II presentation is modelled, so every mature clone is CD4.
"""

from __future__ import annotations

import numpy as np

from .._errors import InputError, require_generator
from ..molecular import HLAGenotype, as_genotype
from ..molecular import (
    DEFAULT_POTENTIAL,
    Receptors,
    TCRModel,
    count_recognised,
    interaction_energies,
    min_energies,
    random_receptors,
)
from ._display import ThymicDisplay, thymic_display
from ._parameters import (
    CALIBRATION_HLA,
    TARGET_DELETED_PER_SELECTED,
    TARGET_FRACTION_SELECTED,
    TARGET_TREG_FRACTION_OF_CD4,
    ThymusParameters,
    ToleranceGenotype,
)
from ._repertoire import LINEAGE_CONVENTIONAL, LINEAGE_REGULATORY, Repertoire, ThymusOutcome

__all__ = [
    "simulate_thymus",
    "thymocyte_energies",
    "calibrate_thymus",
    "calibrate_activation_threshold",
    "default_tcr_model",
    "DEFAULT_ACTIVATION_THRESHOLD",
    "TARGET_MATURE_RECOGNITION_PROBABILITY",
    "ThymocyteEnergies",
]

#: Probability that a mature naive CD4 T cell recognises a given foreign ligand:
#: 10 per 10^6, the upper end of epitope-specific naive CD4 precursor frequencies
#: in humans, 0.2-10 per 10^6 (Kwok WW et al. J Immunol 2012;188:2537; row
#: ``tcell.naive_cd4.precursor_frequency``), the target the molecular layer uses
#: too, but applied here to the repertoire that *left the thymus*, where it was
#: measured.
TARGET_MATURE_RECOGNITION_PROBABILITY = 1e-5
#: Peripheral activation threshold (kT) calibrated by
#: :func:`calibrate_activation_threshold` on the mature conventional repertoire of
#: the calibration person (``CALIBRATION_HLA``, 500,000 thymocytes, seed 2008):
#: a mature clone recognises a random foreign ligand (proteome composition) with
#: probability 1e-5. It lies ~0.4 kT below (stronger than) E_n: mature T cells
#: need a stronger ligand than thymocytes do (Davey GM et al. J Exp Med
#: 1998;188:1867), close to Kosmrlj 2008's choice of equal thresholds. The
#: molecular layer's default (-32.9 kT) is calibrated on *unselected* random
#: receptors; no mature clone reaches it, because selection removed every
#: receptor that binds ~6,000 self ligands below -27.45 kT.
DEFAULT_ACTIVATION_THRESHOLD = -28.322


def default_tcr_model() -> TCRModel:
    """The receptor model used by the tolerance layer when none is given: the
    molecular layer's defaults with the post-selection activation threshold
    :data:`DEFAULT_ACTIVATION_THRESHOLD`."""
    return TCRModel(recognition_threshold=DEFAULT_ACTIVATION_THRESHOLD)

#: Thymocytes per batch (fixed: the draw order, hence the result of a seed, depends on it).
_CHUNK = 1 << 17


def _chunked_min(receptors: Receptors, contacts: np.ndarray, molecule: np.ndarray, potential: str) -> np.ndarray:
    """Each receptor's strongest energy over the ligands (+inf if none); fused, never R x P."""
    return min_energies(receptors, contacts, molecule, potential=potential)[0]


def _recognition_fraction(receptors: Receptors, display: ThymicDisplay, model: TCRModel) -> np.ndarray:
    """Per receptor, the fraction of the foreign panel recognised at the model's threshold."""
    n_panel = display.foreign_contacts.shape[0]
    if len(receptors) == 0 or n_panel == 0:
        return np.zeros(len(receptors))
    counts = count_recognised(
        receptors, display.foreign_contacts, display.foreign_molecule, model.recognition_threshold,
        potential=model.potential,
    )
    return counts / n_panel


class ThymocyteEnergies:
    """Energies of a batch of thymocytes against one person's thymic display.

    Attributes: ``receptors``; ``ubiquitous`` (E_u); ``tra`` (float32[n, G], E_g,
    the effective energy on an expressing mTEC: binding energy minus
    ``ln(tra_density_fold)``);
    ``seen`` (bool[n, G], which TRA genes each thymocyte met); ``self_energy``
    (E_self, over what it met); ``full_self`` (min over all displayable self,
    met or not).
    """

    def __init__(self, receptors, ubiquitous, tra, seen):
        self.receptors = receptors
        self.ubiquitous = ubiquitous
        self.tra = tra
        self.seen = seen
        met = np.where(seen, tra, np.inf).min(axis=1) if tra.shape[1] else np.full(len(ubiquitous), np.inf)
        self.self_energy = np.minimum(ubiquitous, met).astype(np.float32)
        all_tra = tra.min(axis=1) if tra.shape[1] else np.full(len(ubiquitous), np.inf)
        self.full_self = np.minimum(ubiquitous, all_tra).astype(np.float32)

    def __len__(self) -> int:
        return len(self.ubiquitous)

    @classmethod
    def concatenate(cls, batches: list[ThymocyteEnergies]) -> ThymocyteEnergies:
        receptors = Receptors(
            np.concatenate([b.receptors.contacts for b in batches]),
            np.concatenate([b.receptors.germline for b in batches]),
        )
        return cls(
            receptors,
            np.concatenate([b.ubiquitous for b in batches]),
            np.concatenate([b.tra for b in batches]),
            np.concatenate([b.seen for b in batches]),
        )


def _batches(display, n, rng, genotype, parameters, model):
    """Thymocytes in batches of ``_CHUNK``. Draw order per batch (fixed, so a seed
    fixes everything): receptors, then one encounter draw per thymocyte for each
    TRA gene in ``display.tra_genes`` order."""
    probabilities = display.encounter_probabilities(genotype, parameters)
    genes = display.tra_genes
    # All TRA ligands in one block (one receptor table build per thymocyte, not one per gene).
    sizes = [display.n_ligands(g) for g in genes]
    bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    if bounds[-1]:
        tra_contacts = np.concatenate([display.antigen_contacts[g] for g in genes])
        tra_molecule = np.concatenate([display.antigen_molecule[g] for g in genes])
    density = np.float32(np.log(parameters.tra_density_fold))
    for start in range(0, int(n), _CHUNK):
        m = min(int(n), start + _CHUNK) - start
        receptors = random_receptors(m, display.n_molecules, rng, model)
        ubiquitous = _chunked_min(receptors, display.ubiquitous_contacts, display.ubiquitous_molecule, model.potential)
        tra = np.full((m, len(genes)), np.inf, dtype=np.float32)
        seen = np.zeros((m, len(genes)), dtype=bool)
        block = interaction_energies(receptors, tra_contacts, tra_molecule, potential=model.potential) if bounds[-1] else None
        for j in range(len(genes)):
            seen[:, j] = rng.random(m) < probabilities[j]
            if sizes[j]:
                tra[:, j] = block[:, bounds[j] : bounds[j + 1]].min(axis=1) - density
        yield ThymocyteEnergies(receptors, ubiquitous, tra, seen)


def thymocyte_energies(
    display: ThymicDisplay,
    n: int,
    rng: np.random.Generator,
    genotype: ToleranceGenotype,
    parameters: ThymusParameters,
    model: TCRModel,
) -> ThymocyteEnergies:
    """Draw ``n`` thymocytes and compute the energies that decide their fates
    (all of them in memory; :func:`simulate_thymus` streams the same draws)."""
    return ThymocyteEnergies.concatenate(list(_batches(display, n, rng, genotype, parameters, model)))


def _fates(energies: ThymocyteEnergies, genotype: ToleranceGenotype, parameters: ThymusParameters):
    shift = parameters.ptpn22_shift_per_allele * genotype.ptpn22_t_alleles
    e_u = energies.ubiquitous + shift
    e_self = energies.self_energy + shift
    neglected = e_u > parameters.positive_threshold
    deleted = ~neglected & (e_self <= parameters.negative_threshold)
    agonist = ~neglected & ~deleted & (e_self <= parameters.treg_threshold)
    if genotype.foxp3 == "null":
        regulatory = np.zeros_like(agonist)
    else:
        regulatory = agonist
    conventional = ~neglected & ~deleted & ~regulatory
    return neglected, deleted, agonist, regulatory, conventional, shift


def _aa_counts(contacts: np.ndarray) -> np.ndarray:
    return np.bincount(contacts.ravel(), minlength=21)[:20].astype(np.int64)


def simulate_thymus(
    hla: str | HLAGenotype,
    n_thymocytes: int,
    rng: np.random.Generator,
    *,
    genotype: ToleranceGenotype | None = None,
    parameters: ThymusParameters | None = None,
    model: TCRModel | None = None,
) -> Repertoire:
    """Select ``n_thymocytes`` random thymocytes in this person's thymus.

    Returns a :class:`Repertoire` holding the mature CD4 clones (conventional and
    regulatory) with their receptors, fate counts, and summaries (see
    :meth:`Repertoire.summary`). Genotype-only work (the displayed self set) is
    cached; the draws use ``rng`` only.
    """
    require_generator(rng)
    n = int(n_thymocytes)
    if n < 1:
        raise InputError("thymocytes", f"{n_thymocytes} must be at least 1")
    genotype = genotype or ToleranceGenotype()
    params = parameters or ThymusParameters()
    model = model or default_tcr_model()
    hla_genotype = as_genotype(hla)
    display = thymic_display(hla_genotype, params)
    n_sample = min(n, params.cross_reactivity_sample)
    counts = dict.fromkeys(("neglected", "deleted", "regulatory", "conventional", "agonist_selected"), 0)
    aa_before = np.zeros(20, dtype=np.int64)
    aa_positive = np.zeros(20, dtype=np.int64)
    kept: dict[str, list] = {k: [] for k in ("contacts", "germline", "regulatory", "ubiquitous", "self", "full", "tra", "seen")}
    sample_parts: list[tuple[Receptors, np.ndarray]] = []
    taken = 0
    shift = 0.0
    for batch in _batches(display, n, rng, genotype, params, model):
        neglected, deleted, agonist, regulatory, conventional, shift = _fates(batch, genotype, params)
        mature = regulatory | conventional
        positive = ~neglected
        for key, mask in (("neglected", neglected), ("deleted", deleted), ("regulatory", regulatory),
                          ("conventional", conventional), ("agonist_selected", agonist)):
            counts[key] += int(mask.sum())
        aa_before += _aa_counts(batch.receptors.contacts)
        aa_positive += _aa_counts(batch.receptors.contacts[positive])
        if taken < n_sample:
            k = min(n_sample - taken, len(batch))
            sample_parts.append((batch.receptors.take(slice(0, k)), positive[:k]))
            taken += k
        idx = np.nonzero(mature)[0]
        kept["contacts"].append(batch.receptors.contacts[idx])
        kept["germline"].append(batch.receptors.germline[idx])
        kept["regulatory"].append(regulatory[idx])
        kept["ubiquitous"].append(batch.ubiquitous[idx])
        kept["self"].append(batch.self_energy[idx])
        kept["full"].append(batch.full_self[idx])
        kept["tra"].append(batch.tra[idx])
        kept["seen"].append(batch.seen[idx])

    mature_receptors = Receptors(np.concatenate(kept["contacts"]), np.concatenate(kept["germline"]))
    pre = Receptors(
        np.concatenate([p[0].contacts for p in sample_parts]), np.concatenate([p[0].germline for p in sample_parts])
    )
    positive_sample = np.concatenate([p[1] for p in sample_parts])
    cross_pre = _recognition_fraction(pre, display, model)
    cross_mature = _recognition_fraction(mature_receptors, display, model)
    regulatory_mature = np.concatenate(kept["regulatory"])
    lineage = np.where(regulatory_mature, LINEAGE_REGULATORY, LINEAGE_CONVENTIONAL)
    outcome = ThymusOutcome(
        display=display,
        genotype=genotype,
        parameters=params,
        model=model,
        signal_shift=float(shift),
        n_thymocytes=n,
        fate_counts=counts,
        receptors=mature_receptors,
        lineage=lineage,
        ubiquitous_energy=np.concatenate(kept["ubiquitous"]),
        self_energy=np.concatenate(kept["self"]),
        full_self_energy=np.concatenate(kept["full"]),
        tra_energy=np.concatenate(kept["tra"]),
        tra_seen=np.concatenate(kept["seen"]),
        aa_counts_before=aa_before,
        aa_counts_positive=aa_positive,
        aa_counts_after=_aa_counts(mature_receptors.contacts),
        cross_reactivity_mature=cross_mature,
        cross_reactivity_preselection=float(cross_pre.mean()) if cross_pre.size else float("nan"),
        cross_reactivity_positive_only=float(cross_pre[positive_sample].mean()) if positive_sample.any() else float("nan"),
        n_preselection_sample=int(cross_pre.size),
    )
    return Repertoire(hla=str(hla_genotype), thymus=outcome)


def calibrate_thymus(
    *,
    hla: str = CALIBRATION_HLA,
    n_thymocytes: int = 200_000,
    seed: int = 2008,
    fraction_selected: float = TARGET_FRACTION_SELECTED,
    deleted_per_selected: float = TARGET_DELETED_PER_SELECTED,
    treg_fraction_of_cd4: float = TARGET_TREG_FRACTION_OF_CD4,
    parameters: ThymusParameters | None = None,
    model: TCRModel | None = None,
) -> dict:
    """Thresholds (E_p, E_n, E_treg) that reproduce the calibration targets.

    On a reference person (``hla``; AIRE normal, INS I/I, FOXP3 normal, PTPN22
    C/C) with ``n_thymocytes`` thymocytes: E_p is the quantile of E_u that lets
    ``fraction_selected * (1 + deleted_per_selected)`` of thymocytes be positively
    selected; E_n the energy below which ``fraction_selected * deleted_per_selected``
    of all thymocytes are positively selected but deleted; E_treg the energy that
    puts ``treg_fraction_of_cd4`` of mature cells in the agonist window. Closed
    form on the sampled energies (order statistics), so exact for the sample.
    Returns the thresholds and the fractions they give.
    """
    params = parameters or ThymusParameters()
    model = model or default_tcr_model()
    genotype = ToleranceGenotype()
    display = thymic_display(hla, params)
    rng = np.random.default_rng(seed)
    energies = thymocyte_energies(display, n_thymocytes, rng, genotype, params, model)
    n = len(energies.ubiquitous)
    n_positive = int(round(n * fraction_selected * (1 + deleted_per_selected)))
    n_deleted = int(round(n * fraction_selected * deleted_per_selected))
    e_u_sorted = np.sort(energies.ubiquitous.astype(np.float64))
    e_p = float(0.5 * (e_u_sorted[n_positive - 1] + e_u_sorted[n_positive]))
    positive = energies.ubiquitous <= e_p
    e_self_pos = np.sort(energies.self_energy[positive].astype(np.float64))
    e_n = float(0.5 * (e_self_pos[n_deleted - 1] + e_self_pos[n_deleted]))
    mature_energy = e_self_pos[e_self_pos > e_n]
    k = int(round(treg_fraction_of_cd4 * mature_energy.size))
    e_treg = float(0.5 * (mature_energy[k - 1] + mature_energy[k]))
    calibrated = params.with_(positive_threshold=round(e_p, 4), negative_threshold=round(e_n, 4), treg_threshold=round(e_treg, 4))
    neglected, deleted, agonist, regulatory, conventional, _ = _fates(energies, genotype, calibrated)
    mature = regulatory | conventional
    return {
        "hla": hla,
        "n_thymocytes": n,
        "seed": seed,
        "positive_threshold": calibrated.positive_threshold,
        "negative_threshold": calibrated.negative_threshold,
        "treg_threshold": calibrated.treg_threshold,
        "fraction_selected": float(mature.mean()),
        "fraction_deleted": float(deleted.mean()),
        "fraction_neglected": float(neglected.mean()),
        "treg_fraction_of_cd4": float(regulatory.sum() / max(mature.sum(), 1)),
        "targets": {
            "fraction_selected": fraction_selected,
            "deleted_per_selected": deleted_per_selected,
            "treg_fraction_of_cd4": treg_fraction_of_cd4,
        },
        "n_ubiquitous_ligands": display.n_ubiquitous,
        "activation_threshold": calibrate_activation_threshold(
            energies.receptors.take(np.nonzero(conventional)[0]), display, potential=model.potential
        ),
        "potential": model.potential,
        "germline_sd": model.germline_sd,
    }


def calibrate_activation_threshold(
    mature: Receptors,
    display: ThymicDisplay,
    target_probability: float = TARGET_MATURE_RECOGNITION_PROBABILITY,
    *,
    max_clones: int = 20_000,
    potential: str = DEFAULT_POTENTIAL,
) -> float:
    """The activation threshold (kT) at which the given mature clones recognise a
    random ligand of the foreign panel with ``target_probability`` on average
    (energies under the contact ``potential``, the model's that selected them).

    Exact order statistic over (clone, panel ligand) pairs, computed in chunks
    (only energies below a running cap are kept).
    """
    if not 0 < target_probability < 1:
        raise InputError("target_probability", f"{target_probability} is outside (0, 1)")
    n = min(len(mature), int(max_clones))
    if n == 0:
        raise InputError("mature", "no mature clones to calibrate on")
    mature = mature.take(slice(0, n))
    n_pairs = n * display.foreign_contacts.shape[0]
    k = max(1, int(round(target_probability * n_pairs)))
    kept: list[np.ndarray] = []
    cap = np.inf
    for start in range(0, n, 1024):
        block = interaction_energies(
            mature.take(slice(start, min(n, start + 1024))), display.foreign_contacts, display.foreign_molecule,
            potential=potential,
        )
        low = block[block <= cap].astype(np.float64)
        kept.append(low)
        pool = np.concatenate(kept)
        if pool.size > 4 * k:
            pool = np.partition(pool, 4 * k)[: 4 * k]
            cap = pool.max()
            kept = [pool]
    pool = np.sort(np.concatenate(kept))
    if pool.size < k + 1:
        raise InputError("target_probability", "too few pairs for this target; use more clones")
    return round(float(0.5 * (pool[k - 1] + pool[k])), 3)
