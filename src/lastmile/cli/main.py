"""The ``lastmile`` command line: one Typer app, one sub-module per capability."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="lastmile",
    help="lastmile: fulfillment and last-mile delivery, from stock to doorstep.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """lastmile: fulfillment and last-mile delivery, from stock to doorstep."""


@app.command()
def version() -> None:
    """Print the installed lastmile version."""
    from importlib.metadata import version as dist_version

    typer.echo(dist_version("lastmile"))


def _register() -> None:
    # Each capability's commands live in their own module and attach themselves here;
    # importing them lazily keeps `lastmile --help` fast.
    from lastmile.cli import commands

    commands.register(app)


_register()
