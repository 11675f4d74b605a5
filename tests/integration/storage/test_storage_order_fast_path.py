"""The intake fast path (Core INSERTs, one look-up, SKU cache) agrees with the ORM."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from lastmile.bootstrap import make_uow_factory
from lastmile.domain import (
    Address,
    Conflict,
    DeliveryOption,
    Dimensions,
    Geocode,
    GeocodeMethod,
    GeoPoint,
    InvalidValue,
    OrderLine,
    OrderStatus,
    Sku,
    TimeWindow,
)
from lastmile.services.orders import CreateOrder, create_order, get_order

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
ADDRESS = Address(
    "9 W Baltimore St, Baltimore, MD 21201",
    {"house_number": "9", "street": "W Baltimore St", "zip": "21201"},
    Geocode(GeoPoint(39.2894, -76.6149), 0.88, GeocodeMethod.EXACT),
)


def _seed(engine: Engine, *sku_ids: str) -> None:
    with make_uow_factory(engine)() as uow:
        for sku_id in sku_ids:
            uow.skus.add(Sku(sku_id, sku_id, Dimensions(10, 10, 10), 1.0))
        uow.commit()


def _command(external_id: str = "ext-1", quantity: int = 2) -> CreateOrder:
    return CreateOrder(
        external_id,
        "c1",
        ADDRESS,
        (OrderLine("S2", quantity), OrderLine("S1", 1), OrderLine("S3", 4)),
        option=DeliveryOption.SLOT,
        window=TimeWindow(T0 + timedelta(hours=2), T0 + timedelta(hours=4)),
        client_id="shop",
        placed_at=T0,
    )


def test_a_new_order_reads_back_exactly_as_it_was_returned(engine: Engine) -> None:
    _seed(engine, "S1", "S2", "S3")
    factory = make_uow_factory(engine)

    receipt = create_order(uow=factory(), command=_command(), idempotency_key="k-1", now=T0)

    stored = get_order(uow=factory(), order_id=receipt.order.order_id)
    assert receipt.created
    assert stored == receipt.order
    assert [(line.sku_id, line.quantity) for line in stored.lines] == [
        ("S2", 2),
        ("S1", 1),
        ("S3", 4),
    ]
    assert stored.events == []
    with factory() as uow:
        events = uow.outbox.unrelayed()
        record = uow.idempotency.get("shop", "k-1")
    assert [(e.kind, e.aggregate_id, e.data["units"]) for e in events] == [
        ("order.created", stored.order_id, 7)
    ]
    assert record is not None
    assert record.response["order_id"] == stored.order_id


def test_a_replay_by_key_or_external_id_returns_the_first_order_and_writes_nothing(
    engine: Engine,
) -> None:
    _seed(engine, "S1", "S2", "S3")
    factory = make_uow_factory(engine)
    first = create_order(uow=factory(), command=_command(), idempotency_key="k-1", now=T0)

    by_key = create_order(uow=factory(), command=_command(), idempotency_key="k-1")
    by_external_id = create_order(uow=factory(), command=_command(), idempotency_key=None)
    new_key = create_order(uow=factory(), command=_command(), idempotency_key="k-2")

    for replay in (by_key, by_external_id, new_key):
        assert not replay.created
        assert replay.order == first.order
    with factory() as uow:
        assert len(uow.orders.list()) == 1
        assert len(uow.outbox.unrelayed()) == 1
        # A second key for the same request is remembered for its own replays.
        assert uow.idempotency.get("shop", "k-2") is not None


def test_a_key_or_external_id_reused_with_another_body_is_a_conflict(engine: Engine) -> None:
    _seed(engine, "S1", "S2", "S3")
    factory = make_uow_factory(engine)
    create_order(uow=factory(), command=_command(), idempotency_key="k-1", now=T0)

    with pytest.raises(Conflict, match="Idempotency-Key"):
        create_order(uow=factory(), command=_command("ext-2", quantity=9), idempotency_key="k-1")
    with pytest.raises(Conflict, match="external order id"):
        create_order(uow=factory(), command=_command(quantity=9), idempotency_key="k-3")


def test_a_sku_added_after_a_refusal_is_accepted_then(engine: Engine) -> None:
    # The SKU cache holds only ids found stored: a miss always asks the database again.
    _seed(engine, "S1", "S2")
    factory = make_uow_factory(engine)
    with pytest.raises(InvalidValue, match="S3"):
        create_order(uow=factory(), command=_command(), idempotency_key="k-1")

    _seed(engine, "S3")

    assert create_order(uow=factory(), command=_command(), idempotency_key="k-1").created


def test_a_sku_added_in_a_rolled_back_transaction_is_not_remembered(engine: Engine) -> None:
    _seed(engine, "S1", "S2")
    factory = make_uow_factory(engine)
    with factory() as uow:
        uow.skus.add(Sku("S3", "S3", Dimensions(10, 10, 10), 1.0))
        assert uow.skus.existing_ids(["S3"]) == {"S3"}
        # Leaving without commit rolls the SKU back.

    with pytest.raises(InvalidValue, match="S3"):
        create_order(uow=factory(), command=_command(), idempotency_key="k-1")


def test_the_returned_order_can_be_changed_in_a_later_transaction(engine: Engine) -> None:
    # As after an ORM flush: adding it again updates the stored row, never inserts twice.
    _seed(engine, "S1", "S2", "S3")
    factory = make_uow_factory(engine)
    order = create_order(uow=factory(), command=_command(), idempotency_key="k-1").order

    with factory() as uow:
        uow.orders.add(order)
        order.transition(OrderStatus.VALIDATED, reason="checked", at=T0)
        uow.commit()

    stored = get_order(uow=factory(), order_id=order.order_id)
    assert stored.status is OrderStatus.VALIDATED
    assert [line.sku_id for line in stored.lines] == ["S2", "S1", "S3"]
    with factory() as uow:
        assert [e.kind for e in uow.outbox.unrelayed()] == ["order.created", "order.validated"]


def test_a_reused_key_is_a_conflict_even_when_the_new_body_is_invalid(engine: Engine) -> None:
    _seed(engine, "S1", "S2", "S3")
    factory = make_uow_factory(engine)
    create_order(uow=factory(), command=_command(), idempotency_key="k-1", now=T0)
    twice = CreateOrder("ext-2", "c1", ADDRESS, (OrderLine("S1", 1), OrderLine("S1", 2)))

    with pytest.raises(Conflict):
        create_order(uow=factory(), command=replace(twice, client_id="shop"), idempotency_key="k-1")
    with pytest.raises(InvalidValue, match="appears twice"):
        create_order(uow=factory(), command=twice, idempotency_key="k-9")
