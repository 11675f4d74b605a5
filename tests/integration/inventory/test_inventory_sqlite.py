"""Planning from the stock ledger stored in a real SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lastmile.adapters.db.mapping import start_mappers
from lastmile.bootstrap import make_engine, make_uow_factory
from lastmile.domain import Dimensions, Sku, Warehouse
from lastmile.services.forecasting import PlanSettings, plan_inventory_from_ledger
from lastmile.services.stock import pick, receive, reserve
from lastmile.services.unit_of_work import UnitOfWork

DAY0 = datetime(2026, 3, 2, 8, tzinfo=UTC)


@pytest.fixture
def uow(tmp_path: Path) -> Iterator[UnitOfWork]:
    start_mappers()
    engine = make_engine(f"sqlite:///{tmp_path / 'inv.db'}", migrate=True)
    unit = make_uow_factory(engine)()
    with unit:
        unit.warehouses.add(Warehouse("W1", "W1", None))
        unit.skus.add(Sku("mug", "mug", Dimensions(10, 10, 10), 0.4, 8.0, "kitchen"))
        unit.skus.add(Sku("jug", "jug", Dimensions(20, 10, 10), 0.9, 12.0, "kitchen"))
        unit.commit()
    receive(uow=unit, sku_id="mug", warehouse_id="W1", quantity=12, at=DAY0)
    for d in range(6):
        at = DAY0 + timedelta(days=d, hours=2)
        reserve(uow=unit, sku_id="mug", warehouse_id="W1", quantity=2, at=at)
        pick(uow=unit, sku_id="mug", warehouse_id="W1", quantity=2, at=at)
    receive(uow=unit, sku_id="jug", warehouse_id="W1", quantity=1, at=DAY0)
    yield unit
    engine.dispose()


def test_plan_reads_demand_and_stockout_days_from_the_stored_ledger(uow: UnitOfWork) -> None:
    plan = plan_inventory_from_ledger(uow=uow, settings=PlanSettings(horizon=7, lead_time=2))
    mug = plan.forecasts.ids.index("mug@W1")
    series = plan.history.get("mug", "W1")
    assert series is not None
    assert series.demand.tolist() == [2, 2, 2, 2, 2, 2]
    assert series.stockout.tolist() == [False] * 5 + [True]  # the last pick emptied it
    assert plan.forecasts.mean[mug, 0] == pytest.approx(2.0)
    assert plan.on_hand[mug] == 0
    assert any(p.series_id == "mug@W1" for p in plan.purchases)
    jug = plan.forecasts.ids.index("jug@W1")
    assert plan.forecasts.model[jug] == "Zero"  # received, never sold
