"""The end-of-day inventory loop: forecast next week, suggest what to reorder."""

from __future__ import annotations

from datetime import date

import numpy as np

from lastmile.sim.pipeline import inventory_loop

TODAY = date(2026, 3, 10)


def _run(
    daily: float, available: np.ndarray, *, lead_time_days: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    history = np.full((56, 2, 1), daily)
    return inventory_loop(
        history,
        np.full((2, 1), daily),
        available,
        sku_ids=["SKU-1", "SKU-2"],
        warehouse_ids=["WH-1"],
        today=TODAY,
        lead_time_days=lead_time_days,
    )


def test_a_steady_seller_is_forecast_at_its_daily_rate() -> None:
    forecast, _ = _run(10.0, np.full((2, 1), 500.0))
    assert np.allclose(forecast, 70.0, rtol=0.05)


def test_stock_below_the_reorder_point_gets_a_suggestion_and_plenty_does_not() -> None:
    _, suggest = _run(10.0, np.array([[5.0], [500.0]]))
    assert suggest[0, 0] > 0
    assert suggest[1, 0] == 0


def test_a_suggestion_covers_lead_time_and_a_week_of_demand() -> None:
    _, suggest = _run(10.0, np.zeros((2, 1)), lead_time_days=2)
    assert suggest[0, 0] >= 2 * 10 + 7 * 10
