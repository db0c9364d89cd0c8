"""The layer rules of docs/architecture.md hold: each layer imports only the layers the
table allows, and nothing imports the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import autoimmunity

PACKAGE = Path(autoimmunity.__file__).parent

#: layer -> package layers it may import (docs/architecture.md).
ALLOWED = {
    "molecular": set(),
    "tolerance": {"molecular"},
    "io": set(),
    "tissue": {"molecular"},
    "immune": {"tissue", "molecular"},
    "plotting": set(),
    "host": {"molecular", "tolerance", "io", "tissue", "immune", "plotting"},
    "cohort": {"molecular", "tolerance", "io", "tissue", "immune", "plotting", "host"},
}


def _imported_layers(path: Path) -> set[str]:
    layers = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module:
            layers.add(node.module.split(".")[0])
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("autoimmunity."):
            layers.add(node.module.split(".")[1])
    return {name for name in layers if not name.startswith("_")}


def test_layers_import_only_what_the_architecture_allows():
    offences = []
    for layer, allowed in ALLOWED.items():
        for path in sorted((PACKAGE / layer).glob("*.py")):
            extra = _imported_layers(path) - allowed - {layer}
            if extra:
                offences.append(f"{layer}/{path.name} imports {sorted(extra)}")
    assert not offences, offences


def test_nothing_imports_the_cli():
    for path in PACKAGE.rglob("*.py"):
        if "cli" in path.relative_to(PACKAGE).parts:
            continue
        assert "cli" not in _imported_layers(path), path
