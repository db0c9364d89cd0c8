"""The cohort runner on the real life-course engine (not the test double).

Small runs only: they check the wiring, the schema documented in docs/cohort.md and
determinism across chunk sizes with real per-person simulations; rates are the business
of the calibration script (scripts/calibrate_cohort.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from autoimmunity.cohort import RunConfig, load_cohort, run_cohort

SCHEMA = [
    "person_id", "family_id", "relation", "sex", "hla_drb1_1", "hla_drb1_2", "hla_dq_1", "hla_dq_2",
    "ebv_age", "enterovirus_infections", "gluten_g_per_day",
]


def test_real_engine_runs_and_is_identical_across_chunk_sizes(tmp_path):
    config = RunConfig(n=6, seed=3, twins=1, horizon_years=20.0)
    run_cohort(tmp_path / "a", config, chunk_size=10, progress=False)
    run_cohort(tmp_path / "b", config, chunk_size=4, progress=False)
    a, b = load_cohort(tmp_path / "a"), load_cohort(tmp_path / "b")
    assert len(a) == 6 + 4
    assert set(SCHEMA) <= set(a.columns)
    assert any(c.startswith("onset_age_") for c in a.columns)
    assert any(c.startswith("autoab_first_age_") for c in a.columns)
    outcome = [c for c in a.columns if c.startswith(("onset_age_", "autoab_first_age_"))]
    ages = a[outcome].to_numpy(dtype=float)
    assert np.all(np.isnan(ages) | ((ages >= 0) & (ages <= 20.0)))
    pd.testing.assert_frame_equal(
        a.drop(columns=["enterovirus_ages", "enterovirus_b_ages", "enterovirus_islet_ages"], errors="ignore").reset_index(drop=True),
        b.drop(columns=["enterovirus_ages", "enterovirus_b_ages", "enterovirus_islet_ages"], errors="ignore").reset_index(drop=True),
    )


def test_cohort_tolerance_keeps_outcomes(monkeypatch):
    """The cohort path's looser integrator settings (COHORT_RTOL/ATOL/HMAX, docs/cohort.md
    "Integrator tolerance") give the same people the same events as the per-person default
    (1e-6, 1e-9, 30-day steps), at nearly the same ages. Every enterovirus B infection is
    sent to the islets here (islet reach 1 instead of the calibrated share) so that 60
    people have events to compare."""
    from autoimmunity.cohort import CohortPlan, load_population, sample_families
    from autoimmunity.cohort import _engine

    plan = CohortPlan(60)
    pop = load_population("europe").with_exposures([("enterovirus", "islet_reach_share", 1.0)])
    people, seeds = sample_families(pop, plan, 5, 0, plan.n_families, 60.0)
    loose = _engine.lifecourse_engine(people, seeds, 60.0).to_numpy()
    monkeypatch.setattr(_engine, "COHORT_RTOL", 1e-6)
    monkeypatch.setattr(_engine, "COHORT_ATOL", 1e-9)
    monkeypatch.setattr(_engine, "COHORT_HMAX", 30.0)
    tight = _engine.lifecourse_engine(people, seeds, 60.0).to_numpy()
    assert np.isfinite(tight).sum() >= 5  # events to compare
    np.testing.assert_array_equal(np.isfinite(loose), np.isfinite(tight))
    both = np.isfinite(tight)
    assert np.max(np.abs(loose[both] - tight[both])) < 0.05
