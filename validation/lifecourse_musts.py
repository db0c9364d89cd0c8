"""The life-course must-show cohorts of issue 4 in one run, with optional parameter overrides.

Uses the same genotypes, seeds and diets as ``tests/test_lifecourse_cohorts.py`` and prints one
line per run, so a mechanism or parameter change can be judged against every target at once
(about a minute each on 2 cores)::

    python validation/lifecourse_musts.py rest                      # DQ6.2, DR3/DR4, coeliac arms, FOXP3 null
    python validation/lifecourse_musts.py healthy                   # 1000 non-risk people to 60 y
    python validation/lifecourse_musts.py rest '{"danger_per_ifng": 0.05}'

Targets (in brackets in the output) are those of the tests; see their docstrings for sources.
"""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_lifecourse_cohorts import DQ25_HOMO, DR3DR4, Genotype, cohort, non_risk_genotypes, onset  # noqa: E402

USAGE = "usage: lifecourse_musts.py healthy|rest [PARAMETERS-JSON]"


def _fraction(x) -> float:
    return float(np.isfinite(x).mean())


def healthy(params) -> dict:
    m, res = cohort(non_risk_genotypes(1000, np.random.default_rng(0)), 60.0, seed=11, params=params)
    clinical = [k for k, (_, c) in enumerate(m.conditions) if c == "clinical"]
    out = {"healthy any clinical [<0.01]": float(np.isfinite(res.first[:, clinical]).any(axis=1).mean())}
    out.update({f"healthy {m.conditions[k][0]}": _fraction(res.first[:, k]) for k in clinical})
    return out


def rest(params) -> dict:
    out = {}
    dq62 = [Genotype("DRB1*04:01, DRB1*15:01, DQA1*03:01-DQB1*03:02, DQA1*01:02-DQB1*06:02", ins_vntr="I/I")] * 150
    m, res = cohort(dq62, 25.0, seed=17, params=params)
    out["DQ6.2 T1D [<=1/150]"] = _fraction(onset(m, res, "t1d"))
    m, res = cohort([Genotype(DR3DR4, ins_vntr="I/I", ptpn22="C/T")] * 150, 25.0, seed=16, params=params)
    t1d = onset(m, res, "t1d")
    islet = [k for k, (o, n) in enumerate(m.conditions) if o == "autoantibody" and "pancreatic_islet" in n]
    n_ab = [int(np.isfinite(res.first[i, islet]).sum()) for i in np.flatnonzero(np.isfinite(t1d))]
    out["DR3/DR4 T1D"] = _fraction(t1d)
    out["DR3/DR4 T1D with <2 islet aab [0]"] = sum(k < 2 for k in n_ab)
    out["DR3/DR4 coeliac"] = _fraction(onset(m, res, "celiac"))
    out["DR3/DR4 enteropathy"] = _fraction(onset(m, res, "enteropathy"))
    dq25 = [Genotype(DQ25_HOMO)] * 100
    m, res = cohort(dq25, 20.0, seed=13, params=params)
    out["DQ2.5 coeliac [0.05-0.7]"] = _fraction(onset(m, res, "celiac"))
    out["DQ2.5 anti-tTG"] = _fraction(res.first[:, m.conditions.index(("autoantibody", "TGM2@small_intestine"))])
    out["DQ2.5 enteropathy"] = _fraction(onset(m, res, "enteropathy"))
    m, res = cohort(non_risk_genotypes(100, np.random.default_rng(2)), 20.0, seed=14, params=params)
    out["non-risk coeliac [<=0.01]"] = _fraction(onset(m, res, "celiac"))
    m, res = cohort(dq25, 20.0, seed=13, diet=[(0.0, "gluten", 0.0)], params=params)
    out["gluten-free coeliac [0]"] = _fraction(onset(m, res, "celiac"))
    null = [Genotype(g.hla, foxp3="null") for g in non_risk_genotypes(40, np.random.default_rng(1))]
    m, res = cohort(null, 5.0, seed=12, params=params)
    out["FOXP3-null enteropathy <3 y [>=0.9]"] = float(np.mean(onset(m, res, "enteropathy") < 3.0))
    out["FOXP3-null T1D <5 y [>=0.5]"] = float(np.mean(onset(m, res, "t1d") < 5.0))
    return out


def main(argv) -> int:
    if len(argv) not in (1, 2) or argv[0] not in ("healthy", "rest"):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        params = json.loads(argv[1]) if len(argv) == 2 else None
    except json.JSONDecodeError as err:
        print(f"PARAMETERS-JSON: not valid JSON ({err.msg}); e.g. '{{\"danger_per_ifng\": 0.05}}'", file=sys.stderr)
        return 2
    if params is not None and not isinstance(params, dict):
        print("PARAMETERS-JSON: must be an object of parameter name -> value", file=sys.stderr)
        return 2
    from autoimmunity._errors import InputError

    try:
        out = (healthy if argv[0] == "healthy" else rest)(params)
    except InputError as err:
        print(err, file=sys.stderr)
        return 2
    print(params or "defaults", " | ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in out.items()),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
