"""Chronic antigen cannot grow a T-cell pool without bound.

In FOXP3 deficiency the gut's microbiota and dietary antigens are met for life with full
costimulation. Recall from memory is proliferative (it does not consume the memory pool), so
without competition for antigen (recall halves at ``effector_capacity``) and a homeostatic
memory niche (memory formation halves when the pool reaches ``effector_capacity``), memory ->
effector -> memory is an unbounded loop: effectors reached 1e17-1e25 CELL_UNIT within 5 years.
The bound asserted here is generous, 100 times the effector capacity (the scale of the largest
acute clonal burst); with the saturations the maxima are about 9x (effectors) and 17x (memory).
"""

import numpy as np

from autoimmunity.host import Genotype, draw_people
from autoimmunity.immune import PARAMETERS, IDX, build_model, make_schedule, simulate

YEAR = 365.25


def test_foxp3_null_pools_stay_bounded():
    m = build_model()
    g = Genotype("DRB1*15:01, DRB1*01:01, DQA1*01:02-DQB1*06:02, DQA1*01:01-DQB1*05:01", foxp3="null")
    persons = draw_people(m, [g] * 4, np.random.default_rng(1))
    sch = make_schedule(m, [{"infections": [], "diet": [(0.5 * YEAR, "gluten", 4.0)]}] * 4, 10 * YEAR)
    ts = np.arange(0.0, 10 * YEAR, 30.0)
    S = simulate(m, persons, sch, ts).states
    cap = PARAMETERS[IDX["effector_capacity"]].value
    for var in ("effector", "memory"):
        idx = [m.var_index("group", grp.symbol, var) for grp in m.groups]
        assert np.isfinite(S[:, :, idx]).all()
        assert S[:, :, idx].max() < 100 * cap, var
