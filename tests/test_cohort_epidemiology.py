"""Epidemiology formulas on constructed data (each expected value computed independently)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autoimmunity.cohort import _epidemiology as epi


def test_odds_ratio_matches_statsmodels_and_hand_formula():
    from statsmodels.stats.contingency_tables import Table2x2

    r = epi.odds_ratio(40, 60, 10, 190)
    assert r["or"] == pytest.approx((40 * 190) / (60 * 10))
    lo, hi = Table2x2(np.array([[40, 60], [10, 190]])).oddsratio_confint()
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo, hi))
    se = np.sqrt(1 / 40 + 1 / 60 + 1 / 10 + 1 / 190)  # Woolf
    assert r["ci_low"] == pytest.approx(np.exp(np.log(r["or"]) - 1.959964 * se), rel=1e-5)
    z = epi.odds_ratio(0, 50, 5, 45)  # zero cell: statsmodels shift_zeros puts 0.5 in it
    assert z["or"] == pytest.approx(Table2x2(np.array([[0, 50], [5, 45]]), shift_zeros=True).oddsratio)
    assert np.isfinite(z["ci_low"]) and z["ci_low"] > 0


def test_concordance_formulas():
    # 3 concordant pairs, 4 discordant pairs, 5 unaffected pairs
    a = np.array([1, 1, 1, 1, 1, 0, 0] + [0] * 5, bool)
    b = np.array([1, 1, 1, 0, 0, 1, 1] + [0] * 5, bool)
    c = epi.concordance(a, b)
    assert (c["concordant"], c["discordant"]) == (3, 4)
    assert c["pairwise"] == pytest.approx(3 / 7)
    assert c["probandwise"] == pytest.approx(6 / 10)
    assert epi.concordance(np.zeros(3, bool), np.zeros(3, bool))["pairwise"] is None


def _constructed_cohort():
    rows = []
    pid = 0
    # MZ: 2 concordant, 2 discordant; DZ: 1 concordant, 3 discordant; siblings: 1 concordant, 1 discordant
    for relation, pairs in (("mz_twin", [(1, 1), (1, 1), (1, 0), (0, 1), (0, 0)]),
                            ("dz_twin", [(1, 1), (1, 0), (0, 1), (1, 0), (0, 0)]),
                            ("sibling", [(1, 1), (0, 1), (0, 0), (0, 0)])):
        for fam, (x, y) in enumerate(pairs):
            for v in (x, y):
                rows.append({"person_id": pid, "family_id": 1000 * len(relation) + fam, "relation": relation, "sex": "F",
                             "onset_age_t1d": 10.0 if v else np.nan})
                pid += 1
    for k in range(100):  # unrelated: 5% affected
        rows.append({"person_id": pid, "family_id": 10_000 + k, "relation": "none", "sex": "M" if k % 2 else "F",
                     "onset_age_t1d": 20.0 + k / 10 if k < 5 else np.nan})
        pid += 1
    return pd.DataFrame(rows)


def test_twin_concordance_and_sibling_recurrence():
    df = _constructed_cohort()
    tc = epi.twin_concordance(df)["t1d"]
    assert tc["mz_pairwise"] == pytest.approx(2 / 4) and tc["mz_probandwise"] == pytest.approx(4 / 6)
    assert tc["dz_pairwise"] == pytest.approx(1 / 4) and tc["dz_probandwise"] == pytest.approx(2 / 5)
    sr = epi.sibling_recurrence_ratio(df)["t1d"]
    assert sr["population_risk"] == pytest.approx(0.05) and sr["population_risk_from"] == "unrelated"
    assert sr["lambda_s"] == pytest.approx((2 / 3) / 0.05)
    # a siblings-only run (no unrelated people): the population risk is the siblings' own marginal risk
    sibs = df[df["relation"] == "sibling"]
    sr = epi.sibling_recurrence_ratio(sibs)["t1d"]
    assert sr["population_risk_from"] == "siblings" and sr["population_risk"] == pytest.approx(3 / 8)
    assert sr["lambda_s"] == pytest.approx((2 / 3) / (3 / 8))


def test_cumulative_incidence_without_censoring_equals_fraction():
    onset = np.array([1.0, 2.0, 2.0, 5.0, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan])
    df = pd.DataFrame({"onset_age_x": onset, "sex": ["F"] * 10})
    ci = epi.cumulative_incidence(df, "x", ages=(1, 2, 4, 10), horizon=10)
    assert ci == pytest.approx({1.0: 0.1, 2.0: 0.3, 4.0: 0.3, 10.0: 0.4})
    assert epi.prevalence_by_age(df, "x", ages=(1, 2, 4, 10), horizon=10) == pytest.approx(ci)


def test_autoantibody_progression_groups():
    # person 0: two abs at 1 and 2, T1D at 5 (multiple, event within 10 y)
    # person 1: two abs at 1 and 3, no T1D (multiple, censored at 10 y)
    # person 2: one ab at 4, T1D at 20 (single, no event within 10 y)
    # person 3: one ab at 4, T1D at 8 (single, event)
    nan = np.nan
    df = pd.DataFrame({
        "autoab_first_age_INS": [1.0, 1.0, 4.0, 4.0], "autoab_first_age_GAD2": [2.0, 3.0, nan, nan],
        "autoab_first_age_PTPRN": [nan] * 4, "autoab_first_age_SLC30A8": [nan] * 4,
        "onset_age_t1d": [5.0, nan, 20.0, 8.0]})
    res = epi.autoantibody_progression(df, horizon=80)
    assert res["multiple"]["n"] == 2 and res["multiple"]["risk"] == pytest.approx(0.5)
    assert res["single"]["n"] == 2 and res["single"]["risk"] == pytest.approx(0.5)


def test_hla_odds_ratio_classes_and_celiac_dq25():
    dq25, dq8 = epi.DQ25, epi.DQ8
    df = pd.DataFrame({
        "hla_drb1_1": ["DRB1*03:01", "DRB1*03:01", "DRB1*15:01", "DRB1*01:01"],
        "hla_drb1_2": ["DRB1*04:01", "DRB1*01:01", "DRB1*15:01", "DRB1*07:01"],
        "hla_dq_1": [dq25, dq25, "DQA1*01:02-DQB1*06:02", "DQA1*01:01-DQB1*05:01"],
        "hla_dq_2": [dq8, "DQA1*01:01-DQB1*05:01", "DQA1*01:02-DQB1*06:02", "DQA1*02:01-DQB1*02:02"],
        "hla_haplotype_1": ["DR3-DQ2.5", "DR3-DQ2.5", "DR15-DQ6.2", "DR1-DQ5"],
        "hla_haplotype_2": ["DR4-DQ8 (DRB1*04:01)", "DR1-DQ5", "DR15-DQ6.2", "DR7-DQ2.2"],
        "onset_age_celiac": [3.0, 4.0, np.nan, np.nan],
    })
    res = epi.hla_odds_ratios(df)["celiac"]
    assert res["DR3/DR4-DQ8"]["exposed_cases"] == 1 and res["DR3/DR4-DQ8"]["other_cases"] == 1
    assert res["hap:DR15-DQ6.2"]["exposed_noncases"] == 2 and res["hap:DR15-DQ6.2"]["exposed_cases"] == 0
    assert epi.celiac_dq25_fraction(df) == {"cases": 2, "cis": 1.0, "cis_or_trans": 1.0}


def test_calibration_table_reports_misses():
    summary = {"horizon_years": 80.0, "cumulative_incidence": {"t1d": {80.0: 0.02}},
               "hla_odds_ratios": {"t1d": {"DR3/DR4-DQ8": {"or": 15.0}}}}
    rows = {r["target"]: r for r in epi.calibration_table(summary)}
    assert rows["t1d_lifetime_risk"]["within_band"] is False
    assert rows["t1d_or_DR3/DR4-DQ8"]["within_band"] is True
    assert rows["celiac_prevalence"]["simulated"] is None
