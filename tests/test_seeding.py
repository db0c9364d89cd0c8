"""Per-genotype clone expectations (host._seeding): thymic deletion and its PTPN22 dependence."""

import numpy as np
import pytest

from autoimmunity.host import Genotype, genotype_expectation
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
