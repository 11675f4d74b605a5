"""``lastmile serve``: the API, dashboard, driver and tracking pages in one process.

It migrates the database first (SQLite file by default, PostgreSQL by URL), so a fresh
install starts with one command; on the first start it creates an admin API key and
prints it once.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from lastmile.services.auth import Role

if TYPE_CHECKING:
    from lastmile.config import Settings
    from lastmile.services.auth import AuthService

console = Console()


def _prepare(database_url: str | None) -> tuple[Settings, AuthService]:
    """Return migrated settings and the credential service for them."""
    from lastmile.adapters.db.auth_store import SqlAuthStore
    from lastmile.adapters.db.mapping import load_all_tables
    from lastmile.bootstrap import make_engine
    from lastmile.config import get_settings
    from lastmile.services.auth import AuthService

    settings = get_settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    load_all_tables()
    engine = make_engine(settings.database_url, migrate=True)
    return settings, AuthService(SqlAuthStore(engine))


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="sqlite:///file.db (default from LASTMILE_DATABASE_URL) or "
            "postgresql+psycopg://..."
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="server processes (one per core is typical)")
    ] = 1,
    access_log: Annotated[bool, typer.Option(help="log every request")] = True,
) -> None:
    """Serve the REST API (/docs), the dashboard, driver and tracking pages."""
    import uvicorn

    from lastmile.api.app import create_app
    from lastmile.api.heap import freeze_startup_heap

    with console.status("migrating the database"):
        settings, auth = _prepare(database_url)
    issued = auth.ensure_admin_key()
    if issued is not None:
        console.print(
            "[bold]First start: admin API key (shown once, store it now):[/bold]\n"
            f"  {issued.secret}"
        )
    if workers > 1:
        # Each worker process builds its own app from the environment; the outbox relay
        # runs in this parent process only, so every event is relayed once.
        import os

        os.environ["LASTMILE_DATABASE_URL"] = settings.database_url
        relay_app = create_app(settings)
        stop = relay_app.state.ctx.start_relay()
        console.print(f"lastmile on http://{host}:{port} with {workers} workers")
        freeze_startup_heap()  # the relay's pauses would delay webhooks and the live map
        try:
            _serve_processes(host, port, workers, log_level, access_log)
        finally:
            stop.set()
        return
    app = create_app(settings)
    geocode = app.state.ctx.geocode
    if geocode is not None:
        # Build the offline geocoder now rather than inside the first order request.
        threading.Thread(target=geocode, args=("1 Main St",), daemon=True).start()
    # Webhooks and the dashboard's live feed come from the outbox, relayed every second.
    stop = app.state.ctx.start_relay()
    console.print(f"lastmile on http://{host}:{port}  (API docs at /docs)")
    freeze_startup_heap()
    try:
        uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=access_log)
    finally:
        stop.set()


def _serve_processes(host: str, port: int, workers: int, log_level: str, access_log: bool) -> None:
    """Serve from ``workers`` processes, connections spread by the kernel where it can."""
    import uvicorn

    from lastmile.api.processes import APP_FACTORY, ProcessServer, reuse_port_supported

    if not reuse_port_supported():
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            access_log=access_log,
        )
        return
    try:
        server = ProcessServer(
            host=host, port=port, workers=workers, log_level=log_level, access_log=access_log
        )
    except OSError as error:
        console.print(f"[red]cannot listen on {host}:{port}: {error.strerror}[/red]")
        raise typer.Exit(1) from error
    status = server.run()
    if status:
        raise typer.Exit(status)


def add_user(
    username: Annotated[str, typer.Argument(help="login name")],
    role: Annotated[Role, typer.Option(help="what the user may do")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    driver_id: Annotated[
        str | None, typer.Option(help="for a driver: the driver id routes carry")
    ] = None,
    database_url: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create a browser login (the dashboard for staff, the phone page for drivers)."""
    from lastmile.domain import DomainError

    _settings, auth = _prepare(database_url)
    try:
        user = auth.create_user(
            username=username, password=password, role=role, driver_id=driver_id
        )
    except DomainError as error:
        console.print(f"[red]refused:[/red] {error}")
        raise typer.Exit(1) from error
    console.print(f"created {user.role} login {user.username!r}")


def register(app: typer.Typer) -> None:
    """Attach ``serve`` and ``user-add`` to the main CLI."""
    app.command("serve")(serve)
    app.command("user-add")(add_user)
