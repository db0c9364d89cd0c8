"""Benchmark: screening a foreign proteome for mimics of a self protein.

A mimicry search (:func:`autoimmunity.molecular.mimicry`) screens every (foreign, self)
ligand pair with per-contact conditional marginals of the receptors that recognise each
ligand, then evaluates the best-screened pairs exactly. The marginals dominate the cost
of a proteome-scale search. The shipped implementation computes each (residue, multiset
of the other four contacts) once, builds the four-contact sum distributions from cached
prefixes, and takes the 20 receptor residues' sums as one matrix-vector product. The
reference computes, per ligand and contact, the convolution of the other four contact
pmfs and a stacked, log-rescaled product (the straightforward implementation); both run
here on the same ligands, and their results are compared.

Workload: a synthetic proteome of 80 proteins x 500 residues drawn from the human
proteome composition (about the size of the EBV proteome), searched for mimics of MBP on
DRB1*15:01 + DRB5*01:01 with the search defaults (TCRen, 10% cutoff).

Run: ``python benchmarks/bench_mimicry.py``
"""

from __future__ import annotations

import time

import numpy as np

from autoimmunity.molecular import (
    MIMICRY_MODEL,
    STANDARD_AMINO_ACIDS,
    human_aa_composition,
    mimicry,
    presented_ligands,
)
from autoimmunity.molecular._antigens import Protein
from autoimmunity.molecular._mimicry import _conditional_marginals, _log_phi
from autoimmunity.molecular._tcr import N_CONTACTS, N_STANDARD, _convolve, _grid, _letter_pmfs, encode_contacts

GENOTYPE = "DRB1*15:01,DRB5*01:01"


def reference_marginals(codes: np.ndarray, model) -> np.ndarray:
    """Per ligand and contact: convolve the other four pmfs, then a log-rescaled stacked product."""
    steps, offset, _ = _grid(model.potential)
    pmfs = _letter_pmfs(tuple(model.composition()), model.potential)
    log_phi = _log_phi(model)
    comp = model.composition()
    out = np.zeros((codes.shape[0], N_CONTACTS, N_STANDARD))
    for i, row in enumerate(codes):
        values = steps[:, row] - offset
        for k in range(N_CONTACTS):
            rest = np.ones(1)
            for j in range(N_CONTACTS):
                if j != k:
                    rest = _convolve(rest, pmfs[row[j]])
            logs = np.stack([log_phi[v : v + rest.size] for v in values[:, k]])
            top = logs.max()
            if np.isfinite(top):
                weight = comp * (np.exp(logs - top) @ rest)
                out[i, k] = weight / weight.sum()
    return out


def synthetic_proteome(rng: np.random.Generator, n: int = 80, length: int = 500) -> list[Protein]:
    letters = np.array(list(STANDARD_AMINO_ACIDS))
    comp = human_aa_composition()
    return [Protein(f"SYN{i}", f"SYN{i}", "synthetic protein", "synthetic", "".join(rng.choice(letters, length, p=comp)),
                    origin="foreign") for i in range(n)]


def main() -> None:
    proteome = synthetic_proteome(np.random.default_rng(0))
    ligands = presented_ligands(GENOTYPE, proteome, threshold=10.0)
    codes = encode_contacts(ligands["tcr_contacts"].tolist())
    print(f"proteome: {len(proteome)} proteins, {sum(len(p) for p in proteome)} residues; "
          f"{len(codes)} presented ligands on {GENOTYPE} (10% cutoff)")
    _conditional_marginals(codes[:10], MIMICRY_MODEL)  # warm-up (grids, tables)
    start = time.perf_counter()
    fast = _conditional_marginals(codes, MIMICRY_MODEL)
    t_fast = time.perf_counter() - start
    n_ref = min(200, len(codes))
    start = time.perf_counter()
    ref = reference_marginals(codes[:n_ref], MIMICRY_MODEL)
    t_ref = (time.perf_counter() - start) * len(codes) / n_ref
    diff = float(np.abs(fast[:n_ref] - ref).max())
    print(f"screening marginals: {t_fast:.2f} s; reference {t_ref:.1f} s (extrapolated from {n_ref} ligands); "
          f"speed-up ratio {t_ref / t_fast:.0f}x; max |difference| {diff:.1e}")
    start = time.perf_counter()
    table = mimicry("MBP", proteome, GENOTYPE, top=5, n_receptors=2_000, rng=np.random.default_rng(0))
    print(f"whole search (MBP x proteome, top 5 with intervals): {time.perf_counter() - start:.1f} s; "
          f"best overlap {table['overlap'].iloc[0]:.3g}")


if __name__ == "__main__":
    main()
