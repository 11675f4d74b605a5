"""The built-in sample network."""

from __future__ import annotations

from datetime import date

from lastmile.domain import DeliveryOption
from lastmile.services.fakes import FakeUnitOfWork
from lastmile.services.sample import load_sample

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
        assert 39.2 < warehouse.location.lat < 39.4 and -76.8 < warehouse.location.lon < -76.5
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
