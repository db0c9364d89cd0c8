"""Cohort layout (unrelated people, twin pairs, sibling pairs) and per-family sampling.

Every person is the child of two simulated founder parents drawn from the population tables;
an unrelated person is a family with one child. Children inherit one HLA haplotype and one
allele per non-HLA locus from each parent (Mendel; loci unlinked; no recombination inside
DR-DQ). X-linked loci: daughters get one maternal X and the paternal X, sons only a maternal X.
Monozygotic (MZ) co-twins are one zygote: same sex and genotype; everything else (exposure
draws, engine seed and so the randomly generated repertoire) is their own. Dizygotic (DZ)
twins and siblings are independent conceptions from the same parents. Co-twins share part of
their early environment (``family/twin_early_environment_correlation``).

Randomness: one :class:`numpy.random.Generator` per family, seeded by
``SeedSequence([seed, family_id])``. It draws a fixed-layout block of uniforms (row 0 shared
by the family, rows 1-2 for the two members) and then the members' engine seeds, so a
person's values depend only on (seed, family_id) -- never on chunk size or worker count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri

from .._errors import InputError
from . import _exposures as ex
from ._population import NONHLA_COLUMNS, PopulationData, founder_alleles, founder_haplotypes

__all__ = ["CohortPlan", "RELATIONS", "sample_families", "BLOCK", "EV_SLOTS"]

RELATIONS = ("none", "mz_twin", "dz_twin", "sibling")
_KIND_UNRELATED, _KIND_MZ, _KIND_DZ, _KIND_SIB = range(4)

#: uniforms per row of a family's block
BLOCK = 128
#: first slot and number of slots of the enterovirus exponential streams in each row, and the
#: first slot of the per-event species uniforms (one per stream slot)
EV_START, EV_SLOTS = 32, 48
EV_SPECIES_START = EV_START + EV_SLOTS
_GENES = tuple(NONHLA_COLUMNS)


@dataclass(frozen=True)
class CohortPlan:
    """How many families of each kind; families are numbered unrelated, MZ, DZ, sibling."""

    n_unrelated: int
    n_mz: int = 0
    n_dz: int = 0
    n_sib: int = 0

    def __post_init__(self):
        for name in ("n_unrelated", "n_mz", "n_dz", "n_sib"):
            if int(getattr(self, name)) < 0:
                raise InputError(name, "must be >= 0")
        if self.n_families == 0:
            raise InputError("n", "the cohort is empty")

    @property
    def n_families(self) -> int:
        return self.n_unrelated + self.n_mz + self.n_dz + self.n_sib

    @property
    def n_people(self) -> int:
        return self.n_unrelated + 2 * (self.n_mz + self.n_dz + self.n_sib)

    def kind(self, f: np.ndarray) -> np.ndarray:
        f = np.asarray(f)
        edges = np.cumsum([self.n_unrelated, self.n_mz, self.n_dz])
        return np.searchsorted(edges, f, side="right")

    def size(self, f: np.ndarray) -> np.ndarray:
        return np.where(self.kind(f) == _KIND_UNRELATED, 1, 2)

    def first_person(self, f: np.ndarray) -> np.ndarray:
        f = np.asarray(f, dtype=np.int64)
        n = self.n_unrelated
        return np.where(f < n, f, n + 2 * (f - n))

    def people_in(self, fa: int, fb: int) -> int:
        if fb <= fa:
            return 0
        return int(self.first_person(np.array(fb - 1)) + self.size(np.array(fb - 1)) - self.first_person(np.array(fa)))

    def chunks(self, chunk_size: int) -> list[tuple[int, int]]:
        """Family ranges [fa, fb) holding about ``chunk_size`` people each (pairs never split)."""
        if chunk_size < 2:
            raise InputError("chunk_size", "must be >= 2")
        out, fa = [], 0
        while fa < self.n_families:
            start = int(self.first_person(np.array(fa)))
            # last family whose first person lies before start + chunk_size
            lo, hi = fa + 1, self.n_families
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if int(self.first_person(np.array(mid - 1))) + int(self.size(np.array(mid - 1))) - start <= chunk_size:
                    lo = mid
                else:
                    hi = mid - 1
            out.append((fa, lo))
            fa = lo
        return out


def _family_blocks(seed: int, families: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(uniforms (nf, 3, BLOCK), engine seeds (nf, 2) uint64), one Generator per family."""
    nf = len(families)
    u = np.empty((nf, 3, BLOCK))
    seeds = np.empty((nf, 2), dtype=np.uint64)
    for i, f in enumerate(families):
        g = np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), int(f)])))
        u[i] = g.random((3, BLOCK))
        seeds[i] = g.integers(0, np.iinfo(np.uint64).max, size=2, dtype=np.uint64, endpoint=True)
    return u, seeds


def sample_families(
    pop: PopulationData, plan: CohortPlan, seed: int, fa: int, fb: int, horizon: float
) -> tuple[pd.DataFrame, np.ndarray]:
    """People of families [fa, fb): (table, engine seeds uint64), ordered by person_id."""
    fams = np.arange(fa, fb, dtype=np.int64)
    kind = plan.kind(fams)
    size = plan.size(fams)
    first = plan.first_person(fams)
    u, eseeds = _family_blocks(seed, fams)
    shared = u[:, 0, :]

    # founders (parents): HLA and non-HLA chromosomes
    mom_hla = founder_haplotypes(pop, shared[:, 0:2])
    dad_hla = founder_haplotypes(pop, shared[:, 2:4])
    mom_var, dad_var = {}, {}
    for gi, gene in enumerate(_GENES):
        b = 4 + 4 * gi
        mom_var[gene] = founder_alleles(pop, gene, shared[:, b : b + 2])
        dad_var[gene] = founder_alleles(pop, gene, shared[:, b + 2 : b + 4])
        if pop.x_linked(gene):
            dad_var[gene][:, 1] = False  # the father has one X; slot 1 is his Y

    # expand to members: member 0 of every family, member 1 of pairs
    fam_idx = np.repeat(np.arange(len(fams)), size)
    member = np.concatenate([np.arange(s) for s in size]) if len(fams) else np.empty(0, int)
    person_id = first[fam_idx] + member
    kind_p = kind[fam_idx]
    rows = u[fam_idx, 1 + member, :]
    # MZ co-twins are one zygote: the second twin reuses twin 1's genetic uniforms (slots 0..14)
    gen = rows[:, :15].copy()
    mz2 = (kind_p == _KIND_MZ) & (member == 1)
    gen[mz2] = u[fam_idx[mz2], 1, :15]

    male_fraction = pop.exposure_value("demography", "male_fraction_at_birth")
    male = gen[:, 0] < male_fraction
    mpick = (gen[:, 1] >= 0.5).astype(int)
    ppick = (gen[:, 2] >= 0.5).astype(int)
    hla1 = mom_hla[fam_idx, mpick]  # maternal haplotype
    hla2 = dad_hla[fam_idx, ppick]  # paternal haplotype

    out: dict[str, object] = {
        "person_id": person_id.astype(np.int64),
        "family_id": fams[fam_idx].astype(np.int64),
        "relation": np.array(RELATIONS, dtype=object)[kind_p],
        "sex": np.where(male, "M", "F").astype(object),
    }
    hap = pop.haplotypes
    names = hap["haplotype"].to_numpy(object)
    drb1 = hap["DRB1"].to_numpy(object)
    dq = hap["dq_molecule"].to_numpy(object)
    out["hla_haplotype_1"], out["hla_haplotype_2"] = names[hla1], names[hla2]
    out["hla_drb1_1"], out["hla_drb1_2"] = drb1[hla1], drb1[hla2]
    out["hla_dq_1"], out["hla_dq_2"] = dq[hla1], dq[hla2]
    # which of each parent's two chromosomes was transmitted (identity by descent in families)
    out["hla_origin_maternal"], out["hla_origin_paternal"] = mpick.astype(np.int8), ppick.astype(np.int8)
    for gi, gene in enumerate(_GENES):
        m_all = mom_var[gene][fam_idx, (gen[:, 3 + 2 * gi] >= 0.5).astype(int)]
        p_all = dad_var[gene][fam_idx, (gen[:, 4 + 2 * gi] >= 0.5).astype(int)]
        if pop.x_linked(gene):
            # sons get the maternal X only (hemizygous); daughters the maternal X and the paternal X
            p_all = np.where(male, False, dad_var[gene][fam_idx, 0])
        out[NONHLA_COLUMNS[gene]] = (m_all.astype(np.int8) + p_all.astype(np.int8)).astype(np.int8)

    # ---- exposures
    rho_twin = pop.exposure_value("family", "twin_early_environment_correlation")
    rho_sib = pop.exposure_value("family", "sibling_early_environment_correlation")
    shared_until = pop.exposure_value("family", "shared_environment_until_age")
    rho = np.select([np.isin(kind_p, [_KIND_MZ, _KIND_DZ]), kind_p == _KIND_SIB], [rho_twin, rho_sib], 0.0)
    z_sh = ndtri(shared[fam_idx][:, 28:31])
    z_own = ndtri(rows[:, 15:18])
    z = ex.correlated_normal(z_sh, z_own, rho[:, None])
    ebv = ex.ebv_age_from_quantile(pop, ex.normal_to_uniform(z[:, 0]))
    out["ebv_age"] = np.where(ebv <= horizon, ebv, np.nan)
    ev_slots = slice(EV_START, EV_START + EV_SLOTS)
    sp_slots = slice(EV_SPECIES_START, EV_SPECIES_START + EV_SLOTS)
    ev, species_b, islet = ex.enterovirus_events(
        pop, rows[:, ev_slots], shared[fam_idx][:, ev_slots], rows[:, sp_slots], shared[fam_idx][:, sp_slots],
        rho, shared_until, horizon,
    )
    out["enterovirus_infections"] = np.array([len(e) for e in ev], dtype=np.int32)
    out["enterovirus_ages"] = [e.astype(np.float32) for e in ev]
    out["enterovirus_b_infections"] = np.array([int(b.sum()) for b in species_b], dtype=np.int32)
    out["enterovirus_b_ages"] = [e[b].astype(np.float32) for e, b in zip(ev, species_b)]
    out["enterovirus_islet_infections"] = np.array([int(b.sum()) for b in islet], dtype=np.int32)
    out["enterovirus_islet_ages"] = [e[b].astype(np.float32) for e, b in zip(ev, islet)]
    out["gluten_intro_age"] = ex.gluten_intro_age(pop, z[:, 1])
    out["gluten_factor"] = ex.gluten_person_factor(pop, z[:, 2])
    table = pd.DataFrame(out)
    adult_age = max(float(pop.exposures.loc[pop.exposures["quantity"] == "intake_g_per_day", "age_years"].max()), 0.0)
    table["gluten_g_per_day"] = ex.gluten_intake_at(pop, table, np.array([adult_age]))[:, 0]
    table["engine_seed"] = eseeds[fam_idx, member]
    return table, eseeds[fam_idx, member]
