"""T-cell receptor recognition of peptide-MHC ligands: a contact-energy model.

A receptor is reduced to the five residues of its CDR3 loops that touch the
five TCR-facing residues of a class II ligand, plus a germline-encoded
receptor-MHC term, in the spirit of Košmrlj A, Jha AK, Huseby ES, Kardar M,
Chakraborty AK (PNAS 2008;105:16671) and Košmrlj A et al. (Nature
2010;465:350). The interaction free energy of receptor ``r`` with ligand ``l``
in units of kT is

    E(r, l) = G[r, molecule(l)] + sum_k J[t_rk, c_k(l)],   k = 1..5,

where ``J[receptor residue, ligand residue]`` is a residue contact potential
(negative is attractive, lower ``E`` binds better), ``t_r`` are the receptor's
contact residues, ``c(l)`` the ligand's TCR-facing
residues (:data:`TCR_CONTACT_POSITIONS`) and ``G[r, m]`` a per-(receptor,
molecule) germline term drawn once per receptor from a normal distribution.
Citrulline (``X``) is scored as glutamine (see
:data:`~autoimmunity.molecular._aminoacids.CITRULLINE_SCORED_AS`).

Two potentials are shipped (``TCRModel.potential``, :data:`CONTACT_POTENTIALS`):

* ``"mj1996"`` (default): Miyazawa-Jernigan residue contact energies (J Mol
  Biol 1996;256:623, Table III), a symmetric protein-folding potential
  dominated by hydrophobicity;
* ``"tcren2024"``: TCRen (Karnaukhov V et al., Nat Comput Sci 2024), a
  statistical TCR-peptide potential from TCR-pMHC crystal structures. It is
  *directed*: rows are TCR residues, columns peptide residues, and every
  kernel and exact sum here indexes ``J[receptor residue, ligand residue]``.

Each potential has its own default germline spread and recognition threshold
(:data:`DEFAULT_GERMLINE_SD`, :data:`DEFAULT_RECOGNITION_THRESHOLDS`).

A receptor recognises a ligand (peripheral activation) when
``E <= TCRModel.recognition_threshold``; the default threshold is calibrated
(:func:`calibrate_recognition_threshold`) so that a random receptor recognises
a random ligand with probability 1e-5.

Kernels work on ``uint8`` codes and never build Python objects per pair. The
default kernels are numba loops over receptors that turn each receptor into
three small lookup tables (positions 1-2, positions 3-4, position 5 plus the
germline term per molecule), so one receptor-ligand energy costs three table
reads and two additions; :func:`_energies_reference` is the plain numpy
definition used by tests and the benchmark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numba
import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import log_ndtr, ndtr

from .._data import data_path
from .._errors import InputError, require_generator
from ._aminoacids import ALPHABET, CITRULLINE, CITRULLINE_SCORED_AS, N_LETTERS, N_STANDARD, STANDARD_AMINO_ACIDS, encode_many
from ._antigens import human_aa_composition

__all__ = [
    "TCR_CONTACT_POSITIONS",
    "N_CONTACTS",
    "CONTACT_POTENTIALS",
    "DEFAULT_POTENTIAL",
    "DEFAULT_GERMLINE_SD",
    "DEFAULT_RECOGNITION_THRESHOLD",
    "DEFAULT_RECOGNITION_THRESHOLDS",
    "TCRModel",
    "Receptors",
    "contact_energy_matrix",
    "contact_potential_table",
    "tcr_contacts",
    "encode_contacts",
    "random_receptors",
    "interaction_energies",
    "min_energies",
    "count_recognised",
    "precursor_frequency",
    "mean_recognition_probability",
    "calibrate_recognition_threshold",
]

#: Core positions of a class II ligand whose side chains face the T-cell
#: receptor: P-1, P2, P3, P5 and P8 of the 9-mer core P1..P9 (P-1 is the
#: residue just before P1; there is no P0). Solvent-exposed, TCR-contacted
#: positions in class II-peptide structures: Stern LJ et al., Nature
#: 1994;368:215; Rudolph MG, Stanfield RL, Wilson IA, Annu Rev Immunol
#: 2006;24:419.
TCR_CONTACT_POSITIONS = (-1, 2, 3, 5, 8)
#: Number of receptor contact residues (one per TCR-facing ligand position).
N_CONTACTS = len(TCR_CONTACT_POSITIONS)
#: Residue assumed at P-1 when the core begins at a protein's first residue.
#: Glycine has the weakest side chain of the common residues (a hydrogen), the
#: closest stand-in for "nothing there"; the choice affects only N-terminal cores.
MISSING_P_MINUS1 = "G"
#: Core offsets (0-based, P1 = 0) of P2, P3, P5, P8.
_CORE_OFFSETS = tuple(p - 1 for p in TCR_CONTACT_POSITIONS[1:])

#: Contact potentials a :class:`TCRModel` can use (``TCRModel.potential``).
CONTACT_POTENTIALS = ("mj1996", "tcren2024")
#: The potential used when none is given.
DEFAULT_POTENTIAL = "mj1996"
#: Shipped table of each potential (``src/autoimmunity/data``; see MANIFEST.tsv).
_POTENTIAL_FILES = {"mj1996": "mj1996_contact_energies.tsv", "tcren2024": "tcren2024_potential.tsv"}
#: Grid of the exact sums, in steps per kT. Miyazawa-Jernigan energies are
#: published with two decimals, so that grid (0.01 kT) is exact. TCRen is shipped
#: with four decimals and used on a 0.001-kT grid: each value is rounded to the
#: nearest 0.001 kT (error <= 0.00055 kT per contact from the published value,
#: <= 0.003 kT per five-contact sum, against a per-contact spread of 0.40 kT),
#: and the kernels use the same rounded values, so kernels and exact sums agree.
#: A finer grid would make the per-ligand tables of the mimicry enumeration too
#: large.
_GRID_UNITS = {"mj1996": 100, "tcren2024": 1000}

#: Default standard deviation (kT) of the germline receptor-MHC term for each
#: potential: the spread of one peptide-contact energy under proteome
#: composition (receptor and ligand residues), so the MHC bias weighs like one
#: extra contact whatever the energy scale. Miyazawa-Jernigan: 1.52 kT -> 1.5;
#: TCRen: 0.395 kT -> 0.4 (its values are about four times smaller). A
#: modelling choice, not a measurement (see :class:`TCRModel`).
DEFAULT_GERMLINE_SD = {"mj1996": 1.5, "tcren2024": 0.4}

#: Default peripheral recognition threshold (kT), calibrated with
#: ``calibrate_recognition_threshold(1e-5)`` for the default germline term
#: (mean 0, sd 1.5 kT) and human proteome composition for receptor and ligand
#: residues: exact value -32.9068 kT, giving mean recognition probability
#: 1.000e-5 (the rounded value below gives 0.9998e-5). Target: 10 per 10^6
#: naive CD4 T cells, the upper end of epitope-specific naive CD4 precursor
#: frequencies in humans, 0.2-10 per 10^6 (Kwok WW et al., J Immunol
#: 2012;188:2537; shared/reference/immune_parameters.tsv row
#: ``tcell.naive_cd4.precursor_frequency``). The per-ligand frequency
#: (:func:`precursor_frequency`) spans many orders of magnitude because
#: Miyazawa-Jernigan energies are dominated by hydrophobicity: over 20,000
#: random ligands (proteome composition, seed 1) the median is 5e-13, the 90th
#: percentile 3.9e-7 and the 99th 1.5e-4; 11.6% of ligands reach 2e-7 (Kwok's
#: lower bound) and 3.6% reach 1e-5. The mean is carried by the few most
#: hydrophobic ligands. This is the ``"mj1996"`` value; see
#: :data:`DEFAULT_RECOGNITION_THRESHOLDS` for every potential.
DEFAULT_RECOGNITION_THRESHOLD = -32.907
#: Default recognition threshold (kT) of each potential, each calibrated with
#: ``calibrate_recognition_threshold(1e-5, potential=...)`` at that potential's
#: default germline spread (:data:`DEFAULT_GERMLINE_SD`). TCRen: exact value
#: -3.6195 kT (germline sd 0.4 kT; the rounded value gives 0.9979e-5).
DEFAULT_RECOGNITION_THRESHOLDS = {"mj1996": DEFAULT_RECOGNITION_THRESHOLD, "tcren2024": -3.620}

#: Largest number of MHC molecules the packed ligand index can hold.
_MAX_MOLECULES = (1 << 14) // N_LETTERS


def _check_potential(potential) -> str:
    """The one place a potential name is validated (case-insensitive)."""
    if isinstance(potential, str) and potential.strip().lower() in CONTACT_POTENTIALS:
        return potential.strip().lower()
    raise InputError("potential", f"{potential!r} is not a contact potential; use one of {', '.join(CONTACT_POTENTIALS)}")


@lru_cache(maxsize=len(CONTACT_POTENTIALS))
def _potential_table_cached(potential: str) -> pd.DataFrame:
    table = pd.read_csv(data_path(_POTENTIAL_FILES[potential]), sep="\t", index_col=0, comment="#")
    order = list(STANDARD_AMINO_ACIDS)
    table = table.loc[order, order].astype(float)
    table.index.name, table.columns.name = "tcr", "peptide"
    return table


def contact_potential_table(potential: str = DEFAULT_POTENTIAL) -> pd.DataFrame:
    """A shipped contact potential as published, 20x20 (kT).

    Rows are the **TCR** (receptor) residue, columns the **peptide** (ligand)
    residue, both in :data:`STANDARD_AMINO_ACIDS` order; a copy, values as
    shipped. ``"mj1996"``: Miyazawa-Jernigan 1996 Table III (symmetric).
    ``"tcren2024"``: TCRen, directed, four decimals; the TCR-side cysteine row
    is NaN (not published). :func:`contact_energy_matrix` is what the model uses.
    """
    return _potential_table_cached(_check_potential(potential)).copy()


@lru_cache(maxsize=len(CONTACT_POTENTIALS))
def _contact_energies_cached(potential: str = DEFAULT_POTENTIAL) -> np.ndarray:
    table = _potential_table_cached(potential).to_numpy(dtype=float)
    # TCRen has no TCR-side cysteine row: score a receptor cysteine as 0 kT, the
    # neutral value of a log-odds potential (no preference for any peptide residue).
    table = np.where(np.isnan(table), 0.0, table)
    units = _GRID_UNITS[potential]
    matrix = np.empty((N_LETTERS, N_LETTERS))
    matrix[:N_STANDARD, :N_STANDARD] = np.rint(table * units) / units
    q = ALPHABET.index(CITRULLINE_SCORED_AS)
    x = ALPHABET.index(CITRULLINE)
    matrix[x, :] = matrix[q, :]
    matrix[:, x] = matrix[:, q]
    matrix.setflags(write=False)
    return matrix


def contact_energy_matrix(potential: str = DEFAULT_POTENTIAL) -> np.ndarray:
    """The contact energies the model uses (kT), 21x21 in :data:`ALPHABET` order.

    ``J[i, j]`` is the energy of receptor (TCR) residue ``ALPHABET[i]`` with
    ligand (peptide) residue ``ALPHABET[j]``. ``"mj1996"``: Miyazawa-Jernigan
    contact energies e_ij (Miyazawa S, Jernigan RL, J Mol Biol 1996;256:623,
    Table III; AAindex MIYS960101), reordered from the published A R N D ...
    order; symmetric. ``"tcren2024"``: TCRen (Karnaukhov V et al., Nat Comput
    Sci 2024), directed, rounded to 0.001 kT (the grid of the exact sums), the
    unpublished TCR-side cysteine row set to 0. The citrulline row and column
    (``X``) copy glutamine's. Read-only.
    """
    return _contact_energies_cached(_check_potential(potential))


@lru_cache(maxsize=len(CONTACT_POTENTIALS))
def _contact_energies_f32(potential: str = DEFAULT_POTENTIAL) -> np.ndarray:
    return np.ascontiguousarray(_contact_energies_cached(potential), dtype=np.float32)


@lru_cache(maxsize=len(CONTACT_POTENTIALS))
def _grid_energies(potential: str = DEFAULT_POTENTIAL) -> np.ndarray:
    """Contact energies in integer grid steps (1/``_GRID_UNITS[potential]`` kT)."""
    units = _GRID_UNITS[potential]
    energies = _contact_energies_cached(potential)
    steps = np.rint(energies * units).astype(np.int64)
    if not np.allclose(steps / units, energies, atol=1e-9, rtol=0):
        raise RuntimeError(f"contact energies are not multiples of 1/{units} kT; the exact sums need them to be")
    return steps


def _check_finite(name: str, value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InputError(name, f"expected a number, got {value!r}") from None
    if not np.isfinite(value):
        raise InputError(name, f"{value} is not a finite number")
    return value


@dataclass(frozen=True)
class TCRModel:
    """Parameters of receptor recognition (energies in kT).

    Attributes
    ----------
    germline_mean: mean of the germline receptor-MHC term ``G`` (kT). Only
        ``recognition_threshold - germline_mean`` matters and the threshold is
        calibrated after this is fixed, so 0 is a normalisation, not a claim.
    germline_sd: standard deviation of ``G`` across (receptor, molecule) pairs
        (kT). Germline CDR1/CDR2 loops contact the MHC helices with a few
        conserved residues (Garcia KC et al., Nat Immunol 2009;10:143; Marrack P
        et al., Annu Rev Immunol 2008;26:171), giving each receptor a bias for
        some MHC molecules. ``None`` (default) takes the potential's value
        (:data:`DEFAULT_GERMLINE_SD`): for Miyazawa-Jernigan 1.5 kT, which
        equals (to two figures) the spread of one peptide-contact energy under
        proteome composition (1.52 kT), so the MHC bias weighs like one extra
        contact: it makes receptors MHC-biased (restriction) without
        outweighing the five peptide contacts (3.4 kT); for TCRen 0.4 kT by
        the same rule (one contact: 0.395 kT). A modelling choice, not a
        measurement.
    recognition_threshold: a receptor recognises (is activated by) a ligand
        when ``E <= recognition_threshold`` (kT). ``None`` (default) takes the
        potential's calibrated value (:data:`DEFAULT_RECOGNITION_THRESHOLDS`;
        calibrated at the default germline spread, so recalibrate with
        :func:`calibrate_recognition_threshold` after changing it). Thymic
        selection thresholds are separate parameters of the tolerance layer.
    receptor_composition: 20 relative frequencies (alphabet order, need not sum
        to 1) of the receptor contact residues, or ``None`` for the human
        proteome composition (:func:`human_aa_composition`). The proteome
        composition is the generator's documented choice: CDR3 loops are
        enriched in G, S, Y and depleted of some residues, but no
        contact-residue composition is tabulated in this project.
    potential: the residue contact potential, one of :data:`CONTACT_POTENTIALS`
        (``"mj1996"``, the default, or ``"tcren2024"``; see the module docstring).
    """

    germline_mean: float = 0.0
    germline_sd: float | None = None
    recognition_threshold: float | None = None
    receptor_composition: tuple[float, ...] | None = None
    potential: str = DEFAULT_POTENTIAL

    def __post_init__(self):
        potential = _check_potential(self.potential)
        object.__setattr__(self, "potential", potential)
        object.__setattr__(self, "germline_mean", _check_finite("germline_mean", self.germline_mean))
        sd = DEFAULT_GERMLINE_SD[potential] if self.germline_sd is None else self.germline_sd
        sd = _check_finite("germline_sd", sd)
        if sd < 0:
            raise InputError("germline_sd", f"{sd} is negative; a standard deviation is >= 0 kT")
        object.__setattr__(self, "germline_sd", sd)
        threshold = self.recognition_threshold
        if threshold is None:
            threshold = DEFAULT_RECOGNITION_THRESHOLDS[potential]
        object.__setattr__(self, "recognition_threshold", _check_finite("recognition_threshold", threshold))
        comp = self.receptor_composition
        if comp is not None:
            try:
                values = np.asarray(comp, dtype=float).ravel()
            except (TypeError, ValueError):
                raise InputError("receptor_composition", "expected 20 numbers") from None
            if values.shape != (N_STANDARD,) or not np.isfinite(values).all() or (values < 0).any() or values.sum() <= 0:
                raise InputError(
                    "receptor_composition",
                    f"expected 20 non-negative numbers (order {STANDARD_AMINO_ACIDS}) with a positive sum, or None",
                )
            object.__setattr__(self, "receptor_composition", tuple(float(v) for v in values))

    def composition(self) -> np.ndarray:
        """Receptor contact-residue frequencies (20 values, alphabet order, sum 1)."""
        if self.receptor_composition is None:
            return human_aa_composition()
        values = np.asarray(self.receptor_composition, dtype=float)
        return values / values.sum()


@dataclass(frozen=True)
class Receptors:
    """A set of T-cell receptors as the model sees them.

    Attributes
    ----------
    contacts: ``uint8[n, 5]`` contact-residue codes (index into ALPHABET), one
        per TCR-facing ligand position.
    germline: ``float32[n, n_molecules]`` germline receptor-MHC term (kT) for
        each molecule; ligand molecule indices select the column.
    """

    contacts: np.ndarray
    germline: np.ndarray

    def __post_init__(self):
        contacts = np.ascontiguousarray(self.contacts, dtype=np.uint8)
        germline = np.ascontiguousarray(self.germline, dtype=np.float32)
        if contacts.ndim != 2 or contacts.shape[1] != N_CONTACTS:
            raise InputError("contacts", f"expected shape (n, {N_CONTACTS}), got {contacts.shape}")
        if contacts.size and contacts.max() >= N_LETTERS:
            raise InputError("contacts", f"codes must be < {N_LETTERS} (index into {ALPHABET})")
        if germline.ndim != 2 or germline.shape[0] != contacts.shape[0]:
            raise InputError("germline", f"expected shape ({contacts.shape[0]}, n_molecules), got {germline.shape}")
        if germline.shape[1] > _MAX_MOLECULES:
            raise InputError("germline", f"at most {_MAX_MOLECULES} molecules are supported")
        object.__setattr__(self, "contacts", contacts)
        object.__setattr__(self, "germline", germline)

    def __len__(self) -> int:
        return self.contacts.shape[0]

    @property
    def n_molecules(self) -> int:
        return self.germline.shape[1]

    def take(self, indices) -> Receptors:
        """The receptors at ``indices`` (integer or boolean index), as a new set."""
        return Receptors(self.contacts[indices], self.germline[indices])


def tcr_contacts(core: str, p_minus1: str | None) -> str:
    """The five TCR-facing residues (P-1, P2, P3, P5, P8) of a 9-mer class II core.

    ``p_minus1`` is the residue before the core; ``None`` or ``""`` (core at a
    protein's N-terminus) is taken as :data:`MISSING_P_MINUS1` (``G``).
    """
    if not isinstance(core, str) or len(core) != 9:
        raise InputError("core", f"expected a 9-residue core, got {core!r}")
    core = core.upper()
    if not p_minus1:
        p_minus1 = MISSING_P_MINUS1
    if not isinstance(p_minus1, str) or len(p_minus1) != 1:
        raise InputError("p_minus1", f"expected one residue or None, got {p_minus1!r}")
    contacts = p_minus1.upper() + "".join(core[i] for i in _CORE_OFFSETS)
    encode_contacts([contacts])
    return contacts


def encode_contacts(contact_strings: Sequence[str]) -> np.ndarray:
    """Encode 5-letter contact strings as ``uint8[P, 5]`` codes."""
    strings = [contact_strings] if isinstance(contact_strings, str) else list(contact_strings)
    if not strings:
        return np.zeros((0, N_CONTACTS), dtype=np.uint8)
    if any(not isinstance(s, str) or len(s) != N_CONTACTS for s in strings):
        raise InputError("tcr_contacts", f"every contact string must have {N_CONTACTS} residues")
    return encode_many([s.upper() for s in strings])


def random_receptors(n: int, n_molecules: int, rng: np.random.Generator, model: TCRModel = TCRModel()) -> Receptors:
    """Draw ``n`` random receptors for a person with ``n_molecules`` MHC molecules.

    Contact residues are drawn independently from ``model.composition()``;
    germline terms from Normal(``germline_mean``, ``germline_sd``), one per
    molecule. Contacts are drawn before germline terms, so a seed fixes both.
    """
    require_generator(rng)
    if int(n) < 0:
        raise InputError("n", f"{n} is negative")
    if not 0 <= int(n_molecules) <= _MAX_MOLECULES:
        raise InputError("n_molecules", f"{n_molecules} is outside 0..{_MAX_MOLECULES}")
    contacts = rng.choice(N_STANDARD, size=(int(n), N_CONTACTS), p=model.composition()).astype(np.uint8)
    germline = rng.normal(model.germline_mean, model.germline_sd, size=(int(n), int(n_molecules)))
    return Receptors(contacts, germline.astype(np.float32))


def _ligand_arrays(receptors: Receptors, ligand_contacts, ligand_molecule) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(receptors, Receptors):
        raise InputError("receptors", "expected a Receptors object (see random_receptors)")
    codes = np.ascontiguousarray(ligand_contacts, dtype=np.uint8)
    if codes.ndim != 2 or codes.shape[1] != N_CONTACTS:
        raise InputError("ligand_contacts", f"expected shape (P, {N_CONTACTS}), got {codes.shape}")
    if codes.size and codes.max() >= N_LETTERS:
        raise InputError("ligand_contacts", f"codes must be < {N_LETTERS}")
    molecule = np.asarray(ligand_molecule)
    if molecule.ndim == 0:
        molecule = np.full(codes.shape[0], int(molecule))
    molecule = np.ascontiguousarray(molecule, dtype=np.int64)
    if molecule.shape != (codes.shape[0],):
        raise InputError("ligand_molecule", f"expected {codes.shape[0]} molecule indices, got shape {molecule.shape}")
    if molecule.size and (molecule.min() < 0 or molecule.max() >= receptors.n_molecules):
        raise InputError(
            "ligand_molecule", f"indices must be in 0..{receptors.n_molecules - 1} (columns of receptors.germline)"
        )
    return codes, molecule


def _pack_ligands(codes: np.ndarray, molecule: np.ndarray) -> np.ndarray:
    """One ``uint32`` per ligand: bits 0-8 pair index of positions 1-2, bits
    9-17 of positions 3-4, bits 18-31 molecule * 21 + position-5 residue."""
    c = codes.astype(np.uint32)
    pair01 = c[:, 0] * N_LETTERS + c[:, 1]
    pair23 = c[:, 2] * N_LETTERS + c[:, 3]
    last = molecule.astype(np.uint32) * N_LETTERS + c[:, 4]
    return np.ascontiguousarray(pair01 | (pair23 << 9) | (last << 18))


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _fill_tables(J, t, germ_row, t01, t23, t4):
    for a in range(21):
        ja0 = J[t[0], a]
        ja2 = J[t[2], a]
        for b in range(21):
            t01[a * 21 + b] = ja0 + J[t[1], b]
            t23[a * 21 + b] = ja2 + J[t[3], b]
    for m in range(germ_row.shape[0]):
        for a in range(21):
            t4[m * 21 + a] = J[t[4], a] + germ_row[m]


@numba.njit(parallel=True, cache=True, nogil=True, boundscheck=False)
def _energies_kernel(J, contacts, germline, packed, out):
    for r in numba.prange(contacts.shape[0]):
        t01 = np.empty(441, np.float32)
        t23 = np.empty(441, np.float32)
        t4 = np.empty(max(germline.shape[1], 1) * 21, np.float32)
        _fill_tables(J, contacts[r], germline[r], t01, t23, t4)
        for p in range(packed.shape[0]):
            v = packed[p]
            out[r, p] = t01[v & 511] + t23[(v >> 9) & 511] + t4[v >> 18]


@numba.njit(parallel=True, cache=True, nogil=True, boundscheck=False)
def _min_kernel(J, contacts, germline, packed, best_out, arg_out):
    for r in numba.prange(contacts.shape[0]):
        t01 = np.empty(441, np.float32)
        t23 = np.empty(441, np.float32)
        t4 = np.empty(max(germline.shape[1], 1) * 21, np.float32)
        _fill_tables(J, contacts[r], germline[r], t01, t23, t4)
        best = np.float32(np.inf)
        arg = -1
        for p in range(packed.shape[0]):
            v = packed[p]
            e = t01[v & 511] + t23[(v >> 9) & 511] + t4[v >> 18]
            if e < best:
                best = e
                arg = p
        best_out[r] = best
        arg_out[r] = arg


@numba.njit(parallel=True, cache=True, nogil=True, boundscheck=False)
def _count_kernel(J, contacts, germline, packed, threshold, out):
    for r in numba.prange(contacts.shape[0]):
        t01 = np.empty(441, np.float32)
        t23 = np.empty(441, np.float32)
        t4 = np.empty(max(germline.shape[1], 1) * 21, np.float32)
        _fill_tables(J, contacts[r], germline[r], t01, t23, t4)
        n = 0
        for p in range(packed.shape[0]):
            v = packed[p]
            if t01[v & 511] + t23[(v >> 9) & 511] + t4[v >> 18] <= threshold:
                n += 1
        out[r] = n


def _energies_reference(
    receptors: Receptors, ligand_contacts, ligand_molecule, *, potential: str = DEFAULT_POTENTIAL
) -> np.ndarray:
    """Plain numpy definition of :func:`interaction_energies` (float64, R x P)."""
    codes, molecule = _ligand_arrays(receptors, ligand_contacts, ligand_molecule)
    J = contact_energy_matrix(potential)  # rows: receptor residue, columns: ligand residue
    energy = receptors.germline[:, molecule].astype(np.float64)
    for k in range(N_CONTACTS):
        energy += J[receptors.contacts[:, k][:, None], codes[:, k][None, :]]
    return energy


def interaction_energies(
    receptors: Receptors, ligand_contacts, ligand_molecule, *, potential: str = DEFAULT_POTENTIAL
) -> np.ndarray:
    """Energies (kT) of every receptor with every ligand, ``float32[R, P]``.

    ``ligand_contacts`` is ``uint8[P, 5]`` (:func:`encode_contacts`);
    ``ligand_molecule`` gives each ligand's molecule as a column index into
    ``receptors.germline`` (an ``int[P]`` array or one integer for all);
    ``potential`` one of :data:`CONTACT_POTENTIALS` (use the model's:
    ``model.potential``). Sums are in float32 (absolute error below 1e-5 kT).
    """
    J = _contact_energies_f32(_check_potential(potential))
    codes, molecule = _ligand_arrays(receptors, ligand_contacts, ligand_molecule)
    out = np.empty((len(receptors), codes.shape[0]), dtype=np.float32)
    if out.size:
        _energies_kernel(J, receptors.contacts, receptors.germline, _pack_ligands(codes, molecule), out)
    return out


def min_energies(
    receptors: Receptors, ligand_contacts, ligand_molecule, *, potential: str = DEFAULT_POTENTIAL
) -> tuple[np.ndarray, np.ndarray]:
    """Each receptor's strongest ligand, without building the R x P matrix.

    Returns ``(min_energy float32[R], argmin int32[R])``; the argmin is the
    first ligand reaching the minimum. With no ligands the energy is +inf and
    the index -1. Values equal those of :func:`interaction_energies` exactly.
    """
    J = _contact_energies_f32(_check_potential(potential))
    codes, molecule = _ligand_arrays(receptors, ligand_contacts, ligand_molecule)
    best = np.empty(len(receptors), dtype=np.float32)
    arg = np.empty(len(receptors), dtype=np.int32)
    if len(receptors):
        _min_kernel(J, receptors.contacts, receptors.germline, _pack_ligands(codes, molecule), best, arg)
    return best, arg


def count_recognised(
    receptors: Receptors, ligand_contacts, ligand_molecule, threshold: float, *, potential: str = DEFAULT_POTENTIAL
) -> np.ndarray:
    """How many ligands each receptor binds with ``E <= threshold`` (kT), ``int32[R]``."""
    threshold = _check_finite("threshold", threshold)
    J = _contact_energies_f32(_check_potential(potential))
    codes, molecule = _ligand_arrays(receptors, ligand_contacts, ligand_molecule)
    out = np.zeros(len(receptors), dtype=np.int32)
    if len(receptors) and codes.shape[0]:
        _count_kernel(
            J, receptors.contacts, receptors.germline, _pack_ligands(codes, molecule),
            np.float32(threshold), out,
        )
    return out


# ---------------------------------------------------------------------------
# Exact recognition probabilities. Contact energies are multiples of one grid
# step (0.01 kT for Miyazawa-Jernigan, 0.001 kT for TCRen: _GRID_UNITS), so sums
# of contact energies live on an integer grid and their distribution is an exact
# discrete convolution.
# ---------------------------------------------------------------------------


def _recognise_given_sum(sums_kt: np.ndarray, threshold: float, mean: float, sd: float) -> np.ndarray:
    """P(G + S <= threshold) for G ~ Normal(mean, sd), per contact-energy sum S."""
    margin = threshold - mean - sums_kt
    if sd == 0:
        return (margin >= -1e-9).astype(float)
    return ndtr(margin / sd)


def _log_recognise_given_sum(sums_kt: np.ndarray, threshold: float, mean: float, sd: float) -> np.ndarray:
    margin = threshold - mean - sums_kt
    if sd == 0:
        return np.where(margin >= -1e-9, 0.0, -np.inf)
    return log_ndtr(margin / sd)


def _convolve(total: np.ndarray, pmf: np.ndarray) -> np.ndarray:
    """``np.convolve(total, pmf)``, by shifted adds when ``pmf`` is sparse (a
    letter pmf has at most 20 non-zero entries on a grid of thousands)."""
    nonzero = np.flatnonzero(pmf)
    if 8 * nonzero.size >= pmf.size:
        return np.convolve(total, pmf)
    out = np.zeros(total.size + pmf.size - 1)
    for i in nonzero:
        out[i : i + total.size] += pmf[i] * total
    return out


def _sum_distribution(position_pmfs: Sequence[np.ndarray], offset: int, units: int) -> tuple[np.ndarray, np.ndarray]:
    """Convolve per-position pmfs on the integer grid (``units`` steps per kT);
    returns (sums in kT, pmf)."""
    total = np.ones(1)
    for pmf in position_pmfs:
        total = _convolve(total, pmf)
    sums = (np.arange(total.size) + len(position_pmfs) * offset) / units
    return sums, total


def _position_pmf(values: np.ndarray, weights: np.ndarray, offset: int, width: int) -> np.ndarray:
    pmf = np.zeros(width)
    np.add.at(pmf, values.ravel() - offset, weights.ravel())
    return pmf


def _grid(potential: str = DEFAULT_POTENTIAL):
    """(grid energies ``int64[20 receptor residues, 21 ligand letters]``, offset, width)."""
    steps = _grid_energies(potential)[:N_STANDARD, :]
    offset = int(steps.min())
    return steps, offset, int(steps.max()) - offset + 1


@lru_cache(maxsize=8)
def _letter_pmfs(composition: tuple[float, ...], potential: str = DEFAULT_POTENTIAL) -> np.ndarray:
    """Per ligand letter, the pmf of one contact energy over receptor residues
    (column ``letter`` of the receptor-row x ligand-column grid)."""
    steps, offset, width = _grid(potential)
    comp = np.asarray(composition)
    pmfs = np.zeros((N_LETTERS, width))
    for letter in range(N_LETTERS):
        pmfs[letter] = np.bincount(steps[:, letter] - offset, weights=comp, minlength=width)
    return pmfs


def precursor_frequency(contacts, model: TCRModel = TCRModel()) -> float | np.ndarray:
    """Probability that a random receptor recognises a given ligand (exact).

    ``contacts`` is one 5-letter contact string, a sequence of them, or a
    ``uint8[P, 5]`` array; returns a float for one string, else ``float64[P]``.
    This is the model's naive precursor frequency of the ligand: receptor
    residues from ``model.composition()``, germline term from its normal law,
    recognition at ``E <= model.recognition_threshold``. The contact-energy
    sum does not depend on the order of the contacts, so ligands are grouped
    by their sorted contacts.
    """
    single = isinstance(contacts, str)
    if isinstance(contacts, np.ndarray):
        codes = np.asarray(contacts, dtype=np.uint8)
        if codes.ndim != 2 or codes.shape[1] != N_CONTACTS or (codes.size and codes.max() >= N_LETTERS):
            raise InputError("contacts", f"expected uint8 codes of shape (P, {N_CONTACTS}) below {N_LETTERS}")
    else:
        codes = encode_contacts(contacts)
    _, offset, _ = _grid(model.potential)
    pmfs = _letter_pmfs(tuple(model.composition()), model.potential)
    unique, inverse = np.unique(np.sort(codes, axis=1), axis=0, return_inverse=True)
    values = np.empty(unique.shape[0])
    for i, row in enumerate(unique):
        sums, pmf = _sum_distribution([pmfs[c] for c in row], offset, _GRID_UNITS[model.potential])
        values[i] = pmf @ _recognise_given_sum(sums, model.recognition_threshold, model.germline_mean, model.germline_sd)
    out = values[np.asarray(inverse).ravel()]
    return float(out[0]) if single else out


@lru_cache(maxsize=8)
def _random_pair_sum_distribution(
    composition: tuple[float, ...], potential: str = DEFAULT_POTENTIAL
) -> tuple[np.ndarray, np.ndarray]:
    """Exact distribution of the contact-energy sum of a random receptor and a random ligand."""
    steps, offset, width = _grid(potential)
    receptor = np.asarray(composition)
    ligand = human_aa_composition()
    weights = np.outer(receptor, ligand)  # [receptor residue, ligand residue], as the grid
    pmf = _position_pmf(steps[:, :N_STANDARD], weights, offset, width)
    return _sum_distribution([pmf] * N_CONTACTS, offset, _GRID_UNITS[potential])


def mean_recognition_probability(model: TCRModel = TCRModel()) -> float:
    """Probability that a random receptor recognises a random ligand (exact).

    Ligand contacts are drawn from the human proteome composition, receptor
    contacts from ``model.composition()``, and the germline term from its
    normal law; computed by exact convolution of the contact-energy sum.
    """
    sums, pmf = _random_pair_sum_distribution(tuple(model.composition()), model.potential)
    return float(pmf @ _recognise_given_sum(sums, model.recognition_threshold, model.germline_mean, model.germline_sd))


def calibrate_recognition_threshold(
    target_probability: float = 1e-5,
    *,
    germline_mean: float = 0.0,
    germline_sd: float | None = None,
    receptor_composition: tuple[float, ...] | None = None,
    potential: str = DEFAULT_POTENTIAL,
) -> float:
    """The recognition threshold (kT) at which a random receptor recognises a
    random ligand with ``target_probability`` (see :func:`mean_recognition_probability`).

    Exact: the contact-energy sum's distribution is an exact convolution on the
    0.01-kT grid and the germline term enters through the normal CDF; the root
    is found by Brent's method on the log-probability. With ``germline_sd = 0``
    the probability is a step function and the smallest grid threshold reaching
    the target is returned. ``germline_sd=None`` takes the potential's default
    (:data:`DEFAULT_GERMLINE_SD`). Recorded results (defaults, target 1e-5):
    -32.9068 kT (``"mj1996"``, germline sd 1.5), -3.6195 kT (``"tcren2024"``,
    germline sd 0.4).
    """
    target = _check_finite("target_probability", target_probability)
    if not 0 < target < 1:
        raise InputError("target_probability", f"{target} is outside (0, 1)")
    model = TCRModel(germline_mean, germline_sd, 0.0, receptor_composition, potential)
    sums, pmf = _random_pair_sum_distribution(tuple(model.composition()), model.potential)
    if model.germline_sd == 0:
        cumulative = np.cumsum(pmf)
        reachable = np.nonzero(cumulative >= target)[0]
        return float(sums[reachable[0]] + model.germline_mean)

    def log_gap(threshold: float) -> float:
        logs = _log_recognise_given_sum(sums, threshold, model.germline_mean, model.germline_sd)
        nonzero = pmf > 0
        top = logs[nonzero].max()
        return top + np.log(pmf[nonzero] @ np.exp(logs[nonzero] - top)) - np.log(target)

    span = 40 * model.germline_sd + 1
    low, high = sums[0] + model.germline_mean - span, sums[-1] + model.germline_mean + span
    return float(brentq(log_gap, low, high, xtol=1e-10))
