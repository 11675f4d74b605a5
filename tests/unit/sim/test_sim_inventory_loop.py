"""The end-of-day inventory loop: forecast next week, suggest what to reorder."""

from __future__ import annotations

import numpy as np

from lastmile.sim.pipeline import inventory_loop


def _history(daily: float, days: int = 56) -> np.ndarray:
    return np.full((days, 2, 1), daily)


def test_a_steady_seller_is_forecast_at_its_daily_rate() -> None:
    forecast, _ = inventory_loop(_history(10.0), np.full((2, 1), 10.0), np.full((2, 1), 500.0))
    assert np.allclose(forecast, 70.0)


def test_stock_below_the_reorder_point_gets_a_suggestion_and_plenty_does_not() -> None:
    available = np.array([[5.0], [500.0]])
    _, suggest = inventory_loop(_history(10.0), np.full((2, 1), 10.0), available)
    assert suggest[0, 0] > 0
    assert suggest[1, 0] == 0


def test_a_suggestion_covers_lead_time_and_a_week_of_demand() -> None:
    _, suggest = inventory_loop(
        _history(10.0), np.full((2, 1), 10.0), np.zeros((2, 1)), lead_time_days=2
    )
    assert suggest[0, 0] >= 2 * 10 + 7 * 10
