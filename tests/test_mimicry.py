"""Molecular mimicry from sequence: exact cross-reactivity, intervals, searches.

Model: Košmrlj A et al., PNAS 2008;105:16671 (contact-energy receptors);
energies: Miyazawa & Jernigan, J Mol Biol 1996;256:623, Table III, and TCRen
(Karnaukhov V et al., Nat Comput Sci 2024; directed: TCR rows, peptide columns).
The EBNA1 / GlialCAM mimicry is Lanz TV et al., Nature 2022;603:321.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtr

from autoimmunity import InputError
from autoimmunity.molecular._mimicry import (
    MIMICRY_COLUMNS,
    MIMICRY_MODEL,
    MIMICRY_THRESHOLD,
    cross_reactivity,
    mimicry,
    mimicry_search,
    random_pair_null,
)
from autoimmunity.molecular._mimicry import _conditional_marginals
from autoimmunity.molecular._tcr import TCRModel, contact_energy_matrix, encode_contacts, precursor_frequency

TCREN = TCRModel(potential="tcren2024")


@pytest.fixture(scope="module")
def null():
    """Exact statistics of 300 random ligand pairs (fixed seed)."""
    return random_pair_null(300, np.random.default_rng(2024))


@pytest.fixture(scope="module")
def tcren_null():
    """Exact statistics of 2,000 random ligand pairs on one molecule under TCRen (the mimicry default);
    its 99th percentile needs more pairs than under Miyazawa-Jernigan (heavier tail: 300 pairs give 3.1e-3,
    2,000 give 5.1e-3)."""
    return random_pair_null(2_000, np.random.default_rng(2024), TCREN)


@pytest.fixture(scope="module")
def tcren_null_across():
    """The same for random pairs on two different molecules (independent germline terms)."""
    return random_pair_null(2_000, np.random.default_rng(2025), TCREN, same_molecule=False)


def all_receptor_strings():
    return np.stack(np.unravel_index(np.arange(20**5), (20,) * 5), axis=1)


def brute_force(a, b, model, same_molecule):
    """P(B | A) by explicit numpy enumeration of all 20^5 receptor strings
    (energies J[receptor residue, ligand residue] of the model's potential)."""
    J = contact_energy_matrix(model.potential)
    strings = all_receptor_strings()
    weights = np.prod(model.composition()[strings], axis=1)
    ca, cb = encode_contacts([a])[0], encode_contacts([b])[0]
    sa = J[strings, ca].sum(axis=1)
    sb = J[strings, cb].sum(axis=1)
    slack = model.recognition_threshold - model.germline_mean
    pa_t = ndtr((slack - sa) / model.germline_sd)
    if same_molecule:
        pab_t = ndtr((slack - np.maximum(sa, sb)) / model.germline_sd)
    else:
        pab_t = pa_t * ndtr((slack - sb) / model.germline_sd)
    return (weights @ pab_t) / (weights @ pa_t), weights @ pa_t


@pytest.mark.parametrize("same_molecule", [True, False])
def test_exact_fraction_matches_brute_force_enumeration(same_molecule):
    model = TCRModel()
    result = cross_reactivity("LLFVL", "LIFAW", same_molecule=same_molecule, model=model, n_receptors=100,
                              rng=np.random.default_rng(0))
    fraction, p_a = brute_force("LLFVL", "LIFAW", model, same_molecule)
    assert result.fraction == pytest.approx(fraction, rel=1e-9)
    assert result.p_recognise_a == pytest.approx(p_a, rel=1e-9)
    assert result.p_recognise_a == pytest.approx(precursor_frequency("LLFVL", model), rel=1e-9)
    assert result.p_recognise_b == pytest.approx(precursor_frequency("LIFAW", model), rel=1e-9)
    assert result.exact and result.same_molecule == same_molecule


@pytest.mark.parametrize("same_molecule", [True, False])
@pytest.mark.parametrize("pair", [("RKDEW", "RKDQW"), ("SVCFF", "PVHFI")])
def test_tcren_exact_fraction_matches_brute_force_enumeration(pair, same_molecule):
    """The directed TCRen potential through the exact enumeration: receptor rows, ligand columns."""
    result = cross_reactivity(*pair, same_molecule=same_molecule, model=TCREN, n_receptors=100,
                              rng=np.random.default_rng(0))
    fraction, p_a = brute_force(*pair, TCREN, same_molecule)
    assert result.fraction == pytest.approx(fraction, rel=1e-9)
    assert result.p_recognise_a == pytest.approx(p_a, rel=1e-9)
    assert result.p_recognise_b == pytest.approx(precursor_frequency(pair[1], TCREN), rel=1e-9)


def test_tcren_conditional_marginals_match_brute_force():
    """P(receptor residue t at contact k | recognises A), used to screen mimicry pairs."""
    J = contact_energy_matrix("tcren2024")
    strings = all_receptor_strings()
    weights = np.prod(TCREN.composition()[strings], axis=1)
    codes = encode_contacts(["RKDEW"])
    slack = TCREN.recognition_threshold - TCREN.germline_mean
    recognise = weights * ndtr((slack - J[strings, codes[0]].sum(axis=1)) / TCREN.germline_sd)
    marginals = _conditional_marginals(codes, TCREN)[0]
    for k in range(5):
        expected = np.bincount(strings[:, k], weights=recognise, minlength=20)
        np.testing.assert_allclose(marginals[k], expected / expected.sum(), rtol=1e-8, atol=1e-12)


def test_conditional_marginals_log_space_path_agrees_with_the_direct_one(monkeypatch):
    """Ligands almost no receptor recognises are rescaled in log space; on ordinary ligands both paths agree."""
    import autoimmunity.molecular._mimicry as mimicry_module

    codes = encode_contacts(["RKDEW", "SVCFF", "LLFVL", "GGGGG"])
    direct = _conditional_marginals(codes, TCREN)
    monkeypatch.setattr(mimicry_module, "_LOG_TINY", np.inf)
    np.testing.assert_allclose(_conditional_marginals(codes, TCREN), direct, rtol=1e-9, atol=1e-15)


def test_identical_contacts_cross_react_completely():
    result = cross_reactivity("GFVGK", "GFVGK", rng=np.random.default_rng(1))
    assert result.fraction == pytest.approx(1.0, abs=1e-9)
    assert result.overlap == pytest.approx(1.0, abs=1e-9)
    assert result.ci_high == 1.0 and result.ci_low > 0.999
    assert result.n_recognising_both == result.n_recognising_a == 10_000


def test_identical_contacts_on_different_molecules_need_both_germline_terms():
    """Independent germline terms: fraction = E[Phi_A^2] / E[Phi_A] < 1."""
    model = TCRModel()
    result = cross_reactivity("LLFVL", "LLFVL", same_molecule=False, rng=np.random.default_rng(2))
    assert result.fraction == pytest.approx(brute_force("LLFVL", "LLFVL", model, False)[0], rel=1e-9)
    assert 0.05 < result.fraction < 0.95
    assert result.ci_low <= result.fraction <= result.ci_high


def test_dissimilar_contacts_do_not_cross_react():
    """All five contacts changed from hydrophobic to charged or small residues."""
    result = cross_reactivity("LLFVL", "KDEGS", rng=np.random.default_rng(3))
    assert result.fraction < 1e-6
    assert result.n_recognising_both == 0 and result.ci_high < 1e-3


@pytest.mark.parametrize("pair", [("LLFVL", "LIFVL"), ("AVLSE", "AVISE"), ("SVCFF", "RAPVL")])
def test_interval_contains_the_exact_fraction(pair):
    result = cross_reactivity(*pair, n_receptors=20_000, rng=np.random.default_rng(4))
    assert result.ci_low <= result.fraction <= result.ci_high
    assert result.overlap_ci_low <= result.overlap <= result.overlap_ci_high
    assert result.ci_high - result.ci_low < 0.03


def test_conditional_fraction_saturates_for_random_pairs(null):
    """Why searches rank by overlap: with Miyazawa-Jernigan energies, P(B | A) is ~1
    whenever B is uniformly stickier than A, which is common among random pairs."""
    assert null["cross_reactivity"].quantile(0.9) > 0.999
    assert null["overlap"].quantile(0.5) < 0.01
    assert set(null.columns) >= {"a_contacts", "b_contacts", "overlap", "p_recognise_a", "p_recognise_b"}


def test_conservative_substitution_is_above_the_99th_percentile_of_random_pairs(null):
    """One conservative swap (Leu -> Ile at P2), the other four contacts shared."""
    result = cross_reactivity("LLFVL", "LIFVL", rng=np.random.default_rng(5))
    assert result.overlap > null["overlap"].quantile(0.99)


def ligand_table(rows, protein):
    return pd.DataFrame(
        [
            {"protein": protein, "core_start": start, "core": core, "allele": allele, "tcr_contacts": contacts,
             "percentile_rank": rank}
            for start, core, allele, contacts, rank in rows
        ]
    )


def search_inputs():
    own = ligand_table(
        [
            (10, "AAAAAAAAA", "HLA-DRB1*15:01", "LIFVL", 1.0),
            (20, "CCCCCCCCC", "HLA-DRB1*15:01", "KDEGS", 0.5),
            (30, "DDDDDDDDD", "HLA-DRB1*04:01", "LLFVL", 0.2),
        ],
        "SELF1",
    )
    foreign = ligand_table([(5, "EEEEEEEEE", "HLA-DRB1*15:01", "LLFVL", 1.5)], "VIRUS")
    return own, foreign


def test_mimicry_search_ranks_pairs_within_an_allele():
    own, foreign = search_inputs()
    table = mimicry_search(own, foreign, top=5, n_receptors=2_000, across_molecules=False, model=TCRModel(),
                           rng=np.random.default_rng(6))
    assert list(table.columns) == list(MIMICRY_COLUMNS)
    assert len(table) == 2  # the identical ligand on DRB1*04:01 is on another molecule
    best = table.iloc[0]
    assert (best.self_core_start, best.foreign_core_start, best.contact_identity) == (10, 5, 4)
    assert best.overlap > table.iloc[1].overlap
    assert best.ci_low <= best.cross_reactivity <= best.ci_high
    assert best.self_rank == 1.0 and best.foreign_rank == 1.5
    assert best.self_allele == best.foreign_allele == "HLA-DRB1*15:01" and best.same_molecule


@pytest.mark.parametrize("model", [TCRModel(), TCREN], ids=["mj1996", "tcren2024"])
def test_mimicry_search_pairs_ligands_across_molecules_with_independent_germline_terms(model):
    """A receptor selected on one molecule can see a peptide on another (Lang HL et al., Nat Immunol
    2002;3:940): the identical contacts on DRB1*04:01 now form a pair, scored as two molecules."""
    own, foreign = search_inputs()
    table = mimicry_search(own, foreign, top=5, n_receptors=2_000, model=model, rng=np.random.default_rng(6))
    assert len(table) == 3
    across = table[~table["same_molecule"]].iloc[0]
    assert (across.self_allele, across.foreign_allele, across.contact_identity) == ("HLA-DRB1*04:01",
                                                                                    "HLA-DRB1*15:01", 5)
    expected = cross_reactivity("LLFVL", "LLFVL", same_molecule=False, model=model, n_receptors=100,
                                rng=np.random.default_rng(0))
    assert across.overlap == pytest.approx(expected.overlap, rel=1e-9)
    assert across.cross_reactivity == pytest.approx(expected.fraction, rel=1e-9)
    assert across.ci_low <= across.cross_reactivity <= across.ci_high


def test_mimicry_search_without_a_shared_molecule_or_ligands_is_empty():
    own, foreign = search_inputs()
    other = foreign.assign(allele="HLA-DRB1*01:01")
    own_1501 = own[own["allele"] == "HLA-DRB1*15:01"]
    table = mimicry_search(own_1501, other, across_molecules=False, rng=np.random.default_rng(0))
    assert table.empty and list(table.columns) == list(MIMICRY_COLUMNS)
    table = mimicry_search(own.iloc[:0], foreign, rng=np.random.default_rng(0))
    assert table.empty and list(table.columns) == list(MIMICRY_COLUMNS)
    assert len(mimicry_search(own_1501, other, top=5, n_receptors=100, rng=np.random.default_rng(0))) == 2


def test_pairs_across_molecules_do_not_crowd_out_pairs_on_one_molecule():
    """The screen ignores germline terms, so pairs with identical contacts on two molecules screen as well
    as on one; each kind gets its own n_exact slots, so the best same-molecule pair is always evaluated."""
    own = ligand_table([(1, "A" * 9, "M1", "LLFVL", 1.0), (2, "A" * 9, "M2", "LLFVL", 1.0),
                        (3, "A" * 9, "M3", "LLFVL", 1.0)], "S")
    foreign = ligand_table([(9, "A" * 9, "M1", "LIFVL", 1.0), (8, "A" * 9, "M2", "LLFVL", 1.0),
                            (7, "A" * 9, "M3", "LLFVL", 1.0)], "F")
    table = mimicry_search(own, foreign, top=1, n_exact=1, n_receptors=200, model=TCREN, rng=np.random.default_rng(0))
    best = table.iloc[0]
    assert best.same_molecule and best.contact_identity == 5


def test_mimicry_search_screens_to_n_exact_pairs():
    rng = np.random.default_rng(7)
    letters = np.array(list("ACDEFGHIKLMNPQRSTVWY"))
    contacts = ["".join(rng.choice(letters, 5)) for _ in range(30)]
    own = ligand_table([(i, "A" * 9, "M", c, 1.0) for i, c in enumerate(contacts[:15])], "S")
    foreign = ligand_table([(i, "A" * 9, "M", c, 1.0) for i, c in enumerate(contacts[15:])], "F")
    table = mimicry_search(own, foreign, top=3, n_exact=10, n_receptors=500, rng=rng)
    assert len(table) == 3
    assert table["overlap"].is_monotonic_decreasing


def test_mimicry_search_input_errors():
    good = ligand_table([(1, "A" * 9, "M", "LLFVL", 1.0)], "P")
    with pytest.raises(InputError, match="self_ligands"):
        mimicry_search(good.drop(columns="tcr_contacts"), good, rng=np.random.default_rng(0))
    with pytest.raises(InputError, match="top"):
        mimicry_search(good, good, top=0, rng=np.random.default_rng(0))
    with pytest.raises(InputError, match="rng"):
        cross_reactivity("LLFVL", "LLFVL", rng=1)
    with pytest.raises(InputError):
        cross_reactivity("LLFV", "LLFVL", rng=np.random.default_rng(0))


def test_mimicry_presents_both_proteins_and_recomputes_contacts():
    from autoimmunity.molecular._presentation import presented_ligands

    table = mimicry("MBP", "EBNA1", "DRB1*15:01", top=5, n_receptors=2_000, rng=np.random.default_rng(8))
    assert len(table) >= 1 and list(table.columns) == list(MIMICRY_COLUMNS)
    ligands = presented_ligands("DRB1*15:01", "MBP", threshold=MIMICRY_THRESHOLD)
    row = table.iloc[0]
    hit = ligands[(ligands["core_start"] == row.self_core_start)].iloc[0]
    assert row.self_contacts == hit["p_minus1"] + hit["core"][1] + hit["core"][2] + hit["core"][4] + hit["core"][7]


@pytest.mark.xfail(
    strict=True,
    reason="Miyazawa-Jernigan energies (2% strong-binder cutoff): MJ energies are dominated by hydrophobicity, so "
    "random hydrophobic pairs share the same sticky receptors and the 99th percentile of the null overlap (~0.62) "
    "exceeds the best EBNA1-GlialCAM / EBNA1-MBP pairs (1.6e-4 / 0.10). Scoring after thymic selection does not "
    "rescue it: no matured receptor recognises either EBNA1 ligand (exact enumeration, docs/molecular.md).",
)
@pytest.mark.parametrize("self_protein", ["HEPACAM", "MBP"])
def test_ebna1_mimicry_beats_random_pairs_under_drb1_1501(null, self_protein):
    """Issue requirement: EBNA1 and GlialCAM (or MBP) cross-react above the 99th
    percentile of random peptide pairs under DRB1*15:01 (Lanz TV et al. 2022),
    here under Miyazawa-Jernigan energies and the 2% presentation cutoff."""
    table = mimicry(self_protein, "EBNA1", "DRB1*15:01", top=1, n_receptors=2_000, rng=np.random.default_rng(9),
                    model=TCRModel(), threshold=2.0)
    assert table["overlap"].iloc[0] > null["overlap"].quantile(0.99)


@pytest.mark.xfail(
    strict=True,
    reason="Mimicry defaults (TCRen, 10% weak-binder cutoff): the EBNA1 ligands of DRB1*15:01 share at most two of "
    "five TCR contacts with an MBP or GlialCAM ligand; the best of 45 EBNA1-GlialCAM pairs sits at the 98.5th "
    "percentile of single random pairs and the best of 15 EBNA1-MBP pairs at the 91st, what searches of those "
    "sizes find by chance (expected ~97.8th and ~93.8th). The EBNA1 386-405 / GlialCAM 370-389 cross-reactivity "
    "of Lanz et al. is an antibody's, on segments DR15 molecules do not present (best 15-mer %rank 93.6-98.0). "
    "The documented "
    "EBV-MBP T-cell mimic is found (test below).",
)
@pytest.mark.parametrize("self_protein", ["HEPACAM", "MBP"])
def test_ebna1_mimicry_beats_random_pairs_under_drb1_1501_with_mimicry_defaults(tcren_null, self_protein):
    """The issue requirement with the search's defaults (TCRen, weak-binder cutoff)."""
    table = mimicry(self_protein, "EBNA1", "DRB1*15:01", top=1, n_receptors=2_000, rng=np.random.default_rng(9))
    assert table["overlap"].iloc[0] > tcren_null["overlap"].quantile(0.99)


def test_ebv_polymerase_mimic_of_mbp_85_99_is_found_across_the_dr15_molecules(tcren_null, tcren_null_across):
    """The documented EBV-MBP T-cell mimic is recovered from sequence (a positive control of the method).

    Wucherpfennig KW, Strominger JL, Cell 1995;80:695: EBV DNA polymerase (BALF5) 627-641
    activates MBP 85-99-specific T-cell clones. Lang HL et al., Nat Immunol 2002;3:940 (PDB 1H15):
    one patient's TCR recognises MBP 85-99 on DRB1*15:01 and BALF5 627-641 on DRB5*01:01, the two
    DR molecules of the DR15 haplotype, whose TCR-facing surfaces are structurally equivalent.
    MBP 85-99 (classical 18.5-kDa numbering) is residues 217-231 of the 304-aa canonical isoform
    (P02686); its core VHFFKNIVT (MBP 89-97; Smith KJ et al., J Exp Med 1998;188:1511) starts at 221.
    BALF5 627-641 is TGGVYHFVKKHVHES (core from P1 Tyr631). Against single random pairs (below) the pair
    is extreme; against whole searches of random proteins of BALF5's length it is exceeded in 5 of 300
    (validation/ebv_mbp_mimicry.py, docs/molecular.md), by pairs on one molecule.
    """
    table = mimicry("MBP", "BALF5", "DRB1*15:01,DRB5*01:01", top=3, n_receptors=2_000,
                    rng=np.random.default_rng(9))
    best = table.iloc[0]
    assert (best.self_core, best.self_core_start, best.self_allele) == ("VHFFKNIVT", 221, "HLA-DRB1*15:01")
    assert (best.foreign_core, best.foreign_core_start, best.foreign_allele) == ("YHFVKKHVH", 631, "HLA-DRB5*01:01")
    assert best.contact_identity == 5 and not best.same_molecule
    assert best.overlap > 5 * table.iloc[1].overlap
    assert best.overlap > tcren_null["overlap"].quantile(0.99)
    assert best.overlap > 10 * tcren_null_across["overlap"].max()


def test_mj_energies_cannot_see_the_cross_molecule_mimic(tcren_null_across):
    """Why searches default to TCRen: under Miyazawa-Jernigan energies (germline sd 1.5 kT) the identical
    contacts of the Lang et al. pair on two molecules overlap less than random pairs' 99th percentile."""
    mj = TCRModel()
    assert MIMICRY_MODEL.potential == "tcren2024"
    mj_null = random_pair_null(500, np.random.default_rng(2025), mj, same_molecule=False)
    mj_pair = cross_reactivity("VHFKV", "VHFKV", same_molecule=False, model=mj, rng=np.random.default_rng(0))
    assert mj_pair.overlap < mj_null["overlap"].quantile(0.99)
    tcren_pair = cross_reactivity("VHFKV", "VHFKV", same_molecule=False, model=TCREN, rng=np.random.default_rng(0))
    assert tcren_pair.overlap > 10 * tcren_null_across["overlap"].max()
