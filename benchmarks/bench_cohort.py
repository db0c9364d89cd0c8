"""Cohort throughput benchmark.

Measures, in one run: (1) the per-person batch path -- the engine called directly on one batch
of people (no chunking, no Parquet, no manifest), the reference the cohort path is compared
with; (2) the cohort path (chunks, Parquet, manifest) at 10^3 and 10^4 people (``--full``: also
10^5; otherwise 10^5 is projected from the 10^4 rate) to show linear scaling; (3) one vs two
Dask workers (each a single-threaded process; the in-process run uses all cores through the
engine's ``prange``). Prints a JSON object; targets: 10^5 people birth->80 in < 10 min on 2 cores,
2 workers >= 1.7x one worker.

    python benchmarks/bench_cohort.py [--full] [--dask-n N] [--dask-only] [--engine auto|module:function] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path


def _dask_run(run_cohort, out, config, n_workers: int, chunk_size: int) -> float:
    """Seconds for a run on a fresh LocalCluster of ``n_workers`` single-threaded processes
    (cluster start-up not counted; worker warm-up -- imports, caches -- counted)."""
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.ERROR)
    try:
        with Client(cluster) as client:
            t0 = time.perf_counter()
            run_cohort(out, config, chunk_size=chunk_size, scheduler=client.scheduler.address, threads=1)
            return time.perf_counter() - t0
    finally:
        cluster.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="also run 10^5 people (otherwise projected)")
    ap.add_argument("--quick", action="store_true", help="(default; kept for compatibility)")
    ap.add_argument("--engine", default="auto")
    ap.add_argument("--horizon", type=float, default=80.0)
    ap.add_argument("--chunk-size", type=int, default=5000)
    ap.add_argument("--dask-n", type=int, default=20000,
                    help="people for the 1 vs 2 Dask worker comparison (each worker first spends a few seconds "
                         "warming up and the two finish up to a chunk apart; fewer people make those fixed costs look "
                         "like poor scaling: 10,000 gave 1.67-1.71x, 20,000 1.79-1.84x in session 13)")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--dask-only", action="store_true", help="only the 1 vs 2 Dask worker comparison")
    ap.add_argument("--out", default=None, help="write the JSON result here too")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # lets --engine name the test double

    import numba

    from autoimmunity.cohort import CohortPlan, RunConfig, load_population, run_cohort, sample_families, simulate_people

    sizes = [1_000, 10_000, 100_000] if args.full else [1_000, 10_000]
    result = {"engine": args.engine, "horizon_years": args.horizon, "chunk_size": args.chunk_size,
              "threads": numba.get_num_threads(), "runs": []}
    tmp = Path(tempfile.mkdtemp(prefix="bench_cohort_"))
    try:
        # warm-up (JIT compilation or cache load, genotype caches) not counted
        run_cohort(tmp / "warm", RunConfig(n=200, seed=0, engine=args.engine, horizon_years=args.horizon), chunk_size=200)
        if not args.dask_only:
            # (1) per-person batch path (the reference for the cohort path's overhead)
            pop = load_population("europe")
            plan = CohortPlan(1000)
            people, seeds = sample_families(pop, plan, 1, 0, plan.n_families, args.horizon)
            t0 = time.perf_counter()
            simulate_people(people, seeds, args.horizon, args.engine)
            batch_rate = len(people) / (time.perf_counter() - t0)
            result["batch_path_people_per_s"] = batch_rate
            print(f"batch path: {batch_rate:,.1f} people/s", file=sys.stderr)
            # (2) cohort path, scaling
            for n in sizes:
                t0 = time.perf_counter()
                run_cohort(tmp / f"n{n}", RunConfig(n=n, seed=1, engine=args.engine, horizon_years=args.horizon),
                           chunk_size=args.chunk_size)
                secs = time.perf_counter() - t0
                result["runs"].append({"n": n, "workers": 1, "seconds": secs, "people_per_s": n / secs,
                                       "ratio_to_batch_path": (n / secs) / batch_rate})
                print(f"n={n}: {secs:.1f} s ({n / secs:,.1f} people/s)", file=sys.stderr)
            rates = [r["people_per_s"] for r in result["runs"]]
            result["linear_scaling_rate_ratio_largest_vs_smallest"] = rates[-1] / rates[0]
            result["minutes_1e5" if args.full else "projected_minutes_1e5"] = 1e5 / rates[-1] / 60
        # (3) 1 vs 2 Dask workers (single-threaded processes), same people
        if not args.no_dask:
            try:
                import dask.distributed  # noqa: F401
            except ImportError:
                result["dask"] = "dask.distributed not installed (pip install 'autoimmunity[dask]')"
            else:
                n = args.dask_n
                chunk = max(n // 32, 100)  # 32 chunks: the two workers finish within a small chunk of each other
                times = {w: _dask_run(run_cohort, tmp / f"w{w}", RunConfig(n=n, seed=2, engine=args.engine,
                                                                           horizon_years=args.horizon), w, chunk)
                         for w in (1, 2)}
                from autoimmunity.cohort import read_manifest

                same = [c["sha256"] for c in read_manifest(tmp / "w1")["chunks"]] == \
                    [c["sha256"] for c in read_manifest(tmp / "w2")["chunks"]]
                result["dask"] = {"n": n, "chunk_size": chunk, "seconds_1_worker": times[1], "seconds_2_workers": times[2],
                                  "speedup": times[1] / times[2], "identical_chunks": same}
                print(f"dask n={n}: 1 worker {times[1]:.1f} s, 2 workers {times[2]:.1f} s "
                      f"(x{times[1] / times[2]:.2f})", file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
