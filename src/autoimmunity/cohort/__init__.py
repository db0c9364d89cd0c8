"""Virtual populations, families and twins, life-course exposures, cohort runs (chunked
Parquet, resume, Dask) and their epidemiology. See docs/cohort.md.

Public API:

* :func:`load_population`, :func:`available_populations` -- shipped, sourced population tables;
* :class:`CohortPlan`, :func:`sample_families` -- genotypes (Mendelian families, MZ/DZ twins)
  and exposures for a range of families;
* :class:`RunConfig`, :func:`run_cohort`, :func:`verify_run`, :func:`read_manifest` -- runs;
* :func:`simulate_people`, :func:`resolve_engine` -- the engine contract (``_engine``);
* :func:`load_cohort`, :func:`summarize` and the statistics of ``_epidemiology``;
* :func:`write_report` -- HTML report with plots and the calibration table.
"""

from ._engine import exposure_schedule, resolve_engine, simulate_people
from ._epidemiology import (
    CALIBRATION_TARGETS,
    autoantibody_progression,
    calibration_table,
    concordance,
    cumulative_incidence,
    hla_odds_ratios,
    load_cohort,
    odds_ratio,
    prevalence_by_age,
    sex_ratio,
    sibling_recurrence_ratio,
    summarize,
    twin_concordance,
)
from ._families import CohortPlan, sample_families
from ._population import available_populations, load_population
from ._runner import RunConfig, read_manifest, run_cohort, verify_run

__all__ = [
    "CALIBRATION_TARGETS",
    "CohortPlan",
    "RunConfig",
    "autoantibody_progression",
    "available_populations",
    "calibration_table",
    "concordance",
    "cumulative_incidence",
    "exposure_schedule",
    "hla_odds_ratios",
    "load_cohort",
    "load_population",
    "odds_ratio",
    "prevalence_by_age",
    "read_manifest",
    "resolve_engine",
    "run_cohort",
    "sample_families",
    "sex_ratio",
    "sibling_recurrence_ratio",
    "simulate_people",
    "summarize",
    "twin_concordance",
    "verify_run",
    "write_report",
]


def write_report(*args, **kwargs):
    """See :func:`autoimmunity.cohort._report.write_report` (imports matplotlib lazily)."""
    from ._report import write_report as _w

    return _w(*args, **kwargs)
