"""One person: genotype, exposures over the life course, scenarios (TOML)."""

from ._run import PersonRun, Summary, run_batch, run_scenario, simulate_scenario, summarise, trajectory_frame
from ._scenario import Exposure, Intervention, Scenario, load_scenario, typical_infections
from ._seeding import Genotype, GenotypeExpectation, draw_people, genotype_expectation, presentation_weight

__all__ = [
    "PersonRun", "Summary", "run_batch", "run_scenario", "simulate_scenario", "summarise", "trajectory_frame",
    "Exposure", "Intervention", "Scenario", "load_scenario", "typical_infections",
    "Genotype", "GenotypeExpectation", "draw_people", "genotype_expectation", "presentation_weight",
]
