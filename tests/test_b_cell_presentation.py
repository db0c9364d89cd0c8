"""The hapten-carrier T-B loop: tTG-specific B cells present the deamidated gliadin of the tTG-gliadin
complexes they take up (Sollid LM et al., Gut 1997;41:851; Hoydahl LS et al., Gastroenterology
2019;156:1428), with their own costimulation."""

import numpy as np

from autoimmunity.host import Genotype, draw_people
from autoimmunity.immune import _kernel as K
from autoimmunity.immune import build_model, initial_state

DQ25_HOMO = "DRB1*03:01, DRB1*03:01, DQA1*05:01-DQB1*02:01, DQA1*05:01-DQB1*02:01"


def _signal(params=None, gluten=10.0, b_cells=1.0):
    m = build_model(params=params)
    p = draw_people(m, [Genotype(DQ25_HOMO)], np.random.default_rng(0))
    y = initial_state(m, p)[0].copy()
    y[m.var_index("group", "TGM2", "b_activated")] = b_cells
    G, S = len(m.groups), len(m.sites)
    sig, ag, alg = np.zeros(G), np.zeros(G), np.zeros((S, K.N_AS))
    K.algebraic(y, m.params, m.grp_tab, m.site_tab, m.path_tab, m.help_link, p.pg[0], p.px[0],
                np.array([gluten]), sig, ag, alg)
    g = m.group_index("GDA9_deamidated")
    return sig[g], p.pg[0, g, K.PG_PRES]


def test_tTG_b_cells_present_deamidated_gliadin_only_with_gluten():
    """With tTG B cells active and gluten eaten, the deamidated-gliadin signal rises towards the full
    presentation factor (the complex is deamidated by tTG itself); without gluten there are no complexes,
    and without B cells (or with b_apc 0) only dendritic cells present."""
    with_b, pres = _signal()
    no_gluten, _ = _signal(gluten=0.0)
    no_b, _ = _signal(b_cells=0.0)
    off, _ = _signal({"b_apc": 0.0})
    assert no_gluten == 0.0
    assert off == no_b and no_b < 0.2 * pres  # dendritic cells at rest: deamidated share ~0.26, occupancy 0.5
    assert no_b < with_b <= pres and with_b > 0.9 * pres
