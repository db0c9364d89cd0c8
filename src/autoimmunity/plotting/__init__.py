"""Figures from tidy tables (matplotlib)."""

from ._lifecourse import lifecourse_figures, lifecourse_report

__all__ = ["lifecourse_figures", "lifecourse_report"]
