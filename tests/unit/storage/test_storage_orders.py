"""Idempotent order intake, on the in-memory unit of work."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from lastmile.domain import (
    Address,
    Conflict,
    DeliveryOption,
    Dimensions,
    InvalidValue,
    OrderLine,
    Sku,
    TimeWindow,
)
from lastmile.services.fakes import FakeUnitOfWork
from lastmile.services.orders import CreateOrder, create_order, get_order

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        for sku_id in ("S1", "S2"):
            uow.skus.add(Sku(sku_id, sku_id, Dimensions(10, 10, 10), 0.5))
        uow.commit()
    return uow


def _command(**changes: object) -> CreateOrder:
    command = CreateOrder(
        external_id="shop-1001",
        customer_id="c-7",
        address=Address("400 E Pratt St, Baltimore, MD 21202"),
        lines=(OrderLine("S1", 2), OrderLine("S2", 1)),
        option=DeliveryOption.SLOT,
        window=TimeWindow(NOW + timedelta(hours=5), NOW + timedelta(hours=7)),
    )
    return replace(command, **changes)  # type: ignore[arg-type]


def test_first_request_creates_the_order_and_an_order_created_event(uow: FakeUnitOfWork) -> None:
    receipt = create_order(uow=uow, command=_command(), idempotency_key="k1", now=NOW)

    assert receipt.created
    stored = get_order(uow=uow, order_id=receipt.order.order_id)
    assert stored.external_id == "shop-1001"
    assert [e.kind for e in uow.store.events] == ["order.created"]


def test_repeating_the_same_request_returns_the_first_order_and_creates_nothing(
    uow: FakeUnitOfWork,
) -> None:
    first = create_order(uow=uow, command=_command(), idempotency_key="k1", now=NOW)
    again = create_order(uow=uow, command=_command(), idempotency_key="k1", now=NOW)

    assert not again.created
    assert again.order.order_id == first.order.order_id
    assert len(uow.store.orders) == 1
    assert len(uow.store.events) == 1


def test_same_key_with_a_different_body_is_a_conflict_naming_the_key(
    uow: FakeUnitOfWork,
) -> None:
    create_order(uow=uow, command=_command(), idempotency_key="k1", now=NOW)

    with pytest.raises(Conflict, match="Idempotency-Key 'k1'"):
        create_order(uow=uow, command=_command(lines=(OrderLine("S1", 3),)), idempotency_key="k1")
    assert len(uow.store.orders) == 1


def test_line_order_does_not_make_a_request_different(uow: FakeUnitOfWork) -> None:
    first = create_order(uow=uow, command=_command(), idempotency_key="k1")
    swapped = _command(lines=(OrderLine("S2", 1), OrderLine("S1", 2)))

    assert create_order(uow=uow, command=swapped, idempotency_key="k1").order == first.order


def test_same_external_id_without_key_replays_and_with_other_body_conflicts(
    uow: FakeUnitOfWork,
) -> None:
    first = create_order(uow=uow, command=_command())

    replay = create_order(uow=uow, command=_command(), idempotency_key="late-key")
    assert (replay.created, replay.order.order_id) == (False, first.order.order_id)
    with pytest.raises(Conflict, match="external order id 'shop-1001'"):
        create_order(uow=uow, command=_command(customer_id="someone-else"))


def test_external_ids_are_unique_per_client_not_globally(uow: FakeUnitOfWork) -> None:
    a = create_order(uow=uow, command=_command(), idempotency_key="k")
    b = create_order(uow=uow, command=_command(client_id="other"), idempotency_key="k")

    assert a.created and b.created
    assert a.order.order_id != b.order.order_id


def test_unknown_sku_is_rejected_naming_the_line_and_nothing_is_stored(
    uow: FakeUnitOfWork,
) -> None:
    with pytest.raises(InvalidValue, match=r"lines\[1\].sku_id: unknown sku 'NOPE'"):
        create_order(
            uow=uow,
            command=_command(lines=(OrderLine("S1", 1), OrderLine("NOPE", 1))),
            idempotency_key="k1",
        )
    assert uow.store.orders == {} and uow.store.idempotency == {}


def test_empty_external_id_is_rejected() -> None:
    with pytest.raises(InvalidValue, match="external_id"):
        _command(external_id=" ")
