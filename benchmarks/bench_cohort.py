"""Cohort throughput benchmark.

Measures, in one run: (1) the per-person batch path -- the engine called directly on one batch
of people (no chunking, no Parquet, no manifest), (2) the cohort path (chunks, Parquet, manifest)
at 10^3, 10^4 and 10^5 people (``--quick``: 10^3 and 10^4) to show linear scaling, and
(3) one vs two Dask workers. Prints a JSON object; targets: 10^5 people birth->80 in < 10 min
on 2 cores, 2 workers >= 1.7x one worker.

    python benchmarks/bench_cohort.py [--quick] [--engine auto|module:function] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10^3 and 10^4 only")
    ap.add_argument("--engine", default="auto")
    ap.add_argument("--horizon", type=float, default=80.0)
    ap.add_argument("--chunk-size", type=int, default=5000)
    ap.add_argument("--out", default=None, help="write the JSON result here too")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # lets --engine name the test double

    from autoimmunity.cohort import CohortPlan, RunConfig, load_population, run_cohort, sample_families, simulate_people

    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    result = {"engine": args.engine, "horizon_years": args.horizon, "chunk_size": args.chunk_size, "runs": []}
    tmp = Path(tempfile.mkdtemp(prefix="bench_cohort_"))
    try:
        # warm-up (JIT compilation, genotype caches) not counted
        run_cohort(tmp / "warm", RunConfig(n=200, seed=0, engine=args.engine, horizon_years=args.horizon), chunk_size=200)
        # (1) per-person batch path
        pop = load_population("europe")
        plan = CohortPlan(1000)
        people, seeds = sample_families(pop, plan, 1, 0, plan.n_families, args.horizon)
        t0 = time.perf_counter()
        simulate_people(people, seeds, args.horizon, args.engine)
        batch_rate = len(people) / (time.perf_counter() - t0)
        result["batch_path_people_per_s"] = batch_rate
        # (2) cohort path, scaling
        for n in sizes:
            t0 = time.perf_counter()
            run_cohort(tmp / f"n{n}", RunConfig(n=n, seed=1, engine=args.engine, horizon_years=args.horizon),
                       chunk_size=args.chunk_size)
            secs = time.perf_counter() - t0
            result["runs"].append({"n": n, "workers": 1, "seconds": secs, "people_per_s": n / secs,
                                   "ratio_to_batch_path": (n / secs) / batch_rate})
            print(f"n={n}: {secs:.1f} s ({n / secs:,.0f} people/s)", file=sys.stderr)
        # (3) 1 vs 2 Dask workers on the largest quick size
        n = 10_000
        times = {}
        for w in (1, 2):
            t0 = time.perf_counter()
            run_cohort(tmp / f"w{w}", RunConfig(n=n, seed=2, engine=args.engine, horizon_years=args.horizon),
                       chunk_size=max(n // 8, 100), workers=w)
            times[w] = time.perf_counter() - t0
        result["dask"] = {"n": n, "seconds_1_worker": times[1], "seconds_2_workers": times[2],
                          "speedup": times[1] / times[2]}
        rates = [r["people_per_s"] for r in result["runs"]]
        result["linear_scaling_rate_ratio_largest_vs_smallest"] = rates[-1] / rates[0]
        if not args.quick:
            result["projected_minutes_1e5"] = 1e5 / rates[-1] / 60
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
