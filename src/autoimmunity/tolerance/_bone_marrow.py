"""Central B-cell tolerance in the bone marrow: deletion, receptor editing and anergy.

A B-cell receptor is modelled with the same contact-energy machinery as the
T-cell receptor (:mod:`autoimmunity.molecular._tcr`): a 5-residue paratope whose
energy with a 5-residue *linear* epitope is the sum of Miyazawa-Jernigan contact
energies plus a per-cell framework term (one "molecule" column). The strongest
interaction over the self epitopes visible in the marrow decides:

1. ``E + s <= edit_threshold`` (high-avidity self recognition): receptor
   editing -- the light chain is replaced, i.e. the paratope positions in
   ``edited_positions`` are redrawn -- up to ``max_edits`` times; a cell still
   self-reactive after the last edit is deleted (Nemazee D, Buerki K. Nature
   1989;337:562; Tiegs SL et al. J Exp Med 1993;177:1009; Wardemann H et al.
   Science 2003;301:1374).
2. ``edit_threshold < E + s <= anergy_threshold`` (lower avidity): the cell
   matures but is anergic (Goodnow CC et al. Nature 1988;334:676; human
   B_ND cells, Duty JA et al. J Exp Med 2009;206:139).
3. otherwise: a naive mature B cell.

``s`` is the PTPN22 signalling shift (weaker BCR signalling from the 620W
phosphatase; carriers fail to remove developing autoreactive B cells, Menard L
et al. J Clin Invest 2011;121:3635).

Simplifications (documented in ``docs/tolerance.md``): linear 5-residue
epitopes; the marrow shows only ubiquitous self (tissue-restricted antigens
are absent); one avidity scale for membrane and soluble antigen.
"""

from __future__ import annotations

import numpy as np

from .._errors import InputError, require_generator
from ..molecular import Receptors, TCRModel, min_energies, random_receptors
from ._display import marrow_self_epitopes
from ._parameters import (
    TARGET_B_ANERGIC_FRACTION,
    TARGET_B_SELF_REACTIVE_IMMATURE,
    BoneMarrowParameters,
    ToleranceGenotype,
)
from ._repertoire import LINEAGE_B_ANERGIC, LINEAGE_B_NAIVE, BoneMarrowOutcome

__all__ = ["simulate_bone_marrow", "calibrate_bone_marrow", "bcr_model"]


def bcr_model(parameters: BoneMarrowParameters) -> TCRModel:
    """The contact-energy model used for B-cell receptors (framework term as germline)."""
    return TCRModel(germline_mean=parameters.germline_mean, germline_sd=parameters.germline_sd)


def _min(receptors: Receptors, epitopes: np.ndarray) -> np.ndarray:
    """Each receptor's strongest (lowest) energy over the linear epitopes (+inf if none)."""
    return min_energies(receptors, epitopes, 0)[0]


def _develop(n: int, rng: np.random.Generator, params: BoneMarrowParameters, shift: float):
    """Draw, test and edit ``n`` B cells. Returns (receptors, energy, edits, first_energy, deleted)."""
    model = bcr_model(params)
    epitopes = marrow_self_epitopes(params.marrow_self_residues)
    receptors = random_receptors(n, 1, rng, model)
    contacts = receptors.contacts.copy()
    germline = receptors.germline
    energy = _min(receptors, epitopes)
    first_energy = energy.copy()
    edits = np.zeros(n, dtype=np.int32)
    positions = np.asarray(params.edited_positions, dtype=np.int64)
    composition = model.composition()
    for _ in range(params.max_edits):
        needs = np.nonzero(energy + shift <= params.edit_threshold)[0]
        if needs.size == 0:
            break
        new = rng.choice(20, size=(needs.size, positions.size), p=composition).astype(np.uint8)
        block = contacts[needs]
        block[:, positions] = new
        contacts[needs] = block
        edits[needs] += 1
        energy[needs] = _min(Receptors(contacts[needs], germline[needs]), epitopes)
    deleted = energy + shift <= params.edit_threshold
    return Receptors(contacts, germline), energy, edits, first_energy, deleted


def simulate_bone_marrow(
    n_b_cells: int,
    rng: np.random.Generator,
    *,
    genotype: ToleranceGenotype | None = None,
    parameters: BoneMarrowParameters | None = None,
) -> BoneMarrowOutcome:
    """Develop ``n_b_cells`` immature B cells through marrow tolerance.

    Returns a :class:`BoneMarrowOutcome` with the surviving (naive or anergic)
    B cells; attach it to a T-cell repertoire with
    :meth:`Repertoire.with_bone_marrow`, or use
    :func:`autoimmunity.tolerance.central_tolerance` for both.
    """
    require_generator(rng)
    n = int(n_b_cells)
    if n < 1:
        raise InputError("b_cells", f"{n_b_cells} must be at least 1")
    genotype = genotype or ToleranceGenotype()
    params = parameters or BoneMarrowParameters()
    shift = params.ptpn22_shift_per_allele * genotype.ptpn22_t_alleles
    receptors, energy, edits, first_energy, deleted = _develop(n, rng, params, shift)
    survivors = np.nonzero(~deleted)[0]
    anergic = energy[survivors] + shift <= params.anergy_threshold
    state = np.where(anergic, LINEAGE_B_ANERGIC, LINEAGE_B_NAIVE)
    return BoneMarrowOutcome(
        parameters=params,
        model=bcr_model(params),
        genotype=genotype,
        signal_shift=float(shift),
        n_b_cells=n,
        fate_counts={
            "deleted": int(deleted.sum()),
            "edited_survivors": int((edits[survivors] > 0).sum()),
            "anergic": int(anergic.sum()),
            "naive": int((~anergic).sum()),
        },
        receptors=receptors.take(survivors),
        state=state,
        edits=edits[survivors],
        self_energy=energy[survivors],
        first_self_reactive=int((first_energy + shift <= params.edit_threshold).sum()),
    )


def calibrate_bone_marrow(
    *,
    n_b_cells: int = 100_000,
    seed: int = 2003,
    self_reactive_immature: float = TARGET_B_SELF_REACTIVE_IMMATURE,
    anergic_fraction: float = TARGET_B_ANERGIC_FRACTION,
    parameters: BoneMarrowParameters | None = None,
) -> dict:
    """Edit and anergy thresholds that reproduce the calibration targets.

    The edit threshold is the ``self_reactive_immature`` quantile of the first
    receptors' self energies (PTPN22 C/C). Editing depends only on that
    threshold, so the surviving cells' energies are then fixed and the anergy
    threshold is the ``anergic_fraction`` quantile of them. Closed form on the
    sample (order statistics).
    """
    params = parameters or BoneMarrowParameters()
    model = bcr_model(params)
    epitopes = marrow_self_epitopes(params.marrow_self_residues)
    probe = random_receptors(n_b_cells, 1, np.random.default_rng(seed), model)
    first = np.sort(_min(probe, epitopes).astype(np.float64))
    k = int(round(self_reactive_immature * first.size))
    edit = round(float(0.5 * (first[k - 1] + first[k])), 4)
    trial = params.with_(edit_threshold=edit, anergy_threshold=edit + 10.0)
    _, energy, _, _, deleted = _develop(n_b_cells, np.random.default_rng(seed), trial, 0.0)
    survivors = np.sort(energy[~deleted].astype(np.float64))
    j = int(round(anergic_fraction * survivors.size))
    anergy = round(float(0.5 * (survivors[j - 1] + survivors[j])), 4)
    summary = simulate_bone_marrow(
        n_b_cells, np.random.default_rng(seed), parameters=params.with_(edit_threshold=edit, anergy_threshold=anergy)
    ).summary()
    frac = summary["anergic_fraction_of_mature"]
    return {
        "n_b_cells": n_b_cells,
        "seed": seed,
        "edit_threshold": edit,
        "anergy_threshold": anergy,
        "fraction_first_receptor_self_reactive": summary["fraction_first_receptor_self_reactive"],
        "anergic_fraction_of_mature": frac,
        "edited_fraction_of_mature": summary["edited_fraction_of_mature"],
        "fraction_deleted": summary["fraction_deleted"],
        "targets": {"self_reactive_immature": self_reactive_immature, "anergic_fraction": anergic_fraction},
    }
