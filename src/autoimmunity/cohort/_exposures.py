"""Life-course exposure streams drawn per person from age-specific, sourced rates.

Streams (values and sources in ``data/population/exposure_rates_<population>.tsv``):

* **EBV** -- age at primary infection (seroconversion). The cumulative seroprevalence curve
  F(age) (piecewise linear between sourced anchors) is read as the distribution of the
  seroconversion age: a person with quantile ``u`` seroconverts at ``F^-1(u)``; people with
  ``u`` above the last anchor never seroconvert.
* **Enterovirus** -- infections as an inhomogeneous Poisson process with the tabulated
  rate (per person-year) by age band; event times by time rescaling of unit exponentials.
  Co-twins share a fraction ``rho`` of their infections before ``shared_environment_until_age``
  (same outbreak, same household): a shared process of rate ``rho * r(t)`` hits both, and each
  has its own process of rate ``(1 - rho) * r(t)``, so each twin's marginal rate is exactly r(t).
* **Gluten** -- age at introduction (lognormal around the sourced median) and daily intake:
  a lifelong person factor (mean 1, between-person CV from the Danish survey) times the
  sourced mean intake curve by age and sex (zero before introduction).

Early-life draws of co-twins are correlated through a Gaussian copula:
``z = sqrt(rho) * z_shared + sqrt(1 - rho) * z_own``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr

from ._population import PopulationData

__all__ = [
    "ebv_curve",
    "ebv_age_from_quantile",
    "enterovirus_cumhazard",
    "enterovirus_events",
    "gluten_intro_age",
    "gluten_person_factor",
    "gluten_mean_intake",
    "gluten_intake_curve",
    "gluten_intake_at",
    "correlated_normal",
]


def correlated_normal(z_shared: np.ndarray, z_own: np.ndarray, rho: np.ndarray | float) -> np.ndarray:
    """Standard normals with correlation ``rho`` between people who share ``z_shared``."""
    rho = np.asarray(rho, dtype=float)
    return np.sqrt(rho) * z_shared + np.sqrt(1.0 - rho) * z_own


# ---------------------------------------------------------------- EBV
def ebv_curve(pop: PopulationData) -> tuple[np.ndarray, np.ndarray]:
    """(ages, cumulative seroprevalence) anchors, strictly increasing."""
    rows = pop.exposures[(pop.exposures["stream"] == "ebv") & (pop.exposures["quantity"] == "cumulative_seroprevalence")]
    rows = rows.sort_values("age_years")
    return rows["age_years"].to_numpy(float), rows["value"].to_numpy(float)


def ebv_age_from_quantile(pop: PopulationData, u: np.ndarray) -> np.ndarray:
    """Seroconversion age for quantiles ``u`` (NaN = never seroconverts)."""
    ages, f = ebv_curve(pop)
    u = np.asarray(u, dtype=float)
    out = np.interp(u, f, ages)
    out[u >= f[-1]] = np.nan
    return out


# ---------------------------------------------------------------- enterovirus
def _ev_bands(pop: PopulationData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = pop.exposures[(pop.exposures["stream"] == "enterovirus") & (pop.exposures["quantity"] == "infection_rate")]
    rows = rows.sort_values("age_low")
    return rows["age_low"].to_numpy(float), rows["age_high"].to_numpy(float), rows["value"].to_numpy(float)


def enterovirus_cumhazard(pop: PopulationData, ages: np.ndarray) -> np.ndarray:
    """Expected number of infections from birth to each age in ``ages``."""
    lo, hi, rate = _ev_bands(pop)
    a = np.asarray(ages, dtype=float)[..., None]
    return np.sum(rate * np.clip(np.minimum(a, hi) - lo, 0.0, None), axis=-1)


def enterovirus_events(
    pop: PopulationData,
    u_own: np.ndarray,
    u_shared: np.ndarray,
    species_own: np.ndarray,
    species_shared: np.ndarray,
    rho: np.ndarray,
    shared_until: float,
    horizon: float,
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Per person: infection ages (sorted, <= horizon), which of them are with an
    enterovirus B species, and which of those reach the pancreatic islets.

    ``u_own`` and ``u_shared`` are (n, K) uniforms (the person's own stream and the family's
    shared stream); ``rho`` (n,) the shared fraction before ``shared_until``. The process is
    truncated at K events per stream (the caller chooses K so that this has negligible
    probability; see :data:`autoimmunity.cohort._families.EV_SLOTS`).

    ``species_own``/``species_shared`` are (n, K) uniforms, one per event slot of each stream:
    event k of a stream is species B when its uniform is below the sourced ``species_b_share``,
    so a shared infection has the same species in every family member. The same uniform
    decides islet reach: an event reaches the islets when it is below
    ``species_b_share * islet_reach_share`` (a species B infection reaches the islets with
    probability ``islet_reach_share``), so changing the reach share moves no other draw.
    """
    grid = np.linspace(0.0, horizon, int(horizon * 4) + 2)
    cum = enterovirus_cumhazard(pop, grid)
    cum_sh_base = enterovirus_cumhazard(pop, np.minimum(grid, shared_until))
    out, species, islet = [], [], []
    e_own = np.cumsum(-np.log1p(-np.asarray(u_own)), axis=1)
    e_sh = np.cumsum(-np.log1p(-np.asarray(u_shared)), axis=1)
    q = pop.exposure_value("enterovirus", "species_b_share")
    q_islet = q * pop.exposure_value("enterovirus", "islet_reach_share")
    for i in range(e_own.shape[0]):
        r = float(rho[i])
        own_cum = cum - r * cum_sh_base
        ev = _invert(own_cum, grid, e_own[i])
        u = np.asarray(species_own[i][: len(ev)])
        if r > 0.0:
            sh = _invert(r * cum_sh_base, grid, e_sh[i])
            order = np.argsort(np.concatenate([ev, sh]), kind="stable")
            ev = np.concatenate([ev, sh])[order]
            u = np.concatenate([u, np.asarray(species_shared[i][: len(sh)])])[order]
        out.append(ev)
        species.append(u < q)
        islet.append(u < q_islet)
    return out, species, islet


def _invert(cum: np.ndarray, grid: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Ages at which the (non-decreasing) cumulative hazard reaches each target."""
    targets = targets[targets <= cum[-1]]
    if targets.size == 0:
        return np.empty(0)
    # strictly increasing cumulative hazard where it rises; flat parts carry no events
    idx = np.searchsorted(cum, targets, side="left").clip(1, len(cum) - 1)
    c0, c1 = cum[idx - 1], cum[idx]
    frac = np.where(c1 > c0, (targets - c0) / np.where(c1 > c0, c1 - c0, 1.0), 0.0)
    return grid[idx - 1] + frac * (grid[idx] - grid[idx - 1])


# ---------------------------------------------------------------- gluten
def gluten_intro_age(pop: PopulationData, z: np.ndarray) -> np.ndarray:
    """Age (years) at first gluten, lognormal around the sourced median."""
    median = pop.exposure_value("gluten", "introduction_age_median")
    sd = pop.exposure_value("gluten", "introduction_age_log_sd")
    return np.exp(np.log(median) + sd * np.asarray(z))


def gluten_person_factor(pop: PopulationData, z: np.ndarray) -> np.ndarray:
    """Lifelong intake multiplier (lognormal, mean 1, CV from the source)."""
    cv = pop.exposure_value("gluten", "intake_person_cv")
    sigma = np.sqrt(np.log1p(cv * cv))
    return np.exp(sigma * np.asarray(z) - 0.5 * sigma * sigma)


def gluten_intake_curve(pop: PopulationData, sex: str) -> tuple[np.ndarray, np.ndarray]:
    """(ages, mean intake g/day) anchors of the sourced intake curve for sex 'F' or 'M'."""
    rows = pop.exposures[(pop.exposures["stream"] == "gluten") & (pop.exposures["quantity"] == "intake_g_per_day")]
    rows = rows[rows["sex"].isin(["any", sex])].sort_values("age_years")
    return rows["age_years"].to_numpy(float), rows["value"].to_numpy(float)


def gluten_mean_intake(pop: PopulationData, ages: np.ndarray, sex: str, curve=None) -> np.ndarray:
    """Population mean intake (g/day) at ``ages`` for sex 'F' or 'M' (after introduction).
    ``curve``: the anchors from :func:`gluten_intake_curve` when the caller has them already."""
    xs, ys = gluten_intake_curve(pop, sex) if curve is None else curve
    return np.interp(np.asarray(ages, dtype=float), xs, ys)


def gluten_intake_at(pop: PopulationData, people: pd.DataFrame, ages: np.ndarray) -> np.ndarray:
    """Daily gluten intake (g/day), shape (len(people), len(ages)); 0 before introduction."""
    ages = np.asarray(ages, dtype=float)
    out = np.zeros((len(people), ages.size))
    sex = people["sex"].to_numpy()
    factor = people["gluten_factor"].to_numpy(float)
    intro = people["gluten_intro_age"].to_numpy(float)
    for s in ("F", "M"):
        m = sex == s
        if m.any():
            out[m] = gluten_mean_intake(pop, ages, s)[None, :] * factor[m, None]
    out[ages[None, :] < intro[:, None]] = 0.0
    return out


def normal_to_uniform(z: np.ndarray) -> np.ndarray:
    """Standard normal CDF (for copula draws)."""
    return ndtr(z)
