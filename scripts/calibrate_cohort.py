"""Calibrate a FEW GLOBAL rates against named population targets (issue 5).

Only global parameters are fitted -- engine rates of autoimmunity.immune.PARAMETERS and
unmeasured exposure shares of the population tables (``exposure:STREAM/QUANTITY``, e.g. the
share of enterovirus B infections that reach the islets) -- never per-disease or per-allele
multipliers; disease patterns (HLA ORs, progression, DQ2.5 share) must emerge.
Targets (autoimmunity.cohort._epidemiology.CALIBRATION_TARGETS): T1D lifetime risk ~0.4%,
DR3/DR4-DQ8 OR ~16 (Noble & Valdes 2011), DR15-DQ6.2 OR ~0.03, 10-year T1D risk ~70% with
>=2 islet autoantibodies and ~15% with one (Ziegler 2013 JAMA), coeliac prevalence ~1% with
~90% of patients DQ2.5. Twin concordance is reported, never fitted.

The loss is the sum of squared log-ratios simulated/target (ORs and risks alike), a cohort of
--n people with a fixed seed (common random numbers), minimised by Nelder-Mead on log10 of
the parameters within their bounds (one parameter: bounded Brent search on log10). The result
(parameters, loss, the full calibration table, config, package version) is written to
validation/calibration_result.json.

    python scripts/calibrate_cohort.py --n 20000 --seed 1 --maxiter 40 [--workers 2]
    python scripts/calibrate_cohort.py --fit exposure:enterovirus/islet_reach_share --n 8000 --workers 2
    python scripts/calibrate_cohort.py --n 20000 --evaluate-only   # the table at the current defaults

``--evaluate-only`` runs one cohort at the package's current parameter values and writes the
same result file (with ``"mode": "evaluation"`` and no fitted parameters): the side-by-side
table of every target, hits and misses, without a fit.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

#: (parameter, lower, upper): the global rates that may be fitted, with search bounds (engine
#: rates: meaning, units and sources in autoimmunity.immune.PARAMETERS; exposure shares: the
#: population table data/population/exposure_rates_<population>.tsv).
CANDIDATES = (
    ("self_release_turnover", 0.002, 0.2),   # self antigen reaching APCs from healthy turnover
    ("kill_max", 0.005, 0.5),                # maximal fractional tissue killing by effectors
    ("polyclonal_treg", 0.5, 8.0),           # bystander suppression by the polyclonal Treg pool
    ("danger_per_damage", 1.0, 200.0),       # danger released per unit tissue-death rate
    ("exposure:enterovirus/islet_reach_share", 0.02, 1.0),  # enterovirus B infections reaching the islets
)
#: fitted when --fit is not given
DEFAULT_FIT = ("self_release_turnover", "kill_max", "polyclonal_treg", "danger_per_damage")
EXPOSURE = "exposure:"


def current_value(name: str, population: str = "europe") -> float:
    """The package's current value of a candidate parameter."""
    if name.startswith(EXPOSURE):
        from autoimmunity.cohort import load_population

        stream, quantity = name[len(EXPOSURE):].split("/")
        return load_population(population).exposure_value(stream, quantity)
    from autoimmunity.immune import IDX, PARAMETERS

    return float(PARAMETERS[IDX[name]].value)


def split_parameters(params: dict) -> tuple[tuple, tuple]:
    """(engine parameters, exposure overrides) for a RunConfig."""
    engine = tuple(sorted((k, v) for k, v in params.items() if not k.startswith(EXPOSURE)))
    exposures = tuple(sorted((*k[len(EXPOSURE):].split("/"), v) for k, v in params.items() if k.startswith(EXPOSURE)))
    return engine, exposures


def loss_of(summary: dict, targets: list[str] | None = None) -> tuple[float, list[dict]]:
    """Sum of squared log-ratios simulated/published over ``targets`` (all when None)."""
    from autoimmunity.cohort import calibration_table

    rows = calibration_table(summary)
    total = 0.0
    for r in rows:
        if targets and r["target"] not in targets:
            continue
        sim, tgt = r["simulated"], r["published"]
        sim = 1e-4 if sim is None else max(float(sim), 1e-4)
        total += float(np.log(sim / tgt)) ** 2
    return total, rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--twins", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--maxiter", type=int, default=40)
    ap.add_argument("--fit", nargs="+", default=list(DEFAULT_FIT), metavar="PARAM",
                    help="parameters to fit: " + ", ".join(p for p, _, _ in CANDIDATES))
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--engine", default="auto")
    ap.add_argument("--horizon", type=float, default=80.0)
    ap.add_argument("--target", nargs="+", default=None, metavar="TARGET",
                    help="fit to these targets only (default: all of CALIBRATION_TARGETS), e.g. t1d_lifetime_risk")
    ap.add_argument("--bounds", nargs=2, type=float, default=None, metavar=("LO", "HI"),
                    help="search bounds for a single fitted parameter (default: its CANDIDATES bounds)")
    ap.add_argument("--evaluate-only", action="store_true", help="one cohort at the current defaults, no fit")
    ap.add_argument("--run-dir", default=None,
                    help="with --evaluate-only: keep the cohort here (rerunning resumes it; `autoimmunity cohort summary` reads it)")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "validation" / "calibration_result.json"))
    args = ap.parse_args(argv)

    from scipy.optimize import minimize, minimize_scalar

    from autoimmunity import __version__
    from autoimmunity.cohort import RunConfig, load_cohort, run_cohort, summarize

    known = {p: (a, b) for p, a, b in CANDIDATES}
    unknown = [p for p in args.fit if p not in known]
    if unknown:
        ap.error(f"--fit: unknown parameter(s) {', '.join(unknown)}; allowed: {', '.join(known)}")
    names = list(dict.fromkeys(args.fit))
    if args.bounds:
        if len(names) != 1 or not 0 < args.bounds[0] < args.bounds[1]:
            ap.error("--bounds: give 0 < LO < HI, with exactly one --fit parameter")
        known[names[0]] = tuple(args.bounds)
    lo = np.log10([known[p][0] for p in names])
    hi = np.log10([known[p][1] for p in names])
    x0 = np.log10([current_value(p) for p in names])
    history = []

    def evaluate(x):
        x = np.clip(np.atleast_1d(x), lo, hi)
        params = {p: float(10 ** v) for p, v in zip(names, x)}
        if args.evaluate_only:  # exactly the package's values (10**log10(v) may differ in the last bit)
            params = {p: current_value(p) for p in names}
        engine_params, exposures = split_parameters(params)
        cfg = RunConfig(n=args.n, seed=args.seed, twins=args.twins, horizon_years=args.horizon,
                        engine=args.engine, parameters=engine_params, exposures=exposures)
        if args.run_dir and args.evaluate_only:
            run_cohort(args.run_dir, cfg, chunk_size=max(args.n // 8, 500), workers=args.workers)
            summary = summarize(load_cohort(args.run_dir))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                run_cohort(tmp, cfg, chunk_size=max(args.n // 8, 500), workers=args.workers)
                summary = summarize(load_cohort(tmp))
        loss, rows = loss_of(summary, args.target)
        history.append({"parameters": params, "loss": loss})
        print(f"[{len(history)}] loss={loss:.4f} {params}", file=sys.stderr)
        evaluate.best = min(getattr(evaluate, "best", (np.inf, None, None)), (loss, params, summary), key=lambda t: t[0])
        return loss

    t0 = time.perf_counter()
    if args.evaluate_only:
        evaluate(x0)
    elif len(names) == 1:
        minimize_scalar(lambda v: evaluate(np.array([v])), bounds=(lo[0], hi[0]), method="bounded",
                        options={"maxiter": args.maxiter, "xatol": 0.02})
    else:
        minimize(evaluate, x0, method="Nelder-Mead", options={"maxiter": args.maxiter, "xatol": 0.02, "fatol": 1e-3})
    loss, params, summary = evaluate.best
    result = {
        "package_version": __version__,
        "mode": "evaluation" if args.evaluate_only else "fit",
        "config": vars(args),
        "fitted_parameters": None if args.evaluate_only else params,
        "start_parameters": {p: current_value(p) for p in names},
        "bounds": {p: list(known[p]) for p in names},
        "loss": loss,
        "calibration_table": summary["calibration"],
        "twin_concordance_reported_not_fitted": summary.get("twin_concordance"),
        "evaluations": len(history),
        "seconds": time.perf_counter() - t0,
        "history": history,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(json.dumps({k: result[k] for k in ("fitted_parameters", "loss")}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
