"""Life-course report: matplotlib PNGs embedded (base64) in one HTML page."""

from __future__ import annotations

import base64
import html
import io
import json

import numpy as np


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _series(df, compartment, variable):
    sub = df[(df["compartment"] == compartment) & (df["variable"] == variable)]
    return sub["time"].to_numpy(), sub["value"].to_numpy()


def lifecourse_figures(df, events, summary, model) -> dict[str, str]:
    """Base64 PNGs keyed by title: pathogen loads, T-cell clone sizes, cytokines,
    autoantibody titres, tissue function vs threshold, exposure timeline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs = {}
    fig, ax = plt.subplots(figsize=(9, 3))
    for p in model.pathogens:
        t, v = _series(df, p.name, "load")
        if v.max() > 0:
            ax.semilogy(t, np.maximum(v, 1e-2), label=p.name)
    ax.set_xlabel("age (years)"); ax.set_ylabel("load (infectious units)"); ax.set_title("Pathogen loads")
    ax.legend(fontsize=7)
    figs["Pathogen loads"] = _png(fig)

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.5), sharey=True)
    for g in model.groups:
        comp = f"{g.label}@{g.site}"
        t, e = _series(df, comp, "effector")
        _, m = _series(df, comp, "memory")
        _, r = _series(df, comp, "treg")
        if (e + m).max() > 1e-4:
            axes[0].semilogy(t, np.maximum(e + m, 1e-6), label=g.label)
        if r.max() > 1e-4:
            axes[1].semilogy(t, np.maximum(r, 1e-6), label=g.label)
    axes[0].set_title("Effector + memory T cells (10^6 cells)"); axes[1].set_title("Regulatory T cells (10^6 cells)")
    for ax in axes:
        ax.set_xlabel("age (years)"); ax.legend(fontsize=7)
    figs["Antigen-specific T cells"] = _png(fig)

    fig, axes = plt.subplots(1, len(model.sites), figsize=(3.2 * len(model.sites), 3), sharey=True)
    for ax, site in zip(np.atleast_1d(axes), model.sites):
        for v in ("il2", "ifng_tnf", "il17", "il10", "tgfb"):
            t, y = _series(df, site, v)
            ax.semilogy(t, np.maximum(y, 1e-6), label=v)
        ax.set_title(site, fontsize=9); ax.set_xlabel("age (years)")
    np.atleast_1d(axes)[0].legend(fontsize=7); np.atleast_1d(axes)[0].set_ylabel("units")
    figs["Cytokines (quasi-steady state)"] = _png(fig)

    fig, ax = plt.subplots(figsize=(9, 3))
    for g in model.groups:
        if g.kind != "self":
            continue
        t, a = _series(df, f"{g.label}@{g.site}", "antibody")
        ax.semilogy(t, np.maximum(a, 1e-4), label=g.label)
    ax.axhline(1.0, color="k", ls="--", lw=0.8, label="positive")
    ax.set_xlabel("age (years)"); ax.set_ylabel("titre units"); ax.set_title("Autoantibody titres"); ax.legend(fontsize=7)
    figs["Autoantibodies"] = _png(fig)

    fig, ax = plt.subplots(figsize=(9, 3))
    for d in model.diseases:
        t, f = _series(df, d.tissue, "function")
        line, = ax.plot(t, f, label=f"{d.tissue}")
        if d.clinical.function_below:
            ax.axhline(d.clinical.function_below, color=line.get_color(), ls=":", lw=0.8)
    ax.set_ylim(0, 1.05); ax.set_xlabel("age (years)"); ax.set_ylabel("function (fraction of normal)")
    ax.set_title("Tissue function vs clinical thresholds (dotted)"); ax.legend(fontsize=7)
    figs["Tissue function"] = _png(fig)

    fig, ax = plt.subplots(figsize=(9, 2.2))
    kinds = {"infection": 0, "diet": 1, "autoantibody_positive": 2, "stage": 3, "onset": 4}
    for e in events:
        y = kinds.get(e["type"], 5)
        ax.plot([e["age_years"]], [y], "o", ms=4)
        lab = e.get("pathogen") or e.get("antigen") or e.get("disease") or e.get("diet") or ""
        ax.annotate(lab, (e["age_years"], y), fontsize=6, rotation=30)
    ax.set_yticks(list(kinds.values()), list(kinds.keys()), fontsize=7); ax.set_xlabel("age (years)")
    ax.set_title("Timeline")
    figs["Timeline of exposures and events"] = _png(fig)
    return figs


def lifecourse_report(df, events, summary, model) -> str:
    figs = lifecourse_figures(df, events, summary, model)
    parts = ["<html><head><meta charset='utf-8'><title>autoimmunity life course</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}pre{background:#f4f4f4;padding:8px}</style>",
             "</head><body>", f"<h1>Life course: {html.escape(str(summary.get('scenario', '')))}</h1>",
             "<h2>Summary</h2><pre>", html.escape(json.dumps({k: summary[k] for k in ('onsets', 'autoantibodies', 't1d_stage_history')}, indent=1)), "</pre>"]
    for title, png in figs.items():
        parts.append(f"<h2>{html.escape(title)}</h2><img src='data:image/png;base64,{png}'/>")
    parts.append("</body></html>")
    return "\n".join(parts)
