"""Stock reservations under concurrent writers: never oversold, and how fast.

Workers reserve one unit at a time from the same scarce SKU until it runs out, on SQLite
(WAL, BEGIN IMMEDIATE) and on a real PostgreSQL server (row lock + version check). The
issue's targets: reserved total == initial stock (0 oversold), no negative available, every
request answered reserved or out-of-stock. For comparison the same load runs through a
naive read-then-write reservation (what an ORM does without locks or versions) on
PostgreSQL, which loses updates and oversells.

    python -m benchmarks.storage [--quick]
"""

from __future__ import annotations

import argparse
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from sqlalchemy import Engine, select, update

from benchmarks.common import Target, console, print_summary, print_table, write_result
from lastmile.adapters.db import tables as t
from lastmile.adapters.db.local_postgres import LocalPostgres, PostgresUnavailable
from lastmile.bootstrap import make_engine, make_uow_factory
from lastmile.domain import Dimensions, GeoPoint, OutOfStock, Sku, Warehouse
from lastmile.services import stock


def _seed(engine: Engine, units: int) -> None:
    uow = make_uow_factory(engine)()
    with uow:
        uow.warehouses.add(Warehouse("W1", "Canton", GeoPoint(39.28, -76.57)))
        uow.skus.add(Sku("S1", "Kettle", Dimensions(20, 20, 25), 1.2))
        uow.commit()
    stock.receive(uow=uow, sku_id="S1", warehouse_id="W1", quantity=units)


def _reserve_safely(engine: Engine) -> Callable[[], bool]:
    factory = make_uow_factory(engine)
    local = threading.local()

    def reserve() -> bool:
        if not hasattr(local, "uow"):
            local.uow = factory()
        try:
            stock.reserve(uow=local.uow, sku_id="S1", warehouse_id="W1", quantity=1)
            return True
        except OutOfStock:
            return False

    return reserve


def _reserve_naively(engine: Engine) -> Callable[[], bool]:
    c = t.stock_levels.c
    where = (c.sku_id == "S1", c.warehouse_id == "W1")

    def reserve() -> bool:
        with engine.begin() as conn:
            on_hand, reserved = conn.execute(select(c.on_hand, c.reserved).where(*where)).one()
            if on_hand - reserved < 1:
                return False
            # Writes back what it read plus one: a concurrent reservation in between is lost.
            conn.execute(update(t.stock_levels).where(*where).values(reserved=reserved + 1))
            return True

    return reserve


def _run(engine: Engine, units: int, workers: int, make: Callable[[Engine], Any]) -> dict[str, Any]:
    _seed(engine, units)
    reserve = make(engine)
    start = threading.Barrier(workers)
    requests_each = 2 * units // workers + 2

    def worker(_: int) -> Counter[str]:
        outcome: Counter[str] = Counter()
        start.wait()
        for _ in range(requests_each):
            outcome["reserved" if reserve() else "out_of_stock"] += 1
        return outcome

    began = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        total = sum(pool.map(worker, range(workers)), Counter())
    elapsed = time.perf_counter() - began
    with engine.connect() as conn:
        c = t.stock_levels.c
        on_hand, reserved = conn.execute(select(c.on_hand, c.reserved)).one()
        ledger = len(conn.execute(select(t.stock_movements.c.movement_id)).all())
    granted = total["reserved"]
    return {
        "workers": workers,
        "initial_units": units,
        "requests": workers * requests_each,
        "answered": granted + total["out_of_stock"],
        "granted": granted,
        "stored_reserved": reserved,
        "oversold_units": max(0, granted - units),
        "lost_updates": granted - reserved,
        "final_available": on_hand - reserved,
        "ledger_rows": ledger,
        "seconds": round(elapsed, 3),
        "requests_per_s": round(workers * requests_each / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds, fewer units")
    args = parser.parse_args()
    units = 60 if args.quick else 400
    worker_counts = (8,) if args.quick else (8, 16)
    runs: list[dict[str, Any]] = []
    with TemporaryDirectory() as folder:
        for workers in worker_counts:
            engine = make_engine(f"sqlite:///{Path(folder) / f'b{workers}.db'}", migrate=True)
            runs.append(
                {
                    "backend": "sqlite",
                    "method": "lastmile",
                    **_run(engine, units, workers, _reserve_safely),
                }
            )
            engine.dispose()
    try:
        server = LocalPostgres.start()
    except PostgresUnavailable as error:
        console.print(f"[yellow]PostgreSQL skipped: {error}[/yellow]")
        server = None
    if server is not None:
        with server:
            for n, workers in enumerate(worker_counts):
                for method, make in (
                    ("lastmile", _reserve_safely),
                    ("naive read-then-write", _reserve_naively),
                ):
                    url = server.create_database(f"bench_{n}_{method.split()[0]}")
                    engine = make_engine(url, migrate=True)
                    runs.append(
                        {
                            "backend": "postgres",
                            "method": method,
                            **_run(engine, units, workers, make),
                        }
                    )
                    engine.dispose()
    columns = [
        "backend",
        "method",
        "workers",
        "initial_units",
        "granted",
        "stored_reserved",
        "oversold_units",
        "final_available",
        "answered",
        "requests",
        "requests_per_s",
    ]
    print_table("concurrent reservations", columns, [[r[c] for c in columns] for r in runs])
    summary: dict[str, Target] = {}
    for backend in ("sqlite", "postgres"):
        ours = [r for r in runs if r["backend"] == backend and r["method"] == "lastmile"]
        if not ours:
            continue
        summary[f"{backend}_oversold_units"] = Target(
            float(max(r["oversold_units"] + r["lost_updates"] for r in ours)), 0.0, "units"
        )
        summary[f"{backend}_negative_available"] = Target(
            float(sum(r["final_available"] < 0 for r in ours)), 0.0, "runs"
        )
        summary[f"{backend}_unanswered_requests"] = Target(
            float(sum(r["requests"] - r["answered"] for r in ours)), 0.0, "requests"
        )
    print_summary(summary)
    write_result(
        "storage",
        summary,
        {"runs": runs},
        quick=args.quick,
        command="python -m benchmarks.storage" + (" --quick" if args.quick else ""),
    )


if __name__ == "__main__":
    main()
