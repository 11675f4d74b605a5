"""Batch forecasts: model choice by backtest, fallbacks, new SKUs.

Series are kept tiny: statsforecast's cost is per series and per fit.
"""

from __future__ import annotations

import numpy as np
import pytest

from lastmile.inventory.classify import DemandClass
from lastmile.inventory.fallback import NewSku, new_sku_forecasts
from lastmile.inventory.forecast import ForecastConfig, _holdout_errors, forecast_batch
from lastmile.inventory.models import INTERMITTENT_SETS, SMOOTH_SETS

CFG = ForecastConfig(horizon=7, season_length=7, cv_windows=2, cv_horizon=7, profile="fast")


def _smooth(seed: int, n: int = 42) -> np.ndarray:
    rng = np.random.default_rng(seed)
    week = 1 + 0.5 * np.sin(np.arange(n) * 2 * np.pi / 7)
    return rng.poisson(20 * week).astype(float)


def test_all_zero_series_forecasts_zero_with_a_zero_interval() -> None:
    b = forecast_batch(["Z@W"], [np.zeros(60)], CFG)
    assert b.demand_class[0] is DemandClass.ZERO
    assert b.mean[0].tolist() == [0.0] * 7
    assert b.upper[0].max() == 0.0
    assert "no demand" in b.basis[0]


def test_one_day_series_gets_its_value_and_at_least_poisson_spread() -> None:
    b = forecast_batch(["O@W"], [np.array([9.0])], CFG)
    assert b.demand_class[0] is DemandClass.SHORT
    assert b.mean[0].tolist() == [9.0] * 7
    assert b.sigma[0, 0] == pytest.approx(3.0)
    assert "too few to backtest" in b.basis[0]


def test_each_series_gets_the_candidate_with_the_lowest_backtest_error() -> None:
    rng = np.random.default_rng(3)
    intermittent = (rng.random(42) < 0.25) * rng.poisson(4, 42).astype(float)
    b = forecast_batch(["S@W", "I@W"], [_smooth(1), intermittent], CFG)
    for row, offered in ((0, SMOOTH_SETS["fast"]), (1, INTERMITTENT_SETS["fast"])):
        ranked = sorted(offered, key=lambda m: b.scores[m][row])
        picked = b.model[row].split("+")
        assert picked in ([ranked[0]], ranked[:2])
        assert "backtest" in b.basis[row]
    assert b.errors.shape == (2, 2, 7)
    assert np.isfinite(b.errors).all()
    assert (b.lower <= b.mean).all() and (b.mean <= b.upper).all()
    assert (b.lower >= 0).all()


def test_negative_or_missing_values_are_refused() -> None:
    with pytest.raises(ValueError, match="finite numbers >= 0"):
        forecast_batch(["N@W"], [np.array([1.0, -1.0])], CFG)
    with pytest.raises(ValueError, match="finite numbers >= 0"):
        forecast_batch(["M@W"], [np.array([1.0, np.nan])], CFG)


def test_new_sku_borrows_its_category_rate_at_its_warehouse_and_says_so() -> None:
    ref = forecast_batch(
        ["toy1@W1", "toy2@W1", "food@W1"],
        [np.full(5, 4.0), np.full(5, 6.0), np.full(5, 100.0)],
        CFG,
    )
    cats = {"toy1": "toys", "toy2": "toys", "food": "food"}
    new = new_sku_forecasts(
        [
            NewSku("toy3", "W1", "toys"),
            NewSku("toy4", "W9", "toys"),
            NewSku("gadget", "W1", "gadgets"),
        ],
        ref,
        cats,
    )
    assert new.mean[0, 0] == pytest.approx(5.0)
    assert "category 'toys' rate at W1" in new.basis[0]
    assert new.mean[1, 0] == pytest.approx(5.0)
    assert "category 'toys' network rate" in new.basis[1]
    assert new.mean[2, 0] == pytest.approx((4 + 6 + 100) / 3)
    assert "network rate" in new.basis[2]
    assert new.demand_class == (DemandClass.NEW,) * 3


def test_new_sku_in_an_empty_network_gets_rate_zero() -> None:
    ref = forecast_batch([], [], CFG)
    (basis,) = new_sku_forecasts([NewSku("x", "W", "toys")], ref, {}).basis
    assert "no history anywhere" in basis


def test_errors_kept_for_safety_stock_come_from_windows_the_choice_did_not_see() -> None:
    # A is lucky on windows 0 and 1 and fails on 2; B is steady. Chosen on all three
    # windows B wins, but window 2 held out is scored by A, the choice the others made.
    errors = np.array([[[0.1], [0.1], [5.0]], [[1.0], [1.0], [1.0]]])
    held_out = _holdout_errors(("A", "B"), errors, "mase")
    assert held_out[:, 0].tolist() == [1.0, 1.0, 5.0]


def test_series_shorter_than_two_seasons_gets_backtested_non_seasonal_models() -> None:
    cfg = ForecastConfig(horizon=4, season_length=52, cv_windows=2, cv_horizon=4, profile="fast")
    rng = np.random.default_rng(5)
    y = rng.poisson(50 + np.arange(80) * 0.5).astype(float)  # 80 weeks, growing
    b = forecast_batch(["W@W"], [y], cfg)
    assert b.demand_class[0] is DemandClass.SMOOTH
    assert "non-seasonal" in b.basis[0]
    assert b.model[0] != "HistoricAverage"
    assert np.isfinite(b.errors[0]).all()
