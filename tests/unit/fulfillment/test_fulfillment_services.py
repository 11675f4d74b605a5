"""Use cases on the fake unit of work: source, reserve, plan waves, pick and pack."""

from __future__ import annotations

from datetime import timedelta

from lastmile.domain import Dimensions, GeoPoint, OrderStatus, Route, Sku, Stop
from lastmile.fulfillment.cartonization import Box, BoxCatalogue
from lastmile.services.fakes import FakeUnitOfWork
from lastmile.services.fulfillment import (
    complete_wave,
    departures_from_routes,
    plan_warehouse_waves,
)
from lastmile.services.sourcing import source_orders
from lastmile.services.stock import receive
from tests.unit.fulfillment.fulfillment_builders import NOW, TRAVEL, order, warehouse


def seeded() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        for w in (warehouse("NEAR", 0.01), warehouse("FAR", 0.2)):
            uow.warehouses.add(w)
        uow.skus.add(Sku("A", "mug", Dimensions(12, 10, 10), 0.4, 8.0))
        uow.skus.add(Sku("B", "lamp", Dimensions(40, 30, 25), 3.0, 30.0))
        uow.skus.add(Sku("SOFA", "sofa", Dimensions(200, 90, 80), 40.0, 500.0))
        uow.orders.add(order("o1", {"A": 2}, raw="1 Main St", placed=0))
        uow.orders.add(order("o2", {"A": 1, "B": 1}, raw="1 Main St", placed=5))
        uow.orders.add(order("o3", {"B": 5}, raw="9 Side St", placed=9))
        uow.orders.add(order("o4", {"A": 1}, validated=False))
        uow.commit()
    receive(uow=uow, sku_id="A", warehouse_id="NEAR", quantity=10)
    receive(uow=uow, sku_id="B", warehouse_id="NEAR", quantity=2)
    receive(uow=uow, sku_id="SOFA", warehouse_id="NEAR", quantity=1)
    return uow


def test_sourcing_reserves_stock_moves_orders_and_consolidates_one_address():
    uow = seeded()
    report = source_orders(uow=uow, travel=TRAVEL, now=NOW)
    assert report.result is not None and report.consolidation is not None
    assert report.result.stats.served == 2
    with uow:
        assert uow.orders.get("o1").status is OrderStatus.SOURCED
        assert uow.orders.get("o3").status is OrderStatus.BACKORDERED
        assert "no warehouse holds 5" in uow.orders.get("o3").status_reason
        assert uow.orders.get("o4").status is OrderStatus.CREATED
        assert uow.stock.get("A", "NEAR").reserved == 3
        assert uow.stock.get("B", "NEAR").reserved == 1
        shipments = uow.shipments.list()
    assert len(shipments) == 1
    assert shipments[0].order_ids == ["o1", "o2"]
    assert report.consolidation.trips_saved == 1
    assert sum(i.quantity for p in shipments[0].parcels for i in p.items) == 4
    kinds = [e.kind for e in uow.store.events]
    assert kinds.count("order.sourced") == 2 and kinds.count("order.backordered") == 1
    assert {m.reference for m in uow.store.ledger if m.kind == "reservation"} == {"o1", "o2"}


def test_shipment_that_no_box_fits_is_reported_with_sku_and_catalogue():
    uow = seeded()
    tiny = BoxCatalogue("tiny", (Box("T", 5, 5, 5, 1.0),))
    report = source_orders(uow=uow, travel=TRAVEL, now=NOW, catalogue=tiny)
    assert len(report.unpackable) == 4  # every unit: three mugs and a lamp
    assert "'A'" in report.unpackable[0] and "'tiny'" in report.unpackable[0]
    with uow:
        (shipment,) = uow.shipments.list()
    assert {p.box_code for p in shipment.parcels} == {"OWN"}
    assert sum(i.quantity for p in shipment.parcels for i in p.items) == 4


def test_orders_in_other_states_are_skipped_and_named():
    uow = seeded()
    report = source_orders(uow=uow, travel=TRAVEL, now=NOW, order_ids=["o4", "o1"])
    assert report.skipped == ("o4",)
    assert report.orders == 1


def test_wave_completion_picks_reserved_stock_and_packs_the_orders():
    uow = seeded()
    source_orders(uow=uow, travel=TRAVEL, now=NOW)
    day = (NOW + timedelta(days=1)).date().isoformat()
    departure = NOW + timedelta(hours=20)
    plan = plan_warehouse_waves(
        uow=uow, warehouse_id="NEAR", delivery_date=day, now=NOW, departure_of=lambda s: departure
    )
    assert len(plan.pick_lists) == 1
    pick = plan.pick_lists[0]
    assert {sku for _, sku, _ in pick.stops} == {"A", "B"}
    assert pick.path.distance_m <= pick.naive_m
    assert pick.wave.release_at < departure
    packed = complete_wave(
        uow=uow,
        wave=pick.wave,
        picked_at=NOW + timedelta(hours=18),
        packed_at=NOW + timedelta(hours=19),
    )
    assert sorted(packed) == ["o1", "o2"]
    with uow:
        level = uow.stock.get("A", "NEAR")
        assert (level.on_hand, level.reserved) == (7, 0)
        assert uow.orders.get("o2").status is OrderStatus.PACKED
    o2_events = [e.kind for e in uow.store.events if e.aggregate_id == "o2"]
    assert o2_events[-3:] == ["order.sourced", "order.picked", "order.packed"]


def test_van_departure_is_its_first_arrival_less_the_drive_from_the_warehouse():
    wh = warehouse("NEAR", 0.0)
    arrival = NOW + timedelta(hours=3)
    stop = Stop("s1", GeoPoint(0.0, 0.01), ["SHP-1", "SHP-2"], arrival, arrival)
    other = Route("r2", "v2", "FAR", [Stop("s2", GeoPoint(0, 0), ["SHP-9"], arrival, arrival)])
    deps = departures_from_routes([Route("r1", "v1", "NEAR", [stop]), other], wh, TRAVEL)
    drive = TRAVEL.matrix([wh.location, stop.location]).durations_s[0, 1]
    assert deps == {
        "SHP-1": arrival - timedelta(seconds=float(drive)),
        "SHP-2": arrival - timedelta(seconds=float(drive)),
    }
