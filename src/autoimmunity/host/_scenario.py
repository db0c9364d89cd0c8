"""Scenarios: one person and their life as TOML (read with :mod:`tomllib`).

Layout (every key is validated; errors name the field and the allowed values)::

    [person]
    name = "example"
    sex = "female"            # female | male
    birth = 2020-01-01        # optional date; ages are what the engine uses
    years = 40                # simulated horizon, years of age (0 < years <= 100)

    [genotype]
    hla = "DRB1*15:01, DQA1*01:02-DQB1*06:02"
    aire = "normal"           # normal | null
    foxp3 = "normal"          # normal | null
    ins_vntr = "III/III"      # I/I | I/III | III/III
    ptpn22 = "C/C"            # C/C | C/T | T/T   (rs2476601, T = R620W)
    ctla4 = "A/A"             # A/A | A/G | G/G   (CT60, G = susceptibility)
    il2ra = "N/N"             # N/N | N/R | R/R   (R = T1D-associated haplotype)

    [[exposures]]             # any number
    type = "infection"        # infection | diet
    pathogen = "influenza"    # a name in data/pathogens
    age_years = 1.5           # or age_days
    dose = 100                # optional inoculum (infectious units)

    [[exposures]]
    type = "diet"
    diet = "gluten"
    from_age_years = 0.5
    intake_g_per_day = 4.0

    [typical_exposures]       # optional random background infections
    enabled = true

    [[interventions]]
    type = "gluten_free_diet"
    at_age_years = 10         # or at_onset = "celiac" (optionally delay_days = 30)

    [output]
    every_days = 30           # trajectory sampling interval
"""

from __future__ import annotations

import datetime as _dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._errors import InputError
from ._seeding import Genotype

__all__ = ["Scenario", "Exposure", "Intervention", "load_scenario", "typical_infections"]

YEAR = 365.25

_TOP = {"person", "genotype", "exposures", "typical_exposures", "interventions", "output", "parameters"}


@dataclass(frozen=True)
class Exposure:
    type: str  # "infection" | "diet"
    day: float
    pathogen: str = ""
    dose: float = 0.0
    diet: str = ""
    intake: float = 0.0


@dataclass(frozen=True)
class Intervention:
    type: str  # "gluten_free_diet" | "gluten_challenge"
    day: float | None = None
    at_onset: str | None = None
    delay_days: float = 0.0


@dataclass
class Scenario:
    name: str
    sex: str
    birth: _dt.date | None
    years: float
    genotype: Genotype
    exposures: list[Exposure]
    typical: bool
    interventions: list[Intervention]
    every_days: float
    parameters: dict = field(default_factory=dict)

    @property
    def t_end(self) -> float:
        return self.years * YEAR


def _table(raw: dict, key: str) -> dict:
    """Section ``[key]`` of the scenario (empty if absent); anything but a table is an error."""
    section = raw.get(key, {})
    if not isinstance(section, dict):
        raise InputError(key, f"must be a table ([{key}] with key = value lines), not {type(section).__name__}")
    return section


def _tables(raw: dict, key: str) -> list[dict]:
    """Array of tables ``[[key]]`` (empty if absent); each entry must be a table."""
    items = raw.get(key, [])
    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        raise InputError(key, f"must be an array of tables ([[{key}]] blocks)")
    return items


def _keys(section: dict, allowed: set, where: str) -> None:
    extra = set(section) - allowed
    if extra:
        raise InputError(where, f"unknown key {sorted(extra)[0]!r}; allowed: {', '.join(sorted(allowed))}")


def _num(section: dict, key: str, where: str, *, lo: float = 0.0, hi: float = float("inf"), default=None) -> float:
    if key not in section:
        if default is None:
            raise InputError(f"{where}.{key}", "is required")
        return default
    val = section[key]
    if isinstance(val, bool) or not isinstance(val, (int, float)):
        raise InputError(f"{where}.{key}", f"{val!r} is not a number")
    if not lo <= float(val) <= hi:
        raise InputError(f"{where}.{key}", f"{val} is outside [{lo}, {hi}]")
    return float(val)


def _age_days(section: dict, where: str, prefix: str = "") -> float:
    ky, kd = f"{prefix}age_years", f"{prefix}age_days"
    if ky in section and kd in section:
        raise InputError(where, f"give either {ky} or {kd}, not both")
    if ky in section:
        return _num(section, ky, where, hi=120) * YEAR
    if kd in section:
        return _num(section, kd, where, hi=120 * YEAR)
    raise InputError(f"{where}.{ky}", "is required (or " + kd + ")")


def load_scenario(source: str | Path | dict) -> Scenario:
    """Read and validate a scenario from a TOML path, TOML text or a dict."""
    from ..immune import diet_specs, pathogen_specs

    if isinstance(source, dict):
        raw = source
    else:
        path = Path(source)
        if path.suffix == ".toml" or path.exists():
            if not path.exists():
                raise InputError("scenario", f"file {str(path)!r} does not exist")
            try:
                raw = tomllib.loads(path.read_text())
            except tomllib.TOMLDecodeError as exc:
                raise InputError("scenario", f"{path} is not valid TOML: {exc}") from None
        else:
            try:
                raw = tomllib.loads(str(source))
            except tomllib.TOMLDecodeError as exc:
                raise InputError("scenario", f"not valid TOML: {exc}") from None
    _keys(raw, _TOP, "scenario")
    person = _table(raw, "person")
    _keys(person, {"name", "sex", "birth", "years"}, "person")
    sex = str(person.get("sex", "female")).lower()
    if sex not in ("female", "male"):
        raise InputError("person.sex", f"{sex!r} is not allowed; use female or male")
    birth = person.get("birth")
    if birth is not None and not isinstance(birth, _dt.date):
        try:
            birth = _dt.date.fromisoformat(str(birth))
        except ValueError:
            raise InputError("person.birth", f"{birth!r} is not a date (YYYY-MM-DD)") from None
    years = _num(person, "years", "person", lo=1e-3, hi=100, default=80.0)
    gsec = _table(raw, "genotype")
    if "hla" not in gsec:
        raise InputError("genotype.hla", "is required, e.g. hla = 'DRB1*15:01, DQA1*01:02-DQB1*06:02'")
    _keys(gsec, {"hla", "aire", "foxp3", "ins_vntr", "ptpn22", "ctla4", "il2ra"}, "genotype")
    from ..molecular import parse_genotype

    parse_genotype(str(gsec["hla"]), field="genotype.hla")
    genotype = Genotype(**{k: str(v) for k, v in gsec.items()})
    pathogens, diets = pathogen_specs(), diet_specs()
    exposures = []
    for i, ex in enumerate(_tables(raw, "exposures")):
        where = f"exposures[{i}]"
        typ = ex.get("type")
        if typ == "infection":
            _keys(ex, {"type", "pathogen", "age_years", "age_days", "dose"}, where)
            name = ex.get("pathogen")
            if name not in pathogens:
                raise InputError(f"{where}.pathogen", f"{name!r} is not allowed; use one of {', '.join(pathogens)}")
            dose = _num(ex, "dose", where, lo=1e-6, default=pathogens[name].default_inoculum)
            exposures.append(Exposure("infection", _age_days(ex, where), pathogen=name, dose=dose))
        elif typ == "diet":
            _keys(ex, {"type", "diet", "from_age_years", "from_age_days", "intake_g_per_day"}, where)
            name = ex.get("diet")
            if name not in diets:
                raise InputError(f"{where}.diet", f"{name!r} is not allowed; use one of {', '.join(diets)}")
            exposures.append(Exposure("diet", _age_days(ex, where, "from_"), diet=name,
                                      intake=_num(ex, "intake_g_per_day", where, hi=1000)))
        else:
            raise InputError(f"{where}.type", f"{typ!r} is not allowed; use infection or diet")
    typ_sec = _table(raw, "typical_exposures")
    _keys(typ_sec, {"enabled"}, "typical_exposures")
    typical = bool(typ_sec.get("enabled", False))
    interventions = []
    for i, iv in enumerate(_tables(raw, "interventions")):
        where = f"interventions[{i}]"
        _keys(iv, {"type", "at_age_years", "at_age_days", "at_onset", "delay_days"}, where)
        typ = iv.get("type")
        if typ not in ("gluten_free_diet",):
            raise InputError(f"{where}.type", f"{typ!r} is not allowed; use gluten_free_diet")
        if "at_onset" in iv:
            from ..tissue import disease_specs

            if iv["at_onset"] not in disease_specs():
                raise InputError(f"{where}.at_onset", f"{iv['at_onset']!r} is not allowed; use one of {', '.join(disease_specs())}")
            interventions.append(Intervention(typ, None, iv["at_onset"], _num(iv, "delay_days", where, default=0.0)))
        else:
            interventions.append(Intervention(typ, _age_days(iv, where, "at_")))
    out = _table(raw, "output")
    _keys(out, {"every_days"}, "output")
    every = _num(out, "every_days", "output", lo=0.01, hi=3650, default=30.0)
    from ..immune._parameters import check_parameter

    params = {k: check_parameter(k, v) for k, v in _table(raw, "parameters").items()}
    return Scenario(name=str(person.get("name", "scenario")), sex=sex, birth=birth, years=years, genotype=genotype,
                    exposures=exposures, typical=typical, interventions=interventions, every_days=every,
                    parameters=dict(params))


#: Background infections for ``typical_exposures`` (rates per year, by age band). Sources:
#: influenza ~ every 5 years in adults (assumption, attack rates); rotavirus once in the first
#: 2 years in most children (rota.* rows give shedding only; assumption); enterovirus B reaching
#: the islets: 6.3 enterovirus infections per 10 years in early childhood
#: (tsv:ev.stool_infection_rate_before_aab), of which islet-tropic CVB a minority (assumed 1 in 6);
#: EBV primary infection by seroprevalence curve (tsv:ebv.seroprevalence_* rows).
TYPICAL = {
    "influenza": [(0.0, 100.0, 0.2)],
    "rotavirus": [(0.25, 2.0, 0.8)],
    "coxsackievirus_b4": [(0.0, 10.0, 0.1), (10.0, 100.0, 0.02)],
}
_EBV_SEROPREVALENCE = [(7.0, 0.50), (10.0, 0.55), (13.0, 0.59), (16.0, 0.69), (18.5, 0.89)]


def typical_infections(rng: np.random.Generator, years: float) -> list[Exposure]:
    """Draw a background infection history (Poisson processes per pathogen and age band)."""
    out = []
    for name, bands in TYPICAL.items():
        for a0, a1, rate in bands:
            a1 = min(a1, years)
            if a1 <= a0:
                continue
            k = rng.poisson(rate * (a1 - a0))
            for age in rng.uniform(a0, a1, size=k):
                out.append(Exposure("infection", float(age * YEAR), pathogen=name,
                                    dose=float(100.0 * np.exp(rng.normal(0.0, 1.0)))))
    # EBV: age of primary infection from the cumulative seroprevalence curve
    u = rng.uniform()
    ages = [0.5] + [a for a, _ in _EBV_SEROPREVALENCE]
    probs = [0.0] + [p for _, p in _EBV_SEROPREVALENCE]
    if u < probs[-1]:
        age = float(np.interp(u, probs, ages))
        if age < years:
            out.append(Exposure("infection", age * YEAR, pathogen="ebv", dose=100.0))
    return out
