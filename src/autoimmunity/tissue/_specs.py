"""Tissues and diseases as data.

``data/tissues.toml`` lists the sites of the engine (regeneration, tonic danger, ...).
``data/diseases/*.toml`` declares each disease: target tissue, autoantigens with their
relative abundance, dietary antigens, antigen complexes that give linked help, antibody
isotype, stages and the clinical definition. Adding a disease is adding a file.

A stage or clinical definition is a conjunction of simple predicates on the state:
``function_below`` (tissue function below a fraction of normal), ``min_autoantibodies``
(at least k of the disease's autoantibodies positive), held for ``min_duration_days``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .._errors import InputError
from .._data import data_path as _data_dir

__all__ = ["Tissue", "Criterion", "DiseaseSpec", "tissues", "disease_specs", "get_disease", "load_disease"]


@dataclass(frozen=True)
class Tissue:
    name: str
    description: str
    gut: bool
    regeneration: float  # 1/day
    sensitivity: float  # dimensionless
    kill_half: float  # CELL_UNIT
    debris_clearance: float  # 1/day
    danger_baseline: float  # danger units
    renewal: str = "replication"  # 'stem' (crypt stem cells refill) or 'replication' (remaining cells divide)
    commensal_antigen: float = 0.0  # antigen units of resident-microbiota antigen reaching the site's APCs


@dataclass(frozen=True)
class Criterion:
    name: str
    function_below: float | None = None
    min_autoantibodies: int = 0
    min_duration_days: float = 0.0


@dataclass(frozen=True)
class DiseaseSpec:
    name: str
    display_name: str
    tissue: str
    autoantigens: dict[str, float]
    dietary_antigens: tuple[str, ...]
    complexes: tuple[tuple[str, str], ...]
    antibody_isotype: str
    antibody_decay: float
    stages: tuple[Criterion, ...]
    clinical: Criterion
    function_variable: str = ""
    source: str = field(default="", repr=False)


@lru_cache(maxsize=1)
def tissues() -> dict[str, Tissue]:
    raw = tomllib.loads(_data_dir("tissues.toml").read_text())
    return {name: Tissue(name=name, **vals) for name, vals in raw.items()}


def _criterion(name: str, raw: dict, where: str) -> Criterion:
    allowed = {"name", "function_below", "min_autoantibodies", "min_duration_days"}
    extra = set(raw) - allowed
    if extra:
        raise InputError(where, f"unknown key(s) {', '.join(sorted(extra))}; allowed: {', '.join(sorted(allowed))}")
    fb = raw.get("function_below")
    if fb is not None and not 0 < float(fb) < 1:
        raise InputError(f"{where}.function_below", f"{fb} must be a fraction between 0 and 1")
    return Criterion(
        name=str(raw.get("name", name)),
        function_below=None if fb is None else float(fb),
        min_autoantibodies=int(raw.get("min_autoantibodies", 0)),
        min_duration_days=float(raw.get("min_duration_days", 0.0)),
    )


def load_disease(path: str | Path) -> DiseaseSpec:
    """Read and validate one disease spec file."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError("disease", f"cannot read {path}: {exc}") from None
    from ..molecular import get_protein

    name = raw.get("name") or path.stem
    tissue = raw.get("tissue")
    if tissue not in tissues():
        raise InputError(f"{name}.tissue", f"{tissue!r} is not a known tissue; use one of {', '.join(tissues())}")
    autoantigens = {}
    for sym, expr in (raw.get("autoantigens") or {}).items():
        autoantigens[get_protein(sym, field=f"{name}.autoantigens").symbol] = float(expr)
    diet = tuple(get_protein(s, field=f"{name}.dietary_antigens").symbol for s in raw.get("dietary_antigens", []))
    complexes = tuple(
        (get_protein(a, field=f"{name}.complexes").symbol, get_protein(b, field=f"{name}.complexes").symbol)
        for a, b in raw.get("complexes", [])
    )
    stages = tuple(_criterion(s.get("name", f"stage{i}"), s, f"{name}.stages") for i, s in enumerate(raw.get("stages", [])))
    clinical = _criterion("clinical", raw.get("clinical", {}), f"{name}.clinical")
    iso = raw.get("antibody_isotype", "IgG")
    return DiseaseSpec(
        name=name,
        display_name=raw.get("display_name", name),
        tissue=tissue,
        autoantigens=autoantigens,
        dietary_antigens=diet,
        complexes=complexes,
        antibody_isotype=iso,
        antibody_decay=float(raw.get("antibody_decay", 0.030)),
        stages=stages,
        clinical=clinical,
        function_variable=raw.get("function_variable", ""),
        source=str(path),
    )


@lru_cache(maxsize=1)
def disease_specs() -> dict[str, DiseaseSpec]:
    """All shipped disease specs keyed by name."""
    specs = {}
    for path in sorted(_data_dir("diseases").glob("*.toml")):
        spec = load_disease(path)
        specs[spec.name] = spec
    return specs


def get_disease(name: str) -> DiseaseSpec:
    specs = disease_specs()
    if name not in specs:
        raise InputError("disease", f"unknown disease {name!r}; known: {', '.join(specs)}")
    return specs[name]
