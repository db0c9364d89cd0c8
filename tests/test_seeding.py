"""Per-genotype clone expectations (host._seeding): thymic deletion and its PTPN22 dependence."""

import numpy as np
import pytest

from autoimmunity.host import Genotype, genotype_expectation
from autoimmunity.host._seeding import SEEDING_PARAMETERS
from autoimmunity.immune import build_model

HLA = "DRB1*03:01, DRB1*04:01, DQA1*05:01-DQB1*02:01, DQA1*03:01-DQB1*03:02"


@pytest.fixture(scope="module")
def expectations():
    m = build_model()
    return m, {p: genotype_expectation(m, Genotype(HLA, ptpn22=p)) for p in ("C/C", "C/T", "T/T")}


def _index(m, symbol):
    return [g.label for g in m.groups].index(symbol)


def test_ptpn22_multiplies_escape_from_deletion_of_ubiquitous_antigens(expectations):
    """A ubiquitous antigen (tTG) is met by every thymocyte, so the naive pool is the share that
    escapes deletion: (1 - deletion_ubiquitous) x (1 + 0.9 per 620W allele). The earlier form
    (deletion x (1 - 0.1 per allele)) let 11x more clones escape per allele (0.109 against 0.01)."""
    m, e = expectations
    i = _index(m, "TGM2")
    assert e["C/C"].display[i] == 1.0 and e["C/C"].naive_cells[i] > 0
    assert e["C/T"].naive_cells[i] / e["C/C"].naive_cells[i] == pytest.approx(1.9)
    assert e["T/T"].naive_cells[i] / e["C/C"].naive_cells[i] == pytest.approx(2.8)
    # the thymic Tregs and presentation do not depend on PTPN22's deletion effect
    assert e["C/T"].treg_cells[i] == pytest.approx(e["C/C"].treg_cells[i])


def test_ptpn22_deletion_effect_on_tissue_restricted_antigens_is_unchanged(expectations):
    """For AIRE-dependent islet antigens (deletion 0.9) the escape form keeps the earlier 10%
    relative loss of deletion per allele exactly: naive = total x (1 - display x 0.9 x 0.9)."""
    m, e = expectations
    for symbol in ("INS", "GAD2"):
        i = _index(m, symbol)
        d = e["C/C"].display[i]
        assert 0.0 < d < 1.0
        total = e["C/C"].naive_cells[i] / (1.0 - d * 0.9)
        assert e["C/T"].naive_cells[i] == pytest.approx(total * (1.0 - d * 0.81))
        assert e["T/T"].naive_cells[i] == pytest.approx(total * (1.0 - d * 0.72))
        assert np.all(np.diff([e[p].naive_cells[i] for p in ("C/C", "C/T", "T/T")]) > 0)


DQ25 = "DRB1*03:01, DQA1*05:01-DQB1*02:01"


def test_homozygous_molecules_present_with_twice_the_dose_but_the_same_precursors():
    """Gene dose: APCs of DQ2.5 homozygotes present gluten to T cells more strongly than those of
    heterozygotes (Vader W et al., Proc Natl Acad Sci USA 2003;100:12390). A homozygote's molecules
    have two gene copies, so their ligand density (``dose_weight``, which sets presentation) is
    twice that of one copy, while the distinct ligands (``weight``, which set precursor numbers)
    are the same."""
    m = build_model()
    one = genotype_expectation(m, Genotype(DQ25))
    two = genotype_expectation(m, Genotype(f"{DQ25}, {DQ25}"))
    assert np.array_equal(one.weight, two.weight) and np.array_equal(one.naive_cells, two.naive_cells)
    assert np.array_equal(one.dose_weight, one.weight)
    np.testing.assert_allclose(two.dose_weight, 2.0 * one.weight, rtol=1e-12)
    i = _index(m, "GDA9_deamidated")
    assert two.weight[i] > 0 and two.presentation[i] > one.presentation[i]


def test_heterozygote_presentation_is_its_distinct_ligand_weight(expectations):
    """With one copy of every molecule (a heterozygote, trans DQ dimers included) the dose weight is
    the distinct-ligand weight to the last bit."""
    m, e = expectations
    assert np.array_equal(e["C/C"].dose_weight, e["C/C"].weight)
    w50 = SEEDING_PARAMETERS["w50"][0]
    np.testing.assert_array_equal(e["C/C"].presentation, e["C/C"].weight / (e["C/C"].weight + w50))


def test_cohort_genotypes_keep_both_copies():
    """The cohort engine writes both haplotypes, so homozygous people get their gene dose."""
    import pandas as pd

    from autoimmunity.cohort._engine import _genotypes
    from autoimmunity.molecular import parse_genotype

    row = dict(hla_drb1_1="DRB1*03:01", hla_drb1_2="DRB1*03:01", hla_dq_1="DQA1*05:01-DQB1*02:01",
               hla_dq_2="DQA1*05:01-DQB1*02:01", aire_lof=0, foxp3_lof=0, sex="F", ins_vntr_class1=2,
               ptpn22_620w=0, ctla4_ct60_g=0, il2ra_rs2104286_t=0)
    (gt,) = _genotypes(pd.DataFrame([row]))
    assert parse_genotype(gt.hla).copies == (2, 2)
