"""``lastmile source`` and ``lastmile source-db``: choose the warehouse of every order."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console()

Now = Annotated[
    str | None,
    typer.Option("--now", help="Batch time, ISO with offset (default: the current time)."),
]


def _now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise typer.BadParameter(
            "needs a UTC offset, e.g. 2026-03-02T10:00+00:00", param_hint="--now"
        )
    return moment


def _rows(path: Path) -> list[dict[str, str | None]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def source(
    warehouses: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="warehouse_id,name,lat,lon,... CSV")
    ],
    stock: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="warehouse_id,sku_id,available CSV")
    ],
    orders: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="one row per order line CSV")
    ],
    strategy: Annotated[str, typer.Option(help="global or greedy")] = "global",
    basis: Annotated[str, typer.Option(help="road or straight_line")] = "road",
    road: Annotated[
        bool,
        typer.Option(
            "--road/--estimate", help="Price legs on the shipped road network, or estimate."
        ),
    ] = False,
    split: Annotated[bool, typer.Option("--split/--no-split")] = True,
    now: Now = None,
    out: Annotated[Path | None, typer.Option(help="Write one decision per order here.")] = None,
) -> None:
    """Source orders from CSV files and print where each ships from, or why it waits."""
    import warnings

    from lastmile.fulfillment.inputs import read_orders, read_stock, read_warehouses
    from lastmile.fulfillment.sourcing import source_batch
    from lastmile.fulfillment.sourcing_model import DistanceBasis, SourcingPolicy, Strategy
    from lastmile.geo.travel import HaversineTravelTimes, StraightLineEstimateWarning

    moment = _now(now)
    try:
        policy = SourcingPolicy(
            strategy=Strategy(strategy), basis=DistanceBasis(basis), allow_split=split
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    with _progress() as progress:
        progress.add_task("Reading inputs...")
        whs, errors = read_warehouses(_rows(warehouses), str(warehouses))
        table, stock_errors = read_stock(_rows(stock), str(stock), whs)
        batch, order_errors = read_orders(_rows(orders), str(orders), placed_at=moment)
    errors += stock_errors + order_errors
    for bad in errors:
        console.print(f"[red]{bad}[/red]")
    if errors:
        console.print(f"[red]{len(errors)} bad row(s); nothing was sourced.[/red]")
        raise typer.Exit(2)
    if not batch or not whs:
        console.print("[yellow]No orders or no warehouses to source.[/yellow]")
        raise typer.Exit(1)
    travel = HaversineTravelTimes(warn=False)
    if road:
        from lastmile.geo.defaults import road_travel_times

        with _progress() as progress:
            progress.add_task("Loading the road network...")
            travel = road_travel_times()  # type: ignore[assignment]
    with _progress() as progress, warnings.catch_warnings():
        warnings.simplefilter("ignore", StraightLineEstimateWarning)
        progress.add_task(f"Sourcing {len(batch)} orders...")
        result = source_batch(batch, whs, table, travel, now=moment, policy=policy)

    view = Table(
        title=f"{len(batch)} orders sourced ({result.stats.solver}, {result.stats.seconds:.2f} s)"
    )
    for col in ("order", "outcome", "warehouses", "km", "reason"):
        view.add_column(col)
    for d in result.decisions[:50]:
        view.add_row(
            d.order_id,
            d.outcome.value,
            ", ".join(d.warehouse_ids),
            f"{d.distance_m / 1000:.1f}" if d.allocations else "",
            d.reason,
        )
    console.print(view)
    s = result.stats
    console.print(
        f"sourced {s.sourced}, split {s.split}, backordered {s.backordered}; "
        f"{s.total_distance_m / 1000:,.1f} km warehouse to customer"
    )
    if out is not None:
        with out.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(
                ["order_id", "outcome", "sku_id", "quantity", "warehouse_id", "reason", "detail"]
            )
            for d in result.decisions:
                for a in d.allocations:
                    writer.writerow(
                        [d.order_id, d.outcome.value, a.sku_id, a.quantity, a.warehouse_id, "", ""]
                    )
                for u in d.unsourced:
                    writer.writerow(
                        [
                            d.order_id,
                            d.outcome.value,
                            u.sku_id,
                            u.quantity,
                            "",
                            u.reason.value,
                            u.detail,
                        ]
                    )
        console.print(f"[green]wrote {out}[/green]")


def source_db(
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="SQLAlchemy URL (default: LASTMILE_DATABASE_URL)."),
    ] = None,
    strategy: Annotated[str, typer.Option(help="global or greedy")] = "global",
    road: Annotated[
        bool,
        typer.Option(
            "--road/--estimate", help="Price legs on the shipped road network, or estimate."
        ),
    ] = False,
    now: Now = None,
) -> None:
    """Source every validated order in the database: reserve stock, plan shipments."""
    import warnings

    from lastmile.bootstrap import make_engine, make_uow_factory
    from lastmile.config import get_settings
    from lastmile.fulfillment.sourcing_model import SourcingPolicy, Strategy
    from lastmile.geo.travel import HaversineTravelTimes, StraightLineEstimateWarning
    from lastmile.services.sourcing import source_orders

    engine = make_engine(database_url or get_settings().database_url, migrate=True)
    travel = HaversineTravelTimes()
    if road:
        from lastmile.geo.defaults import road_travel_times

        travel = road_travel_times()  # type: ignore[assignment]
    try:
        with _progress() as progress, warnings.catch_warnings():
            warnings.simplefilter("ignore", StraightLineEstimateWarning)
            progress.add_task("Sourcing validated orders...")
            report = source_orders(
                uow=make_uow_factory(engine)(),
                travel=travel,
                now=_now(now),
                policy=SourcingPolicy(strategy=Strategy(strategy)),
            )
    finally:
        engine.dispose()
    if report.result is None or report.consolidation is None:
        console.print("[yellow]No validated or backordered orders to source.[/yellow]")
        return
    s = report.result.stats
    console.print(
        f"sourced {s.sourced}, split {s.split}, backordered {s.backordered}; "
        f"{len(report.consolidation.shipments)} shipments "
        f"({report.consolidation.trips_saved} trips saved), {report.parcels} parcels"
    )
    for problem in report.unpackable:
        console.print(f"[red]{problem}[/red]")


def register(app: typer.Typer) -> None:
    """Attach the fulfillment commands."""
    app.command("source")(source)
    app.command("source-db")(source_db)
