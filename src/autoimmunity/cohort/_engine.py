"""The one place where the cohort layer meets the per-person life-course engine.

Contract (everything else in :mod:`autoimmunity.cohort` depends only on this)::

    engine(people: pd.DataFrame, seeds: np.ndarray, horizon_years: float,
           parameters: dict[str, float] | None = None) -> pd.DataFrame

* ``people`` -- one row per person, the columns written by
  :func:`autoimmunity.cohort._families.sample_families` (genotype: ``sex``,
  ``hla_drb1_1/2``, ``hla_dq_1/2`` (cis DQ ``DQA1*..-DQB1*..``), non-HLA allele counts
  ``ptpn22_620w, ctla4_ct60_g, il2ra_rs2104286_t, ins_vntr_class1, aire_lof, foxp3_lof``;
  exposures: ``ebv_age`` (years, NaN = none), ``enterovirus_islet_ages`` (list of years: the
  enterovirus B infections that reach the pancreatic islets),
  ``gluten_intro_age``, ``gluten_factor``). :func:`exposure_schedule` turns the exposures
  into the engine's (day, pathogen, inoculum) / (day, diet, g/day) events.
* ``seeds`` -- uint64, one per person: the person's own random stream (e.g. its T-cell
  repertoire). MZ co-twins have the same genotype but different seeds.
* ``horizon_years`` -- simulate from birth to this age.
* ``parameters`` -- overrides of GLOBAL engine parameters only (calibration); never
  per-disease or per-allele multipliers.
* returns -- a DataFrame with one row per input row (same order) and only float columns
  ``onset_age_<disease>`` and ``autoab_first_age_<antigen>``, in years, NaN when the event did
  not happen by ``horizon_years``.

The result must depend only on (row, seed, horizon, parameters), never on which other people
share the batch: that is what makes results identical for any chunk size or worker count.

Engines are named by a spec: ``"auto"`` (the package's life-course engine), or
``"module:function"`` for any callable with the contract (tests use a test double this way).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import numpy as np
import pandas as pd

from .._errors import InputError

__all__ = ["EngineFn", "resolve_engine", "simulate_people", "exposure_schedule", "ENGINE_ENTRY_POINT"]

EngineFn = Callable[..., pd.DataFrame]

#: Where ``"auto"`` looks for the life-course engine (the host and immune layers). It must
#: implement the contract above; see docs/cohort.md "Wiring the engine".
ENGINE_ENTRY_POINT = "autoimmunity.cohort._engine:lifecourse_engine"

DAYS_PER_YEAR = 365.25
_ONSET, _AUTOAB = "onset_age_", "autoab_first_age_"


def resolve_engine(spec: str | None = "auto") -> tuple[str, EngineFn]:
    """(name, callable) for an engine spec."""
    spec = spec or "auto"
    target = ENGINE_ENTRY_POINT if spec == "auto" else spec
    if ":" not in target:
        raise InputError("engine", f"{spec!r}: expected 'auto' or 'module:function'")
    module_name, func_name = target.split(":", 1)
    try:
        module = importlib.import_module(module_name)
        func = getattr(module, func_name)
    except (ImportError, AttributeError) as exc:
        if spec == "auto":
            raise InputError(
                "engine",
                f"the life-course engine ({ENGINE_ENTRY_POINT}) is not available in this build ({exc}); "
                "pass --engine module:function",
            ) from None
        raise InputError("engine", f"cannot import {target!r}: {exc}") from None
    return target, func


def simulate_people(
    people: pd.DataFrame,
    seeds: np.ndarray,
    horizon_years: float,
    engine: str | EngineFn | None = "auto",
    parameters: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Run the engine on ``people`` and check that its output honours the contract."""
    func = engine if callable(engine) else resolve_engine(engine)[1]
    seeds = np.asarray(seeds, dtype=np.uint64)
    if len(seeds) != len(people):
        raise InputError("seeds", f"{len(seeds)} seeds for {len(people)} people")
    out = func(people.reset_index(drop=True), seeds, float(horizon_years), parameters)
    if not isinstance(out, pd.DataFrame) or len(out) != len(people):
        raise InputError("engine", "must return a DataFrame with one row per person")
    cols = [c for c in out.columns if c.startswith((_ONSET, _AUTOAB))]
    extra = sorted(set(out.columns) - set(cols))
    if extra:
        raise InputError("engine", f"unexpected output columns {extra}")
    out = out[cols].astype(np.float64).reset_index(drop=True)
    vals = out.to_numpy()
    bad = np.isfinite(vals) & ((vals < 0) | (vals > horizon_years + 1e-9))
    if bad.any():
        raise InputError("engine", f"event ages outside [0, {horizon_years}] years")
    return out


#: engine pathogens standing for the cohort's exposure streams: islet-reaching enterovirus B
#: infections and primary EBV infection (data/pathogens/*.toml)
ENTEROVIRUS, EBV = "coxsackievirus_b4", "ebv"


def exposure_schedule(
    people: pd.DataFrame,
    horizon_years: float,
    *,
    enterovirus: str = ENTEROVIRUS,
    ebv: str = EBV,
    diet: str = "gluten",
    inoculum: dict[str, float] | None = None,
    diet_step_years: float = 1.0,
) -> list[dict]:
    """Per-person exposure events in the engine's units (days):
    ``{"infections": [(day, pathogen, inoculum)], "diet": [(day, diet, g/day)]}``.

    Each enterovirus B infection that reaches the pancreatic islets (``enterovirus_islet_ages``)
    is an inoculation of ``enterovirus`` (Coxsackievirus B4 stands for the islet-tropic species
    B; species A and C infections, and species B infections that stay in the gut, are not
    simulated); EBV is one inoculation at ``ebv_age``; gluten intake is
    piecewise constant, changing at introduction and then every ``diet_step_years`` (the mean
    of the sourced intake curve over each step, times the person factor; steps with the same
    intake as the one before are merged).
    """
    from . import _exposures as ex
    from ._population import load_population

    pop_name = people.attrs.get("population", "europe")
    pop = load_population(pop_name)
    inoculum = dict(inoculum or {})
    if ebv not in inoculum or enterovirus not in inoculum:
        try:  # the engine's default inoculum per pathogen (data/pathogens/*.toml)
            from ..immune._model import pathogen_specs

            specs = pathogen_specs()
            for name in (ebv, enterovirus):
                if name in specs:
                    inoculum.setdefault(name, specs[name].default_inoculum)
        except ImportError:  # pragma: no cover - engine not present
            pass
    out = []
    curves: dict = {}  # intake anchors per sex, read once per call
    for row in people.itertuples(index=False):
        inf = []
        if np.isfinite(row.ebv_age) and row.ebv_age <= horizon_years:
            inf.append((row.ebv_age * DAYS_PER_YEAR, ebv, inoculum.get(ebv)))
        for age in row.enterovirus_islet_ages:
            if age <= horizon_years:
                inf.append((float(age) * DAYS_PER_YEAR, enterovirus, inoculum.get(enterovirus)))
        starts = np.arange(row.gluten_intro_age, horizon_years, diet_step_years)
        mids = np.minimum(starts + 0.5 * diet_step_years, horizon_years)
        if row.sex not in curves:
            curves[row.sex] = ex.gluten_intake_curve(pop, row.sex)
        g = ex.gluten_mean_intake(pop, mids, row.sex, curves[row.sex]) * row.gluten_factor
        # a step whose intake equals the previous one changes nothing (the adult curve is flat):
        # it is left out, so the integrator does not stop there
        keep = np.ones(len(g), dtype=bool)
        keep[1:] = g[1:] != g[:-1]
        diet_events = [(float(s) * DAYS_PER_YEAR, diet, float(v)) for s, v in zip(starts[keep], g[keep])]
        out.append({"infections": inf, "diet": diet_events})
    return out


# ---------------------------------------------------------------- the package's life-course engine
_GENO_MAPS = {
    "ins_vntr": {2: "I/I", 1: "I/III", 0: "III/III"},  # column counts class I alleles
    "ptpn22": {0: "C/C", 1: "C/T", 2: "T/T"},
    "ctla4": {0: "A/A", 1: "A/G", 2: "G/G"},
    "il2ra": {0: "N/N", 1: "N/R", 2: "R/R"},  # rs2104286 T (risk) counted as the T1D-associated haplotype R
}


def _genotypes(people: pd.DataFrame) -> list:
    """Engine genotypes (autoimmunity.host Genotype) from cohort rows."""
    from ..host._seeding import Genotype

    out = []
    for r in people.itertuples(index=False):
        # both copies, so a homozygote's molecules get their gene dose (HLAGenotype.copies)
        hla = ",".join(sorted((r.hla_drb1_1, r.hla_drb1_2))) + "," + ",".join(sorted((r.hla_dq_1, r.hla_dq_2)))
        foxp3_null = r.foxp3_lof >= (1 if r.sex == "M" else 2)  # hemizygous males; females need both X
        out.append(Genotype(
            hla=hla, aire="null" if r.aire_lof == 2 else "normal", foxp3="null" if foxp3_null else "normal",
            ins_vntr=_GENO_MAPS["ins_vntr"][int(r.ins_vntr_class1)], ptpn22=_GENO_MAPS["ptpn22"][int(r.ptpn22_620w)],
            ctla4=_GENO_MAPS["ctla4"][int(r.ctla4_ct60_g)], il2ra=_GENO_MAPS["il2ra"][int(r.il2ra_rs2104286_t)]))
    return out


_MODELS: dict = {}
#: the pathogens a cohort life is exposed to (exposure_schedule's inoculations); the engine
#: model is built with these only, since groups of pathogens nobody meets (influenza HA,
#: rotavirus VP7) would be integrated for nothing
COHORT_PATHOGENS = (ENTEROVIRUS, EBV)

#: Error tolerances of the batch integrator on the cohort path (relative; absolute in the
#: state's own units). Looser than the per-person default (1e-6, 1e-9, kept for trajectories
#: compared with the Radau reference) because a cohort records only event ages. On 1,000
#: European people to 80 y (``python validation/cohort_tolerance.py``; docs/cohort.md
#: "Integrator tolerance") 1e-5 needs 1.29x fewer right-hand-side evaluations and gives the same
#: people the same 288 events; one borderline autoantibody crossing moves (10 y earlier), the
#: rest agree within 0.05 y. 1e-4 changed 9 of those events; in the session-9 rerun (71 events,
#: after proliferative recall) it changed none, but it is not used until a larger check agrees.
COHORT_RTOL, COHORT_ATOL = 1e-5, 1e-8
#: Longest step (days) of the cohort path. The life-course default (30 days) keeps the recorded
#: trajectories smooth; a cohort records only event ages (located inside each step by Hermite
#: interpolation), so quiet stretches may take longer steps: ``validation/cohort_tolerance.py``
#: compares the candidates with the reference (docs/cohort.md "Integrator tolerance").
COHORT_HMAX = 365.0


def _model(parameters: dict | None):
    key = tuple(sorted((parameters or {}).items()))
    if key not in _MODELS:
        from ..immune import build_model
        from ..immune._model import pathogen_specs

        specs = pathogen_specs()
        _MODELS[key] = build_model(pathogens=[specs[p] for p in COHORT_PATHOGENS], params=dict(key) or None)
    return _MODELS[key]


def lifecourse_engine(people: pd.DataFrame, seeds: np.ndarray, horizon_years: float,
                      parameters: dict[str, float] | None = None) -> pd.DataFrame:
    """The contract implemented with the package's engine (autoimmunity.host seeding +
    autoimmunity.immune batch integrator): genotype -> per-person precursors (drawn with the
    person's own seed; genotype-only work is cached by the host layer), exposures ->
    schedule, everyone integrated together, first times of the engine's conditions -> ages.
    Global ``parameters`` are engine parameter overrides (autoimmunity.immune.PARAMETERS)."""
    from ..host._seeding import draw_people
    from ..immune import PersonInputs, make_schedule, simulate

    model = _model(parameters)
    genos = _genotypes(people)
    pgs, pxs = [], []
    for gt, seed in zip(genos, np.asarray(seeds, dtype=np.uint64)):
        p = draw_people(model, [gt], np.random.default_rng(int(seed)))
        pgs.append(p.pg)
        pxs.append(p.px)
    persons = PersonInputs(np.concatenate(pgs), np.concatenate(pxs))
    t_end = float(horizon_years) * DAYS_PER_YEAR
    schedule = make_schedule(model, exposure_schedule(people, horizon_years, diet=model.diets[0] if model.diets else "gluten"),
                             t_end=t_end)
    res = simulate(model, persons, schedule, np.zeros(0), record=False, rtol=COHORT_RTOL,
                   atol=COHORT_ATOL, hmax=COHORT_HMAX)
    first = res.first / DAYS_PER_YEAR
    out = {}
    for j, (owner, crit) in enumerate(model.conditions):
        if owner == "autoantibody":
            out[f"{_AUTOAB}{crit.split('@')[0]}"] = first[:, j]
        elif crit == "clinical":
            out[f"{_ONSET}{owner}"] = first[:, j]
    table = pd.DataFrame(out)
    return table.clip(upper=float(horizon_years))
