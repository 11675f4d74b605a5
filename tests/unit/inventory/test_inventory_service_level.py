"""Fill rate of (R, s, S) policies: the formula, and simulations that check it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.inventory.policy import ServiceTarget, compute_policy
from lastmile.inventory.service_level import (
    FillRateModel,
    NormalDemand,
    PositionAfterReview,
    normal_loss,
    normal_loss2,
)
from tests.unit.inventory.inventory_builders import batch


def _simulate(s: float, big_s: float, demand: np.ndarray, lead: int, *, lost_sales: bool) -> float:
    """Serve ``demand`` with daily-review (s, S); return the share served from the shelf."""
    on_hand, served = big_s, 0.0
    arriving = np.zeros(len(demand) + lead + 2)
    on_order = 0.0
    for t, d in enumerate(demand):
        on_hand += arriving[t]
        on_order -= arriving[t]
        got = min(max(on_hand, 0.0), d)
        served += got
        on_hand -= got if lost_sales else d
        position = on_hand + on_order
        if position <= s:
            arriving[t + lead + 1] += big_s - position
            on_order += big_s - position
    return served / float(demand.sum())


def test_second_order_loss_is_the_integral_of_the_loss() -> None:
    k = np.linspace(-3, 3, 6001)
    g = normal_loss(k)
    integral = np.sum(0.5 * (g[1:] + g[:-1]) * np.diff(k))
    assert normal_loss2(np.array([-3.0]))[0] - normal_loss2(np.array([3.0]))[0] == pytest.approx(
        integral, rel=1e-6
    )


def test_orders_smaller_than_one_period_of_demand_make_a_base_stock_policy() -> None:
    pos = PositionAfterReview.renewal(np.array([2.0]), mu=np.array([10.0]), c2=np.array([0.1]))
    assert pos.atom[0] == 1.0


def test_orders_of_many_periods_spread_the_position_almost_uniformly() -> None:
    pos = PositionAfterReview.renewal(np.array([100.0]), mu=np.array([1.0]), c2=np.array([1.0]))
    # One review in 101 starts from S; the rest are spread over (s, S].
    assert pos.atom[0] == pytest.approx(1 / 101)
    assert pos.gap[0] == 0.0


@settings(deadline=None)  # timing on a shared machine is not what this checks
@given(
    mu=st.floats(0.5, 200),
    cv=st.floats(0.0, 2.0),
    q_periods=st.floats(0.0, 20),
    lead=st.integers(0, 10),
    s=st.floats(0, 500),
    step=st.floats(0.01, 100),
)
def test_fill_rate_never_falls_as_the_reorder_point_rises(
    mu: float, cv: float, q_periods: float, lead: int, s: float, step: float
) -> None:
    sd = cv * mu
    model = FillRateModel(
        through_review=NormalDemand(
            np.array([mu * (lead + 1)]), np.array([sd * (lead + 1) ** 0.5])
        ),
        through_lead=NormalDemand(np.array([mu * lead]), np.array([sd * lead**0.5])),
        position=PositionAfterReview.renewal(
            np.array([q_periods * mu]), np.array([mu]), np.array([cv**2])
        ),
        review_demand=np.array([mu]),
        review_period=1,
    )
    low, high = model.fill_rate(np.array([s])), model.fill_rate(np.array([s + step]))
    assert 0.0 <= low[0] <= high[0] + 1e-12 <= 1.0 + 1e-12


def test_cycle_stock_lowers_the_reorder_point_a_fill_rate_needs() -> None:
    b = batch(["A@W"], [20.0], [5.0])
    target = ServiceTarget(0.95, "fill_rate")
    short_cycle = compute_policy(b, lead_time=3, order_cycle=2, target=target)
    long_cycle = compute_policy(b, lead_time=3, order_cycle=14, target=target)
    assert long_cycle.reorder_point[0] < short_cycle.reorder_point[0]


@pytest.mark.parametrize(
    ("lead", "order_cycle", "level"),
    [(0, 3, 0.95), (2, 3, 0.9), (2, 7, 0.98), (5, 7, 0.95), (5, 14, 0.95), (1, 2, 0.95)],
)
def test_simulated_fill_rate_of_iid_normal_demand_lands_on_the_target(
    lead: int, order_cycle: int, level: float
) -> None:
    rng = np.random.default_rng(lead * 100 + order_cycle)
    demand = np.maximum(rng.normal(20.0, 5.0, 20_000), 0.0)
    pol = compute_policy(
        batch(["A@W"], [20.0], [5.0]),
        lead_time=lead,
        order_cycle=order_cycle,
        target=ServiceTarget(level, "fill_rate"),
    )
    s, big_s = float(pol.reorder_point[0]), float(pol.order_up_to[0])
    backordered = _simulate(s, big_s, demand, lead, lost_sales=False)
    lost = _simulate(s, big_s, demand, lead, lost_sales=True)
    assert backordered == pytest.approx(level, abs=0.01)
    # Lost sales do not eat later stock, so the backorder formula errs on the safe side.
    assert level - 0.005 <= lost <= level + 0.03
