"""Probe (not a shipped stream): coeliac disease at population scale with infant rotavirus.

The cohort's exposure streams hold no gut infection, and in the engine an infant gut infection
is what primes the gliadin response, so population coeliac prevalence is 0 (docs/cohort.md,
Calibration table). This probe adds a rotavirus stream to the cohort engine by wrapping its
schedule (a Poisson process of ``rate`` infections per child-year from birth to 2 y, inoculum
100, one generator per person from its engine seed) and adds rotavirus to the engine's pathogens.
Rate source: about one rotavirus infection per child-year in the first two years in the
Mexican birth cohort of Velazquez FR et al., N Engl J Med 1996;335:1022 (stool and serum), and
1.04 per child-year to 3 y in the Vellore cohort of Gladstone BP et al., N Engl J Med
2011;365:337 (as read in the Vellore cohort's secondary reports; no European birth cohort
was read).

Run: ``python validation/cohort_rotavirus_probe.py [rate] [n] [horizon]`` (defaults 1.0, 4000,
20; about 30 s). Output of 2026-11-30 in docs/model.md, "Open problems", Session 16.
"""

from __future__ import annotations

import sys
import time

import numpy as np

import autoimmunity.cohort._engine as engine
from autoimmunity.cohort._runner import RunConfig, simulate_chunk

DAYS_PER_YEAR = 365.25


def with_rotavirus(rate: float):
    """The cohort schedule plus infant rotavirus infections (``rate`` per child-year, 0-2 y)."""
    base = engine.exposure_schedule

    def schedule(people, horizon_years, **kwargs):
        out = base(people, horizon_years, **kwargs)
        for row, events in zip(people.itertuples(index=False), out):
            rng = np.random.default_rng([int(row.engine_seed), 2026])
            ages = np.sort(rng.uniform(0.0, 2.0, rng.poisson(rate * 2.0)))
            events["infections"].extend((float(a) * DAYS_PER_YEAR, "rotavirus", 100.0) for a in ages
                                        if a <= horizon_years)
            events["infections"].sort(key=lambda e: e[0])
        return out

    return schedule


def carrier_class(dq1: str, dq2: str) -> str:
    pair = {dq1, dq2}
    if "DQA1*05:01-DQB1*02:01" in pair:
        return "DQ2.5"
    if "DQA1*03:01-DQB1*03:02" in pair:
        return "DQ8, no DQ2.5"
    if "DQA1*02:01-DQB1*02:02" in pair:
        return "DQ2.2 only"
    return "none of DQ2.5/DQ8/DQ2.2"


def main(rate: float = 1.0, n: int = 4000, horizon: float = 20.0) -> None:
    engine.exposure_schedule = with_rotavirus(rate)
    engine.COHORT_PATHOGENS = (engine.ENTEROVIRUS, engine.EBV, "rotavirus")
    engine._MODELS.clear()
    start = time.time()
    table = simulate_chunk(RunConfig(n=n, seed=11, horizon_years=horizon), 0, n)
    print(f"rotavirus {rate}/child-year to 2 y; {n} Europeans to {horizon:g} y; {time.time() - start:.0f} s")
    celiac = table["onset_age_celiac"] < horizon
    print(f"coeliac {celiac.mean():.1%} (median onset {table.loc[celiac, 'onset_age_celiac'].median():.2f} y); "
          f"T1D {(table['onset_age_t1d'] < horizon).mean():.2%}")
    classes = [carrier_class(a, b) for a, b in zip(table["hla_dq_1"], table["hla_dq_2"])]
    for name in ("DQ2.5", "DQ8, no DQ2.5", "DQ2.2 only", "none of DQ2.5/DQ8/DQ2.2"):
        mask = np.array([c == name for c in classes])
        print(f"  {name}: {int(celiac[mask].sum())}/{int(mask.sum())} ({celiac[mask].mean():.1%}); "
              f"share of cases {celiac[mask].sum() / max(int(celiac.sum()), 1):.0%}")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(float(args[0]) if args else 1.0, int(args[1]) if len(args) > 1 else 4000,
         float(args[2]) if len(args) > 2 else 20.0)
