"""Shipped antigens, their provenance and the FASTA loader."""

import numpy as np
import pandas as pd
import pytest

from autoimmunity import InputError
from autoimmunity.molecular import (
    antigen_catalogue,
    antigen_manifest,
    get_protein,
    get_proteins,
    human_aa_composition,
    random_self_peptides,
    read_fasta,
)

REQUIRED = ["INS", "GAD2", "PTPRN", "SLC30A8", "G6PC2", "TGM2", "MBP", "MOG", "PLP1", "HEPACAM", "VIM", "FGA",
            "FGB", "ENO1", "COL2A1", "SNRPD1", "SNRPB", "RO60", "SSB", "H2BC4", "H3C1", "EBNA1", "CVB4", "EMM6",
            "HA", "GDA9"]


def test_catalogue_has_every_required_antigen_with_a_manifest_row():
    catalogue = antigen_catalogue()
    manifest = antigen_manifest()
    for symbol in REQUIRED:
        protein = catalogue[symbol]
        row = manifest[manifest["accession"] == protein.accession]
        assert len(row) == 1, symbol
        assert int(row["length"].iloc[0]) == len(protein.sequence), symbol


def test_sequences_match_uniprot_facts():
    """Insulin B chain (UniProt P01308 residues 25-54) and the gliadin 33-mer at 76-108 (UniProt P18573)."""
    assert get_protein("INS").sequence[24:54] == "FVNQHLCGSHLVEALYLVCGERGFFYTPKT"
    assert get_protein("GDA9").sequence[75:108] == "LQLQPFPQPQLPYPQPQLPYPQPQLPYPQPQPF"


def test_proteins_resolve_by_symbol_alias_and_accession():
    assert get_protein("gad65").symbol == "GAD2"
    assert get_protein("P01308").symbol == "INS"
    assert get_protein("GlialCAM").symbol == "HEPACAM"
    assert [p.symbol for p in get_proteins("INS,TGM2")] == ["INS", "TGM2"]


def test_self_proteins_record_thymic_display():
    assert get_protein("INS").thymic_display == "aire"
    assert get_protein("VIM").thymic_display == "ubiquitous"
    assert get_protein("EBNA1").thymic_display == "none"
    assert get_protein("EBNA1").origin == "foreign"
    # Lv H et al. Nat Med 2011;17:1100: alpha-myosin is absent from thymic epithelium.
    assert get_protein("MYH6").thymic_display == "none"


def test_unknown_protein_suggests_close_names():
    with pytest.raises(InputError, match="Did you mean"):
        get_protein("INSS")


def test_fasta_loader_reads_uniprot_headers(tmp_path):
    path = tmp_path / "mini.fasta"
    path.write_text(
        ">sp|P99999|TEST_HUMAN Test protein OS=Homo sapiens OX=9606 GN=TST1 PE=1 SV=1\nMKTAYIAKQR\nQISFVKSHFS\n"
        ">sp|P99998|TES2_HUMAN Other OS=Homo sapiens OX=9606 GN=TST2 PE=1 SV=1\nMAUAAX\n"
    )
    proteins = read_fasta(path)
    assert [p.symbol for p in proteins] == ["TST1", "TST2"]
    assert proteins[0].sequence == "MKTAYIAKQRQISFVKSHFS"
    assert proteins[0].organism == "Homo sapiens"
    assert proteins[1].sequence == "MAAA"  # U and X dropped


def test_fasta_loader_rejects_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_fasta(tmp_path / "none.fasta")


def test_background_peptides_follow_proteome_composition():
    """Composition from UniProt UP000005640 (shipped table): leucine is the most common residue (~10%)."""
    comp = human_aa_composition()
    assert abs(comp.sum() - 1) < 1e-9
    peptides = random_self_peptides(4000, 15, np.random.default_rng(1))
    counts = pd.Series(list("".join(peptides))).value_counts(normalize=True)
    assert counts.index[0] == "L"
    assert abs(counts["L"] - comp["ACDEFGHIKLMNPQRSTVWY".index("L")]) < 0.01


def test_commensal_pool_is_fixed_foreign_and_presented_by_every_common_genotype():
    """The microbiota stand-in (docs/model.md) is deterministic, foreign, never shown in the
    thymus, and every common genotype presents some of it (the point of the pool)."""
    from autoimmunity.host import presentation_weight
    from autoimmunity.molecular import COMMENSAL_POOL_RESIDUES, commensal_pool

    pool = commensal_pool()
    assert len(pool) == COMMENSAL_POOL_RESIDUES and pool.sequence == commensal_pool().sequence
    assert not pool.is_self and pool.thymic_display == "none"
    for hla in ("DRB1*15:01, DQA1*01:02-DQB1*06:02", "DRB1*01:01, DQA1*01:01-DQB1*05:01"):
        assert presentation_weight(hla, pool) > 1.0
