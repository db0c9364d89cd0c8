"""The ``autoimmunity`` command-line program."""

from ._main import app, main

__all__ = ["app", "main"]
