"""TEST DOUBLE of the life-course engine (tests only; not part of the package).

Honours the contract of :mod:`autoimmunity.cohort._engine` without any immunology: each
person's event ages are a deterministic function of that person's genotype, exposures and
seed, so the cohort machinery (chunking, workers, resume, epidemiology) can be tested
before the real engine is wired. It draws from the person's own seed only, so results do
not depend on batch composition. Its 'disease' model is arbitrary and means nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ISLET = ("INS", "GAD2", "PTPRN", "SLC30A8")


def simulate_people(people: pd.DataFrame, seeds: np.ndarray, horizon_years: float, parameters=None) -> pd.DataFrame:
    scale = float((parameters or {}).get("double_rate", 1.0))
    n = len(people)
    out = {f"onset_age_{d}": np.full(n, np.nan) for d in ("t1d", "celiac")}
    out.update({f"autoab_first_age_{a}": np.full(n, np.nan) for a in ISLET + ("TGM2",)})
    dq = (people["hla_dq_1"] + "|" + people["hla_dq_2"]).to_numpy()
    for i in range(n):
        g = np.random.default_rng(int(seeds[i]))
        dq8 = "DQB1*03:02" in dq[i]
        dq25 = "DQA1*05:01-DQB1*02:01" in dq[i]
        dq62 = "DQB1*06:02" in dq[i]
        hazard = scale * 0.006 * (1 + 5 * dq8 + 3 * dq25) * (0.05 if dq62 else 1.0)
        t = g.exponential(1.0 / hazard, size=len(ISLET)) + 0.5
        for a, ta in zip(ISLET, t):
            if ta <= horizon_years:
                out[f"autoab_first_age_{a}"][i] = ta
        t_sorted = np.sort(t)
        if t_sorted[1] + 3.0 + g.exponential(5.0) <= horizon_years and g.random() < 0.5:
            out["onset_age_t1d"][i] = min(t_sorted[1] + 3.0 + g.exponential(5.0), horizon_years)
        tc = g.exponential(1.0 / (scale * 0.0005 * (1 + 20 * dq25))) + people["gluten_intro_age"].iloc[i]
        if tc <= horizon_years:
            out["autoab_first_age_TGM2"][i] = tc
            if tc + 1.0 <= horizon_years:
                out["onset_age_celiac"][i] = tc + 1.0
    return pd.DataFrame(out)
