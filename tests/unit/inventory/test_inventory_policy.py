"""Safety stock, (s, S) and purchase suggestions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.inventory.policy import (
    ServiceTarget,
    compute_policy,
    lead_time_sigma,
    normal_loss,
    suggest_purchases,
)
from tests.unit.inventory.inventory_builders import batch


def test_lead_time_zero_with_continuous_review_needs_no_safety_stock() -> None:
    b = batch(["A@W"], [10.0], [3.0])
    pol = compute_policy(b, lead_time=0, review_period=0, order_cycle=7)
    assert pol.safety_stock[0] == 0
    assert pol.reorder_point[0] == 0
    assert pol.order_up_to[0] == pytest.approx(70.0)


def test_lead_time_zero_with_daily_review_protects_one_day() -> None:
    b = batch(["A@W"], [10.0], [3.0])
    pol = compute_policy(b, lead_time=0, target=ServiceTarget(0.95))
    assert pol.protection[0] == 1
    assert pol.safety_stock[0] == pytest.approx(1.6449 * 3.0, rel=1e-3)


def test_cycle_service_safety_stock_is_z_times_error_over_protection() -> None:
    b = batch(["A@W"], [10.0], [2.0])
    pol = compute_policy(b, lead_time=3, review_period=1, target=ServiceTarget(0.9))
    # No backtest errors: one-period spread times sqrt(4 periods).
    assert pol.sigma_protection[0] == pytest.approx(4.0)
    assert pol.safety_stock[0] == pytest.approx(1.2816 * 4.0, rel=1e-3)
    assert pol.reorder_point[0] == pytest.approx(40 + 1.2816 * 4.0, rel=1e-3)


def test_lead_time_error_is_summed_from_backtest_errors() -> None:
    # One window of 4 periods, errors that persist: sums grow linearly, not by sqrt.
    errors = np.array([[[2.0, 2.0, 2.0, 2.0]]])
    b = batch(["A@W"], [10.0], [2.0], errors=errors)
    assert lead_time_sigma(b, np.array([2]))[0] == pytest.approx(4.0)
    assert lead_time_sigma(b, np.array([8]))[0] == pytest.approx(8.0 * math.sqrt(2))


def test_fill_rate_with_continuous_review_meets_the_hadley_whitin_equation() -> None:
    b = batch(["A@W"], [10.0], [5.0])
    pol = compute_policy(
        b, lead_time=3, review_period=0, order_cycle=7, target=ServiceTarget(0.98, "fill_rate")
    )
    # Silver-Pyke-Thomas (s, Q): sigma_L [G(k) - G(k + Q / sigma_L)] = (1 - P2) Q.
    sigma, q = pol.sigma_protection[0], 70.0
    k = pol.safety_stock[0] / sigma
    short = sigma * float(normal_loss(np.array([k]))[0] - normal_loss(np.array([k + q / sigma]))[0])
    assert sigma == pytest.approx(5.0 * math.sqrt(3))
    assert short == pytest.approx(0.02 * q, rel=1e-6)


# The reorder point is solved by bisection: on a shared, loaded machine one example can
# take far longer than the usual 35 ms.
@settings(deadline=None)
@given(
    lo=st.floats(0.5, 0.97),
    gap=st.floats(0.001, 0.02),
    rate=st.floats(0.1, 100),
    spread=st.floats(0.0, 50),
    lead=st.integers(0, 30),
)
def test_higher_service_level_never_lowers_the_reorder_point(
    lo: float, gap: float, rate: float, spread: float, lead: int
) -> None:
    b = batch(["A@W"], [rate], [spread])
    for kind in ("cycle", "fill_rate"):
        low = compute_policy(b, lead_time=lead, target=ServiceTarget(lo, kind))  # type: ignore[arg-type]
        high = compute_policy(b, lead_time=lead, target=ServiceTarget(lo + gap, kind))  # type: ignore[arg-type]
        assert high.reorder_point[0] >= low.reorder_point[0] - 1e-9
        assert low.order_up_to[0] >= low.reorder_point[0] >= 0


def test_purchase_is_suggested_only_at_or_below_the_reorder_point() -> None:
    b = batch(["A@W", "B@W", "Z@W"], [10.0, 10.0, 0.0], [2.0, 2.0, 0.0])
    pol = compute_policy(b, lead_time=2)
    position = np.array([pol.reorder_point[0] - 1, pol.reorder_point[1] + 1, 0.0])
    (only,) = suggest_purchases(pol, position)
    assert only.series_id == "A@W"
    assert only.quantity == math.ceil(pol.order_up_to[0] - position[0])


def test_negative_lead_time_is_rejected() -> None:
    with pytest.raises(ValueError, match="lead_time < 0"):
        compute_policy(batch(["A@W"], [1.0], [1.0]), lead_time=-1)


def test_empirical_rule_takes_the_quantile_of_backtest_error_sums() -> None:
    errors = np.arange(-10.0, 10.0).reshape(1, 2, 10)  # 2 windows x 10 periods
    b = batch(["A@W"], [10.0], [2.0], errors=errors)
    pol = compute_policy(b, lead_time=0, target=ServiceTarget(0.9), distribution="empirical")
    assert pol.safety_stock[0] == pytest.approx(np.quantile(errors.reshape(-1), 0.9))


def test_empirical_fill_rate_rule_meets_the_target_on_the_backtest_errors() -> None:
    errors = np.arange(-10.0, 10.0).reshape(1, 2, 10)
    b = batch(["A@W"], [10.0], [2.0], errors=errors)
    pol = compute_policy(
        b,
        lead_time=1,
        review_period=0,
        target=ServiceTarget(0.95, "fill_rate"),
        distribution="empirical",
    )
    # Continuous review, one period of lead time: the shortage per order is the mean of
    # (10 + e - s)+ over the backtest errors (S is far above every outcome).
    demand = 10.0 + errors.reshape(-1)
    short = np.maximum(demand - pol.reorder_point[0], 0.0).mean()
    assert short == pytest.approx(0.05 * 70.0, abs=1e-6)
