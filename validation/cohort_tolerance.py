"""Which integrator tolerance the cohort path can use (docs/cohort.md "Integrator tolerance").

Runs the cohort engine (``autoimmunity.cohort._engine.lifecourse_engine``) on the same sampled
European people at the reference tolerance (rtol 1e-6, atol 1e-9, longest step 30 days) and at
each candidate (tolerances, longest step), and
prints, per candidate: right-hand-side evaluations per life, whether the same people have the
same events, and how many event ages move by more than 0.05 y.

    python validation/cohort_tolerance.py [--n 1000] [--horizon 80] [--seed 1] [--islet-reach R] [--loose]

About 2 minutes for 1,000 people on 2 cores. ``--islet-reach 1`` sends every enterovirus B
infection to the islets (instead of the calibrated share), which gives several times more events
to compare per person simulated; ``--loose`` adds looser candidates at the cohort's longest step.
"""

from __future__ import annotations

import argparse

import numpy as np


def run(people, seeds, horizon, rtol, atol, hmax=30.0):
    """(event ages in years (people x events), mean RHS evaluations per person)."""
    from autoimmunity.cohort import _engine
    from autoimmunity.immune import _model

    work = []
    original = _model.simulate

    def counting(*args, **kwargs):
        res = original(*args, **kwargs)
        work.append(res.work[:, 0])
        return res

    saved = _engine.COHORT_RTOL, _engine.COHORT_ATOL, _engine.COHORT_HMAX
    _engine.COHORT_RTOL, _engine.COHORT_ATOL, _engine.COHORT_HMAX = rtol, atol, hmax
    try:
        import autoimmunity.immune as immune

        immune.simulate, _model.simulate = counting, counting
        ages = _engine.lifecourse_engine(people, seeds, horizon).to_numpy()
    finally:
        immune.simulate, _model.simulate = original, original
        _engine.COHORT_RTOL, _engine.COHORT_ATOL, _engine.COHORT_HMAX = saved
    return ages, float(np.concatenate(work).mean())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--horizon", type=float, default=80.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--islet-reach", type=float, default=None,
                    help="share of enterovirus B infections that reach the islets (default: the population's)")
    ap.add_argument("--loose", action="store_true", help="also rtol 2e-5, 3e-5, 5e-5 with the 365-day step")
    args = ap.parse_args(argv)

    from autoimmunity.cohort import CohortPlan, load_population, sample_families

    plan = CohortPlan(args.n)
    from autoimmunity._errors import InputError

    pop = load_population("europe")
    if args.islet_reach is not None:
        try:
            pop = pop.with_exposures([("enterovirus", "islet_reach_share", args.islet_reach)])
        except InputError as exc:
            ap.exit(2, f"error: {exc}\n")
    people, seeds = sample_families(pop, plan, args.seed, 0, plan.n_families, args.horizon)
    ref, ref_work = run(people, seeds, args.horizon, 1e-6, 1e-9)
    events = np.isfinite(ref)
    print(f"reference rtol 1e-6 atol 1e-9 hmax 30 d: {ref_work:,.0f} evaluations per life, {int(events.sum())} events")
    candidates = [(1e-5, 1e-8, 30.0), (1e-5, 1e-8, 365.0), (1e-4, 1e-7, 30.0), (1e-5, 1e-6, 30.0)]
    if args.loose:
        candidates += [(2e-5, 2e-8, 365.0), (3e-5, 3e-8, 365.0), (5e-5, 5e-8, 365.0)]
    for rtol, atol, hmax in candidates:
        ages, work = run(people, seeds, args.horizon, rtol, atol, hmax)
        same = bool((np.isfinite(ages) == events).all())
        both = events & np.isfinite(ages)
        moved = np.abs(ages[both] - ref[both])
        print(f"rtol {rtol:g} atol {atol:g} hmax {hmax:g} d: {work:,.0f} evaluations per life ({ref_work / work:.2f}x fewer); "
              f"same people with the same events: {same} ({int(np.isfinite(ages).sum())} events); "
              f"ages moved > 0.05 y: {int((moved > 0.05).sum())} (largest {moved.max() if moved.size else 0:.3f} y)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
