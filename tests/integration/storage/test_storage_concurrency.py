"""Reservations from many concurrent workers never oversell, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from lastmile.bootstrap import make_uow_factory
from lastmile.domain import Dimensions, GeoPoint, OutOfStock, Sku, StockLevel, Warehouse
from lastmile.services import stock

WORKERS = 8
REQUESTS_PER_WORKER = 12
INITIAL = 40


def _seed(engine: Engine) -> None:
    uow = make_uow_factory(engine)()
    with uow:
        uow.warehouses.add(Warehouse("W1", "Canton", GeoPoint(39.28, -76.57)))
        uow.skus.add(Sku("S1", "Kettle", Dimensions(20, 20, 25), 1.2))
        uow.commit()
    stock.receive(uow=uow, sku_id="S1", warehouse_id="W1", quantity=INITIAL, reference="po-1")


def test_concurrent_reservations_never_exceed_available_stock(engine: Engine) -> None:
    _seed(engine)
    factory = make_uow_factory(engine)
    start = threading.Barrier(WORKERS)

    def worker(n: int) -> Counter[str]:
        uow = factory()
        outcomes: Counter[str] = Counter()
        start.wait()
        for i in range(REQUESTS_PER_WORKER):
            try:
                stock.reserve(
                    uow=uow, sku_id="S1", warehouse_id="W1", quantity=1, reference=f"w{n}-r{i}"
                )
                outcomes["reserved"] += 1
            except OutOfStock:
                outcomes["out_of_stock"] += 1
        return outcomes

    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(worker, range(WORKERS)))

    total = sum(results, Counter())
    assert total["reserved"] + total["out_of_stock"] == WORKERS * REQUESTS_PER_WORKER
    assert total["reserved"] == INITIAL
    uow = factory()
    with uow:
        level = uow.stock.get("S1", "W1")
        movements = uow.stock.movements("S1", "W1")
    assert level is not None
    assert (level.on_hand, level.reserved, level.available) == (INITIAL, INITIAL, 0)
    # The ledger explains the level exactly: one receipt, one row per granted reservation.
    assert StockLevel.replay("S1", "W1", movements) == StockLevel(
        "S1", "W1", INITIAL, INITIAL, version=len(movements)
    )
    assert len({m.reference for m in movements}) == INITIAL + 1


def test_concurrent_mixed_quantities_leave_available_never_negative(engine: Engine) -> None:
    _seed(engine)
    factory = make_uow_factory(engine)
    start = threading.Barrier(WORKERS)
    granted: list[int] = []
    refused: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        uow = factory()
        start.wait()
        for i in range(6):
            quantity = 1 + (n + i) % 4
            try:
                stock.reserve(uow=uow, sku_id="S1", warehouse_id="W1", quantity=quantity)
                with lock:
                    granted.append(quantity)
            except OutOfStock as error:
                assert error.available < quantity
                with lock:
                    refused.append(quantity)

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(worker, range(WORKERS)))

    assert len(granted) + len(refused) == WORKERS * 6
    uow = factory()
    with uow:
        level = uow.stock.get("S1", "W1")
    assert level is not None
    assert level.reserved == sum(granted) <= INITIAL
    assert level.available >= 0
    # Every refusal was a real shortage: even the smallest refused request cannot fit now.
    assert not refused or level.available < min(refused)
