"""The built-in sample network."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np

from lastmile.domain import DeliveryOption
from lastmile.geo.defaults import road_travel_times
from lastmile.services.dispatch import release_orders
from lastmile.services.fakes import FakeUnitOfWork
from lastmile.services.sample import load_sample, sample_timezone
from lastmile.tracking.store import InMemoryTrackingRepository

DAY = date(2026, 3, 2)


def test_sample_holds_three_baltimore_warehouses_fifty_skus_twenty_orders_and_vans() -> None:
    uow = FakeUnitOfWork()
    summary = load_sample(uow, day=DAY)

    assert summary.loaded
    assert (summary.warehouses, summary.skus, summary.orders) == (3, 50, 20)
    assert summary.vehicles >= 3 and summary.stock_units > 0
    store = uow.store
    for warehouse in store.warehouses.values():
        assert warehouse.location is not None
        assert 39.25 < warehouse.location.lat < 39.32 and -76.62 < warehouse.location.lon < -76.51
    stocked = {sku for sku, _ in store.stock}
    for order in store.orders.values():
        assert {line.sku_id for line in order.lines} <= stocked
        assert order.address.point is not None
        if order.option is DeliveryOption.SLOT:
            assert order.window is not None and order.window.start.date() == DAY
    assert len(store.ledger) == len(store.stock)
    assert len(store.events) == 20


def test_sample_is_the_same_for_the_same_seed_and_day_and_loads_only_once() -> None:
    first, second = FakeUnitOfWork(), FakeUnitOfWork()
    load_sample(first, day=DAY)
    load_sample(second, day=DAY)
    assert first.store.orders == second.store.orders

    again = load_sample(first, day=DAY)
    assert not again.loaded
    assert first.commits == 1


def test_sample_sites_and_customers_stand_on_the_shipped_road_network() -> None:
    uow = FakeUnitOfWork()
    load_sample(uow, day=DAY)
    store = uow.store
    sites = [w.location for w in store.warehouses.values()]
    customers = [o.address.point for o in store.orders.values()]
    points = [p for p in sites + customers if p is not None]
    assert len(points) == 23 and len(set(customers)) == 20
    roads = road_travel_times()
    assert roads.snap(points).distances_m.max() < roads.max_snap_m
    # Every site reaches every customer by road.
    assert np.isfinite(roads.matrix(points).durations_s).all()


def test_sample_orders_are_sourced_on_road_times_with_a_warehouse_each() -> None:
    uow = FakeUnitOfWork()
    load_sample(uow, day=DAY)
    release = release_orders(
        uow=uow,
        tracking=InMemoryTrackingRepository(),
        travel=road_travel_times(),
        now=datetime.combine(DAY - timedelta(days=1), time(20), sample_timezone()),
    )
    assert release.report.skipped == () and release.report.orders == 20
    assert release.report.result is not None
    assert {d.order_id for d in release.report.result.decisions} == set(uow.store.orders)
    assert release.shipment_ids
