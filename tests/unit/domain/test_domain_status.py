"""The order status machine: every legal path works, every illegal one names both states."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lastmile.domain import (
    Address,
    IllegalTransition,
    InvalidValue,
    Order,
    OrderLine,
    OrderStatus,
    can_transition,
)
from lastmile.domain.status import TERMINAL, TRANSITIONS

S = OrderStatus


def new_order() -> Order:
    return Order(
        order_id="o-1",
        external_id="ext-1",
        customer_id="c-1",
        address=Address("100 N Charles St, Baltimore, MD 21201"),
        lines=[OrderLine("SKU-1", 2)],
    )


def test_happy_path_reaches_delivered_and_records_an_event_per_step() -> None:
    order = new_order()
    path = [S.VALIDATED, S.SOURCED, S.PICKED, S.PACKED, S.OUT_FOR_DELIVERY, S.DELIVERED]
    for target in path:
        order.transition(target)
    assert order.status is S.DELIVERED
    assert [e.kind for e in order.events] == [f"order.{s.value}" for s in path]


def test_failed_attempt_leads_to_redelivery_then_out_again() -> None:
    order = new_order()
    for target in (
        S.VALIDATED,
        S.SOURCED,
        S.PICKED,
        S.PACKED,
        S.OUT_FOR_DELIVERY,
        S.FAILED_ATTEMPT,
        S.REDELIVERY,
        S.OUT_FOR_DELIVERY,
        S.DELIVERED,
    ):
        order.transition(target)
    assert order.status is S.DELIVERED


@pytest.mark.parametrize(
    "state", [S.CREATED, S.VALIDATED, S.BACKORDERED, S.SOURCED, S.PICKED, S.PACKED]
)
def test_cancellation_is_allowed_before_the_parcel_leaves(state: OrderStatus) -> None:
    assert can_transition(state, S.CANCELLED)


@pytest.mark.parametrize("state", [S.OUT_FOR_DELIVERY, S.DELIVERED, S.FAILED_ATTEMPT, S.RETURNED])
def test_cancellation_is_refused_once_out_for_delivery(state: OrderStatus) -> None:
    assert not can_transition(state, S.CANCELLED)


def test_terminal_states_allow_nothing() -> None:
    assert {S.DELIVERED, S.RETURNED, S.CANCELLED} == set(TERMINAL)


@pytest.mark.parametrize(
    ("current", "target"),
    [(c, t) for c, t in itertools.product(S, S) if t not in TRANSITIONS[c]],
)
def test_every_illegal_transition_raises_naming_both_states(
    current: OrderStatus, target: OrderStatus
) -> None:
    order = new_order()
    order.status = current
    with pytest.raises(IllegalTransition) as err:
        order.transition(target)
    assert current.value in str(err.value) and target.value in str(err.value)
    assert order.status is current
    assert order.events == []


@given(st.lists(st.sampled_from(list(S)), max_size=30))
def test_random_walks_only_ever_follow_allowed_edges(targets: list[OrderStatus]) -> None:
    order = new_order()
    for target in targets:
        before = order.status
        try:
            order.transition(target)
        except IllegalTransition:
            assert order.status is before
        else:
            assert target in TRANSITIONS[before]


def test_an_order_without_lines_is_refused() -> None:
    with pytest.raises(InvalidValue, match="lines"):
        Order("o", "e", "c", Address("1 Main St"), lines=[])


def test_a_slot_order_needs_a_window() -> None:
    from lastmile.domain import DeliveryOption

    with pytest.raises(InvalidValue, match="window"):
        Order("o", "e", "c", Address("1 Main St"), [OrderLine("A", 1)], option=DeliveryOption.SLOT)
