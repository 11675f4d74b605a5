"""Order intake as a group commit: each request answered as it would be alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.domain import (
    Address,
    Conflict,
    DeliveryOption,
    Dimensions,
    DomainError,
    InvalidValue,
    OrderLine,
    Sku,
)
from lastmile.services.fakes import FakeUnitOfWork
from lastmile.services.orders import (
    CreateOrder,
    OrderReceipt,
    OrderRequest,
    create_order,
    create_orders,
)
from lastmile.services.unit_of_work import ConcurrencyConflict

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        for sku_id in ("S1", "S2"):
            uow.skus.add(Sku(sku_id, sku_id, Dimensions(10, 10, 10), 0.5))
        uow.commit()
    return uow


def _command(external_id: str = "shop-1", sku: str = "S1", quantity: int = 1) -> CreateOrder:
    return CreateOrder(
        external_id=external_id,
        customer_id="c-7",
        address=Address("400 E Pratt St, Baltimore, MD 21202"),
        lines=(OrderLine(sku, quantity),),
        option=DeliveryOption.NEXT_DAY,
    )


def _summary(outcome: OrderReceipt | DomainError) -> tuple[Any, ...]:
    """What a client sees: created or replayed which external id, or which error."""
    if isinstance(outcome, DomainError):
        return (type(outcome).__name__,)
    return (outcome.created, outcome.order.external_id, outcome.order.lines)


def test_a_group_creates_each_new_order_and_answers_in_the_order_given() -> None:
    uow = _uow()
    requests = [OrderRequest(_command(f"shop-{i}"), f"k{i}") for i in range(5)]

    outcomes = create_orders(uow=uow, requests=requests, now=NOW)

    assert [o.order.external_id for o in outcomes if isinstance(o, OrderReceipt)] == [
        f"shop-{i}" for i in range(5)
    ]
    assert all(isinstance(o, OrderReceipt) and o.created for o in outcomes)
    assert len(uow.store.orders) == 5
    assert [e.kind for e in uow.store.events] == ["order.created"] * 5


def test_a_repeat_inside_the_group_is_a_replay_of_the_earlier_request() -> None:
    uow = _uow()
    first, again = create_orders(
        uow=uow,
        requests=[OrderRequest(_command(), "k1"), OrderRequest(_command(), "k1")],
        now=NOW,
    )

    assert isinstance(first, OrderReceipt) and first.created
    assert isinstance(again, OrderReceipt) and not again.created
    assert again.order.order_id == first.order.order_id
    assert len(uow.store.orders) == 1


def test_a_bad_request_gets_its_error_and_the_rest_of_the_group_still_commits() -> None:
    uow = _uow()
    create_order(uow=uow, command=_command("taken"), idempotency_key="used", now=NOW)

    outcomes = create_orders(
        uow=uow,
        requests=[
            OrderRequest(_command("a"), "ka"),
            OrderRequest(_command("b", sku="NOPE"), "kb"),  # unknown SKU
            OrderRequest(_command("c", quantity=5), "used"),  # key reused, other body
            OrderRequest(_command("d"), " " * 3),  # blank key
            OrderRequest(_command("e"), "ke"),
        ],
        now=NOW,
    )

    assert [_summary(o)[0] for o in outcomes] == [
        True,
        "InvalidValue",
        "Conflict",
        "InvalidValue",
        True,
    ]
    assert sorted(o.external_id for o in uow.store.orders.values()) == ["a", "e", "taken"]


class _RaceOnFirstCommit(FakeUnitOfWork):
    """A fake whose first commit loses a race with another writer, as a database can."""

    lost = False

    def commit(self) -> None:
        if not self.lost:
            self.lost = True
            raise ConcurrencyConflict("another writer inserted the same key first")
        super().commit()


def test_a_lost_race_rolls_the_group_back_and_answers_each_request_on_its_own() -> None:
    uow = _RaceOnFirstCommit(_uow().store)
    requests = [
        OrderRequest(_command("a"), "ka"),
        OrderRequest(_command("a"), "ka"),
        OrderRequest(_command("b", sku="NOPE"), "kb"),
    ]

    outcomes = create_orders(uow=uow, requests=requests, now=NOW)

    assert uow.lost
    assert [_summary(o)[:2] for o in outcomes] == [(True, "a"), (False, "a"), ("InvalidValue",)]
    assert [o.external_id for o in uow.store.orders.values()] == ["a"]
    assert len(uow.store.events) == 1


_request = st.builds(
    lambda ext, key, sku, quantity: OrderRequest(_command(ext, sku, quantity), key),
    st.sampled_from(["x", "y", "z"]),
    st.one_of(st.none(), st.sampled_from(["k1", "k2", "k3"])),
    st.sampled_from(["S1", "S2", "NOPE"]),
    st.integers(min_value=1, max_value=2),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_request, min_size=1, max_size=8))
def test_a_group_answers_exactly_as_the_requests_one_by_one(
    requests: list[OrderRequest],
) -> None:
    alone = _uow()
    expected: list[tuple[Any, ...]] = []
    for request in requests:
        try:
            expected.append(
                _summary(
                    create_order(
                        uow=alone,
                        command=request.command,
                        idempotency_key=request.idempotency_key,
                        now=NOW,
                    )
                )
            )
        except (Conflict, InvalidValue) as error:
            expected.append(_summary(error))
    grouped = _uow()

    outcomes = create_orders(uow=grouped, requests=requests, now=NOW)

    assert [_summary(o) for o in outcomes] == expected
    assert sorted(o.external_id for o in grouped.store.orders.values()) == sorted(
        o.external_id for o in alone.store.orders.values()
    )
    assert len(grouped.store.events) == len(alone.store.events)


def test_the_same_command_object_can_be_grouped_twice() -> None:
    command = _command()
    uow = _uow()
    outcomes = create_orders(
        uow=uow,
        requests=[OrderRequest(command, None), OrderRequest(replace(command), None)],
        now=NOW,
    )
    assert [_summary(o)[0] for o in outcomes] == [True, False]


@pytest.mark.parametrize("size", [0, 1])
def test_an_empty_or_single_group_is_fine(size: int) -> None:
    uow = _uow()
    outcomes = create_orders(uow=uow, requests=[OrderRequest(_command(), "k")] * size, now=NOW)
    assert len(outcomes) == size == len(uow.store.orders)
