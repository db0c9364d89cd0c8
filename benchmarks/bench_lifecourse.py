"""Life-course benchmark: one person birth->80 y, and 1,000 people together, against a
per-person scipy solve_ivp (Radau) loop on the same equations, measured in the same run."""

import time

import numba
import numpy as np

from autoimmunity.host import load_scenario, simulate_scenario
from autoimmunity.host._scenario import YEAR
from autoimmunity.immune import make_schedule, reference_solve

SCN = "examples/scenarios/healthy.toml"


def main():
    scn = load_scenario(SCN)
    scn.years = 80.0
    simulate_scenario(scn, seed=0, n=2, record=False)  # compile / warm caches
    t = time.perf_counter()
    run1 = simulate_scenario(scn, seed=1, n=1, record=False)
    one = time.perf_counter() - t
    t = time.perf_counter()
    run_many = simulate_scenario(scn, seed=2, n=1000, record=False)
    many = time.perf_counter() - t
    # reference: solve_ivp for the same first person, birth -> 80 y, output at the end
    m = run1.model
    people = [{"infections": [(e.day, e.pathogen, e.dose) for e in run1.exposures[0]], "diet": run1.diets[0]}]
    # (over 80 y the reference stalls on the discrete pathogen-extinction events, which
    # solve_ivp does not model; it is timed on the first 5 years and scaled linearly -- or on a
    # shorter start when Radau gives up on an infection inside it)
    for yrs in (5.0, 1.0):
        sch = make_schedule(m, people, yrs * YEAR)
        t = time.perf_counter()
        try:
            reference_solve(m, run1.persons, sch, np.array([yrs * YEAR]), method="Radau", rtol=1e-6, atol=1e-9)
        except RuntimeError as exc:
            print(f"(solve_ivp Radau failed on the first {yrs:g} y: {exc})")
            continue
        ref = (time.perf_counter() - t) * 80.0 / yrs
        break
    else:
        raise SystemExit("solve_ivp reference failed")
    print(f"one person birth->80 y: {one:.3f} s (target < 1 s); solve_ivp Radau same person ({yrs:g} y scaled to 80 y): {ref:.2f} s; ratio {ref / one:.0f}x")
    print(f"1000 people birth->80 y: {many:.1f} s (target < 60 s); per-person solve_ivp loop estimate: {1000 * ref:.0f} s; ratio {1000 * ref / many:.0f}x")
    acc, rej = run_many.steps.mean(axis=0)
    print(f"steps per person: {acc:.0f} accepted, {rej:.0f} rejected ({numba.get_num_threads()} threads)")


if __name__ == "__main__":
    main()
