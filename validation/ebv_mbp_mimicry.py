"""EBV mimics of myelin on the DR15 haplotype: the numbers behind docs/molecular.md.

Three questions, each answered with the search's defaults (TCRen potential, 10% weak-binder
cutoff, pairs within and across molecules):

1. T cells, documented mimic. Does a search of EBV DNA polymerase (BALF5) for mimics of myelin
   basic protein on DRB1*15:01 + DRB5*01:01 find the pair of Lang HL et al., Nat Immunol
   2002;3:940 (MBP 85-99 on DRB1*15:01, BALF5 627-641 on DRB5*01:01), and how far is it above
   random pairs, and above the best pair of searches of random proteins of BALF5's length
   (1,015 residues from the human proteome composition; the null for a whole search)?
2. T cells, EBNA1. Where do the best EBNA1 pairs with MBP, GlialCAM, MOG and PLP1 sit among
   single random pairs, and what would a search of that size find by chance (the best of n
   random pairs lies near the 100 n / (n + 1) th percentile)?
3. B cells, Lanz TV et al., Nature 2022;603:321. EBNA1 386-405 and GlialCAM 370-389 are an
   antibody's cross-reactive pair. Linear 5-residue epitopes, B-cell receptor model of the
   bone-marrow layer (Miyazawa-Jernigan, its framework term shared by both epitopes); the best
   window pair of the two 20-mers against the best window pair of random 20-mers (same search
   size), and the same under TCRen for comparison.

Run: ``python validation/ebv_mbp_mimicry.py`` (about 8 minutes on 2 cores, longer on a shared machine;
output of 2026-11-30 in docs/molecular.md).
"""

from __future__ import annotations

import numpy as np

from autoimmunity.molecular import (
    MIMICRY_MODEL,
    STANDARD_AMINO_ACIDS,
    Protein,
    TCRModel,
    encode_contacts,
    get_protein,
    human_aa_composition,
    mimicry,
    presented_ligands,
    random_pair_null,
)
# exact pair statistics without the sampled interval of cross_reactivity (51,200 window pairs here)
from autoimmunity.molecular._mimicry import _exact
from autoimmunity.tolerance import BoneMarrowParameters, bcr_model

DR15 = "DRB1*15:01,DRB5*01:01"


def t_cells() -> None:
    same = random_pair_null(3_000, np.random.default_rng(2024), MIMICRY_MODEL)["overlap"]
    across = random_pair_null(3_000, np.random.default_rng(2025), MIMICRY_MODEL, same_molecule=False)["overlap"]
    print(f"null, one molecule (3,000 pairs): 99th {same.quantile(0.99):.3g}, 99.9th {same.quantile(0.999):.3g}")
    print(f"null, two molecules (3,000 pairs): 99th {across.quantile(0.99):.3g}, max {across.max():.3g}")
    for self_protein, foreign in [("MBP", "BALF5"), ("MBP", "EBNA1"), ("HEPACAM", "EBNA1"), ("MOG", "EBNA1"),
                                  ("PLP1", "EBNA1")]:
        table = mimicry(self_protein, foreign, DR15, top=2, n_receptors=2_000, rng=np.random.default_rng(9))
        best = table.iloc[0]
        null = same if best.same_molecule else across
        n_self = len(presented_ligands(DR15, self_protein, threshold=10.0))
        n_foreign = len(presented_ligands(DR15, foreign, threshold=10.0))
        n_pairs = n_self * n_foreign
        print(f"{foreign}-{self_protein}: best {best.self_core}/{best.self_allele} x {best.foreign_core}/"
              f"{best.foreign_allele}, {best.contact_identity}/5 contacts, overlap {best.overlap:.3g} "
              f"(next {table.iloc[1].overlap:.3g}); percentile among single random pairs "
              f"{100 * float((null < best.overlap).mean()):.1f}; best of {n_pairs} pairs, chance "
              f"~{100 * n_pairs / (n_pairs + 1):.1f}")


def random_protein_searches(n: int = 300, length: int = 1015) -> np.ndarray:
    """Best overlap of searches of MBP against ``n`` random proteins (the null of a whole search)."""
    rng = np.random.default_rng(2030)
    letters = np.array(list(STANDARD_AMINO_ACIDS))
    best = np.empty(n)
    for i in range(n):
        protein = Protein("RANDOM", "RANDOM", "random protein", "none",
                          "".join(rng.choice(letters, length, p=human_aa_composition())), origin="foreign")
        table = mimicry("MBP", protein, DR15, top=1, n_receptors=100, rng=np.random.default_rng(0))
        best[i] = table["overlap"].iloc[0]
    return best


def _best_window_pair(a: str, b: str, model: TCRModel) -> tuple[float, str, str]:
    wa = [a[i : i + 5] for i in range(len(a) - 4)]
    wb = [b[i : i + 5] for i in range(len(b) - 4)]
    left = [x for x in wa for _ in wb]
    right = [y for _ in wa for y in wb]
    stats = _exact(encode_contacts(left), encode_contacts(right), model, True)
    k = int(np.nanargmax(stats[:, 1]))
    return float(stats[k, 1]), left[k], right[k]


def b_cells(n_null: int = 100) -> None:
    ebna1 = get_protein("EBNA1").sequence[385:405]
    glialcam = get_protein("HEPACAM").sequence[369:389]
    letters = np.array(list(STANDARD_AMINO_ACIDS))
    for name, model in [("B-cell receptor (Miyazawa-Jernigan)", bcr_model(BoneMarrowParameters())),
                        ("TCRen", MIMICRY_MODEL)]:
        overlap, x, y = _best_window_pair(ebna1, glialcam, model)
        rng = np.random.default_rng(1)
        null = np.array([
            _best_window_pair("".join(rng.choice(letters, 20, p=human_aa_composition())),
                              "".join(rng.choice(letters, 20, p=human_aa_composition())), model)[0]
            for _ in range(n_null)
        ])
        print(f"{name}: EBNA1 386-405 {ebna1} x GlialCAM 370-389 {glialcam}: best {x}/{y} overlap {overlap:.3g}; "
              f"best of 256 random window pairs ({n_null} draws): median {np.median(null):.3g}, "
              f"90th {np.quantile(null, 0.9):.3g}, 99th {np.quantile(null, 0.99):.3g}")


if __name__ == "__main__":
    t_cells()
    null = random_protein_searches()
    lang = mimicry("MBP", "BALF5", DR15, top=1, n_receptors=100, rng=np.random.default_rng(0))["overlap"].iloc[0]
    print(f"searches of {null.size} random 1,015-residue proteins: best overlap median {np.median(null):.3g}, "
          f"90th {np.quantile(null, 0.9):.3g}, 99th {np.quantile(null, 0.99):.3g}; at or above the BALF5 pair "
          f"({lang:.3g}): {int((null >= lang).sum())}")
    b_cells()
