"""Epidemiology of a simulated cohort: cumulative incidence, prevalence, sex ratios, HLA odds
ratios, twin concordance, sibling recurrence and autoantibody progression.

Statistics use statsmodels (``SurvfuncRight`` for Kaplan-Meier cumulative incidence,
``Table2x2`` for odds ratios with confidence intervals). Everyone is followed from birth to
the run horizon (no death is modelled), so censoring happens only at the horizon, and after
index events in the progression analysis.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import InputError

__all__ = [
    "load_cohort",
    "diseases",
    "antigens",
    "cumulative_incidence",
    "prevalence_by_age",
    "sex_ratio",
    "odds_ratio",
    "hla_odds_ratios",
    "concordance",
    "twin_concordance",
    "sibling_recurrence_ratio",
    "autoantibody_progression",
    "celiac_dq25_fraction",
    "summarize",
    "CALIBRATION_TARGETS",
    "calibration_table",
    "ISLET_ANTIGENS",
    "DQ25",
    "DQ8",
]

DQ25 = "DQA1*05:01-DQB1*02:01"
DQ8 = "DQA1*03:01-DQB1*03:02"
DQ62 = "DQA1*01:02-DQB1*06:02"
#: antigens of the clinical islet autoantibody assays (IAA, GADA, IA-2A, ZnT8A)
ISLET_ANTIGENS = ("INS", "GAD2", "PTPRN", "SLC30A8")
AGES = (5, 10, 15, 20, 30, 40, 50, 60, 70, 80)

#: Published targets (name -> (value, source)); see docs/cohort.md. Twin concordance is reported, not a target.
CALIBRATION_TARGETS: dict[str, tuple[float, str]] = {
    "t1d_lifetime_risk": (0.004, "T1D lifetime risk ~0.4% (issue 5 target)"),
    "t1d_or_DR3/DR4-DQ8": (16.59, "Noble JA, Valdes AM. Curr Diab Rep 2011;11:533 (abstract): DR3/DR4 genotype OR 16.59 (13.7-20.1)"),
    "t1d_or_hap_DR15-DQ6.2": (0.03, "Noble & Valdes 2011 (abstract): DRB1*15:01-DQA1*01:02-DQB1*06:02 OR 0.03 (0.01-0.07)"),
    "t1d_10y_risk_multiple_aab": (0.697, "Ziegler AG et al. JAMA 2013;309:2473: 69.7% (65.1-74.3) within 10 y of >=2 autoantibodies"),
    "t1d_10y_risk_single_aab": (0.145, "Ziegler AG et al. JAMA 2013: 14.5% (10.3-18.7) within 10 y with a single autoantibody"),
    "celiac_prevalence": (0.01, "coeliac disease prevalence ~1% (issue 5 target)"),
    "celiac_dq25_fraction": (0.90, "~90% of coeliac patients carry DQ2.5 (issue 5 target)"),
}


# ---------------------------------------------------------------- loading
def load_cohort(run_dir: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """All chunks of a run as one DataFrame (via DuckDB)."""
    import duckdb

    run_dir = Path(run_dir)
    files = sorted(run_dir.glob("chunk-*.parquet"))
    if not files:
        raise InputError("dir", f"{run_dir}: no chunk-*.parquet files")
    cols = ", ".join(f'"{c}"' for c in columns) if columns else "*"
    con = duckdb.connect()
    try:
        df = con.execute(f"select {cols} from read_parquet(?) order by person_id", [[str(f) for f in files]]).df()
    finally:
        con.close()
    manifest = run_dir / "manifest.json"
    if manifest.exists():
        import json

        df.attrs["horizon_years"] = float(json.loads(manifest.read_text())["config"]["horizon_years"])
    return df


def diseases(df: pd.DataFrame) -> list[str]:
    return [c.removeprefix("onset_age_") for c in df.columns if c.startswith("onset_age_")]


def antigens(df: pd.DataFrame) -> list[str]:
    return [c.removeprefix("autoab_first_age_") for c in df.columns if c.startswith("autoab_first_age_")]


def _horizon(df: pd.DataFrame, horizon: float | None) -> float:
    if horizon is not None:
        return float(horizon)
    return float(df.attrs.get("horizon_years", 80.0))


# ---------------------------------------------------------------- incidence
def cumulative_incidence(df: pd.DataFrame, disease: str, ages=AGES, horizon: float | None = None) -> dict[float, float]:
    """Kaplan-Meier cumulative incidence (1 - S(age)) of ``disease`` by age."""
    from statsmodels.duration.survfunc import SurvfuncRight

    h = _horizon(df, horizon)
    onset = df[f"onset_age_{disease}"].to_numpy(float)
    event = np.isfinite(onset)
    time = np.where(event, onset, h)
    ages = [a for a in ages if a <= h]
    if not event.any():
        return {float(a): 0.0 for a in ages}
    sf = SurvfuncRight(time, event.astype(int))
    t, s = sf.surv_times, sf.surv_prob
    out = {}
    for a in ages:
        k = np.searchsorted(t, a, side="right") - 1
        out[float(a)] = float(1.0 - (s[k] if k >= 0 else 1.0))
    return out


def prevalence_by_age(df: pd.DataFrame, disease: str, ages=AGES, horizon: float | None = None) -> dict[float, float]:
    """Fraction of the cohort living with ``disease`` at each age (onset at or before it;
    no remission or death is modelled, so this equals the empirical cumulative incidence)."""
    h = _horizon(df, horizon)
    onset = df[f"onset_age_{disease}"].to_numpy(float)
    return {float(a): float(np.mean(np.isfinite(onset) & (onset <= a))) for a in ages if a <= h}


def sex_ratio(df: pd.DataFrame, disease: str) -> float | None:
    """Female:male ratio of lifetime risk (None if no male case or no one of a sex)."""
    case = df[f"onset_age_{disease}"].notna()
    f, m = df["sex"] == "F", df["sex"] == "M"
    if f.sum() == 0 or m.sum() == 0 or case[m].sum() == 0:
        return None
    return float(case[f].mean() / case[m].mean())


# ---------------------------------------------------------------- odds ratios
def odds_ratio(exposed_cases: int, exposed_noncases: int, other_cases: int, other_noncases: int) -> dict:
    """OR with 95% CI from statsmodels ``Table2x2`` (``shift_zeros=True``: a zero cell becomes 0.5)."""
    from statsmodels.stats.contingency_tables import Table2x2

    table = np.array([[exposed_cases, exposed_noncases], [other_cases, other_noncases]], dtype=float)
    t = Table2x2(table, shift_zeros=True)
    lo, hi = t.oddsratio_confint()
    return {"or": float(t.oddsratio), "ci_low": float(lo), "ci_high": float(hi),
            "exposed_cases": int(exposed_cases), "exposed_noncases": int(exposed_noncases),
            "other_cases": int(other_cases), "other_noncases": int(other_noncases)}


def _genotype_classes(df: pd.DataFrame) -> dict[str, np.ndarray]:
    d1, d2 = df["hla_dq_1"].to_numpy(object), df["hla_dq_2"].to_numpy(object)
    r1, r2 = df["hla_drb1_1"].to_numpy(object), df["hla_drb1_2"].to_numpy(object)
    dr3 = lambda r, d: (r == "DRB1*03:01") & (d == DQ25)  # noqa: E731
    dr4dq8 = lambda r, d: np.char.startswith(r.astype(str), "DRB1*04") & (d == DQ8)  # noqa: E731
    a3, b3, a4, b4 = dr3(r1, d1), dr3(r2, d2), dr4dq8(r1, d1), dr4dq8(r2, d2)
    has25 = (d1 == DQ25) | (d2 == DQ25)
    has8 = (d1 == DQ8) | (d2 == DQ8)
    return {
        "DR3/DR4-DQ8": (a3 & b4) | (a4 & b3),
        "DR3/DR3": a3 & b3,
        "DR4-DQ8/DR4-DQ8": a4 & b4,
        "DQ2.5 carrier": has25,
        "DQ8 carrier": has8,
        "DQ6.2 carrier": (d1 == DQ62) | (d2 == DQ62),
        "neither DQ2.5 nor DQ8": ~has25 & ~has8,
    }


def hla_odds_ratios(df: pd.DataFrame, disease_list=None) -> dict:
    """Per disease: genotype-class ORs (class vs everyone else; cases = onset by horizon) and
    haplotype (allelic) ORs ``hap:<name>`` (that haplotype vs all others, counted per chromosome)."""
    out = {}
    classes = _genotype_classes(df)
    haps = sorted(set(df["hla_haplotype_1"]) | set(df["hla_haplotype_2"]))
    for dis in disease_list or diseases(df):
        case = df[f"onset_age_{dis}"].notna().to_numpy()
        res = {}
        for name, mask in classes.items():
            res[name] = odds_ratio(int((mask & case).sum()), int((mask & ~case).sum()),
                                   int((~mask & case).sum()), int((~mask & ~case).sum()))
        h1, h2 = df["hla_haplotype_1"].to_numpy(object), df["hla_haplotype_2"].to_numpy(object)
        for hap in haps:
            k = (h1 == hap).astype(int) + (h2 == hap).astype(int)
            ec, en = int(k[case].sum()), int(k[~case].sum())
            oc, on = int((2 - k)[case].sum()), int((2 - k)[~case].sum())
            res[f"hap:{hap}"] = odds_ratio(ec, en, oc, on)
        out[dis] = res
    return out


# ---------------------------------------------------------------- families
def concordance(affected_a: np.ndarray, affected_b: np.ndarray) -> dict:
    """Pairwise C/(C+D) and probandwise 2C/(2C+D) concordance of pairs (C both affected,
    D exactly one affected); None when no pair has an affected member."""
    a, b = np.asarray(affected_a, bool), np.asarray(affected_b, bool)
    c = int(np.sum(a & b))
    d = int(np.sum(a ^ b))
    return {
        "concordant": c,
        "discordant": d,
        "pairwise": (c / (c + d)) if c + d else None,
        "probandwise": (2 * c / (2 * c + d)) if c + d else None,
    }


def _pairs(df: pd.DataFrame, relation: str, col: str) -> tuple[np.ndarray, np.ndarray]:
    sub = df[df["relation"] == relation].sort_values(["family_id", "person_id"])
    v = sub[col].notna().to_numpy()
    fam = sub["family_id"].to_numpy()
    if len(v) % 2 or (len(fam) and not np.all(fam[0::2] == fam[1::2])):
        raise InputError("cohort", f"{relation} rows do not form pairs")
    return v[0::2], v[1::2]


def twin_concordance(df: pd.DataFrame, disease_list=None) -> dict:
    out = {}
    for dis in disease_list or diseases(df):
        col = f"onset_age_{dis}"
        mz = concordance(*_pairs(df, "mz_twin", col))
        dz = concordance(*_pairs(df, "dz_twin", col))
        out[dis] = {"mz_pairwise": mz["pairwise"], "mz_probandwise": mz["probandwise"],
                    "dz_pairwise": dz["pairwise"], "dz_probandwise": dz["probandwise"],
                    "mz_pairs_concordant": mz["concordant"], "mz_pairs_discordant": mz["discordant"],
                    "dz_pairs_concordant": dz["concordant"], "dz_pairs_discordant": dz["discordant"]}
    return out


def sibling_recurrence_ratio(df: pd.DataFrame, disease_list=None) -> dict:
    """lambda_s = risk in siblings of affected probands (probandwise, sibling pairs) /
    population risk. The population risk is taken among unrelated people when the run has at
    least as many of them as siblings, otherwise among the siblings themselves (their parents
    are sampled from the population, so every sibling's marginal risk is the population risk;
    a siblings-only run then still gives lambda_s). ``population_risk_from`` says which."""
    out = {}
    unrelated = df["relation"] == "none"
    siblings = df["relation"] == "sibling"
    base_rows, base_from = (unrelated, "unrelated") if unrelated.sum() >= siblings.sum() else (siblings, "siblings")
    for dis in disease_list or diseases(df):
        col = f"onset_age_{dis}"
        c = concordance(*_pairs(df, "sibling", col))
        base = df.loc[base_rows, col].notna().mean() if base_rows.any() else np.nan
        rr = c["probandwise"]
        out[dis] = {"sibling_risk": rr, "population_risk": float(base) if np.isfinite(base) else None,
                    "population_risk_from": base_from,
                    "lambda_s": (rr / base) if (rr is not None and base and np.isfinite(base)) else None}
    return out


# ---------------------------------------------------------------- autoantibodies
def autoantibody_progression(df: pd.DataFrame, disease: str = "t1d", antigen_list=ISLET_ANTIGENS,
                             years: float = 10.0, horizon: float | None = None) -> dict:
    """Risk of ``disease`` within ``years`` (Kaplan-Meier) of (a) the age at the 2nd islet
    autoantibody ('multiple') and (b) the first autoantibody in people who never had a
    second one before onset/horizon ('single'), as in Ziegler 2013 JAMA."""
    from statsmodels.duration.survfunc import SurvfuncRight

    h = _horizon(df, horizon)
    cols = [f"autoab_first_age_{a}" for a in antigen_list if f"autoab_first_age_{a}" in df.columns]
    if not cols or f"onset_age_{disease}" not in df.columns:
        return {}
    ab = np.sort(df[cols].to_numpy(float), axis=1)  # NaN sorted last
    onset = df[f"onset_age_{disease}"].to_numpy(float)
    first, second = ab[:, 0], (ab[:, 1] if ab.shape[1] > 1 else np.full(len(df), np.nan))
    out = {}
    groups = {
        "multiple": (np.isfinite(second) & ~(onset < second), second),
        "single": (np.isfinite(first) & ~(second <= np.where(np.isfinite(onset), onset, h)), first),
    }
    for name, (mask, index_age) in groups.items():
        n = int(mask.sum())
        if n == 0:
            out[name] = {"n": 0, "risk": None}
            continue
        t0 = index_age[mask]
        on = onset[mask]
        ev = np.isfinite(on) & (on - t0 <= years)
        follow = np.where(ev, on - t0, np.minimum(h - t0, years))
        follow = np.maximum(follow, 1e-9)
        if ev.any():
            sf = SurvfuncRight(follow, ev.astype(int))
            k = np.searchsorted(sf.surv_times, years, side="right") - 1
            risk = float(1 - sf.surv_prob[k]) if k >= 0 else 0.0
        else:
            risk = 0.0
        out[name] = {"n": n, "events": int(ev.sum()), "risk": risk}
    return {"years": years, "antigens": [c.removeprefix("autoab_first_age_") for c in cols], **out}


def celiac_dq25_fraction(df: pd.DataFrame, disease: str = "celiac") -> dict:
    """Fraction of cases carrying DQ2.5 in cis (DQA1*05:01-DQB1*02:01 haplotype), and in cis
    or trans (a DQA1*05 chain on one haplotype and DQB1*02 on the other)."""
    col = f"onset_age_{disease}"
    if col not in df.columns:
        return {}
    cases = df[df[col].notna()]
    if cases.empty:
        return {"cases": 0, "cis": None, "cis_or_trans": None}
    d1, d2 = cases["hla_dq_1"].astype(str), cases["hla_dq_2"].astype(str)
    cis = (d1 == DQ25) | (d2 == DQ25)
    trans = (d1.str.startswith("DQA1*05") & d2.str.contains("DQB1\\*02")) | (
        d2.str.startswith("DQA1*05") & d1.str.contains("DQB1\\*02"))
    return {"cases": int(len(cases)), "cis": float(cis.mean()), "cis_or_trans": float((cis | trans).mean())}


# ---------------------------------------------------------------- summary
def summarize(df: pd.DataFrame, horizon: float | None = None) -> dict:
    """The ``cohort summary --json`` object."""
    h = _horizon(df, horizon)
    dis = diseases(df)
    out = {
        "n": int(len(df)),
        "horizon_years": h,
        "relations": {k: int(v) for k, v in df["relation"].value_counts().sort_index().items()},
        "cumulative_incidence": {d: cumulative_incidence(df, d, horizon=h) for d in dis},
        "prevalence_by_age": {d: prevalence_by_age(df, d, horizon=h) for d in dis},
        "sex_ratio": {d: sex_ratio(df, d) for d in dis},
        "hla_odds_ratios": hla_odds_ratios(df, dis),
        "twin_concordance": twin_concordance(df, dis) if (df["relation"] == "mz_twin").any() else {},
        "sibling_recurrence_ratio": sibling_recurrence_ratio(df, dis) if (df["relation"] == "sibling").any() else {},
        "autoantibody_progression": {"t1d": autoantibody_progression(df, "t1d", horizon=h)} if "t1d" in dis else {},
        "celiac_dq25": celiac_dq25_fraction(df) if "celiac" in dis else {},
    }
    out["calibration"] = calibration_table(out)
    return out


def calibration_table(summary: dict) -> list[dict]:
    """Each target side by side with the simulated value (None = not computable), with a
    'within' flag using a +-25% band on the target (+-50% on the log scale for ORs)."""
    def get(path):
        cur = summary
        for p in path:
            if not isinstance(cur, dict) or cur.get(p) is None:
                return None
            cur = cur[p]
        return cur

    h = summary.get("horizon_years", 80.0)
    sim = {
        "t1d_lifetime_risk": (list(get(["cumulative_incidence", "t1d"]).values())[-1]
                              if get(["cumulative_incidence", "t1d"]) else None),
        "t1d_or_DR3/DR4-DQ8": get(["hla_odds_ratios", "t1d", "DR3/DR4-DQ8", "or"]),
        "t1d_or_hap_DR15-DQ6.2": get(["hla_odds_ratios", "t1d", "hap:DR15-DQ6.2", "or"]),
        "t1d_10y_risk_multiple_aab": get(["autoantibody_progression", "t1d", "multiple", "risk"]),
        "t1d_10y_risk_single_aab": get(["autoantibody_progression", "t1d", "single", "risk"]),
        "celiac_prevalence": (list(get(["cumulative_incidence", "celiac"]).values())[-1]
                              if get(["cumulative_incidence", "celiac"]) else None),
        "celiac_dq25_fraction": get(["celiac_dq25", "cis_or_trans"]),
    }
    rows = []
    for key, (target, source) in CALIBRATION_TARGETS.items():
        v = sim.get(key)
        if v is None:
            within = None
        elif key.startswith("t1d_or"):
            within = bool(abs(np.log(max(v, 1e-12)) - np.log(target)) <= np.log(1.5))
        else:
            within = bool(abs(v - target) <= 0.25 * target)
        rows.append({"target": key, "published": target, "simulated": v, "within_band": within,
                     "source": source, "note": f"lifetime = cumulative incidence at {h:g} y" if "lifetime" in key or "prevalence" in key else ""})
    return rows
