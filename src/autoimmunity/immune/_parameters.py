"""Global parameters of the immune-response engine, each with meaning, units, value
and source (a row of ``shared/reference/immune_parameters.tsv``) or a recorded
calibration/assumption.

Conventions: time in days; cell numbers in units of ``CELL_UNIT`` (10^6 cells);
antigen amounts, cytokines, danger and antibody titres are dimensionless, scaled
so that 1 is the half-saturation level of the process they drive (the scale is
part of the parameter's meaning). The engine reads the values as one float64 array
(:func:`parameter_array`) through the integer indices in :data:`IDX`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

__all__ = ["Parameter", "PARAMETERS", "IDX", "CELL_UNIT", "parameter_array", "parameter_table"]

#: Cells per model cell unit.
CELL_UNIT = 1e6


@dataclass(frozen=True)
class Parameter:
    name: str
    value: float
    units: str
    meaning: str
    source: str  # "tsv:<row>" for sourced numbers; "calibrated: <target>"; "assumption: <why>"


_P = Parameter

PARAMETERS: tuple[Parameter, ...] = (
    # ---------------- naive and memory T cells ----------------
    _P("naive_turnover", 0.00045, "1/day",
       "rate at which the naive pool of a specificity relaxes back to its thymic set point (loss and replacement)",
       "tsv:tcell.naive_cd4.loss_rate"),
    _P("recruit_max", 1.0 / 3.0, "1/day",
       "maximal rate at which naive precursors are recruited by antigen (to activation, anergy or induced Treg)",
       "tsv:tcell.proliferation_onset_delay (3 days before division; rate = 1/3 per day)"),
    _P("prolif_max", 2.08, "1/day",
       "maximal effector proliferation rate (8 h division time at the peak of expansion)",
       "tsv:tcell.cd8.division_time_peak_expansion (ln2/8h = 2.08/day)"),
    _P("signal_half", 0.05, "dimensionless",
       "T-cell receptor signal (presentation x antigen occupancy) giving half-maximal proliferative drive",
       "calibrated: ~1000-fold expansion in acute influenza (tested >170-fold, the CD4 figure of Varga & Welsh 1998; CD8: tsv:tcell.cd8.expansion_fold_lcmv is >=1e4 in mice)"),
    _P("effector_capacity", 1000.0, "CELL_UNIT",
       "effector number of one specificity at which proliferation halves (competition for antigen and APCs)",
       "tsv:tcell.cd8.yfv_peak_magnitude (peak ~1% of CD8 T cells, ~1e9 cells)"),
    _P("effector_death", 0.35, "1/day",
       "death rate of effector T cells (sets contraction after antigen is gone)",
       "calibrated: >=90% contraction by day 30 of acute influenza (tsv:tcell.cd8.contraction_fraction 90-95%)"),
    _P("memory_formation", 0.012, "1/day",
       "rate at which effectors become long-lived memory cells (halved when that specificity's memory pool reaches "
       "effector_capacity: homeostatic niche)",
       "calibrated: memory ~5% of peak effectors (tsv:tcell.cd8.memory_fraction_of_peak); niche scale: assumption, "
       "same scale as effector_capacity"),
    _P("memory_loss", 0.0003, "1/day",
       "net loss of antigen-specific memory cells (death minus homeostatic division)",
       "assumption: division 0.001/day (tsv:tcell.memory_cd8.yfv_division_rate_plateau) nearly balanced by death; "
       "net half-life ~6 y, consistent with doubling >450 d (tsv:tcell.memory_cd8.yfv_doubling_time)"),
    _P("memory_recall", 1.0, "1/day",
       "maximal rate at which memory cells give rise to effectors on antigen with costimulation (proliferative: "
       "the recalled cell's progeny join the effectors, the memory pool is not consumed); like proliferation it "
       "halves at effector_capacity effectors of that specificity (competition for antigen and APCs), without which "
       "memory -> effector -> memory grows without bound under chronic antigen (FOXP3-null gut effectors reached 1e25)",
       "assumption: memory cells divide without the naive 3-day delay (Kaech & Ahmed review); 1/day. Memory pools "
       "grow, not shrink, with each restimulation (Masopust D et al., J Immunol 2006;177:831), so recall does not "
       "deplete them"),
    _P("anergic_loss", 0.0047, "1/day",
       "loss rate of anergic T cells",
       "assumption: same as memory CD4 loss (tsv:tcell.memory_cd4.loss_rate); no direct measurement"),
    _P("il2_half_sat", 1.0, "dimensionless",
       "IL-2 level (in units of its half-saturation for proliferation) -- the IL-2 scale is defined by this value",
       "definition of the IL-2 scale"),
    _P("il2_production", 3.0, "IL-2 units per CELL_UNIT of stimulated effectors",
       "IL-2 made by antigen-stimulated, costimulated conventional T cells (quasi-steady state)",
       "calibrated: ~1000-fold expansion in acute influenza (tested >170-fold, Varga & Welsh 1998 CD4; Murali-Krishna 1998 CD8 analogue)"),
    _P("il2_autocrine", 3.0, "IL-2 units",
       "IL-2 available to a costimulated T cell from its own secretion (synapse escape means most stays local)",
       "assumption informed by tsv:il2.synapse_escape_fraction (>=20% escapes; the rest is used locally)"),
    _P("il2_consumption", 2.0, "per CELL_UNIT of Treg",
       "IL-2 consumption by CD25-high regulatory T cells (denominator of the IL-2 quasi-steady state)",
       "calibrated: healthy cohort <1% autoimmunity; Tregs respond at 10-100x lower IL-2 (tsv:il2.treg_vs_memory_pstat5_sensitivity)"),
    # ---------------- regulatory T cells ----------------
    _P("treg_turnover", 0.087, "1/day",
       "homeostatic turnover of Tregs (relaxation to their set point)",
       "tsv:treg.doubling_time (8 days; ln2/8)"),
    _P("treg_prolif_max", 0.8, "1/day",
       "maximal antigen- and IL-2-driven Treg proliferation",
       "assumption: activated Tregs divide ~daily; Treg proliferation saturates at low IL-2 (tsv:il2.treg_vs_memory_target_gene_sensitivity)"),
    _P("treg_il2_sensitivity", 10.0, "fold",
       "how much lower IL-2 Tregs need than conventional cells for the same response",
       "tsv:il2.treg_vs_memory_pstat5_sensitivity"),
    _P("treg_capacity", 1000.0, "CELL_UNIT",
       "Treg number of one specificity at which antigen-driven Treg proliferation halves (competition among Tregs "
       "for antigen-bearing APCs and IL-2; Tregs do not compete with the effectors they suppress)",
       "assumption: same scale as effector_capacity; structural change calibrated on the healthy cohort (<1% clinical "
       "autoimmunity) with influenza expansion/recall unchanged"),
    _P("treg_expanded_death", 0.1, "1/day",
       "death rate of Tregs above their set point (contraction of expanded Tregs)",
       "assumption: similar to Treg turnover (tsv:treg.doubling_time)"),
    _P("polyclonal_treg", 2.0, "suppression units",
       "suppression by the polyclonal (bystander) Treg pool at a site when FOXP3 is functional",
       "calibrated: healthy cohort <1% clinical autoimmunity; FOXP3 null multi-organ disease (Tregs 6.35% of CD4, tsv:treg.fraction_of_cd4_blood)"),
    _P("treg_suppression", 1.0, "suppression units per CELL_UNIT",
       "suppression (CTLA4 removal of CD80/86, IL-10) per antigen-stimulated Treg",
       "calibrated: healthy cohort <1% clinical autoimmunity"),
    _P("itreg_tgfb_half", 1.0, "TGF-beta units",
       "TGF-beta level at which half of tolerogenic recruitment becomes induced Treg (rest anergy)",
       "definition of the TGF-beta scale"),
    _P("tgfb_gut", 2.0, "TGF-beta units",
       "constitutive TGF-beta in the gut lamina propria (oral tolerance)", "assumption: gut is TGF-beta rich; 2x half-saturation"),
    _P("tgfb_other", 0.2, "TGF-beta units",
       "constitutive TGF-beta at other sites", "assumption"),
    _P("tgfb_per_treg", 0.2, "TGF-beta units per CELL_UNIT",
       "TGF-beta made by antigen-stimulated Tregs", "assumption"),
    # ---------------- APCs, danger, costimulation ----------------
    _P("apc_relax", 0.33, "1/day",
       "rate at which APC activation follows the danger signal (DC turnover)",
       "tsv:apc.cd8_dc.lifespan_spleen (3 days)"),
    _P("costim_half", 1.0, "danger units",
       "APC activation giving half-maximal costimulation; defines the danger scale", "definition of the danger scale"),
    _P("danger_per_damage", 3.0, "danger units per (1/day of tissue loss)",
       "danger (DAMPs) released per unit fractional tissue-death rate",
       "calibrated: vicious cycle; celiac DQ2.5 fraction"),
    _P("danger_per_ifng", 0.02, "danger units per IFN-gamma unit",
       "APC activation by IFN-gamma/TNF (positive feedback)", "assumption"),
    _P("il10_per_treg", 0.5, "suppression units per CELL_UNIT", "IL-10 from stimulated Tregs (adds to suppression)", "assumption"),
    # ---------------- antigen ----------------
    _P("self_release_turnover", 0.02, "antigen units",
       "self antigen reaching APCs from healthy tissue turnover (per unit relative expression, full tissue)",
       "calibrated: healthy cohort <1% clinical autoimmunity"),
    _P("self_release_damage", 21.5, "antigen units per (1/day of tissue loss)",
       "self antigen reaching APCs per unit fractional tissue-death rate (damage releases antigen)",
       "calibrated: a minority (~3-5%) of DR3-DQ2/DR4-DQ8 children with typical enterovirus exposure progress to T1D "
       "by 25 y with islet autoantibodies first (TEDDY, Ziegler 2013); DQ6.2 <1%; healthy cohort <1%"),
    _P("diet_reference_intake", 10.0, "g/day",
       "dietary intake that gives 1 antigen unit to gut APCs",
       "tsv:gluten.intake_danish_adults (10.4 g/day adult mean; rounded to 10)"),
    _P("diet_barrier_leak", 1.0, "per IFN-gamma unit", "extra dietary antigen uptake with inflammation (barrier leak)", "assumption"),
    _P("deamidation_base", 0.2, "fraction", "fraction of gut gliadin deamidated by tTG without inflammation", "assumption"),
    _P("deamidation_inflamed", 0.9, "fraction", "maximal deamidated fraction with inflammation (tTG released and activated)", "assumption"),
    _P("pathogen_antigen_scale", 100.0, "infectious units", "pathogen load giving 1 antigen unit", "assumption"),
    # ---------------- cytokines (quasi-steady state) ----------------
    _P("ifng_per_effector", 1.0, "IFN-gamma units per CELL_UNIT", "IFN-gamma/TNF made by antigen-stimulated effectors at their site", "definition of the IFN-gamma scale"),
    _P("il17_fraction_gut", 0.5, "fraction", "share of effector output that is IL-17-like in the gut (TGF-beta plus inflammation)", "assumption"),
    _P("il17_fraction_other", 0.1, "fraction", "share of effector output that is IL-17-like elsewhere", "assumption"),
    # ---------------- tissue damage ----------------
    _P("kill_max", 0.01, "1/day", "maximal fractional tissue killing by antigen-specific effectors",
       "calibrated: T1D progression years after seroconversion (tsv:t1d.progression_10y_multiple_aab)"),
    _P("kill_half", 5.0, "CELL_UNIT", "stimulated self-specific effectors at a site giving half-maximal killing", "calibrated"),
    _P("bystander_kill", 0.03, "1/day per IFN-gamma unit", "inflammatory (IFN-gamma/TNF, IEL) bystander killing of target tissue",
       "calibrated: villous atrophy in celiac"),
    _P("bystander_half", 100.0, "IFN-gamma units", "IFN-gamma level giving half-maximal bystander killing", "assumption"),
    _P("ifng_systemic_fraction", 0.003, "fraction",
       "share of the IFN-gamma/TNF made at every other site that circulates and acts at a site (danger, bystander killing)",
       "assumption: plasma levels of IFN-gamma/TNF are orders of magnitude below those in inflamed tissue; calibrated (0.001-0.01 tried): FOXP3-null (IPEX) diabetes in the first year (Bennett 2001; Bacchetta 2018) with the healthy, DR3/DR4 and DQ6.2 cohorts unchanged (Calibration record)"),
    # ---------------- B cells, antibodies ----------------
    _P("b_recruit", 0.3, "1/day", "maximal naive B-cell recruitment with antigen and T help", "assumption"),
    _P("b_prolif", 1.0, "1/day", "maximal activated (germinal-centre) B proliferation with help", "assumption: GC B cells divide every ~12-16 h"),
    _P("b_death", 0.7, "1/day", "death/exit of activated B cells", "calibrated: GC responses last weeks to months while help persists (tsv:gc.duration_after_mrna_vaccine)"),
    _P("b_capacity", 1.0, "CELL_UNIT", "carrying capacity of activated (germinal-centre) B cells per antigen", "assumption"),
    _P("b_antigen_half", 0.05, "antigen units",
       "antigen amount at which B cells capture half-maximally through their BCR (affinity-driven uptake at far lower "
       "concentration than the bulk uptake by dendritic cells that defines the antigen scale)",
       "assumption: BCR-mediated capture concentrates antigen ~10^3-10^4-fold over fluid-phase uptake (Lanzavecchia, "
       "Nature 1985); calibrated: islet autoantibodies in DR3-DQ2/DR4-DQ8 children (TEDDY)"),
    _P("b_apc", 1000.0, "antigen units per CELL_UNIT",
       "presentation by B cells and short-lived plasma cells of a complex partner they took up through their BCR (deamidated "
       "gliadin bound to tTG): per unit of antigen-loaded B + plasma cells, times the partner's antigen occupancy; adds to the "
       "partner group's TCR signal. B cells and plasma cells are the most abundant cells presenting the immunodominant "
       "DQ2.5-glia-alpha1a epitope in coeliac lesions (Hoydahl LS et al., Gastroenterology 2019;156:1428)",
       "calibrated: DQ2.5 homozygotes on gluten develop coeliac disease in a substantial fraction (tested 5-70% by 20 y; "
       "Lionetti E et al., N Engl J Med 2014;371:1295); 100 -> 8%, 1000 -> 21% with b_costim 0.9 (Calibration record)"),
    _P("b_costim", 0.9, "fraction",
       "costimulation that antigen-presenting B cells and plasma cells give the T cells they present to (on the 0-1 scale of "
       "the site's costimulation c), for the share of a group's TCR signal they present; it does not depend on the site's "
       "dendritic-cell activation or its Tregs. Activated B cells express CD80/86, and tTG-specific plasma cells of coeliac "
       "lesions express HLA class II and T-cell costimulatory transcripts (Hoydahl 2019; RNA-seq of coeliac-lesion plasma cells, "
       "PMC6893993)",
       "calibrated with b_apc (Calibration record): 0.6 -> 2%, 0.9 -> 8% (b_apc 100), 21% (b_apc 1000) of DQ2.5 homozygotes"),
    _P("b_ubiquitous_access", 1.0, "antigen units per unit expression",
       "antigen that a ubiquitous extracellular self protein (tTG, in the tissue matrix of every organ) offers B cells at its "
       "site without damage, per unit of the disease's expression value; the B cells' BCR capture then saturates at "
       "b_antigen_half. Released self antigen still sets what dendritic cells present. Applies to groups flagged "
       "GT_UBIQ (self antigens with ubiquitous thymic display); in the shipped diseases that is tTG only",
       "assumption: tTG is abundant in the extracellular matrix of the lamina propria (Lorand L, Graham RM, Nat Rev Mol Cell "
       "Biol 2003;4:140); 1 = the antigen scale. Without it, tTG B cells see antigen only from damage, and a gluten "
       "re-challenge after a gluten-free diet gives no relapse (tests/test_lifecourse_cohorts.py)"),
    _P("help_half", 0.3, "CELL_UNIT", "stimulated helper T cells giving half-maximal help", "assumption"),
    _P("plasma_short_rate", 0.2, "1/day", "differentiation of activated B cells into short-lived plasma cells", "assumption"),
    _P("plasma_long_rate", 0.004, "1/day", "differentiation of activated B cells into long-lived plasma cells", "assumption"),
    _P("plasma_long_self", 0.01, "fraction",
       "share of plasma_long_rate for B cells specific for a ubiquitous self antigen: germinal-centre B cells that "
       "recognise a self antigen present around the germinal centre are eliminated, while those for rare or "
       "tissue-specific self antigens are not (Chan TD et al., Immunity 2012;37:893), so plasma cells for a ubiquitous "
       "antigen such as tTG come mostly from short-lived responses that last only while T-cell help does",
       "calibrated: serum anti-tTG IgA falls 14-fold in ~3 months on a gluten-free diet (Petroff D et al., Clin "
       "Gastroenterol Hepatol 2018;16:1442); tTG-specific plasma cells carry few somatic mutations (Di Niro R et al., "
       "Nat Med 2012;18:441)"),
    _P("plasma_short_death", 0.33, "1/day", "death of short-lived plasma cells ('a few days')", "immune_parameters.md gaps: lifespan only 'a few days'; 3 days assumed"),
    _P("plasma_long_death", 0.00019, "1/day", "death of long-lived plasma cells (10-year survival)", "tsv:plasma_cell.long_lived_survival_primate (>=10 y; 1/(10*365))"),
    _P("antibody_secretion", 50.0, "titre units per CELL_UNIT per day", "antibody secreted per plasma cell unit (titre 1 = positivity threshold)", "calibrated: anti-tTG positive in celiac"),
    _P("antibody_positive", 1.0, "titre units", "titre above which an assay is positive", "definition of the titre scale"),
    # ---------------- pathogens and innate immunity ----------------
    _P("innate_on", 1.0, "1/day", "maximal induction rate of innate antiviral state (interferon, NK)", "calibrated: influenza peak at day 2 (tsv:flu.viral_shedding_peak_day)"),
    _P("innate_off", 0.5, "1/day", "decay of innate antiviral state", "assumption"),
    _P("innate_half_load", 1e4, "infectious units", "pathogen load giving half-maximal innate induction", "assumption"),
    _P("effector_clear", 0.01, "1/day per CELL_UNIT", "pathogen clearance per pathogen-specific effector unit at the site", "calibrated: influenza cleared within ~2 weeks"),
    _P("antibody_clear", 1.0, "1/day per titre unit", "pathogen neutralisation per antibody titre unit", "assumption"),
    _P("pathogen_extinct", 1e-2, "infectious units", "load below which a pathogen is extinct at that site (set to 0)", "assumption: less than one infectious unit"),
)

IDX: dict[str, int] = {p.name: i for i, p in enumerate(PARAMETERS)}


def check_parameter(name: str, value) -> float:
    """An override of parameter ``name`` as a float, or a one-line :class:`InputError`: the
    name must be known, and the value a finite number >= 0 (every parameter is a rate, scale
    or amount; 0 switches a mechanism off), at most 1 for a fraction."""
    from .._errors import InputError, require_amount

    if name not in IDX:
        raise InputError("parameters", f"unknown parameter {name!r}; known: {', '.join(IDX)}")
    return require_amount(value, f"parameters.{name}", PARAMETERS[IDX[name]].units)


def parameter_array(overrides: dict[str, float] | None = None) -> np.ndarray:
    """All parameter values as float64, in :data:`PARAMETERS` order, with checked overrides."""
    values = np.array([p.value for p in PARAMETERS], dtype=np.float64)
    for key, val in (overrides or {}).items():
        values[IDX[key]] = check_parameter(key, val)
    return values


def parameter_table():
    """The parameters as a tidy DataFrame (name, value, units, meaning, source)."""
    import pandas as pd

    return pd.DataFrame([p.__dict__ for p in PARAMETERS])


def _replace(name: str, value: float) -> Parameter:  # pragma: no cover - helper for calibration scripts
    return replace(PARAMETERS[IDX[name]], value=value)
