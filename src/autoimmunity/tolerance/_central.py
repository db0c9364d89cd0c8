"""One call for a person's whole central tolerance: thymus and bone marrow."""

from __future__ import annotations

import numpy as np

from ..molecular import HLAGenotype
from ..molecular import TCRModel
from ._bone_marrow import simulate_bone_marrow
from ._parameters import BoneMarrowParameters, ThymusParameters, ToleranceGenotype
from ._repertoire import Repertoire
from ._thymus import simulate_thymus

__all__ = ["central_tolerance"]


def central_tolerance(
    hla: str | HLAGenotype,
    n_thymocytes: int,
    n_b_cells: int,
    rng: np.random.Generator,
    *,
    genotype: ToleranceGenotype | None = None,
    thymus_parameters: ThymusParameters | None = None,
    bone_marrow_parameters: BoneMarrowParameters | None = None,
    model: TCRModel | None = None,
) -> Repertoire:
    """The repertoire a person is born with: thymic selection of ``n_thymocytes``
    T cells, then bone-marrow tolerance of ``n_b_cells`` B cells (in that order
    on ``rng``; ``n_b_cells = 0`` skips the marrow)."""
    genotype = genotype or ToleranceGenotype()
    repertoire = simulate_thymus(hla, n_thymocytes, rng, genotype=genotype, parameters=thymus_parameters, model=model)
    if n_b_cells and int(n_b_cells) > 0:
        marrow = simulate_bone_marrow(n_b_cells, rng, genotype=genotype, parameters=bone_marrow_parameters)
        repertoire = repertoire.with_bone_marrow(marrow)
    return repertoire
