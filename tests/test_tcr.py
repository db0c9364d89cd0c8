"""T-cell receptor recognition: contact energies, kernels, calibration.

Contact energies: Miyazawa S, Jernigan RL, J Mol Biol 1996;256:623, Table III;
TCRen: Karnaukhov V et al., Nat Comput Sci 2024 (GitHub antigenomics/tcren,
data/TCRen_potential.csv).
Calibration target: naive CD4 precursor frequency 0.2-10 per 10^6 (Kwok WW et
al., J Immunol 2012;188:2537).
"""

import numpy as np
import pytest

from autoimmunity import InputError
from autoimmunity.molecular._aminoacids import ALPHABET
from autoimmunity.molecular._antigens import human_aa_composition
from autoimmunity.molecular._tcr import (
    CONTACT_POTENTIALS,
    DEFAULT_RECOGNITION_THRESHOLD,
    DEFAULT_RECOGNITION_THRESHOLDS,
    TCR_CONTACT_POSITIONS,
    Receptors,
    TCRModel,
    _energies_reference,
    calibrate_recognition_threshold,
    contact_energy_matrix,
    contact_potential_table,
    count_recognised,
    encode_contacts,
    interaction_energies,
    mean_recognition_probability,
    min_energies,
    precursor_frequency,
    random_receptors,
    tcr_contacts,
)


def aa(letter):
    return ALPHABET.index(letter)


def test_contact_matrix_reordering_reproduces_published_diagonal():
    """MJ 1996 Table III: e_LL = -7.37, e_FF = -7.26, e_KK = -0.12, e_AW = -3.82."""
    J = contact_energy_matrix()
    assert J[aa("L"), aa("L")] == pytest.approx(-7.37)
    assert J[aa("F"), aa("F")] == pytest.approx(-7.26)
    assert J[aa("K"), aa("K")] == pytest.approx(-0.12)
    assert J[aa("A"), aa("W")] == pytest.approx(-3.82)
    assert np.array_equal(J, J.T)
    assert np.array_equal(J[aa("X")], J[aa("Q")])  # citrulline scored as glutamine


def test_tcr_contacts_are_p_minus1_p2_p3_p5_p8():
    assert TCR_CONTACT_POSITIONS == (-1, 2, 3, 5, 8)
    assert tcr_contacts("VFVYGGSKT", "G") == "GFVGK"
    assert tcr_contacts("VHFFKNIVT", "V") == "VHFKV"  # MBP 85-99 core, P-1 = V
    assert tcr_contacts("VHFFKNIVT", None) == "GHFKV"  # N-terminal core: P-1 taken as G
    assert tcr_contacts("AXAAAAAXA", "R") == "RXAAX"  # citrulline kept as X
    with pytest.raises(InputError, match="core"):
        tcr_contacts("VHFFKNIV", "V")
    with pytest.raises(InputError):
        tcr_contacts("VHFFKNIVT", "VV")


def test_hand_computed_energy_with_germline_column_and_citrulline():
    receptors = Receptors(encode_contacts(["LFKAG"]), np.array([[0.5, -1.25]], dtype=np.float32))
    ligand = encode_contacts(["LFKWX"])
    # -1.25 (molecule 1) + LL -7.37 + FF -7.26 + KK -0.12 + AW -3.82 + GQ -1.66 (X scored as Q)
    expected = -1.25 - 7.37 - 7.26 - 0.12 - 3.82 - 1.66
    assert interaction_energies(receptors, ligand, [1])[0, 0] == pytest.approx(expected, abs=1e-5)
    assert min_energies(receptors, ligand, [1])[0][0] == pytest.approx(expected, abs=1e-5)
    assert interaction_energies(receptors, ligand, [0])[0, 0] == pytest.approx(expected + 1.75, abs=1e-5)


def test_germline_column_is_selected_by_ligand_molecule():
    receptors = Receptors(encode_contacts(["AAAAA", "LLLLL"]), np.array([[0, 10, -10], [1, 2, 3]], dtype=np.float32))
    ligands = encode_contacts(["LFKWY"] * 3)
    energies = interaction_energies(receptors, ligands, np.array([0, 1, 2]))
    np.testing.assert_allclose(energies[0, 1] - energies[0, 0], 10, atol=1e-5)
    np.testing.assert_allclose(energies[0, 2] - energies[0, 0], -10, atol=1e-5)
    np.testing.assert_allclose(energies[1] - energies[1, 0], [0, 1, 2], atol=1e-5)


@pytest.mark.parametrize("n_molecules", [1, 4])
def test_kernels_match_the_numpy_reference(rng, n_molecules):
    receptors = random_receptors(700, n_molecules, rng)
    ligands = rng.integers(0, 21, size=(900, 5)).astype(np.uint8)  # includes citrulline codes
    molecule = rng.integers(0, n_molecules, size=900)
    reference = _energies_reference(receptors, ligands, molecule)
    energies = interaction_energies(receptors, ligands, molecule)
    assert energies.dtype == np.float32 and energies.shape == (700, 900)
    np.testing.assert_allclose(energies, reference, atol=1e-4, rtol=0)
    best, arg = min_energies(receptors, ligands, molecule)
    assert best.dtype == np.float32 and arg.dtype == np.int32
    assert np.array_equal(best, energies.min(axis=1))
    assert np.array_equal(arg, energies.argmin(axis=1))
    np.testing.assert_allclose(best, reference.min(axis=1), atol=1e-4)
    threshold = -24.005  # energies are on a 0.01 grid plus germline; counts away from float ties
    counts = count_recognised(receptors, ligands, molecule, threshold)
    assert np.array_equal(counts, (energies <= np.float32(threshold)).sum(axis=1))
    assert abs(int(counts.sum()) - int((reference <= threshold).sum())) <= 2
    assert counts.sum() > 0


def test_empty_inputs():
    receptors = random_receptors(3, 2, np.random.default_rng(0))
    best, arg = min_energies(receptors, np.zeros((0, 5), np.uint8), np.zeros(0, int))
    assert np.isinf(best).all() and (arg == -1).all()
    assert interaction_energies(receptors.take([]), encode_contacts(["AAAAA"]), 0).shape == (0, 1)


def test_same_seed_same_receptors():
    a = random_receptors(1000, 3, np.random.default_rng(7))
    b = random_receptors(1000, 3, np.random.default_rng(7))
    c = random_receptors(1000, 3, np.random.default_rng(8))
    assert np.array_equal(a.contacts, b.contacts) and np.array_equal(a.germline, b.germline)
    assert not np.array_equal(a.contacts, c.contacts)
    assert a.contacts.dtype == np.uint8 and a.germline.dtype == np.float32 and a.germline.shape == (1000, 3)
    assert a.contacts.max() < 20  # receptors are never citrullinated


def test_random_receptors_follow_the_model():
    model = TCRModel(germline_mean=1.0, germline_sd=0.5)
    receptors = random_receptors(50_000, 2, np.random.default_rng(1), model)
    assert receptors.germline.mean() == pytest.approx(1.0, abs=0.01)
    assert receptors.germline.std() == pytest.approx(0.5, abs=0.01)
    freq = np.bincount(receptors.contacts.ravel(), minlength=20) / receptors.contacts.size
    np.testing.assert_allclose(freq, human_aa_composition(), atol=0.003)


def test_calibration_reproduces_the_default_threshold():
    """Recorded calibration: 1e-5 -> -32.9068 kT (default germline N(0, 1.5))."""
    threshold = calibrate_recognition_threshold(1e-5)
    assert threshold == pytest.approx(-32.9068, abs=1e-3)
    assert DEFAULT_RECOGNITION_THRESHOLD == pytest.approx(threshold, abs=1e-3)
    assert mean_recognition_probability(TCRModel()) == pytest.approx(1e-5, rel=0.01)
    assert mean_recognition_probability(TCRModel(recognition_threshold=threshold)) == pytest.approx(1e-5, rel=1e-6)
    # a looser threshold recognises more; a wider germline spread needs a stricter one for the same target
    assert calibrate_recognition_threshold(1e-4) > threshold
    assert calibrate_recognition_threshold(1e-5, germline_sd=2.0) < threshold
    step = calibrate_recognition_threshold(1e-5, germline_sd=0.0)
    assert mean_recognition_probability(TCRModel(germline_sd=0.0, recognition_threshold=step)) >= 1e-5
    assert mean_recognition_probability(TCRModel(germline_sd=0.0, recognition_threshold=step - 0.01)) < 1e-5


def test_calibration_agrees_with_monte_carlo_on_independent_pairs():
    """At a 1e-2 target, 2e5 independent receptor-ligand pairs give ~2000 hits (SE 2.2%)."""
    model = TCRModel(recognition_threshold=calibrate_recognition_threshold(1e-2))
    rng = np.random.default_rng(3)
    n = 200_000
    receptors = random_receptors(n, 1, rng, model)
    ligands = rng.choice(20, size=(n, 5), p=human_aa_composition()).astype(np.uint8)
    J = contact_energy_matrix()
    energy = receptors.germline[:, 0] + J[receptors.contacts, ligands].sum(axis=1)
    observed = np.mean(energy <= model.recognition_threshold)
    assert observed == pytest.approx(1e-2, rel=4 * np.sqrt(0.99 / (n * 1e-2)))


def test_default_model_recognises_about_1e5_of_random_pairs():
    """20,000 x 20,000 random receptor-ligand pairs through the kernel. Pairs share
    receptors and ligands and recognition is very heavy-tailed, so the spread between
    seeds is wide (0.6-1.4e-5 over six seeds); the bound is a factor of 2."""
    rng = np.random.default_rng(0)
    model = TCRModel()
    receptors = random_receptors(20_000, 1, rng, model)
    ligands = rng.choice(20, size=(20_000, 5), p=human_aa_composition()).astype(np.uint8)
    rate = count_recognised(receptors, ligands, 0, model.recognition_threshold).sum() / 20_000**2
    assert 0.5e-5 < rate < 2e-5


def test_precursor_frequency_is_exact_against_sampling():
    """P(random receptor recognises LLFVL) vs 300,000 sampled receptors (binomial, 4 SE)."""
    model = TCRModel()
    exact = precursor_frequency("LLFVL", model)
    receptors = random_receptors(300_000, 1, np.random.default_rng(11), model)
    hits = count_recognised(receptors, encode_contacts(["LLFVL"]), 0, model.recognition_threshold).sum()
    se = np.sqrt(exact * (1 - exact) / 300_000)
    assert abs(hits / 300_000 - exact) < 4 * se
    many = precursor_frequency(["LLFVL", "KDEGS", "FLVLL"], model)
    assert many[0] == pytest.approx(exact) and many[2] == pytest.approx(exact)  # order-free sum
    assert many[1] < 1e-15  # charged, polar contacts: essentially no precursors


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"germline_sd": -1.0}, "germline_sd"),
        ({"germline_mean": float("nan")}, "germline_mean"),
        ({"recognition_threshold": float("inf")}, "recognition_threshold"),
        ({"recognition_threshold": "low"}, "recognition_threshold"),
        ({"receptor_composition": (1.0,) * 19}, "receptor_composition"),
        ({"receptor_composition": (-1.0,) + (1.0,) * 19}, "receptor_composition"),
    ],
)
def test_bad_model_parameters_raise_input_error(kwargs, field):
    with pytest.raises(InputError) as info:
        TCRModel(**kwargs)
    assert info.value.field == field


def test_bad_kernel_inputs_raise_input_error():
    receptors = random_receptors(4, 2, np.random.default_rng(0))
    with pytest.raises(InputError, match="ligand_molecule"):
        interaction_energies(receptors, encode_contacts(["AAAAA"]), [2])
    with pytest.raises(InputError, match="ligand_contacts"):
        min_energies(receptors, np.zeros((3, 4), np.uint8), [0, 0, 0])
    with pytest.raises(InputError):
        encode_contacts(["AAAA"])
    with pytest.raises(InputError, match="rng"):
        random_receptors(3, 1, 42)
    with pytest.raises(InputError, match="calibrate|target"):
        calibrate_recognition_threshold(2.0)


# -- TCRen (Karnaukhov et al. 2024): a directed TCR-peptide potential --------------------------


def test_tcren_table_is_tcr_rows_by_peptide_columns():
    """Published values (data/TCRen_potential.csv, residue.aa.from = TCR, residue.aa.to = peptide):
    E->M 1.7967212865502633, M->E 0.013457053393954548, R->E -0.7758417037385074,
    E->R -0.5071328421470871; no TCR-side cysteine row."""
    table = contact_potential_table("tcren2024")
    assert table.shape == (20, 20)
    assert list(table.index) == list(table.columns) == list("ACDEFGHIKLMNPQRSTVWY")
    assert (table.index.name, table.columns.name) == ("tcr", "peptide")
    assert table.loc["E", "M"] == pytest.approx(1.7967)  # TCR Glu, peptide Met
    assert table.loc["M", "E"] == pytest.approx(0.0135)  # TCR Met, peptide Glu: not symmetric
    assert table.loc["R", "E"] == pytest.approx(-0.7758)
    assert table.loc["E", "R"] == pytest.approx(-0.5071)
    assert table.loc["C"].isna().all() and table["C"].drop("C").notna().all()  # TCR-side Cys row only
    assert table.drop(index="C").notna().all().all()
    assert contact_potential_table().loc["L", "L"] == pytest.approx(-7.37)  # default: Miyazawa-Jernigan


def test_tcren_model_matrix_keeps_the_orientation():
    J = contact_energy_matrix("tcren2024")
    assert J.shape == (21, 21) and not J.flags.writeable
    assert J[aa("E"), aa("M")] == pytest.approx(1.797)  # rounded to the 0.001-kT grid
    assert J[aa("M"), aa("E")] == pytest.approx(0.014)  # 0.0135 (file) -> 0.014
    assert not np.array_equal(J, J.T)
    assert np.abs(J[:20, :20] - np.nan_to_num(contact_potential_table("tcren2024").to_numpy())).max() <= 0.00051
    assert np.array_equal(J[:, aa("X")], J[:, aa("Q")])  # citrulline in a ligand scored as glutamine
    assert np.all(J[aa("C")] == 0)  # unpublished TCR-side cysteine row: neutral
    assert np.array_equal(contact_energy_matrix("mj1996"), contact_energy_matrix())


def test_tcren_energy_uses_receptor_rows_and_ligand_columns():
    """Receptor E / ligand M and receptor M / ligand E differ by J[E,M] - J[M,E]."""
    germline = np.zeros((1, 1), np.float32)
    em = interaction_energies(Receptors(encode_contacts(["EAAAA"]), germline), encode_contacts(["MAAAA"]), 0,
                              potential="tcren2024")[0, 0]
    me = interaction_energies(Receptors(encode_contacts(["MAAAA"]), germline), encode_contacts(["EAAAA"]), 0,
                              potential="tcren2024")[0, 0]
    assert em == pytest.approx(1.797 + 4 * -0.154, abs=1e-5)
    assert me == pytest.approx(0.014 + 4 * -0.154, abs=1e-5)
    mj = interaction_energies(Receptors(encode_contacts(["EAAAA"]), germline), encode_contacts(["MAAAA"]), 0)[0, 0]
    assert mj == pytest.approx(-2.89 + 4 * -2.72, abs=1e-5)  # default potential unchanged


@pytest.mark.parametrize("n_molecules", [1, 3])
def test_tcren_kernels_match_the_numpy_reference(rng, n_molecules):
    model = TCRModel(potential="tcren2024")
    receptors = random_receptors(500, n_molecules, rng, model)
    ligands = rng.integers(0, 21, size=(700, 5)).astype(np.uint8)  # includes citrulline codes
    molecule = rng.integers(0, n_molecules, size=700)
    reference = _energies_reference(receptors, ligands, molecule, potential="tcren2024")
    energies = interaction_energies(receptors, ligands, molecule, potential="tcren2024")
    np.testing.assert_allclose(energies, reference, atol=1e-4, rtol=0)
    assert np.abs(energies - interaction_energies(receptors, ligands, molecule)).max() > 1.0  # not MJ
    best, arg = min_energies(receptors, ligands, molecule, potential="tcren2024")
    assert np.array_equal(best, energies.min(axis=1)) and np.array_equal(arg, energies.argmin(axis=1))
    threshold = -2.0005  # energies on a 0.001 grid plus germline; away from float ties
    counts = count_recognised(receptors, ligands, molecule, threshold, potential="tcren2024")
    assert np.array_equal(counts, (energies <= np.float32(threshold)).sum(axis=1))
    assert counts.sum() > 0


def test_tcren_calibration_and_defaults():
    """TCRen: germline sd 0.4 kT (one contact's spread, 0.395 kT), threshold -3.6195 kT for 1e-5."""
    model = TCRModel(potential="tcren2024")
    assert model.germline_sd == 0.4 and model.recognition_threshold == DEFAULT_RECOGNITION_THRESHOLDS["tcren2024"]
    threshold = calibrate_recognition_threshold(1e-5, potential="tcren2024")
    assert threshold == pytest.approx(-3.6195, abs=1e-3)
    assert model.recognition_threshold == pytest.approx(threshold, abs=1e-3)
    assert mean_recognition_probability(model) == pytest.approx(1e-5, rel=0.01)
    custom = TCRModel(potential="tcren2024", recognition_threshold=threshold)
    assert mean_recognition_probability(custom) == pytest.approx(1e-5, rel=1e-6)
    assert TCRModel().germline_sd == 1.5 and TCRModel().recognition_threshold == DEFAULT_RECOGNITION_THRESHOLD
    assert TCRModel(potential=" TCRen2024 ").potential == "tcren2024"


def test_tcren_exact_sums_agree_with_direct_energies():
    """Exact calibration at a 1e-2 target vs 2e5 independent pairs scored J[receptor, ligand],
    and an exact precursor frequency vs sampled receptors through the kernel."""
    model = TCRModel(potential="tcren2024", recognition_threshold=calibrate_recognition_threshold(1e-2, potential="tcren2024"))
    rng = np.random.default_rng(3)
    n = 200_000
    receptors = random_receptors(n, 1, rng, model)
    ligands = rng.choice(20, size=(n, 5), p=human_aa_composition()).astype(np.uint8)
    J = contact_energy_matrix("tcren2024")
    energy = receptors.germline[:, 0] + J[receptors.contacts, ligands].sum(axis=1)
    assert np.mean(energy <= model.recognition_threshold) == pytest.approx(1e-2, rel=4 * np.sqrt(0.99 / (n * 1e-2)))
    exact = precursor_frequency("RKDEW", model)
    hits = count_recognised(receptors, encode_contacts(["RKDEW"]), 0, model.recognition_threshold, potential="tcren2024").sum()
    assert abs(hits / n - exact) < 4 * np.sqrt(exact * (1 - exact) / n)
    assert precursor_frequency(["RKDEW", "WEDKR"], model)[1] == pytest.approx(exact)  # order-free sum


@pytest.mark.parametrize("bad", ["blosum62", "", None, 3])
def test_unknown_potential_raises_one_line_input_error(bad):
    with pytest.raises(InputError) as info:
        TCRModel(potential=bad)
    assert info.value.field == "potential"
    message = str(info.value)
    assert "\n" not in message and all(name in message for name in CONTACT_POTENTIALS)
    receptors = random_receptors(2, 1, np.random.default_rng(0))
    for call in (
        lambda: interaction_energies(receptors, encode_contacts(["AAAAA"]), 0, potential=bad),
        lambda: min_energies(receptors, encode_contacts(["AAAAA"]), 0, potential=bad),
        lambda: count_recognised(receptors, encode_contacts(["AAAAA"]), 0, -1.0, potential=bad),
        lambda: contact_energy_matrix(bad),
        lambda: contact_potential_table(bad),
        lambda: calibrate_recognition_threshold(1e-5, potential=bad),
    ):
        with pytest.raises(InputError, match="potential"):
            call()
