"""AIRR rearrangement export of the mature repertoire (issue 3).

Format: AIRR Rearrangement schema v1.4 (Vander Heiden JA et al. Front Immunol 2018;9:2206;
https://docs.airr-community.org/en/stable/datarep/rearrangements.html). scirpy's
``read_airr`` additionally needs cell_id, locus, productive, junction_aa and a count column.
When the ``airr`` reference library is installed the file is also run through its validator.
"""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from autoimmunity import InputError
from autoimmunity.cli import app
from autoimmunity.io import AIRR_COLUMNS, AIRR_REQUIRED, read_airr, repertoire_to_airr, write_airr
from autoimmunity.tolerance import CALIBRATION_HLA, central_tolerance

SCIRPY_NEEDS = ("cell_id", "locus", "productive", "junction_aa", "consensus_count", "duplicate_count")


@pytest.fixture(scope="module")
def repertoire():
    return central_tolerance(CALIBRATION_HLA, 10_000, 1_000, np.random.default_rng(17))


def test_export_has_required_and_scirpy_columns(repertoire):
    table = repertoire_to_airr(repertoire)
    assert set(AIRR_REQUIRED) <= set(table.columns)
    assert set(SCIRPY_NEEDS) <= set(table.columns)
    assert list(table.columns) == list(AIRR_COLUMNS)
    assert len(table) == repertoire.n_t_clones > 0
    assert (table["locus"] == "TRB").all() and (table["productive"] == "T").all()
    assert table["junction_aa"].str.len().eq(5).all()
    assert table["sequence_id"].is_unique
    assert set(table["lineage"]) <= {"CD4_conventional", "CD4_regulatory"}


def test_round_trip_and_b_cells(repertoire, tmp_path):
    path = write_airr(repertoire, tmp_path / "rep.tsv", include_b_cells=True)
    back = read_airr(path)
    expected = repertoire_to_airr(repertoire, include_b_cells=True)
    assert len(back) == repertoire.n_t_clones + repertoire.n_b_clones
    assert list(back["junction_aa"]) == list(expected["junction_aa"])
    assert set(back.loc[back["sequence_id"].str.startswith("B"), "locus"]) == {"IGH"}
    assert np.allclose(back["min_self_energy"], expected["min_self_energy"])


def test_validates_with_the_airr_library(repertoire, tmp_path):
    airr = pytest.importorskip("airr")
    path = write_airr(repertoire, tmp_path / "rep.tsv", include_b_cells=True)
    assert airr.validate_rearrangement(str(path))


def test_bad_paths(repertoire, tmp_path):
    with pytest.raises(InputError):
        write_airr(repertoire, tmp_path)
    with pytest.raises(InputError):
        write_airr(repertoire, tmp_path / "missing" / "rep.tsv")
    with pytest.raises(InputError):
        read_airr(tmp_path / "nothing.tsv")


def test_cli_writes_airr(tmp_path):
    out = tmp_path / "cli.tsv"
    result = CliRunner().invoke(app, ["thymus", "--hla", CALIBRATION_HLA, "--thymocytes", "3000", "--airr", str(out), "--json"])
    assert result.exit_code == 0, result.output
    table = read_airr(out)
    assert len(table) > 0 and set(AIRR_REQUIRED) <= set(table.columns)
