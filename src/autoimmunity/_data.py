"""Where the package's shipped data live (``src/autoimmunity/data``; see its MANIFEST.tsv)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["data_path"]


def data_path(*parts: str) -> Path:
    """Path of a shipped data file or folder, e.g. ``data_path("diseases", "t1d.toml")``."""
    return Path(str(resources.files("autoimmunity").joinpath("data", *parts)))
