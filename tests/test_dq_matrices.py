"""Tests for the shipped open HLA-DQ 9-mer core matrices and their fitting script.

Files: ``src/autoimmunity/data/dq_matrices.tsv`` and ``dq_matrices_provenance.tsv``, written by
``scripts/fit_dq_matrices.py`` (fitted to IEDB-derived BD2013 measurements, CC BY 4.0 IEDB; method
after SMM-align, Nielsen M et al. BMC Bioinformatics 2007;8:238). See ``docs/dq_models.md``.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "autoimmunity" / "data"
SCRIPT = ROOT / "scripts" / "fit_dq_matrices.py"
DOCS = ROOT / "docs" / "dq_models.md"
AA = "ACDEFGHIKLMNPQRSTVWY"

DQ25 = "HLA-DQA1*05:01-DQB1*02:01"
DQ8 = "HLA-DQA1*03:01-DQB1*03:02"
DQ62 = "HLA-DQA1*01:02-DQB1*06:02"
DQ75 = "HLA-DQA1*05:05-DQB1*03:01"
DQ22 = "HLA-DQA1*02:01-DQB1*02:02"
MOLECULES = {DQ25, DQ8, DQ62, DQ75, DQ22}

TARGET_CV_AUC = 0.75
"""Target CV AUC (binders at IC50 < 500 nM) set in the task brief for each fitted allele."""
DOCUMENTED_SHORTFALLS = {}
"""Fitted alleles whose shared-9-mer CV AUC misses TARGET_CV_AUC, with the value recorded in the
provenance file and reported in docs/dq_models.md. Changing the fit must update both."""


@pytest.fixture(scope="module")
def matrices() -> pd.DataFrame:
    return pd.read_csv(DATA / "dq_matrices.tsv", sep="\t", comment="#")


@pytest.fixture(scope="module")
def provenance() -> pd.DataFrame:
    return pd.read_csv(DATA / "dq_matrices_provenance.tsv", sep="\t", comment="#")


@pytest.fixture(scope="module")
def fitter():
    """The fitting script imported by path (scripts/ is not a package); os.environ restored."""
    saved = dict(os.environ)
    spec = importlib.util.spec_from_file_location("fit_dq_matrices", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    os.environ.clear()
    os.environ.update(saved)
    return module


def matrix(table: pd.DataFrame, molecule: str) -> pd.DataFrame:
    """9x20 weights (index P1..P9, columns AA) of one molecule."""
    sub = table[(table["molecule"] == molecule) & (table["position"] > 0)]
    return sub.pivot(index="position", columns="aa", values="weight")[list(AA)]


def test_shipped_table_shape(matrices):
    """Five molecules x (9 positions x 20 residues + 1 intercept), no missing weights."""
    assert list(matrices.columns) == ["molecule", "position", "aa", "weight"]
    assert set(matrices["molecule"]) == MOLECULES
    assert len(matrices) == 5 * (9 * 20 + 1)
    assert not matrices.isna().any().any()
    for mol, sub in matrices.groupby("molecule"):
        assert len(sub) == 181, mol
        assert (sub["position"] == 0).sum() == 1 and sub.loc[sub["position"] == 0, "aa"].item() == "-"
        core = sub[sub["position"] > 0]
        assert sorted(core["position"].unique()) == list(range(1, 10))
        assert not core.duplicated(["position", "aa"]).any()
        assert set(core["aa"]) == set(AA)


def test_shipped_table_header_gives_provenance():
    """Comment lines name the data source, its licence, the script and the method."""
    header = "".join(line for line in (DATA / "dq_matrices.tsv").open() if line.startswith("#"))
    for needle in ("IEDB", "CC BY 4.0", "scripts/fit_dq_matrices.py", "Nielsen", "PROXY",
                   "NOT fitted", "Bergseng"):
        assert needle in header


def test_provenance_rows(provenance):
    """One row per molecule; DQ7.5 is labelled a proxy and DQ2.2 as derived, without a CV AUC."""
    assert set(provenance["molecule"]) == MOLECULES and len(provenance) == 5
    basis = provenance.set_index("common_name")["basis"]
    assert basis["DQ2.5"] == basis["DQ8"] == basis["DQ6.2"] == "fitted"
    assert basis["DQ7.5"] == "proxy-fitted-on-DQA1*05:01-DQB1*03:01"
    assert basis["DQ2.2"] == "derived-from-anchors"
    dq22 = provenance.set_index("common_name").loc["DQ2.2"]
    assert np.isnan(dq22["cv_auc_500nM"]) and "not fitted" in dq22["anchor_checks"]


def test_cross_validated_auc(provenance):
    """CV AUC for IC50 < 500 nM binders meets 0.75 per fitted allele, or the miss is documented.

    Shared-9-mer folds (stricter than random folds); the target is from the task brief. A
    documented shortfall must match the recorded value and be stated in docs/dq_models.md;
    random-fold CV (the common but optimistic scheme) must still reach the target.
    """
    docs = DOCS.read_text()
    fitted = provenance[provenance["basis"] != "derived-from-anchors"].set_index("common_name")
    assert set(fitted.index) == {"DQ2.5", "DQ8", "DQ6.2", "DQ7.5"}
    for name, row in fitted.iterrows():
        assert row["n_measurements"] > 1000, name
        assert row["cv_auc_random_folds"] >= TARGET_CV_AUC, name
        if name in DOCUMENTED_SHORTFALLS:
            assert row["cv_auc_500nM"] == pytest.approx(DOCUMENTED_SHORTFALLS[name], abs=1e-4)
            assert f"{row['cv_auc_500nM']:.3f}" in docs and "below the 0.75 target" in docs
        else:
            assert row["cv_auc_500nM"] >= TARGET_CV_AUC, name


def test_dq8_prefers_glutamate_at_p9(matrices):
    """DQ8 P9: Glu buried in a positively charged pocket (Lee KH, Wucherpfennig KW, Wiley DC.
    Nat Immunol 2001;2:501; PDB 1JK8), so E must outweigh the mean residue at P9; the acidic P1
    is also required (same structure; Tollefsen S et al. JCI 2006)."""
    w = matrix(matrices, DQ8)
    assert w.loc[9, "E"] > w.loc[9].mean()
    assert w.loc[1, "E"] > w.loc[1].mean()


def test_dq25_prefers_deamidated_glutamate_at_p6(matrices):
    """DQ2.5 P6: the TG2-deamidated Glu is "an important anchor residue" (Kim CY et al. PNAS
    2004;101:4175), so E must outweigh the native Q at P6; P4 E for DQ2 (Tollefsen S et al. JCI
    2006) must beat the position mean. Both residues carry the fit's weak DQ2.5 anchor prior
    (docs/dq_models.md, Method step 5): P6 E holds without it (+0.100), P4 E does not (-0.004),
    so the P4 check tests the prior, not the data."""
    w = matrix(matrices, DQ25)
    assert w.loc[6, "E"] > w.loc[6, "Q"]
    assert w.loc[4, "E"] > w.loc[4].mean()


def test_dq22_is_dq25_plus_p3_threonine_serine(matrices):
    """DQ2.2 = DQ2.5 with P3 as a T/S anchor (Bergseng E et al. Immunogenetics 2015;67:73):
    identical elsewhere, T and S the two strongest P3 residues, non-T/S cores scored as in DQ2.5."""
    w22, w25 = matrix(matrices, DQ22), matrix(matrices, DQ25)
    others = [p for p in range(1, 10) if p != 3]
    np.testing.assert_allclose(w22.loc[others].to_numpy(), w25.loc[others].to_numpy(), atol=1e-6)
    assert set(w22.loc[3].nlargest(2).index) == {"T", "S"}
    intercept = matrices[matrices["position"] == 0].set_index("molecule")["weight"]
    # the P3 re-centring moved into the intercept: a core with A at P3 scores as in DQ2.5
    diff = (intercept[DQ22] + w22.loc[3, "A"]) - (intercept[DQ25] + w25.loc[3, "A"])
    assert abs(diff) < 1e-5


def test_shared_kmer_folds_keep_overlapping_peptides_together(fitter):
    """Peptides that share a 9-mer land in the same CV fold (no overlap leak across folds)."""
    peps = ["AAAAKKKKLLLLM", "KKKKLLLLMWW", "QQQQQQQQQQ", "QQQQQQQQQRR", "DEFGHIKLMN", "WYWYWYWYWY"]
    folds = fitter.shared_kmer_folds(peps, 3)
    assert folds[0] == folds[1] and folds[2] == folds[3]
    assert len(set(folds)) == 3


REFIT = """
import importlib.util, json, sys
import numpy as np, pandas as pd
spec = importlib.util.spec_from_file_location("fit_dq_matrices", sys.argv[1])
fit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fit)
data = pd.read_csv(fit.TRAIN_TSV, sep="\\t", comment="#")
sub = data[data["allele"] == fit.DQ8].iloc[:400]
model = fit.fit_pssm(list(sub["peptide"]), sub["measurement"].to_numpy(float), ridge_lambda=10.0,
                     rng=np.random.default_rng(int(sys.argv[2])), n_restarts=2)
print(json.dumps({"weights": model.weights.tolist(), "intercept": model.intercept}))
"""


def refit(seed: int) -> dict:
    """Fit DQ8 on its first 400 rows in a fresh single-BLAS-thread process (fast, reproducible)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", REFIT, str(SCRIPT), str(seed)], env=env,
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_refit_is_deterministic_and_recovers_dq8_p9():
    """Same seed -> bit-identical weights across processes; a 400-peptide DQ8 refit already shows
    the P9 Glu preference (Lee KH et al. Nat Immunol 2001;2:501) and zero-mean positions."""
    first, second = refit(0), refit(0)
    assert first == second
    w = np.array(first["weights"])
    assert w.shape == (9, 20)
    np.testing.assert_allclose(w.mean(axis=1), 0.0, atol=1e-9)
    assert w[8, AA.index("E")] > w[8].mean()
