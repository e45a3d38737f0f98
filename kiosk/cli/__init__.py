"""The ``kiosk`` command: :mod:`kiosk.cli.main.main` is the entry point, each other module one
command (docs/cli.md)."""
