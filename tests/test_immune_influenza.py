"""Acute influenza in a healthy adult (expansion, contraction, memory; Murali-Krishna K et
al., Immunity 1998;8:177; Kaech SM & Ahmed R reviews): virus cleared within ~2 weeks,
antigen-specific CD4 effectors expand more than 170-fold (Varga SM & Welsh RM, J Immunol
1998;161:367: LCMV-specific CD4 precursors rose from <1/100,000 to ~1/600 of splenic CD4
T cells by day 10; the model's groups are class II-restricted CD4 cells, and CD4 bursts are
smaller than the >=10^4-fold CD8 bursts of Murali-Krishna 1998) and contract >=90% by day 30
leaving memory; a second exposure gives a faster, larger recall."""

import numpy as np
import pytest

from autoimmunity.host import Genotype, draw_people
from autoimmunity.immune import _kernel as K
from autoimmunity.immune import build_model, make_schedule, simulate

HLA = "DRB1*15:01, DRB1*01:01, DQA1*01:02-DQB1*06:02, DQA1*01:01-DQB1*05:01"


@pytest.fixture(scope="module")
def flu():
    m = build_model()
    persons = draw_people(m, [Genotype(HLA)], np.random.default_rng(7))
    sch = make_schedule(m, [{"infections": [(0.0, "influenza", 100.0), (365.0, "influenza", 100.0)]}], 500.0)
    ts = np.arange(0.0, 500.0, 0.25)
    return m, persons, ts, simulate(m, persons, sch, ts)


def test_primary_response(flu):
    m, persons, ts, r = flu
    S = r.states[0]
    V = S[:, m.var_index("pathogen", "influenza", "load")]
    E = S[:, m.var_index("group", "HA", "effector")]
    M = S[:, m.var_index("group", "HA", "memory")]
    n0 = persons.pg[0, m.group_index("HA"), K.PG_N0]
    first = ts < 365
    cleared = ts[first][np.argmax((V[first] < 1.0) & (ts[first] > 1.0))]
    assert 3.0 < cleared <= 14.0
    peak = E[first].max()
    t_peak = ts[first][E[first].argmax()]
    assert peak / n0 >= 170.0  # Varga & Welsh 1998 (CD4, LCMV)
    d30 = np.searchsorted(ts, 30.0)
    assert (E[d30] + M[d30]) <= 0.10 * peak  # >=90% contraction of the specific pool
    assert M[d30] > 0.01 * peak  # memory is left (~5% of peak)
    assert 5.0 <= t_peak <= 15.0


def test_recall_faster_and_larger(flu):
    m, persons, ts, r = flu
    E = r.states[0][:, m.var_index("group", "HA", "effector")]
    first, second = ts < 365, ts >= 365
    assert E[second].max() > E[first].max()
    assert ts[second][E[second].argmax()] - 365 < ts[first][E[first].argmax()]
