"""CLI of tracking: verify the evidence chains, run the outbox relay, manage webhooks."""

from __future__ import annotations

import threading
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lastmile.config import get_settings

console = Console()

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="SQLAlchemy URL (default: LASTMILE_DATABASE_URL)."),
]


def verify_evidence(
    database_url: DatabaseUrl = None,
    route: Annotated[
        list[str] | None, typer.Option("--route", help="Check only this route (repeatable).")
    ] = None,
) -> None:
    """Check every route's proof-of-delivery chain; exit 1 if a record was altered or deleted."""
    from lastmile.adapters.tracking_store import SqlTrackingRepository
    from lastmile.bootstrap import make_engine, make_uow_factory
    from lastmile.services.tracking import verify_evidence as verify

    engine = make_engine(database_url or get_settings().database_url)
    uow = make_uow_factory(engine)()
    tracking = SqlTrackingRepository(lambda: uow.session)
    results = verify(uow=uow, tracking=tracking, route_ids=route or None)
    table = Table(title="evidence chains")
    for col in ("route", "records", "status"):
        table.add_column(col)
    bad = 0
    with uow:
        counts = {rid: len(tracking.evidence(rid)) for rid in results}
    for rid, problems in sorted(results.items()):
        if problems:
            bad += 1
            detail = "; ".join(f"#{p.seq}: {p.problem}" for p in problems)
            table.add_row(rid, str(counts[rid]), f"[red]TAMPERED[/red] {detail}")
        else:
            table.add_row(rid, str(counts[rid]), "[green]intact[/green]")
    console.print(table)
    if bad:
        console.print(f"[red]{bad} of {len(results)} chains failed verification[/red]")
        raise typer.Exit(1)
    console.print(f"[green]{len(results)} chains intact[/green]")


def relay(
    database_url: DatabaseUrl = None,
    once: Annotated[bool, typer.Option("--once", help="Relay what is there and stop.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between rounds.")] = 1.0,
) -> None:
    """Deliver committed events to webhooks (signed, retried, dead-lettered)."""
    import httpx

    from lastmile.adapters.relay import OutboxRelay
    from lastmile.adapters.webhook_store import SqlWebhookStore
    from lastmile.adapters.webhooks import WebhookDispatcher
    from lastmile.bootstrap import make_engine, make_uow_factory

    engine = make_engine(database_url or get_settings().database_url)
    with httpx.Client(timeout=10.0) as client:
        outbox = OutboxRelay(
            make_uow_factory(engine), WebhookDispatcher(SqlWebhookStore(engine), client)
        )
        if once:
            moved = outbox.drain()
            console.print(f"relayed {moved} events")
            return
        stop = threading.Event()
        console.print("relaying; Ctrl-C to stop")
        try:
            outbox.run(stop, interval_s=interval)
        except KeyboardInterrupt:
            stop.set()


def add_webhook(
    url: Annotated[str, typer.Argument(help="https endpoint receiving the events.")],
    kinds: Annotated[
        list[str] | None, typer.Option("--kind", help="Event kind or prefix (repeatable).")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Subscribe an endpoint to events; prints the signing secret once."""
    import uuid

    from lastmile.adapters.webhook_store import SqlWebhookStore
    from lastmile.adapters.webhooks import Subscription
    from lastmile.bootstrap import make_engine
    from lastmile.tracking.signing import new_secret

    secret = new_secret()
    sub = Subscription(uuid.uuid4().hex, url, secret, frozenset(kinds or ["*"]))
    SqlWebhookStore(make_engine(database_url or get_settings().database_url)).add_subscription(sub)
    console.print(f"subscription {sub.subscription_id}\nsecret {secret}")


def register(app: typer.Typer) -> None:
    """Attach the tracking commands to ``app``."""
    app.command("verify-evidence")(verify_evidence)
    app.command("relay")(relay)
    app.command("add-webhook")(add_webhook)
