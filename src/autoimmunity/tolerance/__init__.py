"""The tolerance layer: which thymocytes and B cells survive central tolerance,
as what (conventional CD4, regulatory, naive or anergic B), and what self they
still recognise.

Model, equations and every parameter: ``docs/tolerance.md``.
"""

from ._bone_marrow import bcr_model, calibrate_bone_marrow, simulate_bone_marrow
from ._central import central_tolerance
from ._display import (
    ThymicDisplay,
    background_self_proteome,
    clear_display_caches,
    marrow_self_epitopes,
    thymic_display,
    tra_encounter_probability,
)
from ._parameters import (
    AIRE_STATES,
    CALIBRATION_HLA,
    FOXP3_STATES,
    INS_VNTR_GENOTYPES,
    PTPN22_GENOTYPES,
    PTPN22_SHIFT_PER_T_ALLELE,
    TARGET_B_ANERGIC_FRACTION,
    TARGET_B_SELF_REACTIVE_IMMATURE,
    TARGET_DELETED_PER_SELECTED,
    TARGET_FRACTION_SELECTED,
    TARGET_TREG_FRACTION_OF_CD4,
    BoneMarrowParameters,
    ThymusParameters,
    ToleranceGenotype,
)
from ._repertoire import (
    LINEAGE_B_ANERGIC,
    LINEAGE_B_NAIVE,
    LINEAGE_CONVENTIONAL,
    LINEAGE_REGULATORY,
    BoneMarrowOutcome,
    Repertoire,
    ThymusOutcome,
    receptor_strings,
)
from ._thymus import (
    DEFAULT_ACTIVATION_THRESHOLD,
    TARGET_MATURE_RECOGNITION_PROBABILITY,
    calibrate_activation_threshold,
    calibrate_thymus,
    default_tcr_model,
    simulate_thymus,
    thymocyte_energies,
)

__all__ = [
    "simulate_thymus",
    "simulate_bone_marrow",
    "central_tolerance",
    "calibrate_thymus",
    "calibrate_bone_marrow",
    "calibrate_activation_threshold",
    "default_tcr_model",
    "DEFAULT_ACTIVATION_THRESHOLD",
    "TARGET_MATURE_RECOGNITION_PROBABILITY",
    "thymocyte_energies",
    "thymic_display",
    "tra_encounter_probability",
    "ThymicDisplay",
    "background_self_proteome",
    "marrow_self_epitopes",
    "clear_display_caches",
    "bcr_model",
    "Repertoire",
    "ThymusOutcome",
    "BoneMarrowOutcome",
    "receptor_strings",
    "ThymusParameters",
    "BoneMarrowParameters",
    "ToleranceGenotype",
    "LINEAGE_CONVENTIONAL",
    "LINEAGE_REGULATORY",
    "LINEAGE_B_NAIVE",
    "LINEAGE_B_ANERGIC",
    "AIRE_STATES",
    "FOXP3_STATES",
    "INS_VNTR_GENOTYPES",
    "PTPN22_GENOTYPES",
    "PTPN22_SHIFT_PER_T_ALLELE",
    "TARGET_FRACTION_SELECTED",
    "TARGET_DELETED_PER_SELECTED",
    "TARGET_TREG_FRACTION_OF_CD4",
    "TARGET_B_SELF_REACTIVE_IMMATURE",
    "TARGET_B_ANERGIC_FRACTION",
    "CALIBRATION_HLA",
]
