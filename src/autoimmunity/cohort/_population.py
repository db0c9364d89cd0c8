"""Population genetic data (shipped, sourced tables) and genotype sampling.

All numbers come from ``data/population/*_<population>.tsv``; each file's comment header
and per-row ``source``/``basis`` columns give the paper, table and derivation. The sampling
functions here are pure: they turn uniform random numbers (drawn by the caller from one
explicit per-family :class:`numpy.random.Generator`) into genotypes, so the same
uniforms always give the same genotype whatever the chunking.

Conventions:

* An HLA class II haplotype is one DRB1-DQA1-DQB1 block (index into the haplotype table),
  transmitted without recombination (the DR-DQ region is ~100 kb; recombination inside it
  is ignored -- an assumption recorded in docs/cohort.md).
* A non-HLA locus is a biallelic variant: one bool per chromosome, True = the variant allele
  named in ``nonhla_variants_<population>.tsv``.
* X-linked loci (FOXP3): females carry a maternal and a paternal X; males carry only the
  maternal X (hemizygous), so their second slot is always False and their variant count is
  0 or 1.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import InputError, require_amount
from .._data import data_path

__all__ = [
    "PopulationData",
    "load_population",
    "available_populations",
    "founder_haplotypes",
    "founder_alleles",
    "NONHLA_COLUMNS",
]

#: Cohort column for each gene of ``nonhla_variants_*.tsv`` (count of variant alleles).
NONHLA_COLUMNS: dict[str, str] = {
    "PTPN22": "ptpn22_620w",
    "CTLA4": "ctla4_ct60_g",
    "IL2RA": "il2ra_rs2104286_t",
    "INS": "ins_vntr_class1",
    "AIRE": "aire_lof",
    "FOXP3": "foxp3_lof",
}


def _data_dir() -> Path:
    return data_path("population")


def available_populations() -> list[str]:
    """Populations with a complete set of shipped tables."""
    names = []
    for path in sorted(_data_dir().glob("hla_drdq_haplotypes_*.tsv")):
        name = path.stem.removeprefix("hla_drdq_haplotypes_")
        if (_data_dir() / f"nonhla_variants_{name}.tsv").exists() and (
            _data_dir() / f"exposure_rates_{name}.tsv"
        ).exists():
            names.append(name)
    return names


@dataclass(frozen=True)
class PopulationData:
    """The shipped tables of one population."""

    name: str
    haplotypes: pd.DataFrame  # one row per DR-DQ haplotype; column 'frequency' sums to 1
    variants: pd.DataFrame  # one row per non-HLA gene
    exposures: pd.DataFrame  # exposure-stream anchors and rates

    @property
    def haplotype_cdf(self) -> np.ndarray:
        f = self.haplotypes["frequency"].to_numpy(float)
        cdf = np.cumsum(f / f.sum())
        cdf[-1] = 1.0
        return cdf

    @property
    def genes(self) -> list[str]:
        return list(self.variants["gene"])

    def variant_frequency(self, gene: str) -> float:
        return float(self.variants.loc[self.variants["gene"] == gene, "frequency"].iloc[0])

    def x_linked(self, gene: str) -> bool:
        return bool(self.variants.loc[self.variants["gene"] == gene, "inheritance"].iloc[0] == "x_linked")

    def with_exposures(self, overrides) -> "PopulationData":
        """A copy with exposure values replaced: ``overrides`` is ``((stream, quantity, value), ...)``
        (sex 'any' rows; each must exist)."""
        exp = self.exposures.copy()
        for stream, quantity, value in overrides:
            hit = (exp["stream"] == stream) & (exp["quantity"] == quantity) & (exp["sex"] == "any")
            if not hit.any():
                raise InputError("exposures", f"{self.name}: no exposure row {stream}/{quantity}; "
                                 f"known: {', '.join(sorted(set(exp['stream'] + '/' + exp['quantity'])))}")
            value = require_amount(value, f"exposures.{stream}/{quantity}", str(exp.loc[hit, "units"].iloc[0]))
            exp.loc[hit, "value"] = value
        return replace(self, exposures=exp)

    def exposure_value(self, stream: str, quantity: str, sex: str = "any") -> float:
        rows = self.exposures[(self.exposures["stream"] == stream) & (self.exposures["quantity"] == quantity)]
        rows = rows[rows["sex"] == sex]
        if rows.empty:
            raise InputError("population", f"{self.name}: no exposure row {stream}/{quantity}/{sex}")
        return float(rows["value"].iloc[0])


@lru_cache(maxsize=8)
def load_population(name: str = "europe") -> PopulationData:
    """Load the shipped tables of ``name`` (e.g. ``"europe"``)."""
    known = available_populations()
    if name not in known:
        raise InputError("population", f"unknown population {name!r}; shipped: {', '.join(known)}")
    d = _data_dir()
    hap = pd.read_csv(d / f"hla_drdq_haplotypes_{name}.tsv", sep="\t", comment="#")
    var = pd.read_csv(d / f"nonhla_variants_{name}.tsv", sep="\t", comment="#")
    exp = pd.read_csv(d / f"exposure_rates_{name}.tsv", sep="\t", comment="#")
    exp["sex"] = exp["sex"].fillna("any")
    missing = set(NONHLA_COLUMNS) - set(var["gene"])
    if missing:
        raise InputError("population", f"{name}: nonhla table lacks {sorted(missing)}")
    if not np.isclose(hap["frequency"].sum(), 1.0, atol=1e-4):
        raise InputError("population", f"{name}: haplotype frequencies sum to {hap['frequency'].sum():.6f}, not 1")
    return PopulationData(name=name, haplotypes=hap, variants=var, exposures=exp)


def founder_haplotypes(pop: PopulationData, u: np.ndarray) -> np.ndarray:
    """HLA haplotype indices for founder chromosomes, by inverse CDF of uniforms ``u``."""
    return np.searchsorted(pop.haplotype_cdf, np.asarray(u), side="right").clip(0, len(pop.haplotypes) - 1)


def founder_alleles(pop: PopulationData, gene: str, u: np.ndarray) -> np.ndarray:
    """Variant-allele indicator (True = variant) for founder chromosomes of ``gene``."""
    return np.asarray(u) < pop.variant_frequency(gene)
