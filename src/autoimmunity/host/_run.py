"""Running scenarios: one person (full trajectory, report) or many (summaries only)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from ..immune import SITE_ALGEBRAIC, Model, PersonInputs, algebraic_at, build_model, make_schedule, simulate
from .._errors import require_count
from ._scenario import YEAR, Exposure, Scenario, load_scenario, typical_infections
from ._seeding import draw_people

__all__ = ["Summary", "PersonRun", "simulate_scenario", "run_scenario", "run_batch", "summarise", "trajectory_frame"]


@dataclass
class Summary:
    """Per-person outcome. Ages in years; None = never within the horizon."""

    seed: int
    person: int
    onsets: dict
    autoantibodies: dict
    t1d_stage_history: list
    stage_history: dict
    exposures: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "seed": self.seed, "person": self.person, "onsets": self.onsets, "autoantibodies": self.autoantibodies,
            "t1d_stage_history": self.t1d_stage_history, "stage_history": self.stage_history,
        }


@dataclass
class PersonRun:
    scenario: Scenario
    model: Model
    persons: PersonInputs
    exposures: list[list[Exposure]]
    diets: list[list[tuple]]
    sample_t: np.ndarray
    states: np.ndarray | None
    first: np.ndarray
    steps: np.ndarray
    seed: int


@lru_cache(maxsize=16)
def _model_cached(params: tuple) -> Model:
    return build_model(params=dict(params))


def _diet_events(scn: Scenario, onset_day: dict | None = None) -> list[tuple]:
    diet = [(e.day, e.diet, e.intake) for e in scn.exposures if e.type == "diet"]
    for iv in scn.interventions:
        if iv.type == "gluten_free_diet":
            day = iv.day
            if iv.at_onset is not None:
                day = None if not onset_day or onset_day.get(iv.at_onset) is None else onset_day[iv.at_onset] + iv.delay_days
            if day is not None:
                # the diet stays gluten-free: drop later gluten changes
                diet = [d for d in diet if not (d[1] == "gluten" and d[0] >= day)] + [(day, "gluten", 0.0)]
    return sorted(diet)


def simulate_scenario(scenario, seed: int = 0, n: int = 1, *, record: bool = True,
                      progress: Callable[[int], None] | None = None, chunk: int = 256) -> PersonRun:
    """Simulate ``n`` people from one scenario (independent seeds per person via
    ``SeedSequence(seed).spawn``). Interventions 'at onset' are applied by re-running each
    affected person from birth with the diet change at their onset (the engine is
    deterministic given the draws, so the course up to onset is identical)."""
    require_count(seed, "seed")
    require_count(n, "n", 1)
    scn = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    model = _model_cached(tuple(sorted(scn.parameters.items())))
    children = np.random.SeedSequence(seed).spawn(n)
    rngs = [np.random.default_rng(c) for c in children]
    persons_list = [draw_people(model, [scn.genotype], r) for r in rngs]
    persons = PersonInputs(np.concatenate([p.pg for p in persons_list]), np.concatenate([p.px for p in persons_list]))
    exposures = []
    for r in rngs:
        ex = [e for e in scn.exposures if e.type == "infection"]
        if scn.typical:
            ex = ex + typical_infections(r, scn.years)
        exposures.append(sorted(ex, key=lambda e: e.day))
    t_end = scn.t_end
    sample_t = np.arange(0.0, t_end + 1e-9, scn.every_days)
    diets = [_diet_events(scn) for _ in range(n)]

    def run(idx, diet_lists):
        people = [{"infections": [(e.day, e.pathogen, e.dose) for e in exposures[i]], "diet": diet_lists[k]}
                  for k, i in enumerate(idx)]
        sch = make_schedule(model, people, t_end)
        sub = PersonInputs(persons.pg[idx], persons.px[idx])
        return simulate(model, sub, sch, sample_t, record=record)

    states = np.zeros((n, len(sample_t), model.n_state)) if record else None
    first = np.full((n, len(model.conditions)), np.nan)
    steps = np.zeros((n, 2), dtype=np.int64)
    for start in range(0, n, chunk):
        idx = np.arange(start, min(n, start + chunk))
        res = run(idx, [diets[i] for i in idx])
        first[idx], steps[idx] = res.first, res.steps
        if record:
            states[idx] = res.states
        if progress:
            progress(len(idx))
    # interventions at onset: second pass for the people who reached onset
    onset_ivs = [iv for iv in scn.interventions if iv.at_onset is not None]
    if onset_ivs:
        redo, new_diets = [], []
        for i in range(n):
            od = {}
            for iv in onset_ivs:
                k = model.conditions.index((iv.at_onset, "clinical"))
                od[iv.at_onset] = None if np.isnan(first[i, k]) else float(first[i, k])
            if any(v is not None for v in od.values()):
                redo.append(i)
                new_diets.append(_diet_events(scn, od))
        if redo:
            idx = np.array(redo)
            res = run(idx, new_diets)
            first[idx], steps[idx] = res.first, res.steps
            if record:
                states[idx] = res.states
            for k, i in enumerate(redo):
                diets[i] = new_diets[k]
    return PersonRun(scn, model, persons, exposures, diets, sample_t, states, first, steps, seed)


def _age(day) -> float | None:
    return None if day is None or not np.isfinite(day) else round(float(day) / YEAR, 4)


def summarise(run: PersonRun, i: int = 0) -> Summary:
    model = run.model
    onsets, autoab, stages = {}, {}, {}
    for k, (owner, name) in enumerate(model.conditions):
        age = _age(run.first[i, k])
        if owner == "autoantibody":
            autoab[name.split("@")[0]] = age
        elif name == "clinical":
            onsets[owner] = age
        else:
            stages.setdefault(owner, []).append({"stage": name, "age_years": age})
    t1d = [s for s in stages.get("t1d", [])]
    if "t1d" in onsets:
        t1d = t1d + [{"stage": "clinical", "age_years": onsets["t1d"]}] if not any(s["stage"] == "stage3" for s in t1d) else t1d
    events = [{"age_years": _age(e.day), "type": "infection", "pathogen": e.pathogen, "dose": e.dose} for e in run.exposures[i]]
    events += [{"age_years": _age(d), "type": "diet", "diet": name, "intake_g_per_day": v} for d, name, v in run.diets[i]]
    return Summary(seed=run.seed, person=i, onsets=onsets, autoantibodies=autoab, t1d_stage_history=t1d,
                   stage_history=stages, exposures=sorted(events, key=lambda e: e["age_years"]))


def trajectory_frame(run: PersonRun, i: int = 0):
    """Tidy trajectory of person ``i``: columns time (years of age), compartment, variable, value.
    Includes the state variables and the quasi-steady-state site quantities (cytokines,
    costimulation, killing rate, danger)."""
    import pandas as pd

    model = run.model
    S = run.states[i]
    t_years = run.sample_t / YEAR
    names = model.var_names()
    frames = []
    comp = np.array([c for c, _ in names])
    var = np.array([v for _, v in names])
    nt, nv = S.shape
    frames.append(pd.DataFrame({
        "time": np.repeat(t_years, nv), "compartment": np.tile(comp, nt), "variable": np.tile(var, nt),
        "value": S.reshape(-1),
    }))
    # algebraic (quasi-steady-state) quantities at each sample, with the diet in force
    diet_t = run.diets[i]
    alg_rows = np.zeros((nt, len(model.sites), len(SITE_ALGEBRAIC)))
    sig_rows = np.zeros((nt, len(model.groups)))
    for j, t in enumerate(run.sample_t):
        diet = np.zeros(len(model.diets))
        for d, name, v in diet_t:
            if d <= t:
                diet[model.diets.index(name)] = v
        sg, _, alg = algebraic_at(model, run.persons, i, S[j], diet)
        alg_rows[j] = alg
        sig_rows[j] = sg
    for s, site in enumerate(model.sites):
        for k, v in enumerate(SITE_ALGEBRAIC):
            frames.append(pd.DataFrame({"time": t_years, "compartment": site, "variable": v, "value": alg_rows[:, s, k]}))
    for g, grp in enumerate(model.groups):
        frames.append(pd.DataFrame({"time": t_years, "compartment": f"{grp.label}@{grp.site}", "variable": "tcr_signal",
                                    "value": sig_rows[:, g]}))
    df = pd.concat(frames, ignore_index=True)
    df["compartment"] = df["compartment"].astype("category")
    df["variable"] = df["variable"].astype("category")
    return df


def _progress_bar(total: int, enabled: bool):
    if not enabled:
        return None, None
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    prog = Progress(TextColumn("[bold]simulating"), BarColumn(), TextColumn("{task.completed}/{task.total} people"),
                    TimeElapsedColumn(), transient=True)
    task = prog.add_task("sim", total=total)
    return prog, (lambda k: prog.advance(task, k))


def run_scenario(scenario, out_dir, seed: int = 0, *, report: bool = True, progress: bool = False) -> Summary:
    """Simulate one person and write ``trajectory.parquet``, ``events.json``,
    ``summary.json`` and (optionally) ``report.html`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    prog, cb = _progress_bar(1, progress)
    if prog:
        prog.start()
    try:
        run = simulate_scenario(scenario, seed=seed, n=1, record=True, progress=cb)
    finally:
        if prog:
            prog.stop()
    summary = summarise(run, 0)
    df = trajectory_frame(run, 0)
    df.to_parquet(out / "trajectory.parquet", index=False)
    events = list(summary.exposures)
    for d, age in summary.onsets.items():
        if age is not None:
            events.append({"age_years": age, "type": "onset", "disease": d})
    for owner, st in summary.stage_history.items():
        for s in st:
            if s["age_years"] is not None:
                events.append({"age_years": s["age_years"], "type": "stage", "disease": owner, "stage": s["stage"]})
    for a, age in summary.autoantibodies.items():
        if age is not None:
            events.append({"age_years": age, "type": "autoantibody_positive", "antigen": a})
    events.sort(key=lambda e: e["age_years"])
    (out / "events.json").write_text(json.dumps(events, indent=1))
    summ = summary.to_dict()
    summ["scenario"] = run.scenario.name
    summ["genotype"] = run.scenario.genotype.__dict__
    summ["horizon_years"] = run.scenario.years
    (out / "summary.json").write_text(json.dumps(summ, indent=1))
    if report:
        from ..plotting import lifecourse_report

        (out / "report.html").write_text(lifecourse_report(df, events, summ, run.model))
    return summary


def run_batch(scenario, out_dir, n: int, seed: int = 0, *, progress: bool = False) -> list[Summary]:
    """Simulate ``n`` people from the scenario (different seeds) and write ``summaries.jsonl``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    prog, cb = _progress_bar(n, progress)
    if prog:
        prog.start()
    try:
        run = simulate_scenario(scenario, seed=seed, n=n, record=False, progress=cb)
    finally:
        if prog:
            prog.stop()
    sums = [summarise(run, i) for i in range(n)]
    with open(out / "summaries.jsonl", "w") as fh:
        for s in sums:
            fh.write(json.dumps(s.to_dict()) + "\n")
    return sums
