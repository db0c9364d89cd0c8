"""Post-translational modifications."""

import pytest

from autoimmunity import InputError
from autoimmunity.molecular import citrullinate, deamidate, deamidation_sites


def test_tg2_deamidates_q_x_p_only():
    """Vader LW et al. Gastroenterology 2002;122:1729: Q in QXP is deamidated, QP and QXXP are not."""
    assert deamidate("AQAPA") == "AEAPA"
    assert deamidate("AQPAA") == "AQPAA"
    assert deamidate("AQAAP") == "AQAAP"


def test_gliadin_epitopes_gain_their_known_glutamates():
    """DQ2.5-glia-alpha1a QLQPFPQPQLPY -> QLQPFPQPELPY (Kim CY et al. PNAS 2004) and the
    33-mer's three alpha-epitope copies gain E (Shan L et al. Science 2002;297:2275)."""
    assert deamidate("QLQPFPQPQLPY") == "QLQPFPQPELPY"
    assert deamidate("PFPQPQQPF") == "PFPQPEQPF"  # DQ2.5-glia-omega1 (Dahal-Koirala 2019)
    assert deamidate("LQLQPFPQPQLPYPQPQLPYPQPQLPYPQPQPF") == "LQLQPFPQPELPYPQPELPYPQPELPYPQPQPF"


def test_strict_motif_needs_a_hydrophobic_after_proline():
    """Fleckenstein B et al. J Biol Chem 2002;277:34109: Q-X-P-[FYWMLIV] preferred."""
    assert deamidation_sites("AQAPF", "QXPF") == [1]
    assert deamidation_sites("AQAPG", "QXPF") == []


def test_citrullination_targets_arginines():
    assert citrullinate("SAVRLRSSVPGVR") == "SAVXLXSSVPGVX"
    assert citrullinate("SAVRLRSSVPGVR", [6]) == "SAVRLXSSVPGVR"
    with pytest.raises(InputError, match="not an arginine"):
        citrullinate("SAVRLRSSVPGVR", [1])
