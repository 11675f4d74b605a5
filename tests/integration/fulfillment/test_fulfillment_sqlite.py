"""The fulfillment use cases on a real SQLite database: ledger, outbox, shipments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lastmile.adapters.db.mapping import start_mappers
from lastmile.bootstrap import make_engine, make_uow_factory
from lastmile.domain import Dimensions, MovementKind, OrderStatus, OutOfStock, Sku
from lastmile.services.fulfillment import complete_wave, plan_warehouse_waves
from lastmile.services.sourcing import source_orders
from lastmile.services.stock import receive, reserve
from tests.unit.fulfillment.fulfillment_builders import NOW, TRAVEL, order, warehouse


@pytest.fixture
def uow(tmp_path):
    start_mappers()
    engine = make_engine(f"sqlite:///{tmp_path / 'f.db'}", migrate=True)
    unit = make_uow_factory(engine)()
    with unit:
        unit.warehouses.add(warehouse("NEAR", 0.01))
        unit.warehouses.add(warehouse("FAR", 0.2))
        unit.skus.add(Sku("A", "mug", Dimensions(12, 10, 10), 0.4, 8.0))
        unit.skus.add(Sku("B", "lamp", Dimensions(40, 30, 25), 3.0, 30.0))
        unit.orders.add(order("o1", {"A": 2}, raw="1 Main St", placed=0))
        unit.orders.add(order("o2", {"A": 1, "B": 1}, raw="1 Main St", placed=5))
        unit.orders.add(order("o3", {"B": 9}, raw="9 Side St", placed=9))
        unit.commit()
    receive(uow=unit, sku_id="A", warehouse_id="NEAR", quantity=3)
    receive(uow=unit, sku_id="B", warehouse_id="FAR", quantity=1)
    yield unit
    engine.dispose()


def test_sourcing_stores_reservations_events_and_one_consolidated_shipment_per_warehouse(uow):
    report = source_orders(uow=uow, travel=TRAVEL, now=NOW)
    assert report.result is not None
    assert report.result.stats.split == 1  # o2: A from NEAR, B from FAR
    with uow:
        assert uow.stock.get("A", "NEAR").available == 0
        assert uow.stock.get("B", "FAR").reserved == 1
        reservations = [
            m for m in uow.stock.movements("A", "NEAR") if m.kind is MovementKind.RESERVATION
        ]
        assert sorted(m.reference for m in reservations) == ["o1", "o2"]
        assert uow.orders.get("o3").status is OrderStatus.BACKORDERED
        kinds = sorted(
            e.kind for e in uow.outbox.unrelayed(limit=100) if e.kind.startswith("order.")
        )
        shipments = {s.warehouse_id: s for s in uow.shipments.list()}
    assert kinds.count("order.sourced") == 2 and kinds.count("order.backordered") == 1
    assert shipments["NEAR"].order_ids == ["o1", "o2"]
    assert shipments["FAR"].order_ids == ["o2"]
    assert all(s.parcels for s in shipments.values())
    # Nothing is left to reserve: the ledger refuses the next unit.
    with pytest.raises(OutOfStock):
        reserve(uow=uow, sku_id="A", warehouse_id="NEAR", quantity=1)


def test_split_order_is_packed_only_after_both_warehouses_picked(uow):
    source_orders(uow=uow, travel=TRAVEL, now=NOW)
    day = (NOW + timedelta(days=1)).date().isoformat()
    plans = {
        wid: plan_warehouse_waves(
            uow=uow,
            warehouse_id=wid,
            delivery_date=day,
            now=NOW,
            departure_of=lambda s: NOW + timedelta(hours=20),
        )
        for wid in ("NEAR", "FAR")
    }
    near_wave = plans["NEAR"].pick_lists[0].wave
    far_wave = plans["FAR"].pick_lists[0].wave
    assert complete_wave(uow=uow, wave=near_wave, picked_at=NOW, packed_at=NOW) == ["o1"]
    assert complete_wave(uow=uow, wave=far_wave, picked_at=NOW, packed_at=NOW) == ["o2"]
    with uow:
        assert uow.orders.get("o2").status is OrderStatus.PACKED
        level = uow.stock.get("A", "NEAR")
        assert (level.on_hand, level.reserved) == (0, 0)
