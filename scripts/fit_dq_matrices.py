#!/usr/bin/env python
"""Fit the project's open HLA-DQ 9-mer binding-core PSSMs.

Run from the repository root (``make fit-dq`` does this)::

    python scripts/fit_dq_matrices.py                      # rewrites the package data files
    python scripts/fit_dq_matrices.py --out-dir /tmp/dq    # writes the two TSVs elsewhere
    python scripts/fit_dq_matrices.py --nested             # also prints fully nested CV

Inputs (IEDB-derived measurements, CC BY 4.0 IEDB; see ``scripts/data/`` headers):

* ``scripts/data/dq_binding_bd2013_deepseqpanii.tsv`` -- the 'BD2013' class II binding set as
  shipped by pcpLiu/DeepSeqPanII, rows for four DQ molecules; ``measurement`` is
  ``1 - log(IC50 nM) / log(50000)``.
* ``scripts/data/dq_binding_iedb_weekly_deepseqpanii.tsv`` -- 28 IEDB weekly-benchmark rows, used
  only as a small external test set.

No epitope table and no gliadin data are used for fitting or for choosing any setting; the
known cores printed at the end are validation only.

Outputs (in ``--out-dir``, default ``src/autoimmunity/data``):

* ``dq_matrices.tsv`` -- long format ``molecule, position, aa, weight``; position 0 / aa ``-``
  is the intercept. Score of a 9-mer core = intercept + sum of its 9 weights, on the
  ``measurement`` scale (higher = stronger binding).
* ``dq_matrices_provenance.tsv`` -- one row per molecule.

Method (the idea of SMM-align: Nielsen M, Lundegaard C, Lund O. BMC Bioinformatics 2007;8:238;
the code here is our own). A peptide's predicted affinity is the best score over its 9-mer
registers. For each allele:

1. Starts. From a random 9x20 matrix we alternate (a) choosing each peptide's highest-scoring
   register under the current matrix and (b) refitting the matrix by closed-form ridge
   regression of ``measurement`` on the one-hot encoding of the chosen cores (unpenalised
   intercept), until the registers no longer change or the objective has not improved for
   ``PATIENCE`` rounds; then phase-shift moves (``SHIFTS``) are tried.
2. Ensemble (changed in this version). The starts end in many local optima with nearly equal
   training objective but quite different held-out AUC (e.g. 0.50 to 0.68 on one DQ8 fold), so
   instead of keeping the single best start, all ``N_RESTARTS`` starts are phase-aligned to
   the best one (``align_phase``) and averaged, and the average is polished by one ridge refit
   on the registers it chooses (``POLISH_ROUNDS``). The result is still one 9x20 matrix plus
   an intercept.
3. Anchor prior (new). For DQ2.5 the ridge penalty is centred not on 0 but on a weak prior
   (``anchor_prior``): +``ANCHOR_PRIOR_WEIGHT`` for the acidic anchors stated in primary
   sources (``ANCHOR_PRIOR_RESIDUES``: P4 E, Tollefsen S et al. JCI 2006; P6 E, Kim CY et al.
   PNAS 2004;101:4175). ``--anchor-prior 0`` turns it off.
4. Ridge penalty. Chosen per allele from ``RIDGE_LAMBDAS`` (a factor-2 grid, finer than the
   earlier 1, 3, 10, 30) by 3-fold inner cross-validation (mean squared error) on that
   allele's full data, with ``LAMBDA_RESTARTS`` starts per fit. The outer CV reuses it (a
   one-of-five choice made with the test rows in view: slight optimism); ``--nested`` reports
   the fully nested alternative.

Because the penalty is minimal when each position's 20 weights sum to the prior's (zero)
position mean, every fitted position has mean weight 0.

Evaluation: 5-fold cross-validation per allele, reporting AUC for binders at IC50 < 500 nM.
Folds are built from clusters of peptides that share any 9-mer (overlapping peptides from the
same protein scan stay in one fold, as in the common-motif partitions of Nielsen et al. 2007),
which is stricter than random folds; random-fold AUCs are reported as well.

Molecules without data: DQ7.5 (DQA1*05:05-DQB1*03:01) ships the matrix fitted on
DQA1*05:01-DQB1*03:01 (same beta chain; the alpha chains differ little), labelled as a proxy.
DQ2.2 is derived from DQ2.5 plus the published P3 threonine/serine anchor (Bergseng E et al.
Immunogenetics 2015;67:73), labelled 'derived from anchor preferences, not fitted'.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    # One BLAS thread (only effective before numpy is imported): on a busy machine a threaded
    # 180x180 solve was ~40x slower, and a fixed thread count keeps results bit-reproducible.
    os.environ.setdefault(_var, "1")

import datetime  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

AA = "ACDEFGHIKLMNPQRSTVWY"
"""Amino-acid alphabet, alphabetical one-letter order (project convention)."""
CORE = 9
"""Length of the class II binding core, P1..P9 (Stern LJ et al. Nature 1994;368:215)."""
MAX_IC50_NM = 50000.0
"""IC50 ceiling of the data's transform ``1 - log(IC50)/log(50000)``."""
BINDER_IC50_NM = 500.0
"""Conventional binder threshold for class II (e.g. Nielsen et al. 2007; IEDB benchmarks)."""
BINDER_MEASUREMENT = 1.0 - np.log(BINDER_IC50_NM) / np.log(MAX_IC50_NM)
"""The 500 nM threshold on the measurement scale (0.4256)."""
SEED = 2007
"""Fixed seed of the single ``numpy.random.Generator`` (arbitrary; the year of SMM-align)."""
N_RESTARTS = 20
"""Random starts per fit, all averaged into the ensemble (shipped fits and outer-CV fits alike, so
the CV measures the shipped procedure). The alternating fit has many near-equal local optima."""
LAMBDA_RESTARTS = 10
"""Random starts per fit while choosing the ridge penalty (inner CV; halved for run time)."""
POLISH_ROUNDS = 1
"""Ridge refits on the registers chosen by the averaged matrix (see ``fit_pssm``)."""
MAX_ITER = 60
"""Upper bound on register/ridge alternations per start."""
PATIENCE = 5
"""Stop a start after this many rounds without improving the objective (registers can cycle)."""
SHIFTS = (-2, -1, 1, 2)
"""Motif shifts tried after each start converges (see ``fit_pssm``)."""
RIDGE_LAMBDAS = (2.5, 5.0, 10.0, 20.0, 40.0)
"""Ridge penalties searched by inner CV (units: squared measurement per squared weight); a
factor-2 grid (the earlier grid was 1, 3, 10, 30)."""
ALIGN_SHIFTS = (0, -1, 1, -2, 2)
"""Phase shifts tried when aligning an ensemble member to the reference (ties keep the first)."""
N_FOLDS = 5
"""Outer cross-validation folds (brief: 5-fold per allele)."""
N_INNER_FOLDS = 3
"""Inner folds used to choose the ridge penalty."""

ROOT = Path(__file__).resolve().parents[1]
TRAIN_TSV = ROOT / "scripts" / "data" / "dq_binding_bd2013_deepseqpanii.tsv"
WEEKLY_TSV = ROOT / "scripts" / "data" / "dq_binding_iedb_weekly_deepseqpanii.tsv"
OUT_MATRICES = ROOT / "src" / "autoimmunity" / "data" / "dq_matrices.tsv"
OUT_PROVENANCE = ROOT / "src" / "autoimmunity" / "data" / "dq_matrices_provenance.tsv"

DQ25 = "HLA-DQA1*05:01-DQB1*02:01"
DQ8 = "HLA-DQA1*03:01-DQB1*03:02"
DQ62 = "HLA-DQA1*01:02-DQB1*06:02"
DQ75_PROXY = "HLA-DQA1*05:01-DQB1*03:01"
DQ75 = "HLA-DQA1*05:05-DQB1*03:01"
DQ22 = "HLA-DQA1*02:01-DQB1*02:02"
COMMON_NAMES = {DQ25: "DQ2.5", DQ8: "DQ8", DQ62: "DQ6.2", DQ75: "DQ7.5", DQ22: "DQ2.2",
                DQ75_PROXY: "DQ7.5-proxy"}
FITTED = (DQ25, DQ8, DQ62, DQ75_PROXY)

ANCHOR_CHECKS = (
    # (molecule, position, residue, compared with, citation)
    (DQ8, 9, "E", "mean", "Lee KH et al. Nat Immunol 2001;2:501 (P9 Glu in deep pocket)"),
    (DQ8, 9, "D", "mean", "Tollefsen S et al. JCI 2006 (deamidation at P1/P9 for DQ8)"),
    (DQ8, 1, "E", "mean", "Lee KH et al. Nat Immunol 2001;2:501 (P1 Glu in deep pocket)"),
    (DQ8, 1, "D", "mean", "Tollefsen S et al. JCI 2006 (deamidation at P1/P9 for DQ8)"),
    (DQ25, 6, "E", "Q", "Kim CY et al. PNAS 2004;101:4175 (deamidated P6 Glu is a key anchor)"),
    (DQ25, 6, "E", "mean", "Kim CY et al. PNAS 2004;101:4175"),
    (DQ25, 4, "E", "mean", "Tollefsen S et al. JCI 2006 (deamidation at P4 for DQ2)"),
    (DQ25, 4, "D", "mean", "secondary review paraphrase: negative charge at P1, P4, P6"),
    (DQ25, 7, "E", "mean", "Arthritis Res Ther 2016 s13075-016-1153-4 (pocket 7; secondary)"),
    (DQ25, 1, "E", "mean", "secondary review paraphrase (low quality): negative charge at P1, P4, P6"),
)
"""Qualitative anchor preferences read in /work/shared/reference/hla/README.md."""

ANCHOR_PRIOR_RESIDUES = {
    DQ25: ((4, "E"), (6, "E")),  # Tollefsen S et al. JCI 2006 (P4); Kim CY et al. PNAS 2004 (P6)
}
"""Acidic anchors stated in primary sources (hla/README.md) that get a ridge prior.

Only DQ2.5: without a prior its fitted P4 Glu weight is about 0 (-0.004 with seed 2007), against
the published P4 preference. DQ8's stated anchors (P1 and P9 Glu, Lee KH et al. Nat Immunol
2001;2:501) are among its largest fitted weights without any prior; a DQ8 prior
(+0.1 at P1 E and P9 E) was tried and changed the shared-9-mer CV AUC by +0.012, -0.018 and
-0.006 in three paired comparisons, so it is not used (the brief accepts a prior only if
held-out AUC does not fall)."""
ANCHOR_PRIOR_WEIGHT = 0.1
"""Prior mean weight of an ``ANCHOR_PRIOR_RESIDUES`` residue (0 = no prior; see ``anchor_prior``).

A modelling choice: about the size of the strong fitted DQ2.5 anchor weights (0.10 to 0.14).
Ridge ``lam |w - w0|^2`` is the posterior mode under a Gaussian prior of SD ``sigma / sqrt(lam)``,
about 0.13 / sqrt(10) = 0.04 for DQ2.5, so the prior matters only for weights the data barely
determine. Only 0.05 and 0.1 were tried: equal CV AUC within noise, but 0.05 left P4 E at about
+0.005, i.e. still undetermined."""


def anchor_prior(molecule: str, weight: float) -> np.ndarray | None:
    """Centre of the ridge penalty for ``molecule``: +``weight`` at its stated anchor residues.

    Ridge toward a non-zero centre is the posterior mode under a Gaussian prior with that mean,
    so this is a weak Bayesian prior: where the data are informative they dominate. Each
    position is re-centred to mean 0 so that fitted positions stay zero-mean. ``None`` (plain
    ridge toward 0) when ``weight`` is 0 or the molecule has no stated anchors.
    """
    if not weight or molecule not in ANCHOR_PRIOR_RESIDUES:
        return None
    w0 = np.zeros((CORE, 20))
    for pos, res in ANCHOR_PRIOR_RESIDUES[molecule]:
        w0[pos - 1, AA.index(res)] += weight
    return (w0 - w0.mean(axis=1, keepdims=True)).ravel()


KNOWN_CORES = (
    (DQ8, "SHLVEALYLVCGERG", "EALYLVCGE", "insulin B:9-23, Lee et al. 2001 (PDB 1JK8)"),
    (DQ25, "QLQPFPQPELPY", "PFPQPELPY", "DQ2.5-glia-alpha1a, Kim et al. 2004 (PDB 1S9V)"),
    (DQ25, "PQPELPYPQPQLPY", "PQPELPYPQ", "DQ2.5-glia-alpha2, register inferred"),
)
"""Known epitopes with published cores (src/autoimmunity/data/known_class2_epitopes.tsv)."""


@dataclass
class Pssm:
    """A 9x20 matrix (rows P1..P9, columns ``AA``) plus intercept; higher = stronger binding."""

    weights: np.ndarray
    intercept: float


def encode(peptides: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Encode every 9-mer register of every peptide.

    Returns ``cols`` of shape (n_peptides, max_registers, 9), the one-hot column index
    ``9*20`` layout (``position * 20 + aa``) of each core residue, and a boolean ``valid`` mask
    for registers that exist (peptides are 9 to 37 residues long).
    """
    lookup = {a: i for i, a in enumerate(AA)}
    n_reg = np.array([len(p) - CORE + 1 for p in peptides])
    if (n_reg < 1).any():
        raise ValueError("every peptide needs at least 9 residues")
    cols = np.zeros((len(peptides), n_reg.max(), CORE), dtype=np.int64)
    for n, pep in enumerate(peptides):
        seq = np.array([lookup[a] for a in pep])
        windows = np.lib.stride_tricks.sliding_window_view(seq, CORE)
        cols[n, : len(windows)] = windows + 20 * np.arange(CORE)
    valid = np.arange(cols.shape[1])[None, :] < n_reg[:, None]
    return cols, valid


def register_scores(w: np.ndarray, cols: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Score (without intercept) of every register; -inf where the register does not exist."""
    return np.where(valid, w[cols].sum(axis=-1), -np.inf)


def ridge_on_cores(
    cores: np.ndarray, y: np.ndarray, lam: float, prior: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """Closed-form ridge of ``y`` on one-hot cores (``cores``: n x 9 column indices).

    Minimises ``|y - b - X w|^2 + lam |w - prior|^2`` (``prior`` defaults to 0, plain ridge).
    The intercept is not penalised (solved on centred data). X'X is assembled from co-occurrence
    counts instead of a dense one-hot matrix, which is exact and much faster.
    """
    n, p = len(y), CORE * 20
    pairs = (cores[:, :, None] * p + cores[:, None, :]).ravel()
    xtx = np.bincount(pairs, minlength=p * p).reshape(p, p).astype(float)
    mean_x = np.bincount(cores.ravel(), minlength=p) / n
    xty = np.bincount(cores.ravel(), weights=np.repeat(y, CORE), minlength=p)
    mean_y = float(y.mean())
    gram = xtx - n * np.outer(mean_x, mean_x) + lam * np.eye(p)
    rhs = xty - n * mean_x * mean_y
    w = np.linalg.solve(gram, rhs if prior is None else rhs + lam * prior)
    return w, mean_y - float(mean_x @ w)


def _alternate(
    w: np.ndarray, cols: np.ndarray, valid: np.ndarray, y: np.ndarray, lam: float,
    prior: np.ndarray | None = None,
) -> tuple[float, np.ndarray, float]:
    """Alternate register choice and ridge refit from weights ``w``; return the best iterate.

    Objective (lower is better): ``sum_i (y_i - b - max_r s_ir(w))^2 + lam * |w - prior|^2``, the
    squared error of the max-register prediction used downstream plus the ridge penalty. Stops
    when the registers no longer change or after ``PATIENCE`` rounds without improvement.
    """
    rows = np.arange(len(y))
    centre = np.zeros(CORE * 20) if prior is None else prior
    scores = register_scores(w, cols, valid)
    registers = None
    best, stale = (np.inf, w, 0.0), 0
    for _ in range(MAX_ITER):
        new = scores.argmax(axis=1)
        if registers is not None and np.array_equal(new, registers):
            break
        registers = new
        w, b = ridge_on_cores(cols[rows, registers], y, lam, prior)
        scores = register_scores(w, cols, valid)
        obj = float(((y - b - scores.max(axis=1)) ** 2).sum() + lam * ((w - centre) ** 2).sum())
        if obj < best[0] - 1e-12:
            best, stale = (obj, w, b), 0
        else:
            stale += 1
            if stale >= PATIENCE:
                break
    return best


def shift_matrix(w: np.ndarray, shift: int) -> np.ndarray:
    """Move the 9x20 motif ``shift`` positions to the right (left if negative), zero-filling."""
    m, out = w.reshape(CORE, 20), np.zeros((CORE, 20))
    if shift >= 0:
        out[shift:] = m[: CORE - shift]
    else:
        out[:shift] = m[-shift:]
    return out.ravel()


def _converge_start(
    w0: np.ndarray, cols: np.ndarray, valid: np.ndarray, y: np.ndarray, lam: float,
    prior: np.ndarray | None = None,
) -> tuple[float, np.ndarray, float]:
    """One start: ``_alternate`` from ``w0``, then phase-shift moves until none helps.

    The commonest local optimum is the motif shifted by one or two positions, so a converged start
    is offered shifted copies of itself (``SHIFTS``; the phase-shift move of motif samplers,
    Lawrence CE et al. Science 1993;262:208), keeping any that lowers the objective.
    """
    current = _alternate(w0, cols, valid, y, lam, prior)
    improved = True
    while improved:
        improved = False
        for shift in SHIFTS:
            trial = _alternate(shift_matrix(current[1], shift), cols, valid, y, lam, prior)
            if trial[0] < current[0] - 1e-9:
                current, improved = trial, True
                break
    return current


def align_phase(w: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``w`` shifted by the ``ALIGN_SHIFTS`` offset whose matrix best matches ``reference``.

    Match = inner product of the flattened 9x20 matrices (positions are zero-mean, so this is
    a covariance); shifting zero-fills the vacated positions, as in ``shift_matrix``.
    """
    shifted = [shift_matrix(w, s) if s else w for s in ALIGN_SHIFTS]
    return shifted[int(np.argmax([float(m @ reference) for m in shifted]))]


def fit_pssm(
    peptides: list[str],
    y: np.ndarray,
    *,
    ridge_lambda: float,
    rng: np.random.Generator,
    n_restarts: int = N_RESTARTS,
    polish_rounds: int = POLISH_ROUNDS,
    prior: np.ndarray | None = None,
) -> Pssm:
    """Fit one PSSM: an aligned average of ``n_restarts`` SMM-align-style starts, then a polish.

    1. Each start draws a random N(0, 1) matrix (only the ranking of registers matters at the
       start, so the scale is immaterial) and runs ``_converge_start`` (alternation of register
       choice and ridge refit, then phase-shift moves).
    2. The objective surface has many local optima of almost equal training objective but quite
       different held-out accuracy, so instead of keeping the single best start (the earlier
       method) the starts are averaged (bagging-style model averaging; here over restarts of the
       full training set rather than bootstrap samples, which did worse in trials). Before
       averaging, each start is phase-aligned (``align_phase``) to the start with the lowest
       objective, then once more to the mean of the aligned starts.
    3. Polish: ``polish_rounds`` times, each peptide's register is chosen under the averaged
       matrix and ``W``, ``b`` are refitted by the same ridge regression (toward ``prior``, the
       flattened 9x20 centre of the penalty, if given). The result is thus a ridge solution on
       registers that the whole ensemble agrees on. With ``polish_rounds=0`` the intercept is
       the least-squares intercept of the averaged matrix.

    Every start, the average and the polished fit have zero-mean positions, so the result does
    too. Deterministic for a given ``rng`` state.
    """
    y = np.asarray(y, dtype=float)
    cols, valid = encode(list(peptides))
    rows = np.arange(len(y))
    prior = None if prior is None else np.asarray(prior, dtype=float).ravel()
    starts = sorted((_converge_start(rng.normal(size=CORE * 20), cols, valid, y, ridge_lambda, prior)
                     for _ in range(n_restarts)), key=lambda start: start[0])
    aligned = [align_phase(w, starts[0][1]) for _, w, _ in starts]
    mean = np.mean(aligned, axis=0)
    w = np.mean([align_phase(m, mean) for m in aligned], axis=0)
    b = float((y - register_scores(w, cols, valid).max(axis=1)).mean())
    for _ in range(polish_rounds):
        registers = register_scores(w, cols, valid).argmax(axis=1)
        w, b = ridge_on_cores(cols[rows, registers], y, ridge_lambda, prior)
    return Pssm(weights=w.reshape(CORE, 20), intercept=b)


def predict(pssm: Pssm, peptides: list[str]) -> np.ndarray:
    """Best-register score of each peptide (measurement scale)."""
    cols, valid = encode(list(peptides))
    return register_scores(pssm.weights.ravel(), cols, valid).max(axis=1) + pssm.intercept


def best_core(pssm: Pssm, peptide: str) -> str:
    """The highest-scoring 9-mer core of ``peptide``."""
    cols, valid = encode([peptide])
    start = int(register_scores(pssm.weights.ravel(), cols, valid)[0].argmax())
    return peptide[start : start + CORE]


def auc(is_binder: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC via the Mann-Whitney statistic (ties count one half); NaN if one class is absent."""
    from scipy.stats import rankdata

    is_binder = np.asarray(is_binder, dtype=bool)
    n_pos, n_neg = int(is_binder.sum()), int((~is_binder).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[is_binder].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def shared_kmer_folds(peptides: list[str], n_folds: int) -> np.ndarray:
    """Fold index per peptide; peptides sharing any 9-mer (transitively) share a fold.

    Clusters are assigned largest first to the currently smallest fold (deterministic).
    """
    parent = list(range(len(peptides)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_seen: dict[str, int] = {}
    for n, pep in enumerate(peptides):
        for s in range(len(pep) - CORE + 1):
            other = first_seen.setdefault(pep[s : s + CORE], n)
            parent[root(n)] = root(other)
    cluster = np.array([root(i) for i in range(len(peptides))])
    ids, sizes = np.unique(cluster, return_counts=True)
    load, fold_of = np.zeros(n_folds), {}
    for k in np.lexsort((ids, -sizes)):
        f = int(load.argmin())
        fold_of[ids[k]] = f
        load[f] += sizes[k]
    return np.array([fold_of[c] for c in cluster])


def choose_lambda(peptides: list[str], y: np.ndarray, rng: np.random.Generator, prior=None) -> float:
    """Ridge penalty with the lowest inner-CV mean squared error (shared-9-mer folds)."""
    folds = shared_kmer_folds(peptides, N_INNER_FOLDS)
    pep = np.array(peptides, dtype=object)
    mse = []
    for lam in RIDGE_LAMBDAS:
        err = 0.0
        for k in range(N_INNER_FOLDS):
            tr, te = folds != k, folds == k
            model = fit_pssm(list(pep[tr]), y[tr], ridge_lambda=lam, rng=rng, n_restarts=LAMBDA_RESTARTS,
                             prior=prior)
            err += float(((predict(model, list(pep[te])) - y[te]) ** 2).sum())
        mse.append(err / len(y))
    return RIDGE_LAMBDAS[int(np.argmin(mse))]


def cross_validate(
    peptides: list[str], y: np.ndarray, folds: np.ndarray, lam: float | None, rng: np.random.Generator,
    prior: np.ndarray | None = None,
) -> tuple[list[float], list[float]]:
    """Per-fold AUC for binders (IC50 < 500 nM) of models fitted on the other folds.

    With ``lam=None`` the penalty is chosen inside each outer training set by ``choose_lambda``
    (fully nested CV). Returns the per-fold AUCs and the penalty used in each fold.
    """
    pep = np.array(peptides, dtype=object)
    out, lams = [], []
    for k in range(int(folds.max()) + 1):
        tr, te = folds != k, folds == k
        fold_lam = choose_lambda(list(pep[tr]), y[tr], rng, prior) if lam is None else lam
        model = fit_pssm(list(pep[tr]), y[tr], ridge_lambda=fold_lam, rng=rng, prior=prior)
        out.append(auc(y[te] > BINDER_MEASUREMENT, predict(model, list(pep[te]))))
        lams.append(fold_lam)
    return out, lams


def anchor_results(models: dict[str, Pssm], prior_weight: float = 0.0) -> list[dict]:
    """Evaluate ``ANCHOR_CHECKS``: weight of the residue vs the position mean or another residue.

    ``prior`` marks checks on a residue that carried the anchor prior (not an independent test).
    """
    rows = []
    for mol, pos, res, ref, cite in ANCHOR_CHECKS:
        wpos = models[mol].weights[pos - 1]
        ref_w = float(wpos.mean()) if ref == "mean" else float(wpos[AA.index(ref)])
        w = float(wpos[AA.index(res)])
        rows.append(dict(molecule=mol, position=pos, residue=res, reference=ref, weight=w,
                         reference_weight=ref_w, holds=w > ref_w, citation=cite,
                         prior=bool(prior_weight) and (pos, res) in ANCHOR_PRIOR_RESIDUES.get(mol, ())))
    return rows


def derive_dq22(dq25: Pssm) -> tuple[Pssm, float]:
    """DQ2.2 = DQ2.5 with a P3 bonus for T and S (Bergseng E et al. Immunogenetics 2015;67:73).

    Bergseng et al. call P3 "a major anchor having a preference for threonine and serine" in
    DQ2.2. The bonus equals the largest single anchor effect in the DQ2.5 matrix (max over
    positions of max weight minus the position's mean weight), so T/S at P3 become roughly as
    strong as DQ2.5's strongest anchor residue. P3 is then re-centred to mean 0 with the
    intercept compensating (scores unchanged by the re-centring). Not fitted to any DQ2.2 data.
    """
    w = dq25.weights.copy()
    bonus = float((w - w.mean(axis=1, keepdims=True)).max())
    for res in "TS":
        w[2, AA.index(res)] += bonus
    centre = float(w[2].mean())
    w[2] -= centre
    return Pssm(weights=w, intercept=dq25.intercept + centre), bonus


def write_outputs(models, provenance, lambdas, bonus, cv_desc, out_dir: Path, seed: int,
                  prior_weight: float = 0.0) -> tuple[Path, Path]:
    """Write the long-format matrix TSV and the provenance TSV (with ``#`` header lines)."""
    today = datetime.date.today().isoformat()
    header = [
        "HLA-DQ 9-mer binding-core position-specific scoring matrices (open; fitted by this project).",
        "score(core) = weight(position 0, '-') [intercept] + sum over P1..P9 of weight(position, aa);"
        " measurement scale 1 - log(IC50 nM)/log(50000); HIGHER = STRONGER binding.",
        "Data: IEDB (www.iedb.org; Vita R et al. Nucleic Acids Res 2019), CC BY 4.0; BD2013 set as"
        " shipped by pcpLiu/DeepSeqPanII@2161f5b8c873 (repo README: MIT); see scripts/data/.",
        f"Script: scripts/fit_dq_matrices.py (make fit-dq); run date {today}; seed {seed}.",
        "Method: SMM-align-style alternation (Nielsen M et al. BMC Bioinformatics 2007;8:238, idea"
        " only; own code): best-scoring 9-mer register per peptide <-> closed-form ridge on one-hot"
        f" cores; average of {N_RESTARTS} phase-aligned random restarts, then {POLISH_ROUNDS} ridge"
        " refit on the registers chosen by the average; ridge lambda by inner CV: "
        + ", ".join(f"{COMMON_NAMES[m]}={v:g}" for m, v in lambdas.items()) + "; "
        + (f"ridge centred on an anchor prior of +{prior_weight:g} at "
           + ", ".join(f"{COMMON_NAMES[m]} " + "/".join(f"P{p}{r}" for p, r in v)
                       for m, v in ANCHOR_PRIOR_RESIDUES.items()) + "."
           if prior_weight else "no anchor prior (plain ridge toward 0)."),
        f"Evaluation: {cv_desc}; see dq_matrices_provenance.tsv and docs/dq_models.md.",
        f"{DQ75}: PROXY, fitted on {DQ75_PROXY} (no DQ7.5 data).",
        f"{DQ22}: DERIVED from anchor preferences, NOT fitted: DQ2.5 + P3 T/S bonus {bonus:.4f}"
        " (Bergseng E et al. Immunogenetics 2015;67:73).",
    ]
    recs = []
    for mol, m in models.items():
        recs.append((mol, 0, "-", m.intercept))
        recs += [(mol, p + 1, a, m.weights[p, i]) for p in range(CORE) for i, a in enumerate(AA)]
    table = pd.DataFrame(recs, columns=["molecule", "position", "aa", "weight"])
    out_matrices, out_provenance = out_dir / OUT_MATRICES.name, out_dir / OUT_PROVENANCE.name
    with out_matrices.open("w") as fh:
        fh.writelines(f"# {line}\n" for line in header)
        table.to_csv(fh, sep="\t", index=False, float_format="%.6f", lineterminator="\n")
    with out_provenance.open("w") as fh:
        fh.write("# Provenance of src/autoimmunity/data/dq_matrices.tsv; written by"
                 f" scripts/fit_dq_matrices.py on {today}.\n")
        fh.write(f"# cv_auc_500nM: mean over {cv_desc}; cv_auc_random_folds: same with random"
                 " folds (optimistic, overlapping peptides leak); external_auc: IEDB weekly rows.\n")
        pd.DataFrame(provenance).to_csv(fh, sep="\t", index=False, float_format="%.4f",
                                        lineterminator="\n")
    return out_matrices, out_provenance


def fit_allele(peps: list[str], y: np.ndarray, weekly: pd.DataFrame, rng: np.random.Generator,
               nested_rng: np.random.Generator | None = None, prior: np.ndarray | None = None):
    """Choose lambda, cross-validate (shared-9-mer and random folds), fit on all rows, test.

    With ``nested_rng``, the shared-9-mer CV is also repeated with lambda chosen inside each outer
    training set (slow; printed only, not written to the provenance file). It draws from its own
    generator so that it does not change the shipped fits.
    """
    lam = choose_lambda(peps, y, rng, prior)
    grouped, _ = cross_validate(peps, y, shared_kmer_folds(peps, N_FOLDS), lam, rng, prior)
    randomised, _ = cross_validate(peps, y, rng.permutation(len(y)) % N_FOLDS, lam, rng, prior)
    model = fit_pssm(peps, y, ridge_lambda=lam, rng=rng, prior=prior)
    nested_folds, nested_lams = (
        cross_validate(peps, y, shared_kmer_folds(peps, N_FOLDS), None, nested_rng, prior)
        if nested_rng is not None else (None, None))
    ext_binder = weekly["ic50_nM"].to_numpy() < BINDER_IC50_NM
    ext_auc = auc(ext_binder, predict(model, list(weekly["peptide"]))) if len(weekly) else float("nan")
    stats = dict(n=len(y), lam=lam, folds=grouped, cv=float(np.mean(grouped)), sd=float(np.std(grouped)),
                 cv_random=float(np.mean(randomised)), ext=ext_auc, n_ext=len(weekly),
                 n_ext_binders=int(ext_binder.sum()), ext_overlap=int(weekly["peptide"].isin(set(peps)).sum()),
                 nested_folds=nested_folds, nested_lams=nested_lams)
    return model, stats


def parse_args(argv=None):
    """Command-line options (all optional; the defaults reproduce the shipped tables)."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", type=Path, default=OUT_MATRICES.parent,
                        help="folder for dq_matrices.tsv and dq_matrices_provenance.tsv"
                             " (default: the package data folder, src/autoimmunity/data)")
    parser.add_argument("--seed", type=int, default=SEED,
                        help=f"seed of the random generator (default {SEED}; other values only for"
                             " checking sensitivity to the random starts)")
    parser.add_argument("--anchor-prior", type=float, default=ANCHOR_PRIOR_WEIGHT,
                        help="prior mean weight of the stated acidic anchors (ANCHOR_PRIOR_RESIDUES);"
                             f" default {ANCHOR_PRIOR_WEIGHT:g}; 0 = no prior (plain ridge toward 0)")
    parser.add_argument("--nested", action="store_true",
                        help="also run fully nested shared-9-mer CV (lambda chosen inside each outer"
                             " training set); printed only; about doubles the run time")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    """Cross-validate, fit on all data, check anchors and known cores, write outputs."""
    args = parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    nested_rng = np.random.default_rng(args.seed + 1) if args.nested else None
    data = pd.read_csv(TRAIN_TSV, sep="\t", comment="#")
    weekly = pd.read_csv(WEEKLY_TSV, sep="\t", comment="#")
    cv_desc = f"{N_FOLDS}-fold CV, folds = clusters of peptides sharing a 9-mer"
    fitted, stats = {}, {}
    for mol in FITTED:
        sub = data[data["allele"] == mol]
        fitted[mol], st = fit_allele(list(sub["peptide"]), sub["measurement"].to_numpy(float),
                                     weekly[weekly["allele"] == mol], rng, nested_rng,
                                     prior=anchor_prior(mol, args.anchor_prior))
        stats[mol] = st
        print(f"{COMMON_NAMES[mol]} {mol}: n={st['n']}, lambda={st['lam']:g}, CV AUC (shared-9-mer folds) "
              f"{st['cv']:.3f} +/- {st['sd']:.3f} [{', '.join(f'{a:.3f}' for a in st['folds'])}]; "
              f"random folds {st['cv_random']:.3f}; external AUC {st['ext']:.3f} on {st['n_ext']} rows "
              f"({st['n_ext_binders']} binders, {st['ext_overlap']} also in training) "
              f"[{time.perf_counter() - t0:.0f} s]")
        if st["nested_folds"] is not None:
            print(f"    nested CV (lambda chosen per outer fold: {', '.join(f'{v:g}' for v in st['nested_lams'])}):"
                  f" {np.mean(st['nested_folds']):.3f} +/- {np.std(st['nested_folds']):.3f}"
                  f" [{', '.join(f'{a:.3f}' for a in st['nested_folds'])}]")

    checks = anchor_results(fitted, args.anchor_prior)
    print("\nAnchor checks (weight of residue vs reference at that core position):")
    for c in checks:
        print(f"  {COMMON_NAMES[c['molecule']]} P{c['position']} {c['residue']} {c['weight']:+.4f} > "
              f"{c['reference']} {c['reference_weight']:+.4f}: {'HOLDS' if c['holds'] else 'FAILS'}"
              f"{' [residue has the anchor prior]' if c['prior'] else ''}  ({c['citation']})")
    print("\nKnown epitope cores (best register under the fitted matrix):")
    for mol, pep, core, what in KNOWN_CORES:
        got = best_core(fitted[mol], pep)
        print(f"  {COMMON_NAMES[mol]} {pep}: predicted {got}, published {core} "
              f"-> {'MATCH' if got == core else 'differs'}  ({what})")

    dq22, bonus = derive_dq22(fitted[DQ25])
    print(f"\nDQ2.2 derived: P3 T/S bonus = {bonus:.4f} (largest DQ2.5 anchor effect)")
    models = {DQ25: fitted[DQ25], DQ8: fitted[DQ8], DQ62: fitted[DQ62], DQ75: fitted[DQ75_PROXY], DQ22: dq22}
    source = "IEDB via pcpLiu/DeepSeqPanII BD2013 (CC BY 4.0 IEDB)"
    prov = []
    for mol in models:
        st = stats.get(DQ75_PROXY if mol == DQ75 else mol)
        texts = [f"P{c['position']} {c['residue']}>{c['reference']}: {'pass' if c['holds'] else 'FAIL'}"
                 + (" (prior)" if c["prior"] else "") for c in checks if c["molecule"] == mol]
        row = dict(molecule=mol, common_name=COMMON_NAMES[mol], basis="fitted", n_measurements=0,
                   cv_auc_500nM=None, cv_auc_sd=None, external_auc=None,
                   anchor_checks="; ".join(texts) or "none stated in hla/README.md", source=source,
                   cv_auc_random_folds=None)
        if st:
            row.update(n_measurements=st["n"], cv_auc_500nM=st["cv"], cv_auc_sd=st["sd"],
                       external_auc=st["ext"] if np.isfinite(st["ext"]) else None,
                       cv_auc_random_folds=st["cv_random"])
        if mol == DQ75:
            row["basis"] = f"proxy-fitted-on-{DQ75_PROXY[4:]}"
        if mol == DQ22:
            row.update(basis="derived-from-anchors",
                       anchor_checks=f"derived from anchor preferences, not fitted: DQ2.5 + P3 T/S bonus"
                                     f" {bonus:.4f} (Bergseng 2015)",
                       source=f"DQ2.5 matrix ({source}) + Bergseng E et al. Immunogenetics 2015;67:73")
        prov.append(row)
    written = write_outputs(models, prov, {m: st["lam"] for m, st in stats.items()}, bonus, cv_desc,
                            args.out_dir, args.seed, args.anchor_prior)
    print(f"\nWrote {written[0]} and {written[1]} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
