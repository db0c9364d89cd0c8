"""Presentation tables and ligands."""

import numpy as np
import pytest

from autoimmunity import InputError
from autoimmunity.molecular import PRESENTATION_THRESHOLD, present, presented_ligands


def test_present_returns_a_tidy_table_for_every_window_and_molecule():
    table = present("DRB1*04:01,DRB1*15:01", "INS,MBP")
    expected_cols = {"protein", "start", "peptide", "core", "register", "allele", "score", "percentile_rank", "presented"}
    assert expected_cols <= set(table.columns)
    n_windows = (110 - 14) + (304 - 14)
    assert len(table) == 2 * n_windows
    row = table.iloc[0]
    assert row.peptide[row.register : row.register + 9] == row.core
    assert (table["presented"] == (table["percentile_rank"] <= PRESENTATION_THRESHOLD)).all()


def test_random_background_presents_about_threshold_fraction():
    """By construction of %rank, real proteins present roughly the threshold fraction of windows."""
    table = present("DRB1*01:01", "all")
    assert 0.005 < table["presented"].mean() < 0.06


def test_mbp_85_99_is_presented_by_drb1_1501():
    """Smith KJ et al. J Exp Med 1998;188:1511 (PDB 1BX2): core VHFFKNIVT."""
    ligands = presented_ligands("DRB1*15:01", "MBP")
    hit = ligands[ligands["core"] == "VHFFKNIVT"]
    assert len(hit) == 1
    # TCR-facing residues P-1, P2, P3, P5, P8 of ...V[VHFFKNIVT]: V, H, F, K, V
    assert hit["tcr_contacts"].iloc[0] == "VHFKV"
    assert hit["p_minus1"].iloc[0] == "V"


def test_ligand_tcr_contacts_follow_the_core():
    ligands = presented_ligands("DRB1*04:01,DRB1*03:01", "all")
    assert len(ligands) > 50
    core = ligands["core"].str
    expected = ligands["p_minus1"].fillna("G") + core[1] + core[2] + core[4] + core[7]
    assert (ligands["tcr_contacts"] == expected).all()
    assert ligands["molecule_index"].isin([0, 1]).all()


def test_bad_threshold_is_rejected():
    with pytest.raises(InputError, match="threshold"):
        present("DRB1*04:01", "INS", threshold=0)


@pytest.mark.parametrize("molecule", ["DRB1*04:01", "DRB1*15:01", "HLA-DQA1*05:01-DQB1*02:01", "HLA-DQA1*03:01-DQB1*03:02"])
@pytest.mark.parametrize("symbol", ["INS", "GAD2", "GDA9", "EBNA1"])
def test_ligand_ranks_are_the_presented_ligands_numbers(molecule, symbol):
    """The array fast path the cohort engine uses gives exactly the core positions and best
    ranks of presented_ligands (same molecule, protein and threshold), in the same order."""
    from autoimmunity.molecular import get_protein, ligand_ranks, parse_genotype

    mol = parse_genotype(molecule).molecules[0]
    protein = get_protein(symbol)
    for threshold in (2.0, 10.0):
        table = presented_ligands(mol, [protein], threshold=threshold)
        core_start, rank = ligand_ranks(mol, protein, threshold=threshold)
        assert len(core_start) == len(table)
        np.testing.assert_array_equal(core_start, table["core_start"].to_numpy())
        np.testing.assert_array_equal(rank, table["percentile_rank"].to_numpy())
    assert len(core_start) > 0  # at rank 10 every pair here presents something
