"""HLA allele and genotype parsing."""

import pytest

from autoimmunity import InputError
from autoimmunity.molecular import parse_genotype
from autoimmunity.molecular._hla import normalize_allele, normalize_molecule


def test_allele_spellings_normalise():
    assert normalize_allele("HLA-DRB1*04:01") == "DRB1*04:01"
    assert normalize_allele("DRB1*0401") == "DRB1*04:01"
    assert normalize_molecule("DQ8") == "HLA-DQA1*03:01-DQB1*03:02"
    assert normalize_molecule("HLA-DQA1*05:01/DQB1*02:01") == "HLA-DQA1*05:01-DQB1*02:01"


def test_heterozygote_forms_trans_dq_molecules():
    """DQ2.5/DQ8 heterozygotes make trans DQA1*05:01-DQB1*03:02 and DQA1*03:01-DQB1*02:01
    (Kwok WW et al., J Immunol 1993; pairing rule: DQA1*01 pairs only with DQB1*05/06)."""
    g = parse_genotype("DRB1*03:01,DRB1*04:01,DQ2.5,DQ8")
    names = set(g.molecule_names)
    assert "HLA-DQA1*05:01-DQB1*03:02" in names and "HLA-DQA1*03:01-DQB1*02:01" in names
    assert len(g.molecules) == 6


def test_incompatible_dq_pairs_do_not_form():
    g = parse_genotype("DQA1*01:02-DQB1*06:02,DQA1*05:01-DQB1*02:01")
    assert "HLA-DQA1*01:02-DQB1*02:01" not in g.molecule_names
    assert "HLA-DQA1*05:01-DQB1*06:02" not in g.molecule_names


def test_homozygote_molecule_counts_two_copies():
    g = parse_genotype("DRB1*03:01,DRB1*03:01,DQ2.5,DQ2.5")
    assert g.copies == (2, 2)


@pytest.mark.parametrize(
    "text, message",
    [
        ("DRB1*99:99", "unknown allele"),
        ("XYZ", "cannot read allele"),
        ("DQB1*02:01", "equal numbers"),
        ("", "empty genotype"),
        ("DPB1*04:01", "HLA-DP has no binding model"),
    ],
)
def test_bad_genotypes_give_one_line_errors(text, message):
    with pytest.raises(InputError, match=message) as err:
        parse_genotype(text)
    assert "\n" not in str(err.value)
    assert str(err.value).startswith("hla:")


def test_unknown_allele_lists_close_matches():
    with pytest.raises(InputError, match="close matches: .*DRB1\\*04"):
        parse_genotype("DRB1*04:99")
