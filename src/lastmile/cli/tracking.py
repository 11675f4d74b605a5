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


def promise(
    lat: Annotated[float, typer.Option(help="Latitude of the delivery address.")],
    lon: Annotated[float, typer.Option(help="Longitude of the delivery address.")],
    item: Annotated[list[str], typer.Option("--item", help="SKU:QUANTITY (repeatable).")],
    at: Annotated[
        str | None, typer.Option(help="Moment of the query, ISO 8601 (default: now).")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show the delivery options possible now for a cart, with ETA windows and prices."""
    from datetime import UTC, datetime

    from lastmile.bootstrap import make_engine, make_uow_factory
    from lastmile.domain import Address, Geocode, GeocodeMethod, GeoPoint, OrderLine
    from lastmile.services.promise import build_engine, cart_for

    lines = []
    for k, raw in enumerate(item, start=1):
        sku, _, qty = raw.partition(":")
        if not sku or not qty.isdigit() or int(qty) < 1:
            raise typer.BadParameter(f"--item #{k} {raw!r}: expected SKU:QUANTITY, e.g. SKU1:2")
        lines.append(OrderLine(sku, int(qty)))
    try:
        now = datetime.fromisoformat(at) if at else datetime.now(UTC)
    except ValueError:
        raise typer.BadParameter(f"--at {at!r} is not an ISO 8601 moment") from None
    if now.tzinfo is None:
        raise typer.BadParameter("--at needs a UTC offset, e.g. 2026-11-30T10:00-05:00")
    factory = make_uow_factory(make_engine(database_url or get_settings().database_url))
    point = GeoPoint(lat, lon)
    address = Address(f"{lat},{lon}", geocode=Geocode(point, 1.0, GeocodeMethod.PROVIDED))
    cart = cart_for(uow=factory(), lines=lines, address=address)
    result = build_engine(uow=factory(), now=now).quote(cart, now=now)
    table = Table(title=f"delivery options at {now.isoformat(timespec='minutes')}")
    for col in ("option", "date", "eta window", "price", "from"):
        table.add_column(col)
    for o in result.options:
        table.add_row(
            o.option.value,
            o.delivery_date.isoformat(),
            f"{o.eta.start:%H:%M}-{o.eta.end:%H:%M}",
            f"{o.price:.2f}",
            o.warehouse_id,
        )
    console.print(table)
    for refusal in result.refusals:
        console.print(f"[yellow]no {refusal.option.value}[/yellow]: {refusal.message}")


def register(app: typer.Typer) -> None:
    """Attach the tracking commands to ``app``."""
    app.command("promise")(promise)
    app.command("verify-evidence")(verify_evidence)
    app.command("relay")(relay)
    app.command("add-webhook")(add_webhook)
