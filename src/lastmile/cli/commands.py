"""Registers every capability's CLI commands on the main app.

Each capability keeps its commands in ``lastmile/cli/<capability>.py`` exposing
``register(app)``; add one import and one call below for it.
"""

from __future__ import annotations

import typer

from lastmile.cli import db as db_cli
from lastmile.cli import demo as demo_cli
from lastmile.cli import forecast as forecast_cli
from lastmile.cli import fulfillment as fulfillment_cli
from lastmile.cli import geo as geo_cli
from lastmile.cli import importing as importing_cli
from lastmile.cli import routing as routing_cli
from lastmile.cli import serve as serve_cli
from lastmile.cli import simulate as simulate_cli
from lastmile.cli import tracking as tracking_cli


def register(app: typer.Typer) -> None:
    """Attach the commands of every capability to ``app``."""
    db_cli.register(app)
    importing_cli.register(app)
    routing_cli.register(app)
    forecast_cli.register(app)
    geo_cli.register(app)
    fulfillment_cli.register(app)
    serve_cli.register(app)
    tracking_cli.register(app)
    demo_cli.register(app)
    simulate_cli.register(app)
