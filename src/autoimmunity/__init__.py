"""autoimmunity: a mechanistic simulator of how autoimmune disease emerges.

Layers (see ``docs/architecture.md``): :mod:`autoimmunity.molecular` (antigens,
HLA presentation, modification, T-cell receptor recognition, mimicry),
:mod:`autoimmunity.tolerance` (thymic and bone-marrow selection), then the
immune, tissue, host and cohort layers.
"""

from importlib.metadata import PackageNotFoundError, version

from ._errors import InputError

try:
    __version__ = version("autoimmunity")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["InputError", "__version__"]
