"""HTML report of a cohort summary: cumulative incidence by age and sex, HLA odds-ratio forest
plot, twin concordance bars, and the calibration table (every target beside its simulated
value, misses included)."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd

from . import _epidemiology as epi

__all__ = ["write_report"]


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "n/a"
    if isinstance(v, float):
        return f"{v:.4g}"
    return html.escape(str(v))


def write_report(df: pd.DataFrame, summary: dict, path: str | Path) -> Path:
    """Write the HTML report for cohort ``df`` with its :func:`summarize` object."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    h = summary.get("horizon_years", 80.0)
    figs = []
    dis = epi.diseases(df)
    ages = np.arange(0, h + 1, 1.0)
    if dis:
        fig, axes = plt.subplots(1, len(dis), figsize=(5 * len(dis), 3.6), squeeze=False)
        for ax, d in zip(axes[0], dis):
            for sex, style in (("F", "-"), ("M", "--")):
                sub = df[df["sex"] == sex]
                if len(sub):
                    ci = epi.cumulative_incidence(sub, d, ages, horizon=h)
                    ax.plot(list(ci), [100 * v for v in ci.values()], style, label={"F": "female", "M": "male"}[sex])
            ax.set_title(d)
            ax.set_xlabel("age (years)")
            ax.set_ylabel("cumulative incidence (%)")
            ax.legend()
        figs.append(("Cumulative incidence by age and sex (Kaplan-Meier)", _png(fig)))
        rows = []
        for d, res in summary.get("hla_odds_ratios", {}).items():
            for cls, r in res.items():
                if r["exposed_cases"] + r["other_cases"] > 0:
                    rows.append((f"{d}: {cls}", r["or"], r["ci_low"], r["ci_high"]))
        if rows:
            fig, ax = plt.subplots(figsize=(7, 0.28 * len(rows) + 1))
            y = np.arange(len(rows))
            ors = np.array([r[1] for r in rows])
            ax.errorbar(ors, y, xerr=[ors - [r[2] for r in rows], [r[3] for r in rows] - ors], fmt="o", ms=3)
            ax.axvline(1.0, color="grey", lw=0.8)
            ax.set_xscale("log")
            ax.set_yticks(y, [r[0] for r in rows], fontsize=7)
            ax.set_xlabel("odds ratio (95% CI, log scale)")
            figs.append(("HLA odds ratios (forest plot)", _png(fig)))
        tc = summary.get("twin_concordance", {})
        if tc:
            fig, ax = plt.subplots(figsize=(6, 3.2))
            x = np.arange(len(tc))
            for k, (key, lab) in enumerate((("mz_probandwise", "MZ"), ("dz_probandwise", "DZ"))):
                ax.bar(x + 0.4 * k, [100 * (tc[d][key] or 0) for d in tc], 0.4, label=lab)
            ax.set_xticks(x + 0.2, list(tc))
            ax.set_ylabel("probandwise concordance (%)")
            ax.legend()
            figs.append(("Twin concordance (reported, not a calibration target)", _png(fig)))
    cal = summary.get("calibration", [])
    cal_rows = "".join(
        f"<tr><td>{_fmt(r['target'])}</td><td>{_fmt(r['published'])}</td><td>{_fmt(r['simulated'])}</td>"
        f"<td>{'yes' if r['within_band'] else ('no' if r['within_band'] is not None else 'n/a')}</td>"
        f"<td>{_fmt(r['source'])}</td></tr>" for r in cal)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>autoimmunity cohort report</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px}</style></head><body>",
        f"<h1>Cohort report</h1><p>{summary['n']} people, birth to {h:g} years; relations: "
        f"{html.escape(str(summary.get('relations', {})))}.</p>",
        "<h2>Calibration: published targets beside simulated values</h2>"
        "<p>Band: &plusmn;25% of the target (ORs: within a factor 1.5). Misses are shown as misses.</p>",
        "<table><tr><th>target</th><th>published</th><th>simulated</th><th>within band</th><th>source</th></tr>",
        cal_rows, "</table>",
    ]
    for title, img in figs:
        parts.append(f"<h2>{html.escape(title)}</h2><img src='data:image/png;base64,{img}'/>")
    parts.append("</body></html>")
    path.write_text("".join(parts))
    return path
