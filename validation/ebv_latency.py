"""EBV carrier state across sampled Europeans (tests/test_immune_ebv.py checks one person).

Samples ``--n`` people from the European population tables (genotypes and per-person seeds as
in a cohort), infects each with EBV at ``--age`` years and follows them ``--years`` more, with
nothing else happening. Prints, at 1, 10, 20 and 30 years after infection, the latent load
relative to the primary peak and how many people's EBNA1-specific regulatory cells outnumber
their EBNA1 memory cells (a response taken over by regulation).

    python validation/ebv_latency.py [--n 200] [--age 10] [--years 35] [--seed 3]

Session 9 (proliferative memory recall, bounded): 20 y after infection 6.5% Treg-dominated (15.5%
at 30 y; 100% with the earlier consuming recall), median load 2.2x its level 1 y after infection and
1.2e-3 of the primary peak (x400 before).
"""

from __future__ import annotations

import argparse

import numpy as np

YEAR = 365.25


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--age", type=float, default=10.0)
    ap.add_argument("--years", type=float, default=35.0)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args(argv)

    from autoimmunity.cohort import CohortPlan, load_population, sample_families
    from autoimmunity.cohort._engine import _genotypes
    from autoimmunity.host import draw_people
    from autoimmunity.immune import PersonInputs, build_model, make_schedule, simulate

    m = build_model()
    people, seeds = sample_families(load_population("europe"), CohortPlan(args.n), args.seed, 0, args.n, 80.0)
    parts = [draw_people(m, [g], np.random.default_rng(int(s))) for g, s in zip(_genotypes(people), seeds)]
    persons = PersonInputs(np.concatenate([p.pg for p in parts]), np.concatenate([p.px for p in parts]))
    t0 = args.age * YEAR
    sched = make_schedule(m, [{"infections": [(t0, "ebv", 100.0)]}] * args.n, t0 + args.years * YEAR)
    after = [1.0, 10.0, 20.0, 30.0]
    ts = np.concatenate([t0 + np.arange(0.0, 120.0, 1.0), t0 + np.array(after) * YEAR])
    S = simulate(m, persons, sched, ts).states
    load = S[:, :, m.var_index("pathogen", "ebv", "load")]
    treg = S[:, :, m.var_index("group", "EBNA1", "treg")]
    memory = S[:, :, m.var_index("group", "EBNA1", "memory")]
    peak = load[:, :120].max(axis=1)
    k0 = 120
    print(f"{args.n} Europeans, EBV at {args.age:g} y; median primary peak {np.median(peak):.3g}")
    for j, yrs in enumerate(after):
        k = k0 + j
        ratio = load[:, k] / peak
        print(f"{yrs:4.0f} y after: load / peak median {np.median(ratio):.2e} (90th pct {np.quantile(ratio, 0.9):.2e}); "
              f"load / load at 1 y median {np.median(load[:, k] / load[:, k0]):.2f}; "
              f"EBNA1 Tregs > memory: {np.mean(treg[:, k] > memory[:, k]):.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
