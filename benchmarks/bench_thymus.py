"""Thymic selection of 10^6 thymocytes against ~10^4 displayed self peptides.

Issue 3 target: under 60 s on 2 cores. Prints, in one run:

1. building the person's thymic display (presented self set) the first time, and the
   second time (cached per molecule: a cohort does not redo it per person);
2. ``simulate_thymus`` on N thymocytes (default 10^6): wall and CPU seconds, with the
   number of displayed ligands;
3. a straightforward reference -- a per-thymocyte numpy loop (each thymocyte's energies
   to every displayed ligand as one vector, then min and fate) -- timed on a subset and
   extrapolated to N, and the ratio of the two.

For scale (not measured here): the open reference model of this kind (Yin et al. 2024)
needs about 23 ms per thymocyte against 8,000 peptides, i.e. ~6.4 hours for 10^6.

Run: ``python benchmarks/bench_thymus.py [N] [reference_subset]`` (defaults 1000000 400).
"""

from __future__ import annotations

import sys
import time

import numba
import numpy as np

from autoimmunity.molecular import contact_energy_matrix, random_receptors
from autoimmunity.tolerance import CALIBRATION_HLA, ThymusParameters, clear_display_caches, default_tcr_model, simulate_thymus, thymic_display

#: Background residues giving ~10^4 displayed self ligands on the calibration person.
RESIDUES = 1_750_000


def reference_selection(receptors, contacts, molecule, params) -> tuple[np.ndarray, float]:
    """The obvious implementation: one thymocyte at a time, numpy over ligands."""
    J = contact_energy_matrix()
    fates = np.empty(len(receptors), dtype=np.int8)
    start = time.perf_counter()
    for i in range(len(receptors)):
        t = receptors.contacts[i]
        energy = receptors.germline[i, molecule].astype(np.float64)
        for k in range(5):
            energy += J[t[k], contacts[:, k]]
        e_min = energy.min()
        if e_min > params.positive_threshold:
            fates[i] = 0
        elif e_min <= params.negative_threshold:
            fates[i] = 1
        elif e_min <= params.treg_threshold:
            fates[i] = 2
        else:
            fates[i] = 3
    return fates, time.perf_counter() - start


def main(n: int = 1_000_000, n_reference: int = 400) -> None:
    params = ThymusParameters(self_proteome_residues=RESIDUES)
    clear_display_caches()
    t0 = time.perf_counter()
    display = thymic_display(CALIBRATION_HLA, params)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    thymic_display(CALIBRATION_HLA, params)
    second = time.perf_counter() - t0
    n_ligands = display.n_ubiquitous + sum(display.n_ligands(g) for g in display.tra_genes)
    print(f"threads: {numba.get_num_threads()}; person {CALIBRATION_HLA}; {display.n_ubiquitous:,} ubiquitous "
          f"+ {n_ligands - display.n_ubiquitous} tissue-restricted displayed self ligands")
    print(f"thymic display: first build {first:.2f} s, cached {second * 1e3:.3f} ms")

    simulate_thymus(CALIBRATION_HLA, 1_000, np.random.default_rng(0), parameters=params)  # load compiled kernels
    wall, cpu = time.perf_counter(), time.process_time()
    repertoire = simulate_thymus(CALIBRATION_HLA, n, np.random.default_rng(1), parameters=params)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    s = repertoire.summary()
    print(f"simulate_thymus: {n:,} thymocytes in {wall:.1f} s wall ({cpu:.1f} s CPU); "
          f"{n * n_ligands / wall:.3e} thymocyte-ligand pairs/s; {wall / n * 1e6:.1f} us per thymocyte")
    print(f"  selected {s['fraction_selected']:.4f}, deleted {s['fraction_deleted']:.4f}, "
          f"neglected {s['fraction_neglected']:.4f}, Treg of CD4 {s['treg_fraction_of_cd4']:.4f}")

    receptors = random_receptors(n_reference, display.n_molecules, np.random.default_rng(2), default_tcr_model())
    _, ref = reference_selection(receptors, display.ubiquitous_contacts, display.ubiquitous_molecule, params)
    per = ref / n_reference
    print(f"reference per-thymocyte numpy loop: {per * 1e3:.2f} ms per thymocyte "
          f"({n_reference} timed) -> {per * n:.0f} s extrapolated to {n:,}")
    print(f"speed-up over reference: {per * n / wall:.0f}x")
    print(f"target < 60 s for 10^6 thymocytes x 10^4 ligands: {'PASS' if (wall * 1_000_000 / n) < 60 else 'FAIL'}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
