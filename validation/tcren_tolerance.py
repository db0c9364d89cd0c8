"""Central tolerance under the TCRen potential (docs/molecular.md, docs/tolerance.md).

1. Recalibrates E_p, E_n, E_treg and the activation threshold under
   ``TCRModel(potential="tcren2024")`` (germline sd 0.4 kT) exactly as
   ``scripts/calibrate_thymus.py --potential tcren2024`` does, then re-runs the
   checks of ``tests/test_thymus.py`` with those values (same seeds, same
   sizes) and prints each as PASS/FAIL with the numbers. The shipped
   defaults (Miyazawa-Jernigan) are not touched.
2. EBNA1 after selection, for both potentials: exact enumeration over all 20^5
   receptor strings on DRB1*15:01 (one molecule, so the germline term g ~
   N(0, sd) is shared by self and EBNA1 ligands). A string t with strongest
   ubiquitous contact sum S_u(t), strongest self sum S_self(t) and EBNA1 sum
   S_E(t) gives a mature conventional clone that recognises the EBNA1 ligand
   with probability P(E_treg - S_self < g <= min(E_p - S_u, theta - S_E)).
   Tissue-restricted ligands act at their mTEC density (E - ln 16) when met;
   three cases: every TRA met, the exact expectation over the AIRE-normal
   encounters (each gene met independently with p = 0.937; genotype I/I,
   C/C), and every TRA missed (self = ubiquitous only). Printed: P(recognise
   E) before selection, P(recognise E | mature conventional), and the joint
   P(recognise E and the MBP / HEPACAM ligand | mature conventional).

Run: ``python validation/tcren_tolerance.py [--germline-sd 1.5] [--skip-ebna1]``
(about 4 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy.special import ndtr

from autoimmunity.molecular import (
    Receptors,
    TCRModel,
    encode_contacts,
    human_aa_composition,
    interaction_energies,
    min_energies,
    precursor_frequency,
    presented_ligands,
    tcr_contacts,
)
from autoimmunity.tolerance import (
    CALIBRATION_HLA,
    DEFAULT_ACTIVATION_THRESHOLD,
    TARGET_DELETED_PER_SELECTED,
    TARGET_FRACTION_SELECTED,
    TARGET_TREG_FRACTION_OF_CD4,
    ThymusParameters,
    ToleranceGenotype,
    calibrate_thymus,
    simulate_thymus,
    thymic_display,
)

INS_HLA = "DRB1*01:01,DRB1*04:01"
STRONG, WEAK = "LFIVWM", "DEKNG"
LETTERS = "ACDEFGHIKLMNPQRSTVWY"


def check(name: str, ok: bool, detail: str) -> bool:
    print(f"  [{'PASS' if ok else 'FAIL'}] {name}: {detail}")
    return ok


def calibrated(hla: str, n: int, params: ThymusParameters, model: TCRModel, seed: int = 2008):
    cal = calibrate_thymus(hla=hla, n_thymocytes=n, seed=seed, parameters=params, model=model)
    new = params.with_(positive_threshold=cal["positive_threshold"], negative_threshold=cal["negative_threshold"],
                       treg_threshold=cal["treg_threshold"])
    return new, cal


def thymus_checks(model0: TCRModel) -> tuple[ThymusParameters, TCRModel]:
    start = time.perf_counter()
    params, cal = calibrated(CALIBRATION_HLA, 500_000, ThymusParameters(), model0)
    model = TCRModel(germline_sd=model0.germline_sd, potential=model0.potential,
                     recognition_threshold=cal["activation_threshold"])
    print(f"calibration ({time.perf_counter() - start:.0f} s): E_p {params.positive_threshold}, "
          f"E_n {params.negative_threshold}, E_treg {params.treg_threshold}, activation {model.recognition_threshold}; "
          f"selected {cal['fraction_selected']:.4f}, deleted {cal['fraction_deleted']:.4f}, "
          f"Treg/CD4 {cal['treg_fraction_of_cd4']:.4f}")
    run = simulate_thymus(CALIBRATION_HLA, 100_000, np.random.default_rng(11), parameters=params, model=model)
    s, se = run.summary(), run.summary()["standard_errors"]
    print("default display, 100,000 thymocytes, seed 11:")
    check("targets within 4 SE", abs(s["fraction_selected"] - TARGET_FRACTION_SELECTED) < 4 * se["fraction_selected"]
          and abs(s["fraction_deleted"] - TARGET_FRACTION_SELECTED * TARGET_DELETED_PER_SELECTED) < 4 * se["fraction_deleted"]
          and abs(s["treg_fraction_of_cd4"] - TARGET_TREG_FRACTION_OF_CD4) < 4 * se["treg_fraction_of_cd4"],
          f"selected {s['fraction_selected']:.4f}, deleted {s['fraction_deleted']:.4f}, Treg {s['treg_fraction_of_cd4']:.4f}")
    enrich = s["aa_enrichment"]
    t = run.thymus
    after = t.aa_counts_after
    expected = t.aa_counts_positive / t.aa_counts_positive.sum() * after.sum()

    def z(group):
        idx = [LETTERS.index(a) for a in group]
        return (after[idx].sum() - expected[idx].sum()) / math.sqrt(expected[idx].sum())

    check("Kosmrlj enrichment: strong LFIVWM each < 1", all(enrich[a] < 1 for a in STRONG),
          ", ".join(f"{a} {enrich[a]:.2f}" for a in STRONG) + f"; pooled z {z(STRONG):.1f}")
    check("Kosmrlj enrichment: weak DEKNG each > 1", all(enrich[a] > 1 for a in WEAK),
          ", ".join(f"{a} {enrich[a]:.2f}" for a in WEAK) + f"; pooled z {z(WEAK):.1f}")
    ranked = sorted(enrich, key=enrich.get)
    print(f"    most depleted {[(a, round(enrich[a], 2)) for a in ranked[:6]]}; "
          f"most enriched {[(a, round(enrich[a], 2)) for a in ranked[-6:]]}")
    check("negative selection lowers cross-reactivity",
          s["mean_cross_reactivity"] + 4 * se["mean_cross_reactivity"] < s["mean_cross_reactivity_preselection"]
          < s["mean_cross_reactivity_positive_only"],
          f"mature {s['mean_cross_reactivity']:.3g}, unselected {s['mean_cross_reactivity_preselection']:.3g}, "
          f"positive only {s['mean_cross_reactivity_positive_only']:.3g}")
    fewer = simulate_thymus(CALIBRATION_HLA, 100_000, np.random.default_rng(11),
                            parameters=params.with_(self_proteome_residues=250_000), model=model).summary()
    margin = 4 * math.hypot(fewer["standard_errors"]["mean_cross_reactivity"], se["mean_cross_reactivity"])
    check("fewer self peptides -> more cross-reactive (HLA-B57)", fewer["mean_cross_reactivity"] > s["mean_cross_reactivity"] + margin,
          f"{fewer['mean_cross_reactivity']:.3g} vs {s['mean_cross_reactivity']:.3g}")
    tt_rep = simulate_thymus(CALIBRATION_HLA, 100_000, np.random.default_rng(11), parameters=params, model=model,
                             genotype=ToleranceGenotype(ptpn22="T/T"))
    tt = tt_rep.summary()
    spread = math.sqrt(0.25 / tt_rep.thymus.fate_counts["conventional"]) + math.sqrt(0.25 / t.fate_counts["conventional"])
    check("PTPN22 T/T more self-reactive escape", tt["self_reactive_fraction"] > s["self_reactive_fraction"] + 4 * spread,
          f"T/T {tt['self_reactive_fraction']:.3f} vs C/C {s['self_reactive_fraction']:.3f}; T/T selected "
          f"{tt['fraction_selected']:.4f}, deleted {tt['fraction_deleted']:.4f}")
    null = simulate_thymus(CALIBRATION_HLA, 100_000, np.random.default_rng(11), parameters=params, model=model,
                           genotype=ToleranceGenotype(aire="null")).summary()
    check("AIRE null >= 10x TRA escape (default display)",
          s["escaped_tra_total"] > 0 and null["escaped_tra_total"] >= 10 * s["escaped_tra_total"],
          f"{null['escaped_tra_total']} vs {s['escaped_tra_total']}")

    small, _ = calibrated(INS_HLA, 50_000, ThymusParameters(self_proteome_residues=20_000), model)
    print(f"small display (INS_HLA, 20,000 background residues): E_p {small.positive_threshold}, "
          f"E_n {small.negative_threshold}, E_treg {small.treg_threshold}; 300,000 thymocytes, seed 7:")
    runs = {}
    for key, genotype in (("normal", {}), ("null", {"aire": "null"}), ("het", {"aire": "het"}),
                          ("I/III", {"ins_vntr": "I/III"}), ("III/III", {"ins_vntr": "III/III"})):
        runs[key] = simulate_thymus(INS_HLA, 300_000, np.random.default_rng(7), parameters=small, model=model,
                                    genotype=ToleranceGenotype(**genotype)).summary()
    n, nu = runs["normal"], runs["null"]
    check("AIRE null >= 10x TRA escape", nu["escaped_tra_total"] >= 10 * max(n["escaped_tra_total"], 1),
          f"{nu['escaped_tra_total']} vs {n['escaped_tra_total']}")
    ubiq = [n["escaped_by_antigen"][g] + nu["escaped_by_antigen"][g] for g in ("VIM", "ENO1", "TGM2")]
    check("nothing escapes ubiquitous VIM/ENO1/TGM2", sum(ubiq) == 0, str(ubiq))
    ratio = runs["het"]["escaped_tra_total"] / max(n["escaped_tra_total"], 1)
    check("AIRE het escape ratio in (3, 8)", 3 < ratio < 8, f"{ratio:.2f}")
    ins = [runs[k]["escaped_by_antigen"]["INS"] for k in ("normal", "I/III", "III/III")]
    check("INS VNTR: I/I > III/III and monotone", ins[0] > ins[2] and ins[0] >= ins[1] >= ins[2], str(ins))
    check("AIRE null INS escape > 10x", nu["escaped_by_antigen"]["INS"] > 10 * max(ins[0], 1),
          f"{nu['escaped_by_antigen']['INS']} vs {ins[0]}")
    print(f"  small-display fractions: selected {n['fraction_selected']:.4f}, deleted {n['fraction_deleted']:.4f}, "
          f"Treg {n['treg_fraction_of_cd4']:.4f}, self-reactive {n['self_reactive_fraction']:.3f}")
    print(f"({time.perf_counter() - start:.0f} s)")
    return params, model


def window(lo: np.ndarray, hi: np.ndarray, sd: float) -> np.ndarray:
    """P(lo < g <= hi) for g ~ N(0, sd), accurate in both tails (only where hi > lo)."""
    lo, hi = np.broadcast_arrays(np.asarray(lo, float) / sd, np.asarray(hi, float) / sd)
    out = np.zeros(lo.shape)
    open_ = hi > lo
    a, b = lo[open_], hi[open_]
    out[open_] = np.where(a > 0, ndtr(-a) - ndtr(-b), ndtr(b) - ndtr(a))
    return out


def ebna1_after_selection(label: str, params: ThymusParameters, model: TCRModel) -> None:
    start = time.perf_counter()
    display = thymic_display("DRB1*15:01", params)
    pot = model.potential
    sd, theta = model.germline_sd, model.recognition_threshold
    e_p, e_treg = params.positive_threshold, params.treg_threshold
    density = np.log(params.tra_density_fold)
    genes = [g for g in display.tra_genes if display.n_ligands(g)]
    met = dict(zip(display.tra_genes, display.encounter_probabilities(ToleranceGenotype(), params)))
    p_met = np.array([met[g] for g in genes])
    ligands = {}
    for protein in ("EBNA1", "MBP", "HEPACAM"):
        table = presented_ligands("DRB1*15:01", protein)
        for core, p1, startpos in zip(table["core"], table["p_minus1"], table["core_start"]):
            ligands[(protein, int(startpos))] = tcr_contacts(core, p1 if isinstance(p1, str) else None)
    keys = list(ligands)
    ebna = [i for i, k in enumerate(keys) if k[0] == "EBNA1"]
    other = [j for j, k in enumerate(keys) if k[0] != "EBNA1"]
    codes = encode_contacts([ligands[k] for k in keys])
    modes = ("TRAs all met", "TRA encounters (AIRE normal)", "TRAs all missed")
    conv = dict.fromkeys(modes, 0.0)
    rec = {(m, i): 0.0 for m in modes for i in ebna}
    joint = {(m, i, j): 0.0 for m in modes for i in ebna for j in other}
    all_strings = np.indices((20,) * 5, dtype=np.uint8).reshape(5, -1).T
    comp = human_aa_composition()
    for lo_i in range(0, all_strings.shape[0], 400_000):
        strings = np.ascontiguousarray(all_strings[lo_i : lo_i + 400_000])
        weights = np.prod(comp[strings], axis=1)
        receptors = Receptors(strings, np.zeros((strings.shape[0], 1), np.float32))
        s_u = min_energies(receptors, display.ubiquitous_contacts, display.ubiquitous_molecule, potential=pot)[0].astype(float)
        s_g = np.column_stack([min_energies(receptors, display.antigen_contacts[g], 0, potential=pot)[0] for g in genes])
        s_g = s_g.astype(float) - density
        order = np.argsort(s_g, axis=1)
        s_sorted = np.take_along_axis(s_g, order, axis=1)
        p_sorted = p_met[order]
        miss_before = np.cumprod(np.column_stack([np.ones(len(s_u)), 1 - p_sorted[:, :-1]]), axis=1)
        first = p_sorted * miss_before  # P(the k-th strongest gene is the strongest one met)
        none = miss_before[:, -1] * (1 - p_sorted[:, -1])
        scenarios = {
            "TRAs all met": [(np.ones(len(s_u)), np.minimum(s_u, s_sorted[:, 0]))],
            "TRA encounters (AIRE normal)": [(first[:, k], np.minimum(s_u, s_sorted[:, k])) for k in range(len(genes))]
            + [(none, s_u)],
            "TRAs all missed": [(np.ones(len(s_u)), s_u)],
        }
        energy = interaction_energies(receptors, codes, 0, potential=pot).astype(float)
        top = e_p - s_u
        for mode, parts in scenarios.items():
            for prob, s_self in parts:
                w = weights * prob
                lo = e_treg - s_self
                conv[mode] += w @ window(lo, top, sd)
                for i in ebna:
                    hi = np.minimum(top, theta - energy[:, i])
                    rec[(mode, i)] += w @ window(lo, hi, sd)
                    for j in other:
                        joint[(mode, i, j)] += w @ window(lo, np.minimum(hi, theta - energy[:, j]), sd)
    print(f"\n== {label}: E_p {e_p}, E_treg {e_treg}, E_n {params.negative_threshold}, activation {theta}, sd {sd}")
    for mode in modes:
        print(f" {mode}: P(mature conventional) on DRB1*15:01 {conv[mode]:.4f}")
        for i in ebna:
            pre = precursor_frequency(ligands[keys[i]], model)
            parts = [f"{keys[j][0]} {keys[j][1]} ({ligands[keys[j]]}) {joint[(mode, i, j)] / conv[mode]:.2g}" for j in other]
            print(f"  EBNA1 {keys[i][1]} ({ligands[keys[i]]}): P(rec) unselected {pre:.3g}; "
                  f"P(rec | mature conv) {rec[(mode, i)] / conv[mode]:.3g}; joint with " + "; ".join(parts))
    print(f"({time.perf_counter() - start:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--germline-sd", type=float, default=None, help="TCRen germline sd (default 0.4 kT)")
    parser.add_argument("--skip-ebna1", action="store_true")
    args = parser.parse_args()
    model0 = TCRModel(potential="tcren2024", germline_sd=args.germline_sd)
    print(f"== thymus under TCRen (germline sd {model0.germline_sd}) ==")
    params_t, model_t = thymus_checks(model0)
    if args.skip_ebna1:
        return
    ebna1_after_selection("mj1996 (shipped defaults)", ThymusParameters(),
                          TCRModel(recognition_threshold=DEFAULT_ACTIVATION_THRESHOLD))
    ebna1_after_selection("tcren2024 (recalibrated above)", params_t, model_t)


if __name__ == "__main__":
    main()
