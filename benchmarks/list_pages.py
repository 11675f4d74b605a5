"""One page of the order list: paged in the database against loading every row.

``catalog.list_orders`` asks the repository for one page (``ORDER BY placed_at DESC``,
``LIMIT``/``OFFSET`` and a ``COUNT``). For comparison the same page is cut the way the
catalog did it before: every order loaded, sorted and sliced in Python. Both run on one
SQLite file with N orders and must return the same ids. Target: a page of 50 deep in
the list (offset N/2) answers in <= 50 ms at 20,000 orders.

The dashboard's order board and KPI panel, which every open dashboard asks for again on
each delivery, are timed on the same file once 95 % of the orders are delivered (a day's
open orders on top of their history), against loading every order, which both did
before (reported, no target).

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
from lastmile.domain import Address, Dimensions, Order, OrderLine, OrderStatus, Sku
from lastmile.services import catalog, dashboard
from lastmile.services.unit_of_work import UnitOfWork

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LIMIT = 50


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


def _board(factory: Callable[[], UnitOfWork]) -> dashboard.OrderBoard:
    return dashboard.order_board(uow=factory(), review_threshold=0.6)


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
            "order board": _median_ms(lambda: _board(factory), repeats),
            "KPI panel": _median_ms(lambda: dashboard.kpis(uow=factory()), repeats),
            "every order loaded": _median_ms(lambda: _every_order(factory), repeats),
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
        },
        quick=args.quick,
        command="python -m benchmarks.list_pages" + (" --quick" if args.quick else ""),
    )


if __name__ == "__main__":
    main()
