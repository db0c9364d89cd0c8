"""Recalibrate the central-tolerance thresholds and print them as JSON.

Thymus (``autoimmunity.tolerance.calibrate_thymus``): E_p, E_n, E_treg on the
calibration person (``CALIBRATION_HLA``) so that 3% of thymocytes mature
(Egerton 1990), 6 are deleted per mature cell (Stritesky 2013) and 6.35% of
mature CD4 cells are regulatory (Seddiki 2006); then the peripheral activation
threshold on the mature repertoire (1e-5 per random foreign ligand, Kwok 2012).

Bone marrow (``calibrate_bone_marrow``): the editing threshold so that 55% of
first receptors are self-reactive (Wardemann 2003) and the anergy threshold so
that 2.5% of mature B cells are anergic (Duty 2009).

Copy the printed values into ``ThymusParameters`` / ``BoneMarrowParameters``
defaults and ``DEFAULT_ACTIVATION_THRESHOLD`` (src/autoimmunity/tolerance/),
and into docs/tolerance.md. Usage:

    python scripts/calibrate_thymus.py [--thymocytes 500000] [--b-cells 100000]
        [--potential mj1996|tcren2024] [--germline-sd KT]

``--potential`` selects the T-cell receptor contact potential
(``TCRModel.potential``; default ``mj1996``, the one the shipped defaults are
calibrated for) and ``--germline-sd`` the germline spread (default: the
potential's, ``DEFAULT_GERMLINE_SD``). The printed thresholds then belong to that
model: pass them as ``ThymusParameters`` and ``TCRModel(potential=...,
recognition_threshold=<activation_threshold>)``; the shipped defaults are not
changed. B cells always use the Miyazawa-Jernigan model (``bcr_model``).
"""

from __future__ import annotations

import argparse
import json
import time

from autoimmunity.molecular import CONTACT_POTENTIALS, TCRModel
from autoimmunity.tolerance import calibrate_bone_marrow, calibrate_thymus, default_tcr_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thymocytes", type=int, default=500_000)
    parser.add_argument("--b-cells", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2008)
    parser.add_argument("--potential", choices=CONTACT_POTENTIALS, default="mj1996")
    parser.add_argument("--germline-sd", type=float, default=None)
    args = parser.parse_args()
    if args.potential == "mj1996" and args.germline_sd is None:
        model = default_tcr_model()
    else:
        model = TCRModel(germline_sd=args.germline_sd, potential=args.potential)
    start = time.perf_counter()
    thymus = calibrate_thymus(n_thymocytes=args.thymocytes, seed=args.seed, model=model)
    thymus_seconds = round(time.perf_counter() - start, 1)
    marrow = calibrate_bone_marrow(n_b_cells=args.b_cells)
    print(json.dumps({"thymus": thymus, "bone_marrow": marrow, "thymus_seconds": thymus_seconds,
                      "seconds": round(time.perf_counter() - start, 1)}, indent=2))


if __name__ == "__main__":
    main()
