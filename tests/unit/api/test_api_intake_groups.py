"""The API's order-intake writer: requests queued meanwhile are written as one group."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from lastmile.api.intake_group import IntakeGroups, in_worker_thread
from lastmile.domain import Address, Conflict, Dimensions, DomainError, OrderLine, Sku
from lastmile.services.fakes import FakeUnitOfWork
from lastmile.services.orders import CreateOrder, OrderReceipt, OrderRequest

Outcome = OrderReceipt | DomainError
T = TypeVar("T")


def _run(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``scenario`` on a fresh event loop in its own thread.

    Browser tests earlier in the suite leave an event loop running in the main thread,
    where ``asyncio.run`` refuses to start another.
    """
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(scenario())).result()


def _uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        uow.skus.add(Sku("S1", "S1", Dimensions(10, 10, 10), 0.5))
        uow.commit()
    return uow


def _request(n: int) -> OrderRequest:
    command = CreateOrder(
        external_id=f"shop-{n}",
        customer_id="c",
        address=Address("1 Main St"),
        lines=(OrderLine("S1", 1),),
    )
    return OrderRequest(command, f"k{n}")


class _Recorder:
    """Writes groups with the real use case, after a first group held until released."""

    def __init__(self) -> None:
        self.uow = _uow()
        self.groups: list[int] = []
        self.release = threading.Event()

    def __call__(self, requests: Sequence[OrderRequest]) -> list[Outcome]:
        from lastmile.services.orders import create_orders

        self.groups.append(len(requests))
        if len(self.groups) == 1:
            self.release.wait(5)
        return create_orders(uow=self.uow, requests=requests)


def test_requests_arriving_while_a_group_is_written_go_together_in_the_next() -> None:
    write = _Recorder()
    groups = IntakeGroups(in_worker_thread(write))

    async def scenario() -> list[OrderReceipt]:
        first = asyncio.ensure_future(groups.submit(_request(0)))
        await asyncio.sleep(0.05)  # the first group is now being written
        rest = [asyncio.ensure_future(groups.submit(_request(n))) for n in range(1, 6)]
        await asyncio.sleep(0.05)
        write.release.set()
        return await asyncio.gather(first, *rest)

    receipts = _run(scenario)

    assert write.groups == [1, 5]
    assert [r.order.external_id for r in receipts] == [f"shop-{n}" for n in range(6)]
    assert all(r.created for r in receipts)


def test_each_request_gets_its_own_error_and_the_group_limit_holds() -> None:
    seen: list[int] = []

    def write(requests: Sequence[OrderRequest]) -> list[Outcome]:
        seen.append(len(requests))
        return [
            Conflict(f"no {r.idempotency_key}")
            if r.idempotency_key == "k2"
            else OrderReceipt(None, created=True)  # type: ignore[arg-type]
            for r in requests
        ]

    groups = IntakeGroups(in_worker_thread(write), max_group=2)

    async def scenario() -> list[object]:
        tasks = [asyncio.ensure_future(groups.submit(_request(n))) for n in range(5)]
        return await asyncio.gather(*tasks, return_exceptions=True)

    outcomes = _run(scenario)

    assert [type(o).__name__ for o in outcomes] == ["OrderReceipt"] * 2 + ["Conflict"] + [
        "OrderReceipt"
    ] * 2
    assert max(seen) <= 2 and sum(seen) == 5


def test_a_failed_transaction_fails_every_request_of_its_group_and_the_next_group_runs() -> None:
    calls = 0

    def write(requests: Sequence[OrderRequest]) -> list[Outcome]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database is locked")
        return [OrderReceipt(None, created=True) for _ in requests]  # type: ignore[arg-type]

    groups = IntakeGroups(in_worker_thread(write))

    async def scenario() -> tuple[list[object], OrderReceipt]:
        first = await asyncio.gather(
            groups.submit(_request(0)), groups.submit(_request(1)), return_exceptions=True
        )
        return list(first), await groups.submit(_request(2))

    first, later = _run(scenario)

    assert all(isinstance(o, RuntimeError) for o in first)
    assert later.created


def test_a_group_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="max_group"):
        IntakeGroups(in_worker_thread(lambda requests: []), max_group=0)
