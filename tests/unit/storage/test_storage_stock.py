"""Stock use cases and the fake unit of work's transaction semantics."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.domain import (
    Dimensions,
    GeoPoint,
    InvalidValue,
    MovementKind,
    NotFound,
    OutOfStock,
    Sku,
    StockLevel,
    Warehouse,
)
from lastmile.services import stock
from lastmile.services.fakes import FakeUnitOfWork


def _uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        for wid in ("W1", "W2"):
            uow.warehouses.add(Warehouse(wid, wid, GeoPoint(39.3, -76.6)))
        uow.skus.add(Sku("S1", "Lamp", Dimensions(30, 20, 20), 2.0))
        uow.commit()
    return uow


def _level(uow: FakeUnitOfWork, wid: str = "W1") -> StockLevel:
    level = uow.store.stock[("S1", wid)]
    return level


def test_receive_creates_the_level_and_writes_one_ledger_row() -> None:
    uow = _uow()
    stock.receive(uow=uow, sku_id="S1", warehouse_id="W1", quantity=5, reference="po-9")

    assert (_level(uow).on_hand, _level(uow).available) == (5, 5)
    assert [(m.kind, m.quantity, m.reference) for m in uow.store.ledger] == [
        (MovementKind.RECEIPT, 5, "po-9")
    ]


def test_receive_of_an_unknown_sku_or_warehouse_is_not_found() -> None:
    uow = _uow()
    with pytest.raises(NotFound, match="sku 'S9'"):
        stock.receive(uow=uow, sku_id="S9", warehouse_id="W1", quantity=1)
    with pytest.raises(NotFound, match="warehouse 'W9'"):
        stock.receive(uow=uow, sku_id="S1", warehouse_id="W9", quantity=1)
    assert uow.store.stock == {}


def test_reserve_beyond_available_raises_out_of_stock_and_changes_nothing() -> None:
    uow = _uow()
    stock.receive(uow=uow, sku_id="S1", warehouse_id="W1", quantity=3)

    with pytest.raises(OutOfStock) as error:
        stock.reserve(uow=uow, sku_id="S1", warehouse_id="W1", quantity=4)
    assert (error.value.requested, error.value.available) == (4, 3)
    assert _level(uow).reserved == 0
    assert len(uow.store.ledger) == 1


def test_reserve_where_no_stock_was_ever_received_is_out_of_stock() -> None:
    with pytest.raises(OutOfStock):
        stock.reserve(uow=_uow(), sku_id="S1", warehouse_id="W2", quantity=1)


def test_reserve_release_pick_adjust_keep_the_level_equal_to_its_ledger() -> None:
    uow = _uow()
    stock.receive(uow=uow, sku_id="S1", warehouse_id="W1", quantity=10)
    stock.reserve(uow=uow, sku_id="S1", warehouse_id="W1", quantity=6)
    stock.release(uow=uow, sku_id="S1", warehouse_id="W1", quantity=2)
    stock.pick(uow=uow, sku_id="S1", warehouse_id="W1", quantity=3)
    stock.adjust(uow=uow, sku_id="S1", warehouse_id="W1", delta=-2, reference="count")

    level = _level(uow)
    assert (level.on_hand, level.reserved, level.available) == (5, 1, 4)
    replayed = StockLevel.replay("S1", "W1", uow.store.ledger)
    assert (replayed.on_hand, replayed.reserved) == (level.on_hand, level.reserved)


def test_transfer_moves_available_stock_between_warehouses_atomically() -> None:
    uow = _uow()
    stock.receive(uow=uow, sku_id="S1", warehouse_id="W1", quantity=4)

    out, into = stock.transfer(
        uow=uow, sku_id="S1", from_warehouse_id="W1", to_warehouse_id="W2", quantity=3
    )
    assert (out.kind, into.kind) == (MovementKind.TRANSFER_OUT, MovementKind.TRANSFER_IN)
    assert (_level(uow, "W1").on_hand, _level(uow, "W2").on_hand) == (1, 3)
    with pytest.raises(OutOfStock):
        stock.transfer(
            uow=uow, sku_id="S1", from_warehouse_id="W1", to_warehouse_id="W2", quantity=2
        )
    assert (_level(uow, "W1").on_hand, _level(uow, "W2").on_hand) == (1, 3)
    with pytest.raises(InvalidValue, match="to_warehouse_id"):
        stock.transfer(
            uow=uow, sku_id="S1", from_warehouse_id="W1", to_warehouse_id="W1", quantity=1
        )


def test_reserve_many_reserves_all_lines_or_none() -> None:
    uow = _uow()
    with uow:
        uow.skus.add(Sku("S2", "Shade", Dimensions(30, 30, 5), 0.3))
        uow.commit()
    stock.receive(uow=uow, sku_id="S1", warehouse_id="W1", quantity=2)
    stock.receive(uow=uow, sku_id="S2", warehouse_id="W1", quantity=1)

    with pytest.raises(OutOfStock, match="'S2'"):
        stock.reserve_many(uow=uow, warehouse_id="W1", quantities={"S1": 2, "S2": 2})
    assert uow.store.stock[("S1", "W1")].reserved == 0

    moves = stock.reserve_many(uow=uow, warehouse_id="W1", quantities={"S1": 2, "S2": 1})
    assert sorted(m.sku_id for m in moves) == ["S1", "S2"]


def test_leaving_the_fake_unit_of_work_without_commit_discards_changes() -> None:
    uow = _uow()
    with uow:
        uow.warehouses.add(Warehouse("W3", "Gone", None))
    with uow:
        assert uow.warehouses.get("W3") is None
    assert uow.commits == 1


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["receive", "reserve", "release", "pick"]), st.integers(1, 6)),
        max_size=25,
    )
)
def test_any_sequence_of_use_cases_keeps_available_non_negative_and_matches_the_ledger(
    steps: list[tuple[str, int]],
) -> None:
    uow = _uow()
    for name, quantity in steps:
        with contextlib.suppress(OutOfStock, InvalidValue):
            getattr(stock, name)(uow=uow, sku_id="S1", warehouse_id="W1", quantity=quantity)
    level = uow.store.stock.get(("S1", "W1"))
    if level is None:
        return
    assert level.available >= 0 and level.reserved >= 0
    replayed = StockLevel.replay("S1", "W1", uow.store.ledger)
    assert (replayed.on_hand, replayed.reserved) == (level.on_hand, level.reserved)
