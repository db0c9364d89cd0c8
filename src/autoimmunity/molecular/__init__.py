"""The molecular layer: antigens, HLA presentation, modifications, T-cell receptor
recognition and molecular mimicry.

Everything later asks this layer one question: which peptides does this person
present, and which T-cell receptors see them, how strongly?
"""

from ._aminoacids import ALPHABET, CITRULLINE, CITRULLINE_SCORED_AS, STANDARD_AMINO_ACIDS, encode, validate_peptide
from ._antigens import (
    Protein,
    antigen_catalogue,
    antigen_manifest,
    get_protein,
    get_proteins,
    human_aa_composition,
    random_self_peptides,
    read_fasta,
)
from ._binding import BindingPrediction, CoreMatrix, bind, core_matrix, modelled_molecules, percentile_rank
from ._hla import DQ_COMMON_NAMES, HLAGenotype, HLAMolecule, known_alleles, normalize_allele, parse_genotype
from ._modification import citrullinate, deamidate, deamidation_sites
from ._presentation import PEPTIDE_LENGTH, PRESENTATION_THRESHOLD, as_genotype, present, presented_ligands
from ._tcr import (
    DEFAULT_RECOGNITION_THRESHOLD,
    N_CONTACTS,
    TCR_CONTACT_POSITIONS,
    Receptors,
    TCRModel,
    calibrate_recognition_threshold,
    contact_energy_matrix,
    count_recognised,
    encode_contacts,
    interaction_energies,
    mean_recognition_probability,
    min_energies,
    precursor_frequency,
    random_receptors,
    tcr_contacts,
)
from ._mimicry import MIMICRY_COLUMNS, CrossReactivity, cross_reactivity, mimicry, mimicry_search, random_pair_null

__all__ = [
    "ALPHABET",
    "CITRULLINE",
    "CITRULLINE_SCORED_AS",
    "STANDARD_AMINO_ACIDS",
    "encode",
    "validate_peptide",
    "Protein",
    "antigen_catalogue",
    "antigen_manifest",
    "get_protein",
    "get_proteins",
    "human_aa_composition",
    "random_self_peptides",
    "read_fasta",
    "BindingPrediction",
    "CoreMatrix",
    "bind",
    "core_matrix",
    "modelled_molecules",
    "percentile_rank",
    "DQ_COMMON_NAMES",
    "HLAGenotype",
    "HLAMolecule",
    "known_alleles",
    "normalize_allele",
    "parse_genotype",
    "citrullinate",
    "deamidate",
    "deamidation_sites",
    "PEPTIDE_LENGTH",
    "PRESENTATION_THRESHOLD",
    "as_genotype",
    "present",
    "presented_ligands",
    "DEFAULT_RECOGNITION_THRESHOLD",
    "N_CONTACTS",
    "TCR_CONTACT_POSITIONS",
    "Receptors",
    "TCRModel",
    "calibrate_recognition_threshold",
    "contact_energy_matrix",
    "count_recognised",
    "encode_contacts",
    "interaction_energies",
    "mean_recognition_probability",
    "min_energies",
    "precursor_frequency",
    "random_receptors",
    "tcr_contacts",
    "MIMICRY_COLUMNS",
    "CrossReactivity",
    "cross_reactivity",
    "mimicry",
    "mimicry_search",
    "random_pair_null",
]
