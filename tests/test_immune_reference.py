"""The batch integrator agrees with scipy's solve_ivp (Radau, tight tolerances) on the
same equations (one shared right-hand side) to relative 1e-3 on a reference scenario:
influenza at day 5 and gluten intake from day 0 for a healthy adult."""

import numpy as np

from autoimmunity.host import Genotype, draw_people
from autoimmunity.immune import build_model, make_schedule, reference_solve, simulate

HLA = "DRB1*15:01, DRB1*01:01, DQA1*01:02-DQB1*06:02, DQA1*01:01-DQB1*05:01"


def test_agrees_with_solve_ivp():
    # extinction below one infectious unit is a discrete event outside the ODE; switch it off
    m = build_model(params={"pathogen_extinct": 0.0})
    persons = draw_people(m, [Genotype(HLA)], np.random.default_rng(3))
    sch = make_schedule(m, [{"infections": [(5.0, "influenza", 100.0)], "diet": [(0.0, "gluten", 10.0)]}], 60.0)
    ts = np.arange(0.0, 60.0, 1.0)
    ours = simulate(m, persons, sch, ts, rtol=1e-9, atol=1e-12, hmax=1.0).states[0]
    ref = reference_solve(m, persons, sch, ts, method="Radau", rtol=1e-10, atol=1e-13)
    floor = 1e-6 * np.maximum(np.abs(ref).max(axis=0), 1e-12)
    rel = np.abs(ours - ref) / np.maximum(np.abs(ref), floor)
    assert np.nanmax(rel) < 1e-3
