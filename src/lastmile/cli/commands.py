"""Registers every capability's CLI commands on the main app (one line each)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the commands of every capability to ``app``."""
