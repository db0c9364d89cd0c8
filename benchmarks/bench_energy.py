"""Throughput of the receptor-ligand energy kernels.

Prints receptor-ligand pair energies per second for the default kernels (full
float32 matrix and the fused minimum used by thymic selection) on R x P random
receptors and ligands, for the plain numpy reference on a slice of the same
data, and the ratio; then the exact cross-reactivity kernel in pairs per second.
Run: ``python benchmarks/bench_energy.py [R] [P]`` (defaults 20000 10000; < 60 s).
"""

from __future__ import annotations

import sys
import time

import numba
import numpy as np

from autoimmunity.molecular._mimicry import random_pair_null
from autoimmunity.molecular._tcr import (
    _energies_reference,
    interaction_energies,
    min_energies,
    random_receptors,
)


def best_time(function, repeats: int = 3) -> tuple[float, float]:
    """Best (wall seconds, CPU seconds of this process over all threads) of ``repeats`` runs."""
    times = []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(times)


def main(n_receptors: int = 20_000, n_ligands: int = 10_000) -> None:
    rng = np.random.default_rng(0)
    n_molecules = 4
    receptors = random_receptors(n_receptors, n_molecules, rng)
    ligands = rng.integers(0, 21, size=(n_ligands, 5)).astype(np.uint8)
    molecule = rng.integers(0, n_molecules, size=n_ligands)
    pairs = n_receptors * n_ligands

    interaction_energies(receptors.take(slice(0, 8)), ligands, molecule)  # compile / load cache
    min_energies(receptors.take(slice(0, 8)), ligands, molecule)
    full, full_cpu = best_time(lambda: interaction_energies(receptors, ligands, molecule))
    fused, fused_cpu = best_time(lambda: min_energies(receptors, ligands, molecule))
    sub = receptors.take(slice(0, max(1, n_receptors // 40)))
    reference, reference_cpu = best_time(lambda: _energies_reference(sub, ligands, molecule), repeats=2)
    sub_pairs = len(sub) * n_ligands

    print(f"threads: {numba.get_num_threads()}; R = {n_receptors:,} receptors x P = {n_ligands:,} ligands, "
          f"{n_molecules} molecules")
    print("pairs per wall second (and per CPU second: robust on a shared machine)")
    print(f"interaction_energies (float32 R x P): {pairs / full:10.3e}  ({pairs / full_cpu:.3e} per CPU s)")
    print(f"min_energies (fused min + argmin):    {pairs / fused:10.3e}  ({pairs / fused_cpu:.3e} per CPU s)")
    print(f"numpy reference ({len(sub):,} x {n_ligands:,}):   {sub_pairs / reference:10.3e}  "
          f"({sub_pairs / reference_cpu:.3e} per CPU s)")
    print(f"speed-up over reference (wall): full {reference / sub_pairs * pairs / full:.1f}x, "
          f"fused {reference / sub_pairs * pairs / fused:.1f}x")

    random_pair_null(2, np.random.default_rng(1))  # compile / load cache
    n_pairs = 40
    exact, exact_cpu = best_time(lambda: random_pair_null(n_pairs, np.random.default_rng(1)), repeats=1)
    print(f"exact cross-reactivity (20^5 receptor strings per pair): {n_pairs / exact:.1f} ligand pairs/s "
          f"({n_pairs / exact_cpu:.1f} per CPU s)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
