"""The stock ledger: available never negative, derived figures match the movements."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.domain import InvalidValue, MovementKind, OutOfStock, StockLevel, StockMovement

AT = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def level() -> StockLevel:
    return StockLevel("SKU-1", "WH-1")


def test_available_is_on_hand_minus_reserved() -> None:
    stock = level()
    stock.receive(10, at=AT)
    stock.reserve(4, at=AT)
    assert (stock.on_hand, stock.reserved, stock.available) == (10, 4, 6)


def test_reserving_more_than_available_raises_and_changes_nothing() -> None:
    stock = level()
    stock.receive(3, at=AT)
    with pytest.raises(OutOfStock) as err:
        stock.reserve(4, at=AT)
    assert err.value.available == 3
    assert (stock.on_hand, stock.reserved, stock.version, len(stock.pending)) == (3, 0, 1, 1)


def test_picking_consumes_the_reservation_and_the_shelf() -> None:
    stock = level()
    stock.receive(5, at=AT)
    stock.reserve(2, at=AT)
    stock.pick(2, at=AT)
    assert (stock.on_hand, stock.reserved, stock.available) == (3, 0, 3)


def test_picking_unreserved_stock_is_refused() -> None:
    stock = level()
    stock.receive(5, at=AT)
    with pytest.raises(InvalidValue, match="reserve before picking"):
        stock.pick(1, at=AT)


def test_adjustment_cannot_take_away_reserved_stock() -> None:
    stock = level()
    stock.receive(5, at=AT)
    stock.reserve(4, at=AT)
    with pytest.raises(OutOfStock):
        stock.adjust(-2, at=AT)


def test_transfer_out_is_limited_to_available() -> None:
    stock = level()
    stock.receive(5, at=AT)
    stock.reserve(5, at=AT)
    with pytest.raises(OutOfStock):
        stock.transfer_out(1, at=AT)


@pytest.mark.parametrize("quantity", [0, -1])
def test_non_adjustment_movements_need_a_positive_quantity(quantity: int) -> None:
    with pytest.raises(InvalidValue, match="quantity"):
        StockMovement("SKU-1", "WH-1", MovementKind.RECEIPT, quantity, AT)


def test_replay_rebuilds_the_same_level_from_the_ledger() -> None:
    stock = level()
    stock.receive(8, at=AT)
    stock.reserve(3, at=AT)
    stock.pick(2, at=AT)
    stock.adjust(-1, at=AT)
    rebuilt = StockLevel.replay("SKU-1", "WH-1", stock.pending)
    assert (rebuilt.on_hand, rebuilt.reserved) == (stock.on_hand, stock.reserved)
    assert rebuilt.pending == []


def test_a_movement_for_another_sku_is_refused() -> None:
    with pytest.raises(InvalidValue, match="belongs to"):
        level().apply(StockMovement("SKU-2", "WH-1", MovementKind.RECEIPT, 1, AT))


operations = st.lists(
    st.tuples(st.sampled_from(list(MovementKind)), st.integers(min_value=-20, max_value=20)),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(operations)
def test_any_sequence_of_movements_keeps_available_non_negative_and_sums_right(
    ops: list[tuple[MovementKind, int]],
) -> None:
    stock = level()
    accepted: list[StockMovement] = []
    for kind, qty in ops:
        try:
            movement = StockMovement("SKU-1", "WH-1", kind, qty, AT)
            stock.apply(movement)
        except (InvalidValue, OutOfStock):
            continue
        accepted.append(movement)
        assert stock.available >= 0
        assert stock.reserved >= 0

    def total(*kinds: MovementKind) -> int:
        return sum(m.quantity for m in accepted if m.kind in kinds)

    expected_on_hand = (
        total(MovementKind.RECEIPT)
        - total(MovementKind.PICK)
        + total(MovementKind.ADJUSTMENT)
        - total(MovementKind.TRANSFER_OUT)
        + total(MovementKind.TRANSFER_IN)
    )
    expected_reserved = (
        total(MovementKind.RESERVATION) - total(MovementKind.RELEASE) - total(MovementKind.PICK)
    )
    assert stock.on_hand == expected_on_hand
    assert stock.reserved == expected_reserved
    assert stock.version == len(accepted)
