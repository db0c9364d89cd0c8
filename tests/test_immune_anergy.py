"""Peripheral tolerance: a self peptide presented without costimulation makes its clones
anergic (Schwartz RH, Annu Rev Immunol 2003 -- signal 1 without signal 2)."""

import numpy as np

from autoimmunity.immune import PersonInputs, build_model, make_schedule, simulate
from autoimmunity.immune import _kernel as K


def test_signal_without_costimulation_gives_anergy():
    m = build_model()
    m.site_tab[:, K.ST_DANGER0] = 0.0  # no danger anywhere: APCs give no costimulation
    G = len(m.groups)
    pg = np.zeros((1, G, K.N_PG))
    pg[0, :, K.PG_PRES] = 0.8
    pg[0, :, K.PG_N0] = 0.1
    px = np.array([[0.0, 1.0, 1.0, 1.0]])  # no Tregs and no iTreg: tolerogenic recruits all become anergic
    persons = PersonInputs(pg, px)
    sch = make_schedule(m, [{}], 3 * 365.0)
    r = simulate(m, persons, sch, [0.0, 3 * 365.0])
    gi = m.group_index("INS")
    N, A, E = (r.states[0, -1, gi * K.NG + v] for v in (K.VN, K.VA, K.VE))
    assert E == 0.0
    assert A > 0.5 * (A + N)  # most of the precursors met antigen and became anergic
