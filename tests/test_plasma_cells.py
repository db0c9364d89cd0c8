"""Plasma-cell longevity: antibody to a ubiquitous self antigen lasts only while T-cell help does, antibody
to a pathogen outlasts the infection (long-lived plasma cells)."""

import numpy as np
import pytest

from autoimmunity.host import Genotype, draw_people
from autoimmunity.immune import _kernel as K
from autoimmunity.immune import build_model, make_schedule, simulate

DQ25_HOMO = "DRB1*03:01, DRB1*03:01, DQA1*05:01-DQB1*02:01, DQA1*05:01-DQB1*02:01"
FLU_HLA = "DRB1*15:01, DRB1*01:01, DQA1*01:02-DQB1*06:02, DQA1*01:01-DQB1*05:01"


def _antitg_after_gluten_stops(params=None):
    """A DQ2.5 homozygote with one tTG-specific B clone, a year on 10 g/day gluten, then a seeded burst of
    1000 units of deamidated-gliadin effectors (which help tTG B cells through tTG-gliadin complexes) and a
    gluten-free diet from day 30: anti-tTG titre every 10 days for 300 days."""
    m = build_model(params=params)
    p = draw_people(m, [Genotype(DQ25_HOMO)], np.random.default_rng(5))
    p.pg[0, m.group_index("TGM2"), K.PG_B0] = 1e-4  # one tTG B clone (100 cells; CELL_UNIT is 1e6 cells)
    year = 365.25
    rest = simulate(m, p, make_schedule(m, [{"infections": [], "diet": [(0.0, "gluten", 10.0)]}], year + 1), [year])
    y0 = rest.states[0][0].copy()
    y0[m.var_index("group", "GDA9_deamidated", "effector")] = 1000.0
    ts = np.arange(0.0, 301.0, 10.0)
    sched = make_schedule(m, [{"infections": [], "diet": [(0.0, "gluten", 10.0), (30.0, "gluten", 0.0)]}], 301.0)
    r = simulate(m, p, sched, ts, y0=y0[None, :])
    return ts, r.states[0][:, m.var_index("group", "TGM2", "antibody")]


def test_anti_ttg_falls_within_months_when_help_stops():
    """Serum anti-tTG IgA falls 14-fold in about 3 months on a gluten-free diet (Petroff D et al., Clin
    Gastroenterol Hepatol 2018;16:1442) and becomes negative in most within 1-2 years (Sbravati F et al., Dig
    Liver Dis 2022;54:336): tTG-specific plasma cells are short-lived, made while gluten-specific T cells
    help (few somatic mutations: Di Niro R et al., Nat Med 2012;18:441). In the model B cells for a
    ubiquitous self antigen make long-lived plasma cells at ``plasma_long_self`` of the usual rate."""
    ts, ab = _antitg_after_gluten_stops()
    peak = ab.max()
    assert peak > 10.0  # the burst made anti-tTG (titre 1 = positive)
    after = ab[np.searchsorted(ts, ts[ab.argmax()] + 90.0)]
    assert after < peak / 14.0 and ab[-1] < 1.0
    # with long-lived plasma cells made at the full rate the titre would stay positive
    _, ab_long = _antitg_after_gluten_stops({"plasma_long_self": 1.0})
    assert ab_long[-1] > 1.0


def _ha_antibody(params=None):
    m = build_model(params=params)
    p = draw_people(m, [Genotype(FLU_HLA)], np.random.default_rng(7))
    ts = np.array([20.0, 360.0])
    r = simulate(m, p, make_schedule(m, [{"infections": [(0.0, "influenza", 100.0)]}], 361.0), ts)
    return r.states[0][:, m.var_index("group", "HA", "antibody")]


def test_antibody_to_a_pathogen_outlasts_the_infection():
    """Antibody to a pathogen is kept by long-lived plasma cells (Amanna IJ et al., N Engl J Med
    2007;357:1903: antiviral antibody half-lives of decades): a year after influenza a fifth of the
    peak titre remains although the virus and the response are long gone; without long-lived plasma
    cells it would be gone."""
    peak, year = _ha_antibody()
    assert year > 0.2 * peak
    peak0, year0 = _ha_antibody({"plasma_long_rate": 0.0})
    assert year0 < 0.01 * peak0


def test_only_ubiquitous_self_antigens_lose_long_lived_plasma_cells():
    """Germinal-centre B cells for a self antigen present around the germinal centre are eliminated, those
    for rare or tissue-specific self antigens are not (Chan TD et al., Immunity 2012;37:893): tTG
    (ubiquitous) is flagged, the islet antigens, gliadin, pathogens and the microbiota are not."""
    m = build_model()
    flag = {g.label: m.grp_tab[i, K.GT_UBIQ] for i, g in enumerate(m.groups)}
    assert flag["TGM2"] == 1.0
    assert all(flag[s] == 0.0 for s in ("INS", "GAD2", "PTPRN", "SLC30A8", "G6PC2", "GDA9", "GDA9_deamidated", "HA", "MICROBIOTA"))
