"""``python -m autoimmunity`` runs the command-line program."""

from .cli import main

main()
