"""Exploration behind docs/molecular.md ("Known limitation: mimicry under Miyazawa-Jernigan
energies"): does removing the hydrophobic main effects from the contact potential let the
EBNA1 mimicry must-show of issue 2 pass?

The Miyazawa-Jernigan matrix is double-centred with proteome-composition weights
(J - row mean - column mean + grand mean: each residue's average stickiness removed, the
residue-residue interaction kept), the recognition threshold is recalibrated to the same
1e-5 mean recognition probability, and the best EBNA1-MBP and EBNA1-GlialCAM pairs on
DRB1*15:01 are compared with the 99th percentile of 400 random pairs.

This swaps the package's energy table in-process; it is an experiment, not a model
option (thymic selection and its calibration assume the published energies). The
shipped alternative potential, TCRen (``TCRModel(potential="tcren2024")``), is
evaluated in ``validation/compare_potentials_mimicry.py``.
Run: ``python validation/explore_mimicry_potential.py`` (about a minute).
Result on 2026-11-29: threshold -7.11 kT; null overlap 99th percentile 0.248; best
EBNA1-MBP overlap 0.288 (passes), best EBNA1-GlialCAM 0.249 (borderline).
"""

from __future__ import annotations

import numpy as np

import autoimmunity.molecular._mimicry as mimicry_module
import autoimmunity.molecular._tcr as tcr
from autoimmunity.molecular import human_aa_composition


def double_centred() -> np.ndarray:
    energies = tcr.contact_energy_matrix()
    weights = np.append(human_aa_composition(), 0.0)
    row, col, grand = energies @ weights, weights @ energies, weights @ energies @ weights
    return np.round(energies - row[:, None] - col[None, :] + grand, 2)


def main() -> None:
    table = double_centred()
    tcr._contact_energies_cached = lambda potential="mj1996": table
    for cached in (tcr._grid_energies, tcr._contact_energies_f32, tcr._letter_pmfs, tcr._random_pair_sum_distribution,
                   mimicry_module._log_phi):
        cached.cache_clear()
    threshold = tcr.calibrate_recognition_threshold(1e-5)
    model = tcr.TCRModel(recognition_threshold=threshold)
    rng = np.random.default_rng(0)
    null = mimicry_module.random_pair_null(400, rng, model)
    cut = float(null["overlap"].quantile(0.99))
    print(f"recalibrated threshold {threshold:.2f} kT; null overlap 99th percentile {cut:.3f}")
    for self_protein in ("MBP", "HEPACAM"):
        best = mimicry_module.mimicry(self_protein, "EBNA1", "DRB1*15:01", top=1, n_receptors=2000, rng=rng, model=model,
                                      threshold=2.0)
        overlap = float(best["overlap"].iloc[0])
        print(f"EBNA1-{self_protein}: best overlap {overlap:.3f} ({'above' if overlap > cut else 'not above'} the null 99th percentile)")


if __name__ == "__main__":
    main()
