"""Parameters of central tolerance and the tolerance-relevant genotype of a person.

Every number here has a meaning, a unit and a source or a stated calibration;
``docs/tolerance.md`` lists them in one table. Energies are in units of kT
(the unit of the Miyazawa-Jernigan contact energies used by the receptor
model), and lower means stronger binding.

The three thymic thresholds were set by :func:`autoimmunity.tolerance.calibrate_thymus`
(``scripts/calibrate_thymus.py`` reruns it); the two bone-marrow thresholds by
:func:`autoimmunity.tolerance.calibrate_bone_marrow`. The calibration targets
and their sources are the ``TARGET_*`` constants below.

Recorded calibration (DRB1*04:01/DRB1*03:01, 5,851 ubiquitous self ligands,
500,000 thymocytes, seed 2008): E_p = -27.0628, E_n = -28.8597,
E_treg = -28.8298 kT, giving 3.00% selected, 18.00% deleted, 79.00% neglected and
Treg 6.34% of mature CD4; mature-repertoire activation threshold -28.322 kT.
Bone marrow (100,000 cells, seed 2003): E_edit = -23.9695, E_anergy = -23.8911 kT,
giving 55.0% self-reactive first receptors, 2.5% anergic and (emergent) 30.0%
edited mature B cells, 35.7% deleted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from .._errors import InputError

__all__ = [
    "ThymusParameters",
    "BoneMarrowParameters",
    "ToleranceGenotype",
    "AIRE_STATES",
    "FOXP3_STATES",
    "INS_VNTR_GENOTYPES",
    "PTPN22_GENOTYPES",
    "TARGET_FRACTION_SELECTED",
    "TARGET_DELETED_PER_SELECTED",
    "TARGET_TREG_FRACTION_OF_CD4",
    "TARGET_B_SELF_REACTIVE_IMMATURE",
    "TARGET_B_ANERGIC_FRACTION",
    "CALIBRATION_HLA",
    "PTPN22_SHIFT_PER_T_ALLELE",
]

# --------------------------------------------------------------------------------------
# Calibration targets (each with its source)
# --------------------------------------------------------------------------------------

#: Fraction of thymocytes that mature. Egerton M, Scollay R, Shortman K. Proc Natl
#: Acad Sci USA 1990;87:2579-82: the production rate of mature single-positive
#: thymocytes "was only 3% of the rate of production of double-positive cortical
#: thymocytes" (mouse, [3H]thymidine labelling).
TARGET_FRACTION_SELECTED = 0.03
#: Deleted thymocytes per mature thymocyte. Stritesky GL et al. Proc Natl Acad Sci
#: USA 2013;110:4679-84 (Bim-/- Nur77-GFP mice): "six times more cells undergo
#: negative selection than complete positive selection". (An older estimate, van
#: Meerwijk JP et al. J Exp Med 1997;185:377, found that half to two-thirds of
#: positively selectable thymocytes are deleted, i.e. 1-2 per mature cell.)
TARGET_DELETED_PER_SELECTED = 6.0
#: Regulatory T cells as a fraction of CD4 T cells: 6.35 +/- 0.26% CD25+CD127lo in
#: healthy adult blood (Seddiki N et al. J Exp Med 2006;203:1693; row
#: ``treg.fraction_of_cd4_blood`` of the project's immune_parameters table; the
#: review range is 5-10%, row ``treg.fraction_of_cd4_blood_range``).
TARGET_TREG_FRACTION_OF_CD4 = 0.0635
#: Fraction of newly made (early immature) B cells whose first receptor is
#: self-reactive: "55 to 75%" (Wardemann H et al. Science 2003;301:1374). The lower
#: bound is used, because the assay counted weak polyreactivity too.
TARGET_B_SELF_REACTIVE_IMMATURE = 0.55
#: Anergic B cells as a fraction of mature B cells: naive IgD+IgM- (B_ND) cells,
#: autoreactive and anergic, "typically make up 2.5% of B cells in the peripheral
#: blood" (Duty JA et al. J Exp Med 2009;206:139).
TARGET_B_ANERGIC_FRACTION = 0.025
#: Genotype used for calibration: a common European DR4/DR3 heterozygote (the
#: DR molecules are modelled by TEPITOPEpan matrices for every DRB1 allele).
CALIBRATION_HLA = "DRB1*04:01,DRB1*03:01"

#: Shift of the effective signalling energy per PTPN22 1858T (R620W) allele, kT.
#: The T allele encodes a gain-of-function phosphatase that dampens TCR and BCR
#: signalling (Vang T et al. Nat Genet 2005;37:1317); carriers fail to remove
#: developing autoreactive B cells (Menard L et al. J Clin Invest 2011;121:3635).
#: No agreed fold-effect on signalling exists (immune_parameters.md, "Qualitative
#: findings"), so 0.1 kT per allele (a 10% weaker signal from the same ligand,
#: since signal ~ exp(-E/kT)) is a recorded ASSUMPTION, to be calibrated against
#: disease data later. It is small on purpose: the calibrated thymic selection
#: window (E_n, E_p] is only ~0.4 kT wide, so a T/T shift of 0.2 kT already
#: moves half of it.
PTPN22_SHIFT_PER_T_ALLELE = 0.1

AIRE_STATES = ("normal", "het", "null")
FOXP3_STATES = ("normal", "null")
INS_VNTR_GENOTYPES = ("I/I", "I/III", "III/III")
PTPN22_GENOTYPES = ("C/C", "C/T", "T/T")


def _check_positive(name: str, value: float, *, allow_zero: bool = False) -> None:
    if not isinstance(value, (int, float)) or math.isnan(value) or value < 0 or (value == 0 and not allow_zero):
        raise InputError(name, f"{value!r} must be a {'non-negative' if allow_zero else 'positive'} number")


@dataclass(frozen=True)
class ThymusParameters:
    """Parameters of thymic selection (energies in kT; lower = stronger binding).

    Attributes
    ----------
    positive_threshold:
        E_p. A thymocyte whose strongest interaction with the ubiquitous self
        ligands on cortical epithelium is weaker than this (E_min > E_p) dies by
        neglect. Calibrated (see module docstring).
    negative_threshold:
        E_n. A thymocyte whose strongest interaction with any self ligand it met
        (ubiquitous or tissue-restricted) is at least this strong (E_min <= E_n)
        is deleted. Calibrated. Also the threshold of ``escaped_by_antigen``.
    treg_threshold:
        E_treg (E_n < E_treg < E_p). Agonist selection: a thymocyte with
        E_n < E_min <= E_treg becomes a FOXP3+ regulatory T cell (the
        strong-but-not-deleting window; Stritesky 2013 found deleted CD4 cells
        signalled "only slightly stronger" than those that became Treg).
        Calibrated to ``TARGET_TREG_FRACTION_OF_CD4``.
    tra_mtec_fraction:
        Fraction of medullary epithelial cells that express a given
        tissue-restricted antigen (TRA) with AIRE working: 2%, the middle of
        "1-3% of mTECs" (Pinto S et al. PNAS 2013;110:E3497; row
        ``gen.tra_expressing_mtec_fraction``).
    mtec_contacts:
        Effective number of independent mTEC displays a thymocyte samples in the
        medulla: 137. Derived so that halving AIRE (heterozygous loss: half the
        mTECs show a TRA) multiplies escape from deletion by 4, as measured in
        Aire+/- mice ("a 300% increase in islet-reactive CD4 T cells escaping
        thymic deletion", Liston A et al. J Exp Med 2004;200:1015):
        ``n = ln 4 / ln((1 - f/2) / (1 - f))`` = 136.6 with f = 0.02. The same
        order as the "few hundred" antigen-presenting cells a thymocyte scans in
        its 4-5 medullary days (Klein L, Kyewski B, Allen PM, Hogquist KA. Nat
        Rev Immunol 2014;14:377). The per-thymocyte probability of meeting a
        TRA with AIRE working is ``1 - (1 - 0.02)**137`` = 0.937.
    aire_het_fraction:
        Fraction of a TRA's mTEC display left with one working AIRE copy: 0.5
        (gene dosage; Aire+/- mice show less thymic insulin expression, Liston
        2004). Used for ``aire = "het"``.
    tra_density_fold:
        Density of a tissue-restricted antigen on the mTEC that expresses it,
        relative to an average ubiquitous self ligand: 16, the level of an
        Aire-dependent transcript in a single expressing mature mTEC relative to
        the population mean (mouse; Genome Res 2014;24:1918, Fig. 7 legend; row
        ``gen.aire_target_level_in_expressing_mtec``). Reading "population
        mean" as "average self ligand" is a recorded ASSUMPTION. Signal grows
        with ligand density, so a TRA ligand met on its mTEC acts with an
        effective energy ``E - ln(16)`` = ``E - 2.77`` kT. This is what gives
        AIRE its weight: without it the strongest ubiquitous (background)
        ligand decides almost every thymocyte's fate and TRAs add nothing.
    aire_null_residual:
        Fraction of a TRA's mTEC display that remains without AIRE: 0.1. AIRE
        loss removes Aire-dependent TRA expression from mTECs (Anderson MS et al.
        Science 2002;298:1395; complete loss of Aire "abolished expression of an
        insulin promoter transgene in thymic epithelium", Liston 2004). The 10%
        residual (Aire-independent expression and transfer to dendritic cells)
        is an ASSUMPTION; with it the per-thymocyte encounter probability falls
        to ``1 - (1 - 0.002)**137`` = 0.240, and escape of TRA-specific clones
        rises ``0.760 / 0.063`` = 12-fold. (A 10-fold rise needs a residual of
        at most ~0.15.)
    ins_vntr_class3_fold:
        Thymic insulin display of a class III INS VNTR allele relative to a
        class I allele: 2.5, the middle of "2-3-fold" more thymic INS mRNA
        (Vafiadis P et al. Nat Genet 1997;15:289; Pugliese A et al. Nat Genet
        1997;15:293; row ``gen.ins_vntr_thymic_mrna_class3_vs_class1``). Applied
        to the fraction of mTECs that display insulin (mosaic, probabilistic
        and often monoallelic expression: Villasenor J et al. PNAS
        2008;105:15854), averaged over the two alleles.
    ptpn22_shift_per_allele:
        Effective signalling-energy shift per PTPN22 T allele, kT (see
        :data:`PTPN22_SHIFT_PER_T_ALLELE`; an assumption).
    self_proteome_residues:
        Size of the random background self proteome (residues drawn from the
        human proteome composition with a fixed seed, the same for everybody)
        whose presented cores join the catalogue's ubiquitous proteins on
        thymic antigen-presenting cells. 10^6 residues give ~2,500-3,000 ligands
        per DR molecule, ~10^4 per person (Kosmrlj 2008 used 10^3-10^4).
    cross_reactivity_panel:
        Number of random foreign ligands in the fixed panel that defines
        cross-reactivity: contact residues drawn from the human proteome
        composition (as in Kosmrlj 2008, and as the receptor model's
        ``mean_recognition_probability``), each on one of the person's
        molecules chosen uniformly; fixed seed. A clone's cross-reactivity is
        the fraction of the panel it recognises at the peripheral activation
        threshold (``TCRModel.recognition_threshold``).
    presentation_threshold:
        Percentile rank (%) at or below which a peptide is presented (the
        molecular layer's default, NetMHCIIpan strong-binder threshold).
    cross_reactivity_sample:
        Number of unselected thymocytes on which pre-selection cross-reactivity
        and amino-acid composition are measured (all, if fewer).
    """

    positive_threshold: float = -27.0628
    negative_threshold: float = -28.8597
    treg_threshold: float = -28.8298
    tra_mtec_fraction: float = 0.02
    tra_density_fold: float = 16.0
    mtec_contacts: int = 137
    aire_het_fraction: float = 0.5
    aire_null_residual: float = 0.1
    ins_vntr_class3_fold: float = 2.5
    ptpn22_shift_per_allele: float = PTPN22_SHIFT_PER_T_ALLELE
    self_proteome_residues: int = 1_000_000
    cross_reactivity_panel: int = 20_000
    presentation_threshold: float = 2.0
    cross_reactivity_sample: int = 20_000

    def __post_init__(self):
        if not (self.negative_threshold < self.treg_threshold < self.positive_threshold):
            raise InputError(
                "thresholds",
                f"need negative_threshold < treg_threshold < positive_threshold, got "
                f"{self.negative_threshold}, {self.treg_threshold}, {self.positive_threshold}",
            )
        _check_positive("tra_density_fold", self.tra_density_fold)
        if not 0 < self.tra_mtec_fraction <= 1:
            raise InputError("tra_mtec_fraction", f"{self.tra_mtec_fraction} must be in (0, 1]")
        if not 0 <= self.aire_het_fraction <= 1:
            raise InputError("aire_het_fraction", f"{self.aire_het_fraction} must be in [0, 1]")
        if not 0 <= self.aire_null_residual <= 1:
            raise InputError("aire_null_residual", f"{self.aire_null_residual} must be in [0, 1]")
        _check_positive("mtec_contacts", self.mtec_contacts)
        _check_positive("ins_vntr_class3_fold", self.ins_vntr_class3_fold)
        _check_positive("ptpn22_shift_per_allele", self.ptpn22_shift_per_allele, allow_zero=True)
        _check_positive("self_proteome_residues", self.self_proteome_residues, allow_zero=True)
        _check_positive("cross_reactivity_panel", self.cross_reactivity_panel)
        if not 0 < self.presentation_threshold <= 100:
            raise InputError("presentation_threshold", f"{self.presentation_threshold} is outside (0, 100]")

    def with_(self, **changes) -> ThymusParameters:
        """A copy with some fields changed."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise InputError("parameters", f"unknown thymus parameter(s) {unknown}; known: {sorted(known)}")
        return replace(self, **changes)

    def encounter_probability(self, mtec_fraction: float) -> float:
        """Probability that a thymocyte meets at least one of ``mtec_contacts`` mTECs
        when a fraction ``mtec_fraction`` of mTECs displays the antigen."""
        f = min(max(float(mtec_fraction), 0.0), 1.0)
        return 1.0 - (1.0 - f) ** self.mtec_contacts


@dataclass(frozen=True)
class BoneMarrowParameters:
    """Parameters of central B-cell tolerance (energies in kT; lower = stronger).

    Attributes
    ----------
    edit_threshold:
        A bone-marrow B cell whose strongest interaction with marrow-visible self
        epitopes is at least this strong is self-reactive at high avidity: it
        edits its receptor, and is deleted when editing fails. Calibrated to
        ``TARGET_B_SELF_REACTIVE_IMMATURE``.
    anergy_threshold:
        A B cell with ``edit_threshold < E_min <= anergy_threshold`` (weaker,
        lower-avidity self recognition) leaves the marrow anergic. Calibrated to
        ``TARGET_B_ANERGIC_FRACTION``.
    germline_mean, germline_sd:
        The BCR's framework contribution to binding (kT): a per-cell constant
        added to the contact energies, the analogue of the TCR's germline
        MHC term. The mean only shifts the scale (the thresholds are calibrated
        on it); the spread is that of the TCR germline term (an assumption).
    max_edits:
        Rounds of receptor editing before deletion: 2 (secondary kappa
        rearrangement, then lambda; an assumption in the range of what light
        chain loci allow).
    edited_positions:
        Paratope positions (0-based, of 5) replaced by editing: the light chain's
        share of the contacts. Light-chain exchange silences most human
        autoantibodies (Wardemann H et al. J Exp Med 2004;200:191); two of five
        positions is an ASSUMPTION.
    epitope_length:
        Paratope size: 5 contiguous epitope residues (hot-spot residues dominate
        antibody binding energy; Clackson T, Wells JA. Science 1995;267:383). A
        linear-epitope simplification; conformational epitopes are not modelled.
    ptpn22_shift_per_allele:
        Effective BCR-signalling energy shift per PTPN22 T allele (kT), as for T
        cells (an assumption).
    marrow_self_residues:
        Residues of the background self proteome visible to B cells in the
        marrow (a prefix of the thymic background, same fixed seed), in addition
        to the catalogue's ubiquitous proteins. Tissue-restricted antigens are
        not visible in the marrow.
    """

    edit_threshold: float = -23.9695
    anergy_threshold: float = -23.8911
    germline_mean: float = 0.0
    germline_sd: float = 1.5
    max_edits: int = 2
    edited_positions: tuple[int, ...] = (3, 4)
    epitope_length: int = 5
    ptpn22_shift_per_allele: float = PTPN22_SHIFT_PER_T_ALLELE
    marrow_self_residues: int = 50_000

    def __post_init__(self):
        if not self.edit_threshold < self.anergy_threshold:
            raise InputError(
                "thresholds", f"need edit_threshold < anergy_threshold, got {self.edit_threshold}, {self.anergy_threshold}"
            )
        if self.max_edits < 0:
            raise InputError("max_edits", f"{self.max_edits} must be >= 0")
        if self.epitope_length != 5:
            raise InputError("epitope_length", "only 5-residue paratopes are modelled (the receptor kernel has 5 contacts)")
        if any(not 0 <= p < 5 for p in self.edited_positions) or not self.edited_positions:
            raise InputError("edited_positions", f"{self.edited_positions} must be non-empty positions in 0..4")
        _check_positive("germline_sd", self.germline_sd, allow_zero=True)
        _check_positive("ptpn22_shift_per_allele", self.ptpn22_shift_per_allele, allow_zero=True)
        _check_positive("marrow_self_residues", self.marrow_self_residues, allow_zero=True)

    def with_(self, **changes) -> BoneMarrowParameters:
        """A copy with some fields changed."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise InputError("parameters", f"unknown bone-marrow parameter(s) {unknown}; known: {sorted(known)}")
        return replace(self, **changes)


def _norm_choice(field: str, value: str, allowed: tuple[str, ...], aliases: dict[str, str] | None = None) -> str:
    text = str(value).strip()
    key = text.upper() if field in ("ins_vntr", "ptpn22") else text.lower()
    for option in allowed:
        if key == (option.upper() if field in ("ins_vntr", "ptpn22") else option):
            return option
    if aliases and key in aliases:
        return aliases[key]
    raise InputError(field, f"{value!r} is not allowed; use one of {', '.join(allowed)}")


@dataclass(frozen=True)
class ToleranceGenotype:
    """The non-HLA genotype that shapes central tolerance.

    aire: ``normal``, ``het`` (one loss-of-function copy) or ``null`` (APS-1 /
        APECED: no function).
    ins_vntr: ``I/I``, ``I/III`` or ``III/III`` (INS VNTR classes).
    foxp3: ``normal`` or ``null`` (IPEX; scurfy mice).
    ptpn22: ``C/C``, ``C/T`` or ``T/T`` at rs2476601 (1858C>T, R620W).
    """

    aire: str = "normal"
    ins_vntr: str = "I/I"
    foxp3: str = "normal"
    ptpn22: str = "C/C"

    def __post_init__(self):
        object.__setattr__(self, "aire", _norm_choice("aire", self.aire, AIRE_STATES, {"wt": "normal", "ko": "null", "+/-": "het", "heterozygous": "het"}))
        object.__setattr__(self, "foxp3", _norm_choice("foxp3", self.foxp3, FOXP3_STATES, {"wt": "normal", "ko": "null"}))
        object.__setattr__(
            self, "ins_vntr", _norm_choice("ins_vntr", self.ins_vntr, INS_VNTR_GENOTYPES, {"III/I": "I/III", "1/1": "I/I", "1/3": "I/III", "3/1": "I/III", "3/3": "III/III"})
        )
        object.__setattr__(
            self, "ptpn22", _norm_choice("ptpn22", self.ptpn22, PTPN22_GENOTYPES, {"T/C": "C/T", "CC": "C/C", "CT": "C/T", "TC": "C/T", "TT": "T/T"})
        )

    @property
    def ptpn22_t_alleles(self) -> int:
        """Number of PTPN22 risk (T) alleles."""
        return self.ptpn22.count("T")

    @property
    def ins_class3_alleles(self) -> int:
        """Number of INS VNTR class III alleles."""
        return self.ins_vntr.split("/").count("III")

    def insulin_display_fold(self, class3_fold: float) -> float:
        """Thymic insulin display relative to I/I: the mean over the two alleles."""
        n3 = self.ins_class3_alleles
        return ((2 - n3) * 1.0 + n3 * float(class3_fold)) / 2.0

    def to_dict(self) -> dict:
        return {"aire": self.aire, "ins_vntr": self.ins_vntr, "foxp3": self.foxp3, "ptpn22": self.ptpn22}
