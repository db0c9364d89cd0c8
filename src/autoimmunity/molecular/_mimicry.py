"""Molecular mimicry computed from sequence: T-cell cross-reactivity between ligands.

The cross-reactivity of ligand B with ligand A is the fraction of the random
receptors that recognise A (see :mod:`._tcr`) that also recognise B:

    X(A -> B) = P(E_B <= theta | E_A <= theta).

Recognising a random ligand is rare (about 1e-5), so it is not estimated by
rejection sampling. A receptor is five independent contact residues plus a
normal germline term, and contact energies are multiples of one grid step
(0.01 kT for Miyazawa-Jernigan, 0.001 kT for TCRen), so each receptor string
``t`` (20^5 = 3.2 million of them) carries an integer contact-energy sum, and
the germline term enters through the normal CDF:

    P(A)     = sum_t p(t) Phi((theta - mu - S_A(t)) / sigma)
    P(A, B)  = sum_t p(t) Phi((theta - mu - max(S_A(t), S_B(t))) / sigma)        same molecule
    P(A, B)  = sum_t p(t) Phi(... S_A(t) ...) Phi(... S_B(t) ...)                different molecules

(same molecule: the receptor's one germline term for that molecule serves both
ligands; different molecules: independent germline terms). ``Phi`` is
tabulated on the integer grid; P(A) and P(B) are exact convolutions of the
per-contact energy distributions and P(A, B) is enumerated over all receptor
strings by a numba kernel. ``fraction`` is therefore exact (the infinite-repertoire value); the
confidence interval describes a finite repertoire: ``n_receptors`` receptors
are drawn exactly from the A-recognising distribution (receptor string by its
weight, germline term from the truncated normal), those that recognise B are
counted, and a Clopper-Pearson 95% interval is put on that count.

The overlap P(A and B) / P(A or B) (Jaccard index of the two recognising
repertoires) is computed alongside; it is symmetric and does not saturate when
one ligand is simply stickier than the other (see :func:`mimicry_search`).
In mimicry searches A is the foreign ligand (infection expands the receptors
that recognise it) and B the self ligand.

All of this describes the pre-selection repertoire: thymic deletion, which
removes the stickiest receptors and makes the survivors more specific
(Košmrlj et al. 2008), is the tolerance layer's business.

The contact potential is the model's (``TCRModel.potential``). Energies are
always indexed ``J[receptor residue, ligand residue]``, which matters for the
directed TCRen potential.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numba
import numpy as np
import pandas as pd
from scipy.special import ndtri_exp
from scipy.stats import binomtest

from .._errors import InputError, require_generator
from ._aminoacids import N_STANDARD, STANDARD_AMINO_ACIDS
from ._antigens import human_aa_composition
from ._tcr import (
    _GRID_UNITS,
    N_CONTACTS,
    TCRModel,
    _convolve,
    _grid,
    _letter_pmfs,
    _log_recognise_given_sum,
    encode_contacts,
    tcr_contacts,
)

__all__ = [
    "CrossReactivity", "MIMICRY_COLUMNS", "MIMICRY_MODEL", "MIMICRY_THRESHOLD", "cross_reactivity", "random_pair_null",
    "mimicry_search", "mimicry",
]

#: Columns a presented-ligand table must have for :func:`mimicry_search`.
LIGAND_COLUMNS = ("protein", "core_start", "core", "allele", "tcr_contacts", "percentile_rank")
#: Confidence level of the reported intervals.
CONFIDENCE = 0.95
#: Default receptor model of mimicry searches: the TCRen potential (Karnaukhov V
#: et al., Nat Comput Sci 2024), a TCR-peptide potential from TCR-pMHC crystal
#: structures. Under the Miyazawa-Jernigan folding potential one hydrophobicity
#: axis dominates, so random pairs overlap as much as mimics do (99th percentile
#: of the null overlap ~0.62) and the identical TCR contacts of MBP 85-99 on
#: DRB1*15:01 and EBV DNA polymerase 627-641 on DRB5*01:01 (Lang HL et al., Nat
#: Immunol 2002;3:940) overlap less than random pairs; under TCRen that pair is
#: 14x above the largest of 3,000 random pairs across molecules (docs/molecular.md).
MIMICRY_MODEL = TCRModel(potential="tcren2024")
#: Default percentile-rank cutoff (%) of the ligands a mimicry search compares:
#: the field's weak-binder cutoff, not the 2% strong-binder cutoff of
#: :data:`~autoimmunity.molecular.PRESENTATION_THRESHOLD`. Functionally proven
#: epitopes are often predicted weak binders; the crystallised EBV DNA polymerase
#: 627-641 / DRB5*01:01 ligand of Lang et al. 2002 ranks 6.3% under TEPITOPEpan.
MIMICRY_THRESHOLD = 10.0


@dataclass(frozen=True)
class CrossReactivity:
    """How far the receptors that recognise ligand A also recognise ligand B.

    Attributes
    ----------
    fraction: exact P(recognise B | recognise A), the cross-reactivity of B
        among A-specific receptors (nan if no receptor can recognise A).
    ci_low, ci_high: Clopper-Pearson 95% interval for ``fraction`` from a
        finite repertoire of ``n_recognising_a`` A-recognising receptors.
    overlap: exact P(A and B) / P(A or B), the Jaccard overlap of the two
        ligands' recognising repertoires (symmetric; see :func:`mimicry_search`).
    overlap_ci_low, overlap_ci_high: the interval for ``fraction`` carried
        through the increasing map from fraction to overlap (P(A), P(B) exact).
    n_recognising_a: size of the conditional sample (receptors drawn among those recognising A).
    n_recognising_both: how many of them also recognise B.
    p_recognise_a, p_recognise_b: exact precursor frequencies of A and B.
    same_molecule: whether A and B are presented by the same MHC molecule.
    exact: ``fraction`` and ``overlap`` are exact enumerations, not estimates.
    """

    fraction: float
    ci_low: float
    ci_high: float
    overlap: float
    overlap_ci_low: float
    overlap_ci_high: float
    n_recognising_a: int
    n_recognising_both: int
    p_recognise_a: float
    p_recognise_b: float
    same_molecule: bool = True
    exact: bool = True

    @property
    def sample_fraction(self) -> float:
        """Fraction observed in the conditional sample."""
        return self.n_recognising_both / self.n_recognising_a if self.n_recognising_a else float("nan")


#: log P(recognise) below which the screening marginals rescale in log space (exp underflows near -745)
_LOG_TINY = -600.0


@lru_cache(maxsize=16)
def _log_phi(model: TCRModel) -> np.ndarray:
    """log P(germline + S <= threshold) for every contact-sum grid index."""
    _, offset, width = _grid(model.potential)
    sums = (np.arange(N_CONTACTS * (width - 1) + 1) + N_CONTACTS * offset) / _GRID_UNITS[model.potential]
    table = _log_recognise_given_sum(sums, model.recognition_threshold, model.germline_mean, model.germline_sd)
    table.setflags(write=False)
    return table


def _shifted(codes: np.ndarray, potential: str) -> np.ndarray:
    """``int32[n, 5, 20]``: grid value of each receptor residue (last axis) with
    the ligand's residue at each contact (grid rows are receptor residues)."""
    steps, offset, _ = _grid(potential)
    return np.ascontiguousarray(np.transpose(steps[:, codes] - offset, (1, 2, 0)), dtype=np.int32)


def _scaled_tables(ja: np.ndarray, model: TCRModel) -> tuple[np.ndarray, np.ndarray]:
    """Per A: Phi table divided by its largest reachable value, and that log-scale.

    Entries below A's smallest reachable sum are never read and are set to 0."""
    log_phi = _log_phi(model)
    best = ja.min(axis=2).sum(axis=1)
    log_scale = log_phi[best]
    with np.errstate(invalid="ignore"):
        scaled = np.exp(log_phi[None, :] - log_scale[:, None])
    scaled[np.arange(scaled.shape[1])[None, :] < best[:, None]] = 0.0
    scaled[~np.isfinite(log_scale)] = 0.0
    return np.ascontiguousarray(scaled), log_scale


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _joint_sum(ja, jb, comp, phi_a, phi, same):
    """sum_t p(t) Phi_AB(t) over all 20^5 receptor strings (``phi_a`` may be scaled)."""
    total = 0.0
    for t0 in range(20):
        w0 = comp[t0]
        for t1 in range(20):
            w1 = w0 * comp[t1]
            a1 = ja[0, t0] + ja[1, t1]
            b1 = jb[0, t0] + jb[1, t1]
            for t2 in range(20):
                w2 = w1 * comp[t2]
                a2 = a1 + ja[2, t2]
                b2 = b1 + jb[2, t2]
                for t3 in range(20):
                    a3 = a2 + ja[3, t3]
                    b3 = b2 + jb[3, t3]
                    acc = 0.0
                    if same:
                        for t4 in range(20):
                            acc += comp[t4] * phi_a[max(a3 + ja[4, t4], b3 + jb[4, t4])]
                    else:
                        for t4 in range(20):
                            acc += comp[t4] * phi_a[a3 + ja[4, t4]] * phi[b3 + jb[4, t4]]
                    total += w2 * comp[t3] * acc
    return total


@numba.njit(parallel=True, cache=True, nogil=True, boundscheck=False)
def _joint_sums(ja, jb, comp, phi_a, phi, same, out):
    for i in numba.prange(ja.shape[0]):
        out[i] = _joint_sum(ja[i], jb[i], comp, phi_a[i], phi, same)


class _MultisetSums:
    """Distribution of the contact-energy sum over random receptor residues for a multiset of
    ligand residues (sorted tuple of codes). The sum does not depend on the order of the
    contacts, so each multiset is convolved once, from its cached prefix."""

    def __init__(self, model: TCRModel):
        self._pmfs = _letter_pmfs(tuple(model.composition()), model.potential)
        self._cache: dict[tuple[int, ...], np.ndarray] = {(): np.ones(1)}

    def __call__(self, letters: tuple[int, ...]) -> np.ndarray:
        if letters not in self._cache:
            self._cache[letters] = _convolve(self(letters[:-1]), self._pmfs[letters[-1]])
        return self._cache[letters]


def _single_sums(codes: np.ndarray, tables: np.ndarray, model: TCRModel) -> np.ndarray:
    """sum_t p(t) table[S(t)] per ligand, by exact convolution of its contact pmfs."""
    sums = _MultisetSums(model)
    out = np.empty(codes.shape[0])
    for i, row in enumerate(codes.tolist()):
        pmf = sums(tuple(sorted(row)))
        table = tables if tables.ndim == 1 else tables[i]
        out[i] = pmf @ table[: pmf.size]
    return out


def _exact(a_codes: np.ndarray, b_codes: np.ndarray, model: TCRModel, same_molecule: bool) -> np.ndarray:
    """Exact statistics of ligand pairs, ``float64[n, 4]``: cross-reactivity
    P(B | A), overlap P(A and B) / P(A or B), P(A) and P(B)."""
    ja, jb = _shifted(a_codes, model.potential), _shifted(b_codes, model.potential)
    phi_a, log_scale = _scaled_tables(ja, model)
    phi = np.exp(_log_phi(model))
    joint = np.zeros(ja.shape[0])
    if ja.shape[0]:
        _joint_sums(ja, jb, model.composition(), phi_a, phi, bool(same_molecule), joint)
    single_a = _single_sums(a_codes, phi_a, model)
    p_b = _single_sums(b_codes, phi, model)
    scale = np.where(np.isfinite(log_scale), np.exp(log_scale), 0.0)
    p_a, p_ab = single_a * scale, joint * scale
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(single_a > 0, np.minimum(joint / single_a, 1.0), np.nan)
        union = p_a + p_b - p_ab
        overlap = np.where(union > 0, np.minimum(p_ab / union, 1.0), np.nan)
    return np.column_stack([fraction, overlap, p_a, p_b])


def _conditional_sample(ja, jb, model: TCRModel, same_molecule: bool, n: int, rng: np.random.Generator) -> int:
    """Draw ``n`` receptors that recognise A; return how many recognise B."""
    _, offset, _ = _grid(model.potential)
    units = _GRID_UNITS[model.potential]
    phi_a, log_scale = _scaled_tables(ja[None], model)
    if not np.isfinite(log_scale[0]):
        return 0
    grids = np.ix_(*[np.arange(N_STANDARD)] * N_CONTACTS)
    index_a = sum(ja[k][grids[k]] for k in range(N_CONTACTS)).ravel()
    comp = model.composition()
    weights = np.ones(1)
    for _ in range(N_CONTACTS):
        weights = np.multiply.outer(weights, comp).ravel()
    cumulative = np.cumsum(weights * phi_a[0][index_a])
    strings = np.searchsorted(cumulative, rng.random(n) * cumulative[-1], side="right")
    strings = np.minimum(strings, cumulative.size - 1)
    digits = np.unravel_index(strings, (N_STANDARD,) * N_CONTACTS)
    sum_a = sum(ja[k][digits[k]] for k in range(N_CONTACTS)) + N_CONTACTS * offset
    sum_b = sum(jb[k][digits[k]] for k in range(N_CONTACTS)) + N_CONTACTS * offset
    slack = model.recognition_threshold - model.germline_mean
    margin_a = slack - sum_a / units
    margin_b = slack - sum_b / units
    sd = model.germline_sd
    if sd == 0:
        germ_a = np.zeros(n)
        germ_b = np.zeros(n)
    else:
        log_cap = _log_recognise_given_sum(sum_a / units, model.recognition_threshold, model.germline_mean, sd)
        germ_a = np.minimum(sd * ndtri_exp(np.log(rng.random(n)) + log_cap), margin_a)
        germ_b = sd * rng.standard_normal(n)
    germ = germ_a if same_molecule else germ_b
    return int(np.count_nonzero(germ <= margin_b))


def _interval(k: int, n: int) -> tuple[float, float]:
    if n == 0:
        return float("nan"), float("nan")
    ci = binomtest(k, n).proportion_ci(confidence_level=CONFIDENCE, method="exact")
    return float(ci.low), float(ci.high)


def _check_count(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(name, f"expected an integer >= {minimum}, got {value!r}")
    return int(value)


def _overlap_from_fraction(fraction, p_a: float, p_b: float):
    """Jaccard overlap from P(B | A): x P(A) / (P(A) + P(B) - x P(A)), increasing in x."""
    fraction = np.asarray(fraction, dtype=float)
    if p_a <= 0:
        return np.full_like(fraction, np.nan)
    ratio = p_b / p_a
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.minimum(fraction / (1.0 + ratio - fraction), 1.0)


def cross_reactivity(
    a_contacts: str,
    b_contacts: str,
    *,
    same_molecule: bool = True,
    model: TCRModel = TCRModel(),
    n_receptors: int = 10_000,
    rng: np.random.Generator,
) -> CrossReactivity:
    """Cross-reactivity of ligand B among receptors that recognise ligand A.

    ``a_contacts``, ``b_contacts``: the five TCR-facing residues (P-1, P2, P3,
    P5, P8) of each ligand. ``same_molecule``: both are presented by the same
    MHC molecule (shared germline term). ``n_receptors``: size of the
    conditional sample behind the confidence interval (receptors that
    recognise A). See the module docstring for the method.
    """
    require_generator(rng)
    n = _check_count("n_receptors", n_receptors, 1)
    a = encode_contacts([a_contacts])
    b = encode_contacts([b_contacts])
    fraction, overlap, p_a, p_b = _exact(a, b, model, same_molecule)[0]
    ja, jb = _shifted(a, model.potential)[0], _shifted(b, model.potential)[0]
    k = _conditional_sample(ja, jb, model, same_molecule, n, rng) if p_a > 0 else 0
    n_drawn = n if p_a > 0 else 0
    low, high = _interval(k, n_drawn)
    o_low, o_high = _overlap_from_fraction([low, high], p_a, p_b)
    return CrossReactivity(
        float(fraction), low, high, float(overlap), float(o_low), float(o_high), n_drawn, k, float(p_a), float(p_b),
        bool(same_molecule),
    )


def random_pair_null(
    n_pairs: int, rng: np.random.Generator, model: TCRModel = TCRModel(), *, same_molecule: bool = True
) -> pd.DataFrame:
    """Exact statistics of ``n_pairs`` random ligand pairs, the null for mimicry scores.

    Both ligands' five contacts are drawn independently from the human proteome
    composition. Columns: a_contacts, b_contacts, cross_reactivity (P(B | A)),
    overlap (Jaccard), p_recognise_a, p_recognise_b. A search keeps the best of
    many pairs, so when asking whether a search found more than chance, compare
    its top hit with the maximum over as many null pairs, not with a
    single-pair percentile.
    """
    require_generator(rng)
    n = _check_count("n_pairs", n_pairs, 0)
    comp = human_aa_composition()
    a = rng.choice(N_STANDARD, size=(n, N_CONTACTS), p=comp).astype(np.uint8)
    b = rng.choice(N_STANDARD, size=(n, N_CONTACTS), p=comp).astype(np.uint8)
    stats = _exact(a, b, model, same_molecule)
    letters = np.frombuffer(STANDARD_AMINO_ACIDS.encode(), dtype="S1")
    return pd.DataFrame(
        {
            "a_contacts": letters[a].view(f"S{N_CONTACTS}").ravel().astype(str),
            "b_contacts": letters[b].view(f"S{N_CONTACTS}").ravel().astype(str),
            "cross_reactivity": stats[:, 0],
            "overlap": stats[:, 1],
            "p_recognise_a": stats[:, 2],
            "p_recognise_b": stats[:, 3],
        }
    )


def _conditional_marginals(codes: np.ndarray, model: TCRModel) -> np.ndarray:
    """P(receptor residue t at contact k | recognises A), ``float64[n, 5, 20]``.

    The marginal at contact k depends only on the ligand's residue there and on the
    multiset of its other four residues (their contact-energy sum is order-free), so
    each (residue, multiset) is computed once (:class:`_MultisetSums`)."""
    steps, offset, _ = _grid(model.potential)
    log_phi = _log_phi(model)
    comp = model.composition()
    rest_pmf = _MultisetSums(model)
    phi = np.exp(log_phi)
    rows: dict[tuple[int, tuple[int, ...]], np.ndarray | None] = {}
    out = np.zeros((codes.shape[0], N_CONTACTS, N_STANDARD))
    for i, row in enumerate(codes.tolist()):
        for k in range(N_CONTACTS):
            key = (row[k], tuple(sorted(row[:k] + row[k + 1 :])))
            if key not in rows:
                rest = rest_pmf(key[1])
                starts = steps[:, key[0]] - offset
                top = log_phi[starts].max()  # log_phi falls with the sum: each slice peaks at its start
                if top > _LOG_TINY:  # phi itself is representable: plain dot products
                    weight = comp * (np.lib.stride_tricks.sliding_window_view(phi, rest.size)[starts] @ rest)
                elif np.isfinite(top):  # a ligand almost no receptor recognises: rescale in log space
                    logs = np.stack([log_phi[v : v + rest.size] for v in starts])
                    weight = comp * (np.exp(logs - top) @ rest)
                else:
                    rows[key] = None
                    continue
                rows[key] = weight / weight.sum()
            if rows[key] is not None:
                out[i, k] = rows[key]
    return out


def _gap(marginals: np.ndarray, from_codes: np.ndarray, to_codes: np.ndarray, potential: str) -> np.ndarray:
    """Mean E_to - E_from (kT) over receptors recognising each ``from`` ligand, ``[n_from, n_to]``."""
    j = _grid(potential)[0] / _GRID_UNITS[potential]
    j_from = np.transpose(j[:, from_codes], (1, 2, 0))
    j_to = np.transpose(j[:, to_codes], (1, 2, 0))
    return np.einsum("fkt,skt->fs", marginals, j_to) - np.einsum("fkt,fkt->f", marginals, j_from)[:, None]


def _screen(foreign_codes: np.ndarray, self_codes: np.ndarray, foreign_marginals: np.ndarray,
            self_marginals: np.ndarray, potential: str) -> np.ndarray:
    """``float64[nF, nS]``: the larger of the two mean energy penalties (kT) of
    switching ligand, among receptors that recognise the foreign ligand and
    among those that recognise the self ligand (exact per-position marginals,
    :func:`_conditional_marginals`; the germline term cancels on one molecule).
    Both penalties are small only when the two repertoires overlap. Used only to
    choose pairs for exact evaluation."""
    forward = _gap(foreign_marginals, foreign_codes, self_codes, potential)
    backward = _gap(self_marginals, self_codes, foreign_codes, potential).T
    return np.maximum(forward, backward)


def _check_table(table, name: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise InputError(name, "expected a pandas DataFrame of presented ligands")
    missing = [c for c in LIGAND_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(name, f"missing columns {', '.join(missing)}; need {', '.join(LIGAND_COLUMNS)}")
    return table.reset_index(drop=True)


#: Columns of :func:`mimicry_search`'s table, in order.
MIMICRY_COLUMNS = (
    "self_protein", "self_core_start", "self_core", "foreign_protein", "foreign_core_start", "foreign_core",
    "self_allele", "foreign_allele", "same_molecule", "cross_reactivity", "ci_low", "ci_high", "overlap",
    "overlap_ci_low", "overlap_ci_high",
    "self_rank", "foreign_rank", "contact_identity", "self_contacts", "foreign_contacts",
    "foreign_precursor_frequency", "self_precursor_frequency", "energy_gap",
)


def _pair_blocks(own: pd.DataFrame, foreign: pd.DataFrame, model: TCRModel, across_molecules: bool) -> pd.DataFrame:
    """Every (foreign ligand, self ligand) pair to consider, with its screening score.

    Pairs are formed within a molecule and, if ``across_molecules``, between
    the molecules of the genotype too: a receptor selected on one molecule can
    see a peptide on another (Lang HL et al., Nat Immunol 2002;3:940)."""
    rows = []
    f_codes = encode_contacts(foreign["tcr_contacts"].tolist())
    s_codes = encode_contacts(own["tcr_contacts"].tolist())
    f_marginals = _conditional_marginals(f_codes, model)
    s_marginals = _conditional_marginals(s_codes, model)
    self_alleles = sorted(set(own["allele"]))
    for f_allele in sorted(set(foreign["allele"])):
        for s_allele in self_alleles:
            if s_allele != f_allele and not across_molecules:
                continue
            fi = np.flatnonzero((foreign["allele"] == f_allele).to_numpy())
            si = np.flatnonzero((own["allele"] == s_allele).to_numpy())
            gap = _screen(f_codes[fi], s_codes[si], f_marginals[fi], s_marginals[si], model.potential)
            ff, ss = np.meshgrid(np.arange(fi.size), np.arange(si.size), indexing="ij")
            rows.append(pd.DataFrame({
                "f": fi[ff.ravel()], "s": si[ss.ravel()], "self_allele": s_allele, "foreign_allele": f_allele,
                "same_molecule": s_allele == f_allele, "energy_gap": gap.ravel(),
            }))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _exact_by_pair(pairs: pd.DataFrame, model: TCRModel) -> pd.DataFrame:
    """Exact statistics for the distinct (contacts, contacts, same molecule) combinations of ``pairs``."""
    keys = ["foreign_contacts", "self_contacts", "same_molecule"]
    unique = pairs[keys].drop_duplicates().reset_index(drop=True)
    names = ("cross_reactivity", "overlap", "foreign_precursor_frequency", "self_precursor_frequency")
    stats = np.full((len(unique), len(names)), np.nan)
    for same in (True, False):
        rows = np.flatnonzero((unique["same_molecule"] == same).to_numpy())
        if rows.size:
            stats[rows] = _exact(
                encode_contacts(unique["foreign_contacts"].iloc[rows].tolist()),
                encode_contacts(unique["self_contacts"].iloc[rows].tolist()),
                model, same,
            )
    for i, name in enumerate(names):
        unique[name] = stats[:, i]
    return pairs.merge(unique, on=keys, how="left")


def mimicry_search(
    self_ligands: pd.DataFrame,
    foreign_ligands: pd.DataFrame,
    *,
    model: TCRModel = MIMICRY_MODEL,
    top: int = 20,
    n_exact: int = 500,
    n_receptors: int = 10_000,
    across_molecules: bool = True,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Rank (self, foreign) ligand pairs by the overlap of their recognising repertoires.

    Inputs are presented-ligand tables with columns protein, core_start, core,
    allele, tcr_contacts and percentile_rank. Pairs are formed on the same
    molecule and, with ``across_molecules`` (default), between different
    molecules of the genotype as well (a receptor restricted to DRB1*15:01 can
    recognise a peptide on DRB5*01:01; Lang HL et al., Nat Immunol
    2002;3:940). A pair on two molecules has independent germline terms
    (:func:`cross_reactivity` with ``same_molecule=False``), so identical
    contacts overlap less there than on one molecule.

    Output columns (:data:`MIMICRY_COLUMNS`), one row per pair, best first:
    ``self_allele`` / ``foreign_allele`` are the presenting molecules and
    ``same_molecule`` whether they are one; ``cross_reactivity`` is
    P(recognise self | recognise foreign) with its 95% interval
    ``ci_low``/``ci_high`` (``n_receptors`` sampled foreign-recognising
    receptors); ``overlap`` is the Jaccard overlap P(both) / P(either) with
    the same interval carried over; ``self_rank`` and ``foreign_rank`` are
    presentation percentile ranks; ``contact_identity`` counts identical TCR
    contacts; the precursor frequencies are exact; ``energy_gap`` (kT) is the
    screening score.

    Pairs are ranked by ``overlap``, not by ``cross_reactivity``: with
    Miyazawa-Jernigan energies the conditional fraction is 1 whenever the self
    ligand's contacts are uniformly stickier than the foreign ones, which
    happens for more than 10% of random pairs, so it cannot separate mimics
    from chance; the overlap also requires the self ligand's receptors to
    recognise the foreign one. All pairs are screened by
    ``energy_gap``; the ``n_exact`` best-screened pairs on one molecule and the
    ``n_exact`` best across molecules get exact statistics, and the ``top`` best
    of those an interval. A search keeps the best of many pairs:
    judge its top hit against the maximum of as many random pairs
    (:func:`random_pair_null`), not against a single-pair percentile.
    """
    require_generator(rng)
    top = _check_count("top", top, 1)
    n_exact = max(_check_count("n_exact", n_exact, 1), top)
    n_receptors = _check_count("n_receptors", n_receptors, 1)
    own = _check_table(self_ligands, "self_ligands")
    foreign = _check_table(foreign_ligands, "foreign_ligands")
    pairs = _pair_blocks(own, foreign, model, bool(across_molecules))
    if pairs.empty:
        return pd.DataFrame(columns=list(MIMICRY_COLUMNS))
    # the screen ignores germline terms, which make pairs on two molecules overlap far less than
    # pairs with the same contacts on one molecule: each kind gets its own n_exact best-screened pairs
    pairs = pairs.sort_values("energy_gap", kind="stable").groupby("same_molecule", sort=False).head(n_exact)
    pairs["foreign_contacts"] = foreign["tcr_contacts"].to_numpy()[pairs["f"]]
    pairs["self_contacts"] = own["tcr_contacts"].to_numpy()[pairs["s"]]
    pairs = _exact_by_pair(pairs, model)
    pairs["self_rank"] = own["percentile_rank"].to_numpy()[pairs["s"]]
    pairs["foreign_rank"] = foreign["percentile_rank"].to_numpy()[pairs["f"]]
    pairs = pairs.sort_values(
        ["overlap", "cross_reactivity", "foreign_rank", "self_rank"], ascending=[False, False, True, True],
        kind="stable", na_position="last",
    ).head(top).reset_index(drop=True)
    keys = list(zip(pairs["foreign_contacts"], pairs["self_contacts"], pairs["same_molecule"]))
    intervals = {}
    for a, b, same in dict.fromkeys(keys):
        r = cross_reactivity(a, b, same_molecule=bool(same), model=model, n_receptors=n_receptors, rng=rng)
        intervals[(a, b, same)] = (r.ci_low, r.ci_high, r.overlap_ci_low, r.overlap_ci_high)
    for i, name in enumerate(("ci_low", "ci_high", "overlap_ci_low", "overlap_ci_high")):
        pairs[name] = [intervals[k][i] for k in keys]
    pairs["contact_identity"] = [sum(x == y for x, y in zip(a, b)) for a, b, _ in keys]
    for side, table, idx in (("self", own, "s"), ("foreign", foreign, "f")):
        for col in ("protein", "core_start", "core"):
            pairs[f"{side}_{col}"] = table[col].to_numpy()[pairs[idx]]
    return pairs[list(MIMICRY_COLUMNS)]


def mimicry(
    self_protein,
    foreign_protein,
    genotype,
    *,
    top: int = 20,
    rng: np.random.Generator,
    model: TCRModel = MIMICRY_MODEL,
    threshold: float | None = None,
    n_receptors: int = 10_000,
    across_molecules: bool = True,
) -> pd.DataFrame:
    """Rank the mimicry between a self and a foreign protein under an HLA genotype.

    Presents both proteins on every molecule of ``genotype`` (a string such as
    ``"DRB1*15:01"`` or an ``HLAGenotype``) with
    :func:`~autoimmunity.molecular.presented_ligands` (``threshold``: percentile
    rank cutoff; None means :data:`MIMICRY_THRESHOLD`), recomputes the TCR contacts
    from each core and its P-1 residue with :func:`tcr_contacts`, and returns
    :func:`mimicry_search`'s table (``model`` default :data:`MIMICRY_MODEL`).
    """
    from ._presentation import presented_ligands

    tables = []
    for protein in (self_protein, foreign_protein):
        table = presented_ligands(genotype, protein, threshold=MIMICRY_THRESHOLD if threshold is None else threshold)
        table = table.copy()
        table["tcr_contacts"] = [
            tcr_contacts(c, p if isinstance(p, str) else None) for c, p in zip(table["core"], table["p_minus1"])
        ]
        tables.append(table)
    return mimicry_search(
        tables[0], tables[1], model=model, top=top, n_receptors=n_receptors, across_molecules=across_molecules, rng=rng
    )
