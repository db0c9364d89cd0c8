"""Peptide binding to HLA class II molecules: one predictor interface, two matrix sources,
and percentile ranks that make scores comparable across molecules.

A class II molecule binds a 9-residue core (positions P1..P9) inside a longer
peptide; the flanks hang out of the open groove. Both predictors here score a
core as the sum of position-specific weights (higher = stronger binding) and a
peptide by its best core:

- **TEPITOPEpan** matrices for HLA-DR (Zhang L et al., PLoS One 2012;7:e30483),
  read from the installed ``epytope`` package (imported lazily). Weights of
  -999 at P1 exclude residues that do not fit the P1 pocket. TEPITOPE's
  peptide libraries did not profile cysteine, so its matrices have no Cys
  entry; epytope scores a missing residue 0, which at P1 would make Cys a top
  anchor. Here a missing residue takes the mean of the position's allowed
  weights instead (a neutral choice, documented in ``docs/molecular.md``).
- **Project DQ matrices** (``data/dq_matrices.tsv``) fitted by
  ``scripts/fit_dq_matrices.py`` to IEDB binding measurements (see
  ``docs/dq_models.md``). A DQ molecule without its own matrix borrows the
  matrix of a modelled molecule with the same beta chain (the beta chain lines
  most pockets); the ``model`` column of every output says which matrix scored it.

Citrulline (``X``) is scored with glutamine's weights by both predictors
(:data:`~autoimmunity.molecular._aminoacids.CITRULLINE_SCORED_AS`).

**Percentile rank** (the field's ``%Rank``, lower = stronger): a score's rank
among a fixed background of random peptides of the same length drawn from the
human proteome composition (:data:`BACKGROUND_SIZE` peptides, fixed seed
:data:`BACKGROUND_SEED`), cached per (matrix, length).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np
import pandas as pd

from .._errors import InputError
from ._aminoacids import ALPHABET, CITRULLINE_SCORED_AS, STANDARD_AMINO_ACIDS, encode, kmer_codes, validate_peptide
from ._antigens import human_aa_composition
from ._hla import HLAMolecule, normalize_molecule
from .._data import data_path as _data_path

__all__ = [
    "CORE_LENGTH",
    "BACKGROUND_SIZE",
    "BACKGROUND_SEED",
    "CoreMatrix",
    "BindingPrediction",
    "MatrixPredictor",
    "TepitopePan",
    "ProjectDQ",
    "PREDICTORS",
    "register_predictor",
    "core_matrix",
    "core_scores",
    "best_cores",
    "percentile_rank",
    "bind",
    "modelled_molecules",
]

CORE_LENGTH = 9
_EXCLUDED = -900.0
#: Number of random peptides in the %rank background (per molecule and length).
BACKGROUND_SIZE = 100_000
#: Seed of the %rank background; fixed so ranks are identical everywhere.
BACKGROUND_SEED = 20_261_129


@dataclass(frozen=True, eq=False)
class CoreMatrix:
    """A position-specific scoring matrix for 9-mer cores.

    ``weights`` has shape (9, 21): rows P1..P9, columns the alphabet (20 amino
    acids and citrulline). ``score(core) = intercept + sum_i weights[i, core_i]``.
    ``source`` names the matrix (``TEPITOPEpan:DRB1_0401`` or ``project-DQ:<molecule>``).
    """

    molecule: str
    source: str
    weights: np.ndarray
    intercept: float = 0.0

    def __post_init__(self):
        if self.weights.shape != (CORE_LENGTH, len(ALPHABET)):
            raise ValueError(f"weights must have shape (9, {len(ALPHABET)}), got {self.weights.shape}")


@dataclass(frozen=True)
class BindingPrediction:
    """The best core of one peptide on one molecule."""

    allele: str
    peptide: str
    core: str
    register: int
    score: float
    percentile_rank: float
    model: str

    def to_dict(self) -> dict:
        return {
            "allele": self.allele,
            "peptide": self.peptide,
            "core": self.core,
            "register": self.register,
            "score": round(self.score, 6),
            "percentile_rank": round(self.percentile_rank, 4),
            "model": self.model,
        }


def _with_citrulline(weights_20: np.ndarray) -> np.ndarray:
    """Append the citrulline column (a copy of glutamine's) to a (9, 20) matrix."""
    q = STANDARD_AMINO_ACIDS.index(CITRULLINE_SCORED_AS)
    return np.concatenate([weights_20, weights_20[:, q : q + 1]], axis=1).astype(np.float64)


@lru_cache(maxsize=None)
def _tepitope_matrix(beta: str) -> CoreMatrix:
    import importlib

    gene, digits = beta.split("*")
    module_name = f"{gene}_{digits.replace(':', '')}_9"
    try:
        module = importlib.import_module(f"epytope.Data.pssms.tepitopepan.mat.{module_name}")
    except ModuleNotFoundError as exc:  # pragma: no cover - guarded by allele validation
        raise InputError("allele", f"TEPITOPEpan has no matrix for {beta}") from exc
    table = getattr(module, module_name)
    weights = np.full((CORE_LENGTH, 20), np.nan)
    for p in range(CORE_LENGTH):
        for j, aa in enumerate(STANDARD_AMINO_ACIDS):
            weights[p, j] = table[p].get(aa, np.nan)
        allowed = weights[p][np.isfinite(weights[p]) & (weights[p] > _EXCLUDED)]
        weights[p][np.isnan(weights[p])] = allowed.mean()
    return CoreMatrix(f"HLA-{beta}", f"TEPITOPEpan:{module_name[:-2]}", _with_citrulline(weights))


@lru_cache(maxsize=1)
def _dq_matrices() -> dict[str, CoreMatrix]:
    path = _data_path("dq_matrices.tsv")
    if not path.exists():
        return {}
    table = pd.read_csv(path, sep="\t", comment="#")
    out = {}
    for molecule, rows in table.groupby("molecule", sort=False):
        intercept = float(rows.loc[rows["position"] == 0, "weight"].sum())
        core = rows[rows["position"] > 0]
        grid = core.pivot(index="position", columns="aa", values="weight").reindex(
            index=range(1, CORE_LENGTH + 1), columns=list(STANDARD_AMINO_ACIDS)
        )
        if grid.isna().any().any():
            raise RuntimeError(f"dq_matrices.tsv: incomplete matrix for {molecule}")
        out[molecule] = CoreMatrix(molecule, f"project-DQ:{molecule}", _with_citrulline(grid.to_numpy()), intercept)
    return out


def modelled_molecules() -> list[str]:
    """DQ molecules with a project matrix (DR molecules are covered by TEPITOPEpan)."""
    return sorted(_dq_matrices())


class MatrixPredictor(Protocol):
    """The binding-predictor interface: a source of 9-mer core matrices.

    ``matrix(name)`` returns the :class:`CoreMatrix` that scores the molecule
    ``name`` (canonical, e.g. ``HLA-DRB1*04:01``), or ``None`` if the predictor
    does not cover it. Every kernel in the package works on ``CoreMatrix``, so a
    new predictor plugs in by returning matrices (see :func:`register_predictor`).
    """

    name: str

    def matrix(self, name: str) -> CoreMatrix | None: ...


class TepitopePan:
    """TEPITOPEpan HLA-DR matrices (Zhang et al. 2012), read lazily from ``epytope``."""

    name = "TEPITOPEpan"

    def matrix(self, name: str) -> CoreMatrix | None:
        body = name.removeprefix("HLA-")
        if not body.startswith("DR"):
            return None
        return _tepitope_matrix(body)


class ProjectDQ:
    """The project's fitted HLA-DQ matrices (``data/dq_matrices.tsv``).

    A DQ molecule without its own matrix borrows the matrix of a modelled
    molecule with the same beta chain, labelled ``(beta-chain proxy)``.
    """

    name = "project-DQ"

    def matrix(self, name: str) -> CoreMatrix | None:
        if not name.startswith("HLA-DQ"):
            return None
        dq = _dq_matrices()
        if name in dq:
            return dq[name]
        beta = name.split("-")[-1]
        for other, matrix in dq.items():
            if other.endswith(beta):
                return CoreMatrix(name, f"{matrix.source} (beta-chain proxy)", matrix.weights, matrix.intercept)
        return None


#: Predictors consulted in order by :func:`core_matrix`.
PREDICTORS: list[MatrixPredictor] = [TepitopePan(), ProjectDQ()]


def register_predictor(predictor: MatrixPredictor, *, first: bool = True) -> None:
    """Add a predictor (consulted before the built-in ones when ``first``)."""
    PREDICTORS.insert(0 if first else len(PREDICTORS), predictor)
    core_matrix.cache_clear()


@lru_cache(maxsize=None)
def core_matrix(molecule: str | HLAMolecule) -> CoreMatrix | None:
    """The matrix that scores a molecule (first predictor that covers it), or ``None``."""
    name = molecule.name if isinstance(molecule, HLAMolecule) else normalize_molecule(str(molecule))
    for predictor in PREDICTORS:
        matrix = predictor.matrix(name)
        if matrix is not None:
            return matrix
    return None


def _require(molecule) -> CoreMatrix:
    matrix = core_matrix(molecule)
    if matrix is None:
        name = molecule.name if isinstance(molecule, HLAMolecule) else molecule
        known = ", ".join(modelled_molecules())
        raise InputError("allele", f"no binding model for {name}; modelled DQ molecules: {known}; DR: any TEPITOPEpan DRB allele")
    return matrix


def core_scores(matrix: CoreMatrix, codes: np.ndarray) -> np.ndarray:
    """Scores of every 9-mer core of an encoded sequence (length - 8 values)."""
    kmers = kmer_codes(codes, CORE_LENGTH)
    if kmers.shape[0] == 0:
        return np.zeros(0)
    return matrix.weights[np.arange(CORE_LENGTH), kmers].sum(axis=1) + matrix.intercept


def best_cores(matrix: CoreMatrix, kmer_score: np.ndarray, peptide_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Best core score and its register for every window of ``peptide_length``.

    ``kmer_score`` are the 9-mer scores along a sequence; returns arrays over the
    ``len(kmer_score) - (peptide_length - 9)`` windows.
    """
    span = peptide_length - CORE_LENGTH + 1
    if kmer_score.shape[0] < span:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(kmer_score, span)
    register = windows.argmax(axis=1)
    return windows[np.arange(windows.shape[0]), register], register


@lru_cache(maxsize=8)
def _background_codes(length: int) -> np.ndarray:
    """The random background peptides of one length (encoded; shared by every molecule)."""
    rng = np.random.default_rng([BACKGROUND_SEED, length])
    codes = rng.choice(20, size=(BACKGROUND_SIZE, length), p=human_aa_composition()).astype(np.uint8)
    codes.setflags(write=False)
    return codes


@lru_cache(maxsize=None)
def _background(matrix: CoreMatrix, length: int) -> np.ndarray:
    """Sorted best-core scores of the random background peptides of one length."""
    kmers = np.lib.stride_tricks.sliding_window_view(_background_codes(length), CORE_LENGTH, axis=1)
    scores = matrix.weights[np.arange(CORE_LENGTH), kmers].sum(axis=2).max(axis=1) + matrix.intercept
    return np.sort(scores)


def percentile_rank(matrix: CoreMatrix, scores: np.ndarray | float, length: int) -> np.ndarray:
    """Percent of random peptides of ``length`` that score at least as well (lower = stronger)."""
    background = _background(matrix, max(int(length), CORE_LENGTH))
    below = np.searchsorted(background, np.asarray(scores, dtype=float), side="left")
    return 100.0 * (background.shape[0] - below) / background.shape[0]


def bind(allele: str | HLAMolecule, peptide: str) -> BindingPrediction:
    """Predict the best binding core of ``peptide`` (>= 9 residues) on one molecule."""
    seq = validate_peptide(peptide, field="peptide", min_length=CORE_LENGTH)
    matrix = _require(allele)
    scores = core_scores(matrix, encode(seq))
    register = int(scores.argmax())
    score = float(scores[register])
    rank = float(percentile_rank(matrix, score, len(seq)))
    return BindingPrediction(matrix.molecule, seq, seq[register : register + CORE_LENGTH], register, score, rank, matrix.source)
