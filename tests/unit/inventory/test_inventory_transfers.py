"""Transfers that prevent a stockout when they cost less than the lost sales."""

from __future__ import annotations

import numpy as np

from lastmile.inventory.policy import compute_policy
from lastmile.inventory.reports import days_of_cover, fill_rate, project_stockouts
from lastmile.inventory.transfers import TransferCosts, suggest_transfers
from tests.unit.inventory.inventory_builders import batch


def test_surplus_moves_to_the_warehouse_that_will_stock_out_when_cheaper_than_lost_sales() -> None:
    b = batch(["P@north", "P@south"], [10.0, 10.0], [2.0, 2.0])
    pol = compute_policy(b, lead_time=5)
    on_hand = np.array([200.0, 5.0])
    costs = TransferCosts(per_unit=lambda a, z: 0.5, fixed=5.0, default_lost_sale=8.0)
    (t,) = suggest_transfers(b, pol, on_hand, replenish_periods=5, costs=costs)
    assert (t.from_warehouse, t.to_warehouse, t.sku_id) == ("north", "south", "P")
    assert 30 <= t.quantity <= 200 - pol.reorder_point[0]
    assert t.lost_sales_avoided > t.cost
    assert "south expects" in t.reason


def test_no_transfer_when_the_lane_costs_more_than_the_lost_sales() -> None:
    b = batch(["P@north", "P@south"], [10.0, 10.0], [2.0, 2.0])
    pol = compute_policy(b, lead_time=5)
    costs = TransferCosts(per_unit=lambda a, z: 9.0, default_lost_sale=8.0)
    assert suggest_transfers(b, pol, np.array([200.0, 5.0]), replenish_periods=5, costs=costs) == []


def test_no_transfer_out_of_a_warehouse_without_surplus() -> None:
    b = batch(["P@north", "P@south"], [10.0, 10.0], [2.0, 2.0])
    pol = compute_policy(b, lead_time=5)
    costs = TransferCosts(per_unit=lambda a, z: 0.1, default_lost_sale=50.0)
    assert suggest_transfers(b, pol, np.array([40.0, 0.0]), replenish_periods=5, costs=costs) == []


def test_projected_stockout_day_and_days_of_cover() -> None:
    b = batch(["A@W", "B@W", "Z@W"], [10.0, 1.0, 0.0], [1.0, 0.5, 0.0])
    stock = np.array([25.0, 100.0, 0.0])
    cover = days_of_cover(b, stock)
    assert cover.tolist() == [2.5, 100.0, float("inf")]
    (risk,) = project_stockouts(b, stock, days=7)
    assert risk.series_id == "A@W"
    assert risk.stockout_day == 3
    assert risk.stockout_probability > 0.99


def test_fill_rate_counts_lost_demand_on_stockout_days() -> None:
    from datetime import date

    from lastmile.inventory.history import DemandSeries

    s = DemandSeries(
        "A",
        "W",
        date(2026, 1, 1),
        np.array([10.0, 10.0, 2.0, 0.0]),
        np.array([False, False, True, True]),
    )
    # Stockout days re-estimated at 10 each: served 22 of 40.
    assert fill_rate(s) == 22 / 40
