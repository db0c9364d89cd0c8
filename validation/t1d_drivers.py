"""What drives type 1 diabetes in a cohort run: islet infections, PTPN22, HLA, timing.

Reads a cohort run directory (``autoimmunity cohort run`` or ``scripts/calibrate_cohort.py
--evaluate-only --run-dir DIR``) and prints T1D risk by the number of islet-reaching enterovirus
infections, by PTPN22 620W copies and for DR3-DQ2.5/DR4-DQ8 heterozygotes, the age at onset, and
how long after the last islet infection each onset came (docs/cohort.md "Calibration").

    python validation/t1d_drivers.py DIR
"""

from __future__ import annotations

import sys

import numpy as np


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python validation/t1d_drivers.py RUN_DIR", file=sys.stderr)
        return 2
    from autoimmunity.cohort import load_cohort

    df = load_cohort(argv[0])
    t1d = df["onset_age_t1d"].notna()
    print(f"{len(df)} people, {int(t1d.sum())} with T1D ({t1d.mean():.2%})")
    for col, label in (("enterovirus_islet_infections", "islet infections"), ("ptpn22_620w", "PTPN22 620W copies")):
        risk = df.groupby(df[col].clip(upper=6))["onset_age_t1d"].agg(lambda s: s.notna().mean())
        size = df.groupby(df[col].clip(upper=6)).size()
        print(f"by {label}: " + ", ".join(f"{k}{'+' if k == 6 and col.startswith('entero') else ''}: "
                                          f"{risk[k]:.2%} (n={size[k]})" for k in risk.index))
    dq = df[["hla_dq_1", "hla_dq_2"]].apply(sorted, axis=1, result_type="expand")
    dr3dr4 = (dq[0] == "DQA1*03:01-DQB1*03:02") & (dq[1] == "DQA1*05:01-DQB1*02:01")
    print(f"DQ2.5/DQ8 heterozygotes: {df.loc[dr3dr4, 'onset_age_t1d'].notna().mean():.2%} (n={int(dr3dr4.sum())}); "
          f"everyone else {df.loc[~dr3dr4, 'onset_age_t1d'].notna().mean():.2%}")
    ages = df.loc[t1d, "onset_age_t1d"].to_numpy()
    if ages.size:
        gaps = []
        for onset, infections in zip(ages, df.loc[t1d, "enterovirus_islet_ages"]):
            before = np.asarray(infections)[np.asarray(infections) <= onset]
            gaps.append(onset - before.max() if before.size else np.inf)
        gaps = np.asarray(gaps)
        print(f"onset age: median {np.median(ages):.1f} y, {int((ages < 15).sum())} of {ages.size} before 15 y; "
              f"onsets within 0.2 y of an islet infection: {np.mean(gaps < 0.2):.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
