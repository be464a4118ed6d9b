"""The ``aisci`` command line: one module per command group, ``app`` wires them together."""

from agents.cli.app import app, main

__all__ = ["app", "main"]
