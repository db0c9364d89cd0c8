"""Validation: predicted binding cores of the known class II epitopes.

Compares each row of ``data/known_class2_epitopes.tsv`` (peptide, published 9-mer core,
restricting molecule; each row cites the structure or paper it was read in) with the
project's predictors, and prints the predicted core, whether it matches the published one,
and the percentile rank. Nothing here was used to fit or calibrate the predictors.

Run: ``python validation/validate_known_epitopes.py`` (or ``make validate``).
"""

from __future__ import annotations

import re

import pandas as pd

from autoimmunity._data import data_path
from autoimmunity.molecular import bind


def _molecule(text: str) -> str:
    """'HLA-DQA1*03:01-DQB1*03:02 (DQ8)' -> 'HLA-DQA1*03:01-DQB1*03:02'."""
    return re.split(r"\s|\(", text.strip())[0]


def main() -> pd.DataFrame:
    table = pd.read_csv(data_path("known_class2_epitopes.tsv"), sep="\t", comment="#")
    rows = []
    for row in table.itertuples(index=False):
        result = bind(_molecule(row.allele), row.peptide)
        rows.append(
            {
                "antigen": row.antigen[:40],
                "molecule": result.allele,
                "published_core": row.core,
                "predicted_core": result.core,
                "match": result.core == row.core,
                "percentile_rank": round(result.percentile_rank, 2),
                "evidence": row.core_evidence,
            }
        )
    out = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 10):
        print(out.to_string(index=False))
    print(f"\ncores matching the published register: {int(out['match'].sum())}/{len(out)}; "
          f"presented at %rank <= 2: {int((out['percentile_rank'] <= 2).sum())}/{len(out)}")
    return out


if __name__ == "__main__":
    main()
