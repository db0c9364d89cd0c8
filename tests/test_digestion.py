"""Luminal digestion (molecular/_digestion.py)."""

import numpy as np
import pytest

from autoimmunity._errors import InputError
from autoimmunity.molecular import cleavage_sites, ligand_survival

GLIADIN_33MER = "LQLQPFPQPQLPYPQPQLPYPQPQLPYPQPQPF"


def test_gliadin_33mer_epitopes_survive_digestion():
    """Shan L et al., Science 2002;297:2275: the alpha-gliadin 33-mer (residues 57-89 of
    alpha2-gliadin) resists gastric, pancreatic and brush-border proteases; its three
    overlapping DQ2.5-glia-alpha1/alpha2 cores (PFPQPQLPY, PQPQLPYPQ; Sollid LM et al.,
    Immunogenetics 2012;64:455) survive intact."""
    starts = [GLIADIN_33MER.find(core) + 1 for core in ("PFPQPQLPY", "PQPQLPYPQ", "PYPQPQLPY")]
    assert min(starts) > 0
    assert np.all(ligand_survival(GLIADIN_33MER, starts) == 1.0)


def test_ordinary_sequence_is_digested():
    """Trypsin (K/R), chymotrypsin/pepsin (F/Y/W/L) and elastase (A/V/I/G/S) sites inside a
    ligand make its survival the product over sites; a proline at P1' blocks a site."""
    assert cleavage_sites("AKRP").tolist() == [True, True, False]  # R-P is not cut
    seq = "GAKLFVSYRDE"
    n = int(cleavage_sites(seq)[0:10].sum())
    assert n >= 6
    assert ligand_survival(seq, [2], cut_probability=0.5)[0] == pytest.approx(0.5 ** n)


def test_digestion_errors_name_the_field():
    with pytest.raises(InputError, match="cut_probability"):
        ligand_survival(GLIADIN_33MER, [1], cut_probability=1.5)
    with pytest.raises(InputError, match="core_starts"):
        ligand_survival(GLIADIN_33MER, [30])
