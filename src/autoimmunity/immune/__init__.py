"""The immune response and its regulation: antigen-specific T and B cells, APCs,
cytokines, antibodies and pathogens, advanced for many people at once.

The equations live in one right-hand side (:func:`_kernel.rhs`) shared by the batch
integrator and the ``scipy.integrate.solve_ivp`` reference (:func:`reference_solve`).
Parameters, with units and sources, are in :data:`PARAMETERS`.
"""

from ._model import (
    GROUP_VARS,
    PATHOGEN_VARS,
    SITE_ALGEBRAIC,
    SITE_VARS,
    Group,
    Model,
    PathogenSpec,
    PersonInputs,
    Schedule,
    SimResult,
    algebraic_at,
    build_model,
    diet_specs,
    initial_state,
    pathogen_specs,
    reference_solve,
    simulate,
)
from ._parameters import CELL_UNIT, IDX, PARAMETERS, Parameter, parameter_array, parameter_table
from ._schedule import make_schedule

__all__ = [
    "GROUP_VARS", "PATHOGEN_VARS", "SITE_ALGEBRAIC", "SITE_VARS", "Group", "Model", "PathogenSpec",
    "PersonInputs", "Schedule", "SimResult", "algebraic_at", "build_model", "diet_specs", "initial_state",
    "pathogen_specs", "reference_solve", "simulate", "CELL_UNIT", "IDX", "PARAMETERS", "Parameter",
    "parameter_array", "parameter_table", "make_schedule",
]
