"""One page of the order list: paged in the database against loading every row.

``catalog.list_orders`` asks the repository for one page (``ORDER BY placed_at DESC``,
``LIMIT``/``OFFSET`` and a ``COUNT``). For comparison the same page is cut the way the
catalog did it before: every order loaded, sorted and sliced in Python. Both run on one
SQLite file with N orders and must return the same ids. Target: a page of 50 deep in
the list (offset N/2) answers in <= 50 ms at 20,000 orders.

The dashboard's order board and KPI panel, which every open dashboard asks for again on
each delivery, are timed on the same file once 95 % of the orders are delivered (a day's
open orders on top of their history), against loading every order, which both did
before; then again with a month of routes stored (1,200 routes of 50 stops, one shipment
each, 40 still under way), with the tracking page's look-up of a shipment's route,
against loading every route, which it did before (reported, no targets).

    python -m benchmarks.list_pages [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import Integer, func, update

from benchmarks.common import Target, console, print_summary, print_table, write_result
from lastmile.adapters.db import tables
from lastmile.adapters.db.mapping import load_all_tables
from lastmile.bootstrap import make_engine, make_uow_factory
from lastmile.domain import (
    Address,
    DeliveryOption,
    Dimensions,
    GeoPoint,
    Order,
    OrderLine,
    OrderStatus,
    Route,
    Shipment,
    Sku,
    Stop,
    StopStatus,
    TimeWindow,
    Warehouse,
)
from lastmile.services import catalog, dashboard
from lastmile.services.unit_of_work import UnitOfWork

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LIMIT = 50
STOPS = 50
IN_PLAY = 40  # routes of today, stops still to make


def _seed(uow: UnitOfWork, orders: int) -> None:
    with uow:
        uow.skus.add(Sku("S1", "Mug", Dimensions(10, 10, 10), 0.4))
        for i in range(orders):
            uow.orders.add(
                Order(
                    f"O{i:06d}",
                    f"ext-{i}",
                    f"c{i % 50}",
                    Address(f"{i} Main St, Baltimore, MD 21201"),
                    [OrderLine("S1", 1)],
                    placed_at=T0 + timedelta(seconds=i),
                )
            )
        uow.commit()


def _load_all(factory: Callable[[], UnitOfWork], offset: int) -> list[str]:
    with factory() as uow:
        items = uow.orders.list()
    items.sort(key=lambda o: (o.placed_at, o.order_id), reverse=True)
    return [o.order_id for o in catalog.paginate(items, limit=LIMIT, offset=offset).items]


def _in_database(factory: Callable[[], UnitOfWork], offset: int) -> list[str]:
    page = catalog.list_orders(uow=factory(), limit=LIMIT, offset=offset)
    return [o.order_id for o in page.items]


def _seed_routes(uow: UnitOfWork, routes: int) -> None:
    """``routes`` routes of ``STOPS`` stops, 40 a day, one shipment a stop; all but the
    last ``IN_PLAY`` delivered."""
    with uow:
        uow.warehouses.add(Warehouse("W1", "Canton", GeoPoint(39.28, -76.57)))
        for r in range(routes):
            day = T0 + timedelta(days=r // 40)
            done = r < routes - IN_PLAY
            stops = []
            for k in range(STOPS):
                sid = f"SH{r}-{k}"
                at = day + timedelta(minutes=10 * k)
                window = TimeWindow(at - timedelta(hours=1), at + timedelta(hours=1))
                uow.shipments.add(
                    Shipment(
                        sid,
                        "W1",
                        Address(f"{k} Main St"),
                        [f"O{(r * STOPS + k) % 1000:06d}"],
                        DeliveryOption.SLOT,
                        f"{day:%Y-%m-%d}",
                        window,
                    )
                )
                status = StopStatus.DELIVERED if done else StopStatus.PLANNED
                stops.append(Stop(f"{r}-{k}", GeoPoint(39.3, -76.6), [sid], at, at, status=status))
            uow.routes.add(Route(f"R{r:05d}", f"V{r % 40}", "W1", stops, 30_000.0, 3.0, 9.0))
        uow.commit()


def _carrying(factory: Callable[[], UnitOfWork], shipment_id: str) -> Route | None:
    with factory() as uow:
        return next(iter(uow.routes.carrying([shipment_id])), None)


def _every_route(factory: Callable[[], UnitOfWork]) -> int:
    with factory() as uow:
        return len(uow.routes.list())


def _board(factory: Callable[[], UnitOfWork], review_threshold: float) -> dashboard.OrderBoard:
    return dashboard.order_board(uow=factory(), review_threshold=review_threshold)


def _every_order(factory: Callable[[], UnitOfWork]) -> int:
    with factory() as uow:
        return len(uow.orders.list())


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000 orders, seconds")
    args = parser.parse_args(argv)
    orders, repeats = (1_000, 3) if args.quick else (20_000, 7)
    routes = 120 if args.quick else 1_200  # a month of a 40-van fleet
    offset = orders // 2
    load_all_tables()
    with TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'pages.db'}", migrate=True)
        factory = make_uow_factory(engine)
        with console.status(f"storing {orders:,} orders"):
            _seed(factory(), orders)
        if _load_all(factory, offset) != _in_database(factory, offset):
            raise SystemExit("the two ways answered different pages")
        results = {
            "in-database": _median_ms(lambda: _in_database(factory, offset), repeats),
            "load-all": _median_ms(lambda: _load_all(factory, offset), repeats),
        }
        with engine.begin() as connection:
            # History: all but one order in twenty delivered (the status alone matters here).
            connection.execute(
                update(tables.orders)
                .where(func.substr(tables.orders.c.order_id, 2).cast(Integer) % 20 != 0)
                .values(status=OrderStatus.DELIVERED)
            )
        reads = {
            "order board": _median_ms(lambda: _board(factory, 0.6), repeats),
            "KPI panel": _median_ms(lambda: dashboard.kpis(uow=factory()), repeats),
            "every order loaded": _median_ms(lambda: _every_order(factory), repeats),
        }
        with console.status(f"storing {routes:,} routes of {STOPS} stops"):
            _seed_routes(factory(), routes)
        last = f"SH{routes - 1}-{STOPS - 1}"
        with_routes = {
            "tracking: the route of a shipment": _median_ms(
                lambda: _carrying(factory, last), repeats
            ),
            # Every address trusted: the board fills with late stops (all are, by now).
            "order board, at-risk stops": _median_ms(lambda: _board(factory, 0.0), repeats),
            "KPI panel": _median_ms(lambda: dashboard.kpis(uow=factory()), repeats),
            "every route loaded": _median_ms(lambda: _every_route(factory), repeats),
        }
        engine.dispose()
    print_table(
        f"page of {LIMIT} at offset {offset:,} of {orders:,} orders (SQLite, median ms)",
        ["method", "ms"],
        [(name, ms) for name, ms in results.items()],
    )
    print_table(
        f"dashboard reads, {orders // 20:,} open of {orders:,} orders (SQLite, median ms)",
        ["read", "ms"],
        [(name, ms) for name, ms in reads.items()],
    )
    print_table(
        f"with {routes:,} routes of {STOPS} stops, {IN_PLAY} in play (SQLite, median ms)",
        ["read", "ms"],
        [(name, ms) for name, ms in with_routes.items()],
    )
    summary = {"page_ms": Target(round(results["in-database"], 2), 50.0, "ms")}
    print_summary(summary)
    write_result(
        "list_pages",
        summary,
        {
            "orders": orders,
            "limit": LIMIT,
            "offset": offset,
            "median_ms": results,
            "dashboard_median_ms": reads,
            "routes": routes,
            "stops_per_route": STOPS,
            "with_routes_median_ms": with_routes,
        },
        quick=args.quick,
        command="python -m benchmarks.list_pages" + (" --quick" if args.quick else ""),
    )


if __name__ == "__main__":
    main()
