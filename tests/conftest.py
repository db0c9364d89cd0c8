"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def known_epitopes() -> pd.DataFrame:
    """Known class II epitopes curated from the literature (data/known_class2_epitopes.tsv)."""
    from importlib import resources

    path = Path(str(resources.files("autoimmunity").joinpath("data", "known_class2_epitopes.tsv")))
    return pd.read_csv(path, sep="\t", comment="#")
