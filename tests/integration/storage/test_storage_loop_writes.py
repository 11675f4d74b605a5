"""Write transactions on the event loop's thread: SQLite awaits its write lock without
blocking the loop, PostgreSQL waits for the server through asyncio."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, text

from lastmile.adapters.db.engine import writer_lock
from lastmile.adapters.db.loop_writes import LoopWriter
from lastmile.adapters.db.uow import SqlAlchemyUnitOfWork
from lastmile.bootstrap import make_uow_factory
from lastmile.domain import Address, Dimensions, OrderLine, Sku
from lastmile.services.orders import CreateOrder, OrderReceipt, OrderRequest, create_orders
from lastmile.services.unit_of_work import ConcurrencyConflict

T = TypeVar("T")


def _run(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    # A fresh loop in its own thread: browser tests leave a loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(scenario())).result()


def _seed(engine: Engine) -> None:
    with make_uow_factory(engine)() as uow:
        uow.skus.add(Sku("S1", "S1", Dimensions(10, 10, 10), 0.5))
        uow.commit()


def _requests(prefix: str, n: int) -> list[OrderRequest]:
    return [
        OrderRequest(
            CreateOrder(f"{prefix}-{i}", "c", Address("1 Main St"), (OrderLine("S1", 1),)),
            f"{prefix}-k{i}",
        )
        for i in range(n)
    ]


def _write(requests: list[OrderRequest]) -> Callable[[SqlAlchemyUnitOfWork], list[Any]]:
    return lambda uow: create_orders(uow=uow, requests=requests)  # type: ignore[arg-type]


def test_a_group_written_on_the_loop_is_stored_and_replays(engine: Engine) -> None:
    _seed(engine)

    async def scenario() -> tuple[list[Any], list[Any]]:
        writer = LoopWriter(engine)
        try:
            first = await writer(_write(_requests("a", 5)))
            again = await writer(_write(_requests("a", 5)))
        finally:
            await writer.aclose()
        return first, again

    first, again = _run(scenario)

    assert all(isinstance(o, OrderReceipt) and o.created for o in first)
    assert [o.order.order_id for o in again] == [o.order.order_id for o in first]
    assert not any(o.created for o in again)
    with make_uow_factory(engine)() as uow:
        assert len(uow.orders.list()) == 5


def test_a_duplicate_key_on_the_loop_is_a_concurrency_conflict(engine: Engine) -> None:
    _seed(engine)

    def insert_twice(uow: SqlAlchemyUnitOfWork) -> None:
        with uow:
            for _ in range(2):
                uow.session.execute(
                    text("INSERT INTO idempotency_keys VALUES ('c', 'k', 'h', '{}', :at)"),
                    {"at": "2026-01-01T00:00:00+00:00"},
                )
            uow.commit()

    async def scenario() -> None:
        writer = LoopWriter(engine)
        try:
            await writer(insert_twice)
        finally:
            await writer.aclose()

    with pytest.raises(ConcurrencyConflict):
        _run(scenario)


def test_a_writer_on_the_loop_only_runs_on_the_loop_it_was_opened_on(engine: Engine) -> None:
    async def opened() -> LoopWriter:
        return LoopWriter(engine)

    writer = _run(opened)

    async def elsewhere() -> bool:
        serves = writer.serves_running_loop()
        with pytest.raises(RuntimeError, match="opened on"):
            await writer(lambda uow: None)
        return serves

    assert _run(elsewhere) is False


def test_waiting_for_the_sqlite_write_lock_leaves_the_loop_free(sqlite_engine: Engine) -> None:
    _seed(sqlite_engine)
    lock = writer_lock(sqlite_engine)
    assert lock is not None
    held, release = threading.Event(), threading.Event()

    def other_writer() -> None:
        with sqlite_engine.begin() as conn:
            conn.execute(text("SELECT 1"))
            held.set()
            release.wait(5)

    thread = threading.Thread(target=other_writer)
    thread.start()
    held.wait(5)

    async def scenario() -> tuple[int, list[Any]]:
        writer = LoopWriter(sqlite_engine)
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while not release.is_set():
                ticks += 1
                await asyncio.sleep(0.005)

        async def free_later() -> None:
            await asyncio.sleep(0.2)
            release.set()

        ticker = asyncio.ensure_future(tick())
        later = asyncio.ensure_future(free_later())
        started = time.monotonic()
        written = await writer(_write(_requests("b", 3)))
        assert time.monotonic() - started >= 0.15  # it did wait for the other writer
        await asyncio.gather(ticker, later)
        return ticks, written

    ticks, written = _run(scenario)
    thread.join()

    assert ticks >= 10  # the loop kept running while the write lock was taken
    assert all(isinstance(o, OrderReceipt) and o.created for o in written)


def test_a_lock_taken_ahead_and_not_used_is_given_back(sqlite_engine: Engine) -> None:
    lock = writer_lock(sqlite_engine)
    assert lock is not None

    async def scenario() -> None:
        await lock.take_ahead()
        lock.drop_ahead()

    _run(scenario)

    # Free again: a plain transaction from another thread gets it at once.
    with sqlite_engine.begin() as conn:
        conn.execute(text("SELECT 1"))


@pytest.mark.postgres
def test_a_connection_the_server_closed_is_replaced_and_the_group_written(
    postgres_engine: Engine,
) -> None:
    _seed(postgres_engine)

    def kill_other_connections() -> None:
        with postgres_engine.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )

    async def scenario() -> list[Any]:
        writer = LoopWriter(postgres_engine)
        try:
            await writer(_write(_requests("c", 2)))  # leaves a pooled connection
            kill_other_connections()
            return await writer(_write(_requests("d", 2)))
        finally:
            await writer.aclose()

    written = _run(scenario)

    assert all(isinstance(o, OrderReceipt) and o.created for o in written)
