"""EBV: primary infection, then lifelong latency held in check by the immune response.

Reference facts: in healthy carriers the number of latently infected B cells is stable for
years in each person (Khan G et al., Immunity 1996;5:173: 1-50 per 10^6 B cells, stable on
repeated sampling), far below the primary infection (Hadinoto V et al., Blood
2008;111:1420: viral load falls by orders of magnitude after infectious mononucleosis), and
anti-EBNA1 IgG, once made, stays for life (it is the marker of past infection in the
seroprevalence surveys of data/population). The model must therefore keep reactivating
virus under control for decades: EBNA1-specific memory is maintained (recall is proliferative
and does not consume the memory pool), and the specific regulatory cells do not take over.
"""

import numpy as np
import pytest

from autoimmunity.host import Genotype, draw_people
from autoimmunity.immune import build_model, make_schedule, simulate

HLA = "DRB1*03:01, DRB1*15:01, DQA1*05:01-DQB1*02:01, DQA1*01:02-DQB1*06:02"
YEAR = 365.25
INFECTED = 12.0  # years of age at primary infection


@pytest.fixture(scope="module")
def ebv():
    m = build_model()
    persons = draw_people(m, [Genotype(HLA)], np.random.default_rng(1))
    sch = make_schedule(m, [{"infections": [(INFECTED * YEAR, "ebv", 100.0)]}], 45.0 * YEAR)
    ts = np.arange(0.0, 45.0 * YEAR, 10.0)
    r = simulate(m, persons, sch, ts, rtol=1e-5, atol=1e-8)
    S = r.states[0]

    def var(kind, name, v):
        return S[:, m.var_index(kind, name, v)]

    def at(x, years_after):
        return x[np.searchsorted(ts, (INFECTED + years_after) * YEAR)]

    return ts, var, at


def test_latent_load_stays_controlled_for_decades(ebv):
    ts, var, at = ebv
    load = var("pathogen", "ebv", "load")
    peak = load.max()
    assert ts[load.argmax()] < (INFECTED + 0.5) * YEAR  # the peak is the primary infection
    for years in (1.0, 10.0, 20.0, 30.0):
        assert at(load, years) < 0.01 * peak, years  # orders of magnitude below the primary peak
    assert at(load, 20.0) < 5.0 * at(load, 1.0)  # stable in each carrier (Khan 1996)
    assert at(var("pathogen", "ebv", "latent"), 20.0) > 0.5  # latency persists: no eradication


def test_specific_memory_and_antibody_persist(ebv):
    _, var, at = ebv
    memory = var("group", "EBNA1", "memory")
    treg = var("group", "EBNA1", "treg")
    antibody = var("group", "EBNA1", "antibody")
    assert at(memory, 20.0) > 0.1 * at(memory, 1.0)
    assert at(treg, 20.0) < 0.1 * at(memory, 20.0)  # regulation does not take over the response
    assert at(antibody, 30.0) > 0.5 * at(antibody, 1.0)  # anti-EBNA1 IgG for life
