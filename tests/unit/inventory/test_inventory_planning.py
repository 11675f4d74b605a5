"""The planning use case on an in-memory unit of work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lastmile.domain import Dimensions, Sku, StockLevel
from lastmile.inventory.policy import ServiceTarget
from lastmile.inventory.transfers import TransferCosts
from lastmile.services.fakes import FakeStore, FakeUnitOfWork
from lastmile.services.forecasting import PlanSettings, plan_inventory_from_ledger

DAY0 = datetime(2026, 2, 1, 9, tzinfo=UTC)


def _sku(sku_id: str, category: str) -> Sku:
    return Sku(sku_id, sku_id, Dimensions(10, 10, 10), 1.0, 5.0, category)


def _selling_level(
    store: FakeStore, sku: str, wh: str, daily: int, days: int, received: int
) -> None:
    level = StockLevel(sku, wh)
    level.receive(received, at=DAY0)
    for d in range(days):
        at = DAY0 + timedelta(days=d, hours=3)
        level.reserve(daily, at=at)
        level.pick(daily, at=at)
    store.ledger.extend(level.pending)
    level.pending.clear()
    store.stock[(sku, wh)] = level


def test_plan_from_ledger_forecasts_orders_and_borrows_a_rate_for_a_new_sku() -> None:
    store = FakeStore()
    store.skus = {"mug": _sku("mug", "kitchen"), "cup": _sku("cup", "kitchen")}
    _selling_level(store, "mug", "W1", daily=3, days=10, received=40)
    _selling_level(store, "mug", "W2", daily=3, days=10, received=200)
    store.stock[("cup", "W1")] = StockLevel("cup", "W1")
    uow = FakeUnitOfWork(store)
    settings = PlanSettings(
        horizon=7,
        lead_time=0,
        target=ServiceTarget(0.95),
        transfer_costs=TransferCosts(per_unit=lambda a, b: 0.1, default_lost_sale=20.0),
    )
    plan = plan_inventory_from_ledger(uow=uow, settings=settings)
    ids = plan.forecasts.ids
    assert set(ids) == {"mug@W1", "mug@W2", "cup@W1"}
    row = ids.index("mug@W1")
    assert plan.forecasts.mean[row, 0] == 3.0
    new = ids.index("cup@W1")
    assert "category 'kitchen' rate at W1" in plan.forecasts.basis[new]
    assert plan.on_hand[row] == 10
    assert {p.series_id for p in plan.purchases} >= {"cup@W1"}
    assert plan.fill_rates["mug@W1"] == 1.0
    assert [(t.from_warehouse, t.to_warehouse) for t in plan.transfers] in ([], [("W2", "W1")])
    assert not uow.committed
