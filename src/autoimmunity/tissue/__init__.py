"""Target tissues and diseases as declarative data (``data/tissues.toml``,
``data/diseases/*.toml``)."""

from ._specs import Criterion, DiseaseSpec, Tissue, disease_specs, get_disease, load_disease, tissues

__all__ = ["Criterion", "DiseaseSpec", "Tissue", "disease_specs", "get_disease", "load_disease", "tissues"]
