"""Bone-marrow B-cell tolerance (issue 3): editing, deletion, anergy, PTPN22.

Calibration targets: 55% of early immature B cells self-reactive (Wardemann H et al.
Science 2003;301:1374, lower bound of 55-75%); 2.5% of mature B cells anergic (B_ND cells,
Duty JA et al. J Exp Med 2009;206:139). Emergent check: receptor editing accounts for 25-50%
of the antibody repertoire (mouse estimates quoted by Wardemann H et al. J Exp Med
2004;200:191). PTPN22: Menard L et al. J Clin Invest 2011;121:3635.

Counts here are binomial; margins are 4 standard errors at n = 6,000 B cells.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autoimmunity import InputError
from autoimmunity.tolerance import (
    CALIBRATION_HLA,
    LINEAGE_B_ANERGIC,
    LINEAGE_B_NAIVE,
    TARGET_B_ANERGIC_FRACTION,
    TARGET_B_SELF_REACTIVE_IMMATURE,
    BoneMarrowParameters,
    ToleranceGenotype,
    central_tolerance,
    marrow_self_epitopes,
    simulate_bone_marrow,
)

N = 6_000


@pytest.fixture(scope="module")
def marrow():
    cache = {}

    def run(ptpn22="C/C", seed=21):
        key = (ptpn22, seed)
        if key not in cache:
            cache[key] = simulate_bone_marrow(N, np.random.default_rng(seed), genotype=ToleranceGenotype(ptpn22=ptpn22))
        return cache[key]

    return run


def test_calibrated_defaults_reproduce_the_targets(marrow):
    s = marrow().summary()
    p = TARGET_B_SELF_REACTIVE_IMMATURE
    assert abs(s["fraction_first_receptor_self_reactive"] - p) < 4 * math.sqrt(p * (1 - p) / N)
    survivors = s["fate_counts"]["naive"] + s["fate_counts"]["anergic"]
    q = TARGET_B_ANERGIC_FRACTION
    assert abs(s["anergic_fraction_of_mature"] - q) < 4 * math.sqrt(q * (1 - q) / survivors)
    # emergent, not calibrated: edited cells are 25-50% of the mature repertoire
    assert 0.25 <= s["edited_fraction_of_mature"] <= 0.5
    assert s["fate_counts"]["deleted"] + survivors == N


def test_editing_deletion_and_anergy_follow_the_thresholds(marrow):
    """Surviving C/C cells never bind marrow self at the editing threshold; anergic cells sit
    in the window between the two thresholds; naive cells above it (Goodnow CC et al. Nature
    1988;334:676: lower-avidity self recognition gives anergy)."""
    out = marrow()
    p = out.parameters
    assert (out.self_energy > p.edit_threshold).all()
    anergic = out.state == LINEAGE_B_ANERGIC
    assert (out.self_energy[anergic] <= p.anergy_threshold).all()
    assert (out.self_energy[out.state == LINEAGE_B_NAIVE] > p.anergy_threshold).all()
    assert (out.edits <= p.max_edits).all() and (out.edits > 0).any()
    # editing rescued cells whose first receptor was self-reactive
    assert out.fate_counts["edited_survivors"] > 0
    assert out.first_self_reactive > out.fate_counts["deleted"]


def test_tissue_restricted_antigens_escape_marrow_tolerance(marrow):
    """The marrow shows ubiquitous self only, so B cells against tissue-restricted antigens
    (e.g. G6PC2/IGRP, MOG) escape even in C/C, while none escapes a ubiquitous antigen."""
    escaped = marrow().summary()["escaped_by_antigen"]
    assert escaped["G6PC2"] > 0 or escaped["MOG"] > 0
    for symbol in ("VIM", "ENO1", "H3C1", "SNRPD1"):
        assert escaped[symbol] == 0


def test_ptpn22_risk_allele_lets_more_self_reactive_b_cells_escape(marrow):
    """Menard 2011: new emigrant and mature naive B cells of PTPN22 risk-allele carriers contain
    more autoreactive clones, dose-dependently."""
    cc, ct, tt = (marrow(g).summary() for g in ("C/C", "C/T", "T/T"))
    assert cc["self_reactive_naive_fraction"] == 0
    assert tt["self_reactive_naive_fraction"] > ct["self_reactive_naive_fraction"] > 0
    k = tt["self_reactive_naive"]
    assert k > 4 * math.sqrt(k)
    assert sum(tt["escaped_by_antigen"].values()) > sum(cc["escaped_by_antigen"].values())


def test_same_seed_same_result_and_energies_on_demand(marrow):
    a = simulate_bone_marrow(2_000, np.random.default_rng(5))
    b = simulate_bone_marrow(2_000, np.random.default_rng(5))
    assert a.fate_counts == b.fate_counts
    assert np.array_equal(a.receptors.contacts, b.receptors.contacts)
    rep = central_tolerance(CALIBRATION_HLA, 2_000, 1_000, np.random.default_rng(8))
    energies = rep.b_cell_energies("INS")
    assert energies.shape == (rep.n_b_clones,)
    assert np.allclose(rep.b_cell_energies("INS"), energies)
    seq_energy = rep.b_cell_energies("MALWMRLLPLLALLALWGPDPAAA")  # preproinsulin 1-24
    assert seq_energy.shape == (rep.n_b_clones,)
    assert "b_cells" in rep.summary()
    clones = rep.clones()
    assert set(clones[clones["clone_id"].str.startswith("B")]["lineage"]) <= {LINEAGE_B_NAIVE, LINEAGE_B_ANERGIC}


def test_marrow_self_is_genotype_independent_and_cached():
    first = marrow_self_epitopes(BoneMarrowParameters().marrow_self_residues)
    assert marrow_self_epitopes(BoneMarrowParameters().marrow_self_residues) is first
    assert first.shape[1] == 5 and first.shape[0] > 10_000


def test_bad_parameters_raise():
    with pytest.raises(InputError):
        BoneMarrowParameters(edit_threshold=-20.0, anergy_threshold=-21.0)
    with pytest.raises(InputError):
        BoneMarrowParameters(edited_positions=(7,))
    with pytest.raises(InputError):
        simulate_bone_marrow(0, np.random.default_rng(0))
