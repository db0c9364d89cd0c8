"""Building the engine's fixed structure from data, and running batches of people.

A :class:`Model` is the structure shared by everyone in a run: sites (tissues), antigen
specificity groups (one per autoantigen of each disease spec, per dietary antigen, per
pathogen antigen), pathogens, diets, the packed linked-help table and the compiled clinical
conditions. People differ only in their per-person inputs (:class:`PersonInputs`) and
exposure schedules (:class:`Schedule`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from .._errors import InputError
from . import _kernel as K
from ._parameters import parameter_array
from .._data import data_path as _data_dir

__all__ = [
    "PathogenSpec", "pathogen_specs", "diet_specs", "diet_signal_peptides", "Group", "Model", "build_model", "PersonInputs",
    "Schedule", "SimResult", "simulate", "reference_solve", "initial_state",
]

GROUP_VARS = ("naive", "anergic", "effector", "memory", "treg", "b_activated", "plasma_short", "plasma_long", "antibody")
SITE_VARS = ("function", "apc_activation", "debris")
PATHOGEN_VARS = ("load", "innate", "latent")
SITE_ALGEBRAIC = ("costimulation", "il2", "ifng_tnf", "il17", "il10", "tgfb", "killing_rate", "danger")
if K.AS_F2 != len(SITE_ALGEBRAIC):  # algebraic_at returns the first len(SITE_ALGEBRAIC) columns
    raise RuntimeError("immune._kernel: the per-site output columns must come first and match SITE_ALGEBRAIC")


@dataclass(frozen=True)
class PathogenSpec:
    name: str
    description: str
    antigen: str
    site: str
    replication: float
    capacity: float
    innate_clearance: float
    cytolysis: float
    cytolysis_half: float
    latency: float
    reactivation: float
    pamp_half: float
    default_inoculum: float


@lru_cache(maxsize=1)
def pathogen_specs() -> dict[str, PathogenSpec]:
    out = {}
    for path in sorted(_data_dir("pathogens").glob("*.toml")):
        raw = tomllib.loads(path.read_text())
        out[raw["name"]] = PathogenSpec(**raw)
    return out


@lru_cache(maxsize=1)
def diet_specs() -> dict[str, tuple[str, ...]]:
    raw = tomllib.loads(_data_dir("diets.toml").read_text())
    return {k: tuple(v["antigens"]) for k, v in raw.items()}


@lru_cache(maxsize=1)
def diet_signal_peptides() -> dict[str, int]:
    """Length of the signal peptide of each dietary antigen (``signal_peptide`` tables in
    diets.toml): it is cleaved in the producing organism and is not part of the food."""
    raw = tomllib.loads(_data_dir("diets.toml").read_text())
    return {k: int(v) for d in raw.values() for k, v in d.get("signal_peptide", {}).items()}


@lru_cache(maxsize=64)
def eaten_protein(symbol: str):
    """A dietary protein as it is eaten: the mature chain, without the signal peptide that
    the producing organism cleaves in its ER (``signal_peptide`` in data/diets.toml)."""
    from ..molecular import get_protein

    prot = get_protein(symbol)
    n = int(diet_signal_peptides().get(symbol, 0))
    return replace(prot, sequence=prot.sequence[n:], symbol=f"{symbol}_mature") if n else prot


@lru_cache(maxsize=64)
def _deamidated_by_ttg(symbol: str) -> bool:
    """Whether tTG deamidates the dietary protein as eaten (mature chain): only then can its
    deamidation create epitopes, and only then does it get a ``_deamidated`` group."""
    from ..molecular import deamidate

    mature = eaten_protein(symbol).sequence
    return deamidate(mature) != mature


@dataclass(frozen=True)
class Group:
    symbol: str
    site: str
    kind: str  # "self", "pathogen", "diet", "commensal"
    source: str  # pathogen or diet name, or "" for self and commensal
    expression: float
    antibody_decay: float
    #: the clones specific for epitopes that a modification creates (tTG deamidation in the gut):
    #: presented in proportion to the modified share of the antigen, see docs/model.md
    modified: bool

    @property
    def label(self) -> str:
        """Name of the group in outputs: the protein symbol, ``_deamidated`` for the clones that
        see the epitopes deamidation creates."""
        return f"{self.symbol}_deamidated" if self.modified else self.symbol


@dataclass
class Model:
    sites: tuple[str, ...]
    groups: tuple[Group, ...]
    pathogens: tuple[PathogenSpec, ...]
    diets: tuple[str, ...]
    diseases: tuple
    grp_tab: np.ndarray
    site_tab: np.ndarray
    path_tab: np.ndarray
    help_link: np.ndarray  # B-cell help partners per group, packed by :func:`pack_links`
    pred_tab: np.ndarray
    cond_start: np.ndarray
    cond_count: np.ndarray
    cond_dur: np.ndarray
    conditions: tuple[tuple[str, str], ...]  # (disease or "autoantibody", criterion name or antigen)
    params: np.ndarray = field(default_factory=parameter_array)

    @property
    def n_state(self) -> int:
        return len(self.groups) * K.NG + len(self.sites) * K.NS + len(self.pathogens) * K.NP

    def group_index(self, symbol: str) -> int:
        for i, g in enumerate(self.groups):
            if g.label == symbol:
                return i
        raise InputError("antigen", f"{symbol!r} is not a group of this model; groups: {', '.join(g.label for g in self.groups)}")

    def pathogen_index(self, name: str) -> int:
        for i, p in enumerate(self.pathogens):
            if p.name == name:
                return i
        raise InputError("pathogen", f"unknown pathogen {name!r}; known: {', '.join(p.name for p in self.pathogens)}")

    def site_index(self, name: str) -> int:
        return self.sites.index(name)

    def var_index(self, kind: str, owner: str, var: str) -> int:
        if kind == "group":
            return self.group_index(owner) * K.NG + GROUP_VARS.index(var)
        G = len(self.groups)
        if kind == "site":
            return G * K.NG + self.site_index(owner) * K.NS + SITE_VARS.index(var)
        S = len(self.sites)
        return G * K.NG + S * K.NS + self.pathogen_index(owner) * K.NP + PATHOGEN_VARS.index(var)

    def var_names(self) -> list[tuple[str, str]]:
        """(compartment, variable) for every state index."""
        out = []
        for g in self.groups:
            out += [(f"{g.label}@{g.site}", v) for v in GROUP_VARS]
        for s in self.sites:
            out += [(s, v) for v in SITE_VARS]
        for p in self.pathogens:
            out += [(p.name, v) for v in PATHOGEN_VARS]
        return out


def pack_links(dense: np.ndarray) -> np.ndarray:
    """The nonzero entries of a square link-weight matrix, row by row, in the kernel's sparse
    layout: ``out[g, 0]`` is the number of partners of ``g``; partner ``j`` (in increasing index
    order) is ``out[g, 1 + 2j]`` with weight ``out[g, 2 + 2j]``. The right-hand side visits
    only the partners instead of every pair of groups."""
    G = dense.shape[0]
    width = int((dense != 0).sum(axis=1).max()) if G else 0
    out = np.zeros((G, 1 + 2 * width))
    for g in range(G):
        partners = np.flatnonzero(dense[g])
        out[g, 0] = len(partners)
        out[g, 1:1 + 2 * len(partners):2] = partners
        out[g, 2:2 + 2 * len(partners):2] = dense[g, partners]
    return out


def build_model(diseases=None, pathogens=None, params: dict | None = None) -> Model:
    """Assemble the structure from disease specs, pathogens and diets (all data)."""
    from ..tissue import disease_specs, tissues

    dspecs = tuple(disease_specs().values()) if diseases is None else tuple(diseases)
    pspecs = tuple(pathogen_specs().values()) if pathogens is None else tuple(pathogens)
    tis = tissues()
    diets = tuple(diet_specs())
    diet_of = {a: d for d, ants in diet_specs().items() for a in ants}
    site_names: list[str] = []

    def site(name):
        if name not in tis:
            raise InputError("tissue", f"unknown tissue {name!r}; known: {', '.join(tis)}")
        if name not in site_names:
            site_names.append(name)
        return name

    groups: list[Group] = []
    seen: dict[tuple[str, str], int] = {}
    for d in dspecs:
        s = site(d.tissue)
        for sym, expr in d.autoantigens.items():
            if (sym, s) not in seen:
                seen[(sym, s)] = len(groups)
                groups.append(Group(sym, s, "self", "", float(expr), float(d.antibody_decay), False))
        for sym in d.dietary_antigens:
            if (sym, s) not in seen:
                if sym not in diet_of:
                    raise InputError(f"{d.name}.dietary_antigens", f"{sym} is not carried by any diet in diets.toml")
                # clones for the native protein (oral tolerance) and, separately, for the epitopes
                # that tTG deamidation creates in the gut: different peptides, different clones
                seen[(sym, s)] = len(groups)
                groups.append(Group(sym, s, "diet", diet_of[sym], 1.0, float(d.antibody_decay), False))
                if _deamidated_by_ttg(sym):
                    seen[(f"{sym}_deamidated", s)] = len(groups)
                    groups.append(Group(sym, s, "diet", diet_of[sym], 1.0, float(d.antibody_decay), True))
    for p in pspecs:
        s = site(p.site)
        if (p.antigen, s) not in seen:
            seen[(p.antigen, s)] = len(groups)
            groups.append(Group(p.antigen, s, "pathogen", p.name, 1.0, 0.030, False))
    for s in list(site_names):
        if tis[s].commensal_antigen > 0.0 and ("MICROBIOTA", s) not in seen:
            # the resident microbiota at a colonised site (gut): always present, tolerated by
            # induced Tregs when FOXP3 works (IgA-class antibody decay as for gut antigens)
            seen[("MICROBIOTA", s)] = len(groups)
            groups.append(Group("MICROBIOTA", s, "commensal", "", float(tis[s].commensal_antigen), 0.117, False))
    sites = tuple(site_names)
    G, S, P = len(groups), len(sites), len(pspecs)
    from ..molecular import get_protein

    grp_tab = np.zeros((G, K.N_GT))
    kinds = {"self": K.KIND_SELF, "pathogen": K.KIND_PATHOGEN, "diet": K.KIND_DIET, "commensal": K.KIND_COMMENSAL}
    pnames = [p.name for p in pspecs]
    for i, g in enumerate(groups):
        grp_tab[i, K.GT_SITE] = sites.index(g.site)
        grp_tab[i, K.GT_KIND] = kinds[g.kind]
        grp_tab[i, K.GT_SOURCE] = pnames.index(g.source) if g.kind == "pathogen" else (diets.index(g.source) if g.kind == "diet" else -1)
        grp_tab[i, K.GT_EXPR] = g.expression
        grp_tab[i, K.GT_ABDECAY] = g.antibody_decay
        grp_tab[i, K.GT_MOD] = 1.0 if g.modified else 0.0
        grp_tab[i, K.GT_UBIQ] = 1.0 if g.kind == "self" and get_protein(g.symbol).thymic_display == "ubiquitous" else 0.0
    site_tab = np.zeros((S, K.N_ST))
    for i, s in enumerate(sites):
        t = tis[s]
        site_tab[i] = [1.0 if t.gut else 0.0, t.regeneration, t.sensitivity, t.kill_half, t.debris_clearance, t.danger_baseline,
                       1.0 if t.renewal == 'stem' else 0.0]
    path_tab = np.zeros((P, K.N_PT))
    for i, p in enumerate(pspecs):
        path_tab[i] = [sites.index(p.site), p.replication, p.capacity, p.innate_clearance, p.cytolysis,
                       p.cytolysis_half, p.latency, p.reactivation, p.pamp_half, -1.0]
    for i, g in enumerate(groups):  # the one group specific for each pathogen (its effectors and antibodies clear it)
        if g.kind == "pathogen":
            path_tab[pnames.index(g.source), K.PT_GROUP] = i
    help_link = np.eye(G)
    for d in dspecs:
        for a, b in d.complexes:
            # tTG deamidates the gliadin it binds (thioester intermediate), so a complex carries
            # the deamidated form of a dietary partner
            ia = seen.get((f"{a}_deamidated", d.tissue), seen.get((a, d.tissue)))
            ib = seen.get((f"{b}_deamidated", d.tissue), seen.get((b, d.tissue)))
            if ia is not None and ib is not None:
                help_link[ia, ib] = 1.0
                help_link[ib, ia] = 1.0
    help_link = pack_links(help_link)
    # conditions: autoantibody positivity per self group, then stages and clinical per disease
    preds, starts, counts, durs, conds = [], [], [], [], []

    def add(cond_name, plist, dur):
        starts.append(len(preds))
        counts.append(len(plist))
        preds.extend(plist)
        durs.append(dur)
        conds.append(cond_name)

    if G > 62:
        raise InputError("model", "at most 62 antigen groups are supported")
    for i, g in enumerate(groups):
        if g.kind == "self":
            add(("autoantibody", f"{g.label}@{g.site}"), [(1, 1 << i, 0.0, 1)], 0.0)
    for d in dspecs:
        mask = sum(1 << seen[(sym, d.tissue)] for sym in d.autoantigens)
        sidx = sites.index(d.tissue)
        for crit in (*d.stages, d.clinical):
            plist = []
            if crit.function_below is not None:
                plist.append((0, sidx, crit.function_below, 0))
            if crit.min_autoantibodies > 0:
                plist.append((1, mask, 0.0, crit.min_autoantibodies))
            add((d.name, crit.name), plist, crit.min_duration_days)
    return Model(
        sites=sites, groups=tuple(groups), pathogens=pspecs, diets=diets, diseases=dspecs,
        grp_tab=grp_tab, site_tab=site_tab, path_tab=path_tab, help_link=help_link,
        pred_tab=np.array(preds, dtype=np.float64).reshape(-1, 4),
        cond_start=np.array(starts, dtype=np.int64), cond_count=np.array(counts, dtype=np.int64),
        cond_dur=np.array(durs, dtype=np.float64), conditions=tuple(conds),
        params=parameter_array(params),
    )


@dataclass
class PersonInputs:
    """Per-person inputs: ``pg`` (n, G, 5): presentation (native, modified), naive
    conventional, thymic Treg and naive B precursors (CELL_UNIT); ``px`` (n, 4): FOXP3
    function (0/1), CTLA4, IL2RA and PTPN22 efficacy factors."""

    pg: np.ndarray
    px: np.ndarray

    @property
    def n(self) -> int:
        return self.pg.shape[0]


@dataclass
class Schedule:
    """Per-person exposure segments, padded to a common length with +inf times:
    ``seg_t`` (n, K+1) boundaries in days; ``seg_diet`` (n, K, n_diet) intake (g/day) on
    each segment; ``seg_inoc`` (n, K, n_pathogen) inoculum added at each segment start."""

    seg_t: np.ndarray
    seg_diet: np.ndarray
    seg_inoc: np.ndarray


@dataclass
class SimResult:
    model: Model
    sample_t: np.ndarray
    states: np.ndarray | None  # (n, n_samples, n_state)
    first: np.ndarray  # (n, n_conditions) first time (days) each condition held, NaN if never
    final: np.ndarray  # (n, n_state)
    steps: np.ndarray  # (n, 2) accepted, rejected steps
    work: np.ndarray | None = None  # (n, 2) right-hand-side evaluations, accepted RKC steps (stiff stretches)


def initial_state(model: Model, persons: PersonInputs) -> np.ndarray:
    n, G = persons.n, len(model.groups)
    Y = np.zeros((n, model.n_state))
    for g in range(G):
        Y[:, g * K.NG + K.VN] = persons.pg[:, g, K.PG_N0]
        Y[:, g * K.NG + K.VR] = persons.pg[:, g, K.PG_R0] * persons.px[:, K.PX_FOXP3]
    so = G * K.NG
    for s in range(len(model.sites)):
        Y[:, so + s * K.NS + K.SF] = 1.0
        Y[:, so + s * K.NS + K.SI] = model.site_tab[s, K.ST_DANGER0]
    return Y


def simulate(model: Model, persons: PersonInputs, schedule: Schedule, sample_t, *, record: bool = True,
             rtol: float = 1e-6, atol: float = 1e-9, hmax: float = 30.0, y0: np.ndarray | None = None) -> SimResult:
    """Integrate everyone from their first segment boundary to their last."""
    n = persons.n
    sample_t = np.ascontiguousarray(np.asarray(sample_t, dtype=np.float64))
    Y = initial_state(model, persons) if y0 is None else np.array(y0, dtype=np.float64)
    rec_vars = np.arange(model.n_state, dtype=np.int64) if record else np.zeros(0, dtype=np.int64)
    out = np.zeros((n, len(sample_t) if record else 0, len(rec_vars)))
    first = np.full((n, len(model.conditions)), np.nan)
    stats = np.zeros((n, 4), dtype=np.int64)
    samp = sample_t if record else np.zeros(0)
    K.integrate_batch(Y, model.params, model.grp_tab, model.site_tab, model.path_tab, model.help_link,
                      np.ascontiguousarray(persons.pg, dtype=np.float64), np.ascontiguousarray(persons.px, dtype=np.float64),
                      np.ascontiguousarray(schedule.seg_t, dtype=np.float64),
                      np.ascontiguousarray(schedule.seg_diet, dtype=np.float64),
                      np.ascontiguousarray(schedule.seg_inoc, dtype=np.float64),
                      samp, out, rec_vars, model.pred_tab, model.cond_start, model.cond_count, model.cond_dur,
                      first, float(rtol), float(atol), float(hmax), stats)
    return SimResult(model, sample_t, out if record else None, first, Y, stats[:, :2].copy(), stats[:, 2:].copy())


def algebraic_at(model: Model, persons: PersonInputs, i: int, y: np.ndarray, diet: np.ndarray):
    """Quasi-steady-state quantities for person ``i`` at state ``y``: (sigma per group,
    antigen per group, per-site table with columns :data:`SITE_ALGEBRAIC`)."""
    G, S = len(model.groups), len(model.sites)
    sigma, antigen, alg = np.zeros(G), np.zeros(G), np.zeros((S, K.N_AS))
    K.algebraic(np.asarray(y, dtype=np.float64), model.params, model.grp_tab, model.site_tab, model.path_tab,
                model.help_link, persons.pg[i], persons.px[i], np.asarray(diet, dtype=np.float64), sigma, antigen, alg)
    return sigma, antigen, alg[:, :len(SITE_ALGEBRAIC)]


def reference_solve(model: Model, persons: PersonInputs, schedule: Schedule, sample_t, i: int = 0, *,
                    method: str = "Radau", rtol: float = 1e-10, atol: float = 1e-12) -> np.ndarray:
    """The same equations (:func:`_kernel.rhs`) solved by ``scipy.integrate.solve_ivp``
    segment by segment for person ``i``; returns states at ``sample_t`` (n_samples, n_state).
    Pathogen extinction (a discrete event in the engine) is applied at segment ends only."""
    from scipy.integrate import solve_ivp

    G, S = len(model.groups), len(model.sites)
    sigma, antigen, alg = np.zeros(G), np.zeros(G), np.zeros((S, K.N_AS))
    pg, px = persons.pg[i], persons.px[i]
    y = initial_state(model, PersonInputs(persons.pg[i:i + 1], persons.px[i:i + 1]))[0]
    sample_t = np.asarray(sample_t, dtype=np.float64)
    out = np.full((len(sample_t), model.n_state), np.nan)
    seg_t = schedule.seg_t[i]
    po = G * K.NG + S * K.NS
    for k in range(len(seg_t) - 1):
        t0, t1 = seg_t[k], seg_t[k + 1]
        if not np.isfinite(t1) or t1 <= t0:
            continue
        diet = schedule.seg_diet[i, k].astype(np.float64)
        for p in range(len(model.pathogens)):
            y[po + p * K.NP + K.PV] += schedule.seg_inoc[i, k, p]

        def f(t, yy, diet=diet):
            dy = np.empty_like(yy)
            K.rhs(yy, dy, model.params, model.grp_tab, model.site_tab, model.path_tab, model.help_link,
                  pg, px, diet, sigma, antigen, alg)
            return dy

        # a sample at a jump time shows the state just before the jump (as in the engine)
        mask = ((sample_t > t0) | ((k == 0) & (sample_t == t0))) & (sample_t <= t1)
        t_eval = np.unique(np.concatenate([sample_t[mask], [t1]]))
        sol = solve_ivp(f, (t0, t1), y, method=method, rtol=rtol, atol=atol, t_eval=t_eval)
        if not sol.success:
            raise RuntimeError(sol.message)
        out[mask] = sol.y.T[np.searchsorted(t_eval, sample_t[mask])]
        y = sol.y[:, -1].copy()
    return out
