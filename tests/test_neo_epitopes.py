"""Epitopes created by tTG deamidation are a specificity group of their own.

Coeliac lesion T cells are HLA-DQ2/DQ8-restricted and recognise gliadin peptides deamidated
by tissue transglutaminase (Sollid LM, Nat Rev Immunol 2002;2:647; Tollefsen S et al., J Clin
Invest 2006;116:2226: deamidation at P4/P6 for DQ2, P1/P9 for DQ8). Here that follows from
sequence: the created-epitope weight of a genotype is the presentation that deamidation adds
to the native protein's, and only the molecules that prefer acidic anchors gain any.
"""

import numpy as np
import pytest

from autoimmunity.host import Genotype, draw_people
from autoimmunity.host._seeding import _created_weight, _modified_protein, _p
from autoimmunity.immune._model import eaten_protein
from autoimmunity.immune import _kernel as K
from autoimmunity.immune import algebraic_at, build_model
from autoimmunity.immune._parameters import IDX, parameter_array
from autoimmunity.molecular import presented_ligands


@pytest.fixture(scope="module")
def gliadin():
    return eaten_protein("GDA9"), _modified_protein("GDA9", "diet")


@pytest.mark.parametrize("hla", ["DRB1*03:01, DQA1*05:01-DQB1*02:01", "DRB1*04:01, DQA1*03:01-DQB1*03:02"])
def test_dq2_and_dq8_present_epitopes_that_deamidation_creates(gliadin, hla):
    assert _created_weight(hla, *gliadin) > 0.5


@pytest.mark.parametrize("hla", [
    "DRB1*15:01, DQA1*01:02-DQB1*06:02",  # DR15-DQ6.2
    "DRB1*01:01, DQA1*01:01-DQB1*05:01",  # DR1-DQ5
    "DRB1*13:01, DQA1*01:03-DQB1*06:03",  # DR13-DQ6.3
    "DRB1*04:01, DQA1*03:01-DQB1*03:01",  # DR4-DQ7: DRB1*04:01 without DQ8 gains nothing
])
def test_molecules_without_acidic_anchor_preference_gain_nothing(gliadin, hla):
    native, modified = gliadin
    assert _created_weight(hla, native, modified) == 0.0
    # ... although they present native gliadin (oral tolerance has a native group to act on)
    assert len(presented_ligands(hla, native, threshold=_p("rank_window"))) > 0


def test_created_weight_is_the_gain_over_the_native_ligand_at_each_core(gliadin):
    """The definition, recomputed from the public presentation tables."""
    native, modified = gliadin
    hla = "DRB1*03:01, DRB1*04:01, DQA1*05:01-DQB1*02:01, DQA1*03:01-DQB1*03:02"
    window, scale = _p("rank_window"), _p("rank_scale")

    def weights(protein):
        t = presented_ligands(hla, protein, threshold=window)
        return {(a, s): 2.0 ** (-r / scale) for a, s, r in zip(t["allele"], t["core_start"], t["percentile_rank"])}

    wn, wm = weights(native), weights(modified)
    expected = sum(max(w - wn.get(k, 0.0), 0.0) for k, w in wm.items())
    assert expected > 0
    assert _created_weight(hla, native, modified) == pytest.approx(expected, rel=1e-12)


def test_created_epitopes_are_presented_as_far_as_gliadin_is_deamidated():
    """TCR signal of the deamidated group = presentation x deamidated share x antigen occupancy;
    the share rises from ``deamidation_base`` towards ``deamidation_inflamed`` with APC activation
    (tTG is activated in inflamed tissue)."""
    m = build_model()
    g = m.group_index("GDA9_deamidated")
    assert m.groups[g].symbol == "GDA9" and m.groups[g].modified and not m.groups[m.group_index("GDA9")].modified
    persons = draw_people(m, [Genotype("DRB1*03:01, DQA1*05:01-DQB1*02:01")], np.random.default_rng(0))
    pres = persons.pg[0, g, K.PG_PRES]
    assert pres > 0
    diet = np.zeros(len(m.diets))
    diet[m.diets.index("gluten")] = 10.0
    site = m.site_index(m.groups[g].site)
    y = np.zeros(m.n_state)
    par = parameter_array()
    base, inflamed = par[IDX["deamidation_base"]], par[IDX["deamidation_inflamed"]]
    for apc in (0.0, 3.0):
        y[len(m.groups) * K.NG + site * K.NS + K.SI] = apc
        sigma, antigen, _ = algebraic_at(m, persons, 0, y, diet)
        share = base + (inflamed - base) * apc / (1.0 + apc)
        a = antigen[g]
        assert sigma[g] == pytest.approx(pres * share * a / (1.0 + a), rel=1e-12)
        assert antigen[m.group_index("GDA9")] == a  # both groups eat the same gluten


def test_only_proteins_that_ttg_modifies_get_a_deamidated_group():
    """A dietary protein without tTG target glutamines (Q-X-P) cannot gain deamidation-created
    epitopes, so the model gives it no group for them (no clones, no cost)."""
    from autoimmunity.immune._model import _deamidated_by_ttg

    assert _deamidated_by_ttg("GDA9")
    assert not _deamidated_by_ttg("INS")  # no Q-X-P motif in preproinsulin
