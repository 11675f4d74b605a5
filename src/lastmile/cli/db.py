"""``lastmile db``: migrate the database and load the built-in sample network."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL (default: LASTMILE_DATABASE_URL, else sqlite:///lastmile.db).",
    ),
]


def _url(database_url: str | None) -> str:
    from lastmile.config import get_settings

    return database_url or get_settings().database_url


def upgrade(database_url: DatabaseUrl = None) -> None:
    """Create or upgrade the schema to the newest revision of every area."""
    from lastmile.adapters.db.migrate import upgrade as run_upgrade
    from lastmile.bootstrap import make_engine

    url = _url(database_url)
    engine = make_engine(url)
    try:
        with console.status("Upgrading the schema..."):
            revisions = run_upgrade(engine)
    finally:
        engine.dispose()
    shown = engine.url.render_as_string(hide_password=True)
    console.print(f"[green]Database {shown} is at {', '.join(revisions)}.[/green]")


def sample(database_url: DatabaseUrl = None) -> None:
    """Load the built-in sample network (Baltimore) and print what it holds."""
    from lastmile.bootstrap import make_engine, make_uow_factory
    from lastmile.services.sample import load_sample

    engine = make_engine(_url(database_url), migrate=True)
    try:
        with console.status("Loading the sample network..."):
            summary = load_sample(make_uow_factory(engine)())
    finally:
        engine.dispose()
    table = Table(title=f"Sample network for {summary.day.isoformat()}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for label, count in summary.rows():
        table.add_row(label, str(count))
    console.print(table)
    if not summary.loaded:
        console.print("[yellow]The sample was already loaded; nothing was added.[/yellow]")


def register(app: typer.Typer) -> None:
    """Attach ``lastmile db ...`` to ``app``."""
    db_app = typer.Typer(name="db", help="Database schema and sample data.", no_args_is_help=True)
    db_app.command("upgrade")(upgrade)
    db_app.command("sample")(sample)
    app.add_typer(db_app, name="db")
