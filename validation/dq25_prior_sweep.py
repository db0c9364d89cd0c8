"""How strongly may the DQ2.5 anchor prior be set? Held-out AUC and gliadin ranks per prior weight.

For each weight the DQ2.5 matrix is cross-validated on the shipped folds (clusters of peptides
sharing a 9-mer, ``scripts/fit_dq_matrices.py``) with a fixed ridge penalty and the same random
starts, then refitted on all rows; the deamidated gliadin epitopes are scored as validation only
(they never enter the fit)::

    python validation/dq25_prior_sweep.py 0,0.1,0.2,0.3,0.5 [LAMBDA]   # ~10 min on 2 cores

Results of session 14 are in docs/dq_models.md ("Anchor prior strength").
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import fit_dq_matrices as fit  # noqa: E402
from autoimmunity.molecular import ALPHABET, CoreMatrix, core_scores, deamidate, encode, percentile_rank  # noqa: E402

GLIADIN_33MER = "LQLQPFPQPQLPYPQPQLPYPQPQLPYPQPQPF"  # P18573 76-108, deamidated below
ALPHA1A, OMEGA1 = "QLQPFPQPELPY", "PFPQPEQPF"  # known_class2_epitopes.tsv


def ranks(model) -> str:
    weights = np.zeros((9, len(ALPHABET)))
    weights[:, :20] = model.weights
    matrix = CoreMatrix(fit.DQ25, "sweep", weights, model.intercept)
    mer = deamidate(GLIADIN_33MER)
    best15 = min(float(percentile_rank(matrix, core_scores(matrix, encode(mer[i:i + 15])).max(), 15))
                 for i in range(len(mer) - 14))
    out = [f"deamidated 33-mer best 15-mer window {best15:.2f}"]
    for name, pep in (("alpha1a", ALPHA1A), ("omega1", OMEGA1)):
        scores = core_scores(matrix, encode(pep))
        r = int(scores.argmax())
        out.append(f"{name} {pep[r:r + 9]} {float(percentile_rank(matrix, scores.max(), len(pep))):.2f}")
    return "; ".join(out)


def main(argv) -> int:
    try:
        weights = [float(x) for x in argv[0].split(",")] if argv else [0.0, 0.1, 0.2, 0.3, 0.5]
        lam = float(argv[1]) if len(argv) > 1 else 10.0
    except ValueError:
        print("usage: dq25_prior_sweep.py WEIGHTS (comma-separated numbers) [LAMBDA (number)]", file=sys.stderr)
        return 2
    data = pd.read_csv(fit.TRAIN_TSV, sep="\t", comment="#")
    sub = data[data["allele"] == fit.DQ25]
    peps, y = list(sub["peptide"]), sub["measurement"].to_numpy(float)
    folds = fit.shared_kmer_folds(peps, fit.N_FOLDS)
    aa = fit.AA
    for w in weights:
        prior = fit.anchor_prior(fit.DQ25, w)
        aucs, _ = fit.cross_validate(peps, y, folds, lam, np.random.default_rng(fit.SEED), prior)
        model = fit.fit_pssm(peps, y, ridge_lambda=lam, rng=np.random.default_rng(fit.SEED), prior=prior)
        print(f"prior {w:g}, lambda {lam:g}: CV AUC {np.mean(aucs):.4f} +/- {np.std(aucs):.4f}; "
              f"P4 E {model.weights[3, aa.index('E')]:+.3f}, P6 E {model.weights[5, aa.index('E')]:+.3f}; "
              + ranks(model), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
