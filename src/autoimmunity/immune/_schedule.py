"""Exposure schedules: infections (inoculations at given times) and diets (piecewise
constant intake) turned into the padded segment arrays the integrator reads."""

from __future__ import annotations

import numpy as np

from ._model import Model, Schedule

__all__ = ["make_schedule"]


def make_schedule(model: Model, people: list[dict], t_end: float, t_start: float = 0.0) -> Schedule:
    """``people``: one dict per person with ``infections`` [(day, pathogen, inoculum)] and
    ``diet`` [(day, diet_name, intake)] (intake holds until the next change of that diet)."""
    P, D = len(model.pathogens), len(model.diets)
    per = []
    for person in people:
        times = {t_start, t_end}
        inf = [(float(t), model.pathogen_index(p), float(v)) for t, p, v in person.get("infections", []) if t_start <= t < t_end]
        diet = sorted((float(t), model.diets.index(d), float(v)) for t, d, v in person.get("diet", []))
        times |= {t for t, _, _ in inf} | {t for t, _, _ in diet if t_start <= t < t_end}
        bounds = np.array(sorted(times))
        nseg = len(bounds) - 1
        sd = np.zeros((nseg, D))
        si = np.zeros((nseg, P))
        current = np.zeros(D)
        di = 0
        for k in range(nseg):
            while di < len(diet) and diet[di][0] <= bounds[k] + 1e-12:
                current[diet[di][1]] = diet[di][2]
                di += 1
            sd[k] = current
        for t, p, v in inf:
            k = int(np.searchsorted(bounds, t, side="right") - 1)
            si[k, p] += v
        per.append((bounds, sd, si))
    kmax = max(len(b) for b, _, _ in per)
    n = len(people)
    seg_t = np.full((n, kmax), np.inf)
    seg_diet = np.zeros((n, kmax - 1, D))
    seg_inoc = np.zeros((n, kmax - 1, P))
    for i, (b, sd, si) in enumerate(per):
        seg_t[i, : len(b)] = b
        seg_diet[i, : len(sd)] = sd
        seg_inoc[i, : len(si)] = si
    return Schedule(seg_t, seg_diet, seg_inoc)
