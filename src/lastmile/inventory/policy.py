"""Safety stock, reorder point and order-up-to level (s, S), and purchase suggestions.

The protection period is the lead time plus the review period: stock ordered now arrives
after ``lead_time`` periods, and the next chance to order is ``review_period`` later. The
forecast error over that period comes straight from the backtest: the errors of the
chosen model summed over every run of ``P`` consecutive backtest periods, so correlated
errors (a level that was wrong for a week) count as they happened, not as if independent.

Two service targets:

- cycle service level (probability of no stockout in a replenishment cycle):
  ``safety stock = z(level) * sigma_P``;
- fill rate (share of demand served from the shelf): ``k`` solves
  ``sigma_P * G(k) = (1 - fill rate) * Q`` with ``G`` the standard normal loss function
  and ``Q`` the order quantity, the textbook (s, S) approximation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from lastmile.inventory.forecast import FloatArray, ForecastBatch

_N = NormalDist()
# Fewer backtest error sums than this cannot stand for a distribution's tail.
_MIN_SAMPLES = 8


@dataclass(frozen=True)
class ServiceTarget:
    """The service a policy aims for: ``level`` in (0, 1) of ``kind``."""

    level: float = 0.95
    kind: Literal["cycle", "fill_rate"] = "cycle"

    def __post_init__(self) -> None:
        if not 0 < self.level < 1:
            raise ValueError(f"level = {self.level} outside (0, 1) not understood.")
        if self.kind not in ("cycle", "fill_rate"):
            raise ValueError(f"kind = {self.kind!r} not understood.")


@dataclass(frozen=True)
class PolicyTable:
    """(s, S) per series, row ``i`` for ``ids[i]``; quantities in demand units."""

    ids: tuple[str, ...]
    protection: NDArray[np.int64]
    demand_protection: FloatArray
    sigma_protection: FloatArray
    safety_stock: FloatArray
    reorder_point: FloatArray
    order_up_to: FloatArray
    target: ServiceTarget

    def row(self, series_id: str) -> int:
        return self.ids.index(series_id)


@dataclass(frozen=True)
class PurchaseSuggestion:
    """Order ``quantity`` of a series now, because its position fell to its reorder point."""

    series_id: str
    quantity: int
    inventory_position: float
    reorder_point: float
    order_up_to: float


def normal_loss(k: FloatArray) -> FloatArray:
    """Standard normal loss ``G(k) = phi(k) - k (1 - Phi(k))``, elementwise."""
    from scipy.special import ndtr

    k = np.asarray(k, dtype=np.float64)
    phi = np.exp(-0.5 * k**2) / math.sqrt(2 * math.pi)
    result: FloatArray = phi - k * (1.0 - ndtr(k))
    return result


def _k_for_fill_rate(ratio: FloatArray) -> FloatArray:
    """Solve ``G(k) = ratio`` by bisection on the decreasing loss function."""
    lo = np.full_like(ratio, -4.0)
    hi = np.full_like(ratio, 6.0)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        too_much_short = normal_loss(mid) > ratio
        lo = np.where(too_much_short, mid, lo)
        hi = np.where(too_much_short, hi, mid)
    return 0.5 * (lo + hi)


def sum_ahead(values: FloatArray, periods: NDArray[np.int64]) -> FloatArray:
    """Sum each row's first ``periods[i]`` values, repeating the last one past the end."""
    n, h = values.shape
    csum = np.concatenate([np.zeros((n, 1)), np.cumsum(values, axis=1)], axis=1)
    inside = np.minimum(periods, h)
    total = csum[np.arange(n), inside]
    beyond = np.maximum(periods - h, 0)
    last = values[:, -1] if h else np.zeros(n)
    result: FloatArray = total + beyond * last
    return result


def lead_time_sigma(batch: ForecastBatch, periods: NDArray[np.int64]) -> FloatArray:
    """Return the forecast error spread of demand summed over ``periods[i]`` periods.

    From the backtest: RMSE of the errors summed over every run of ``P`` consecutive
    periods inside a window; past the backtest horizon the run sums of the whole window
    are scaled by ``sqrt(P / horizon)``. Series without a backtest use their
    one-period spread times ``sqrt(P)``.
    """
    n = len(batch)
    _, w, hb = batch.errors.shape
    out = np.zeros(n)
    csum = np.concatenate([np.zeros((n, w, 1)), np.cumsum(batch.errors, axis=2)], axis=2)
    for p in np.unique(periods):
        rows = np.flatnonzero(periods == p)
        if p <= 0:
            continue
        run = min(int(p), hb)
        sums = csum[rows][:, :, run:] - csum[rows][:, :, : hb + 1 - run]
        rmse = _rms(sums.reshape(len(rows), -1))
        rmse = rmse * math.sqrt(p / run)
        fallback = batch.sigma[rows, 0] * math.sqrt(p)
        out[rows] = np.where(np.isfinite(rmse), rmse, fallback)
    return out


def error_sums(batch: ForecastBatch, rows: NDArray[np.int64], p: int) -> FloatArray:
    """Backtest errors summed over every run of ``p`` periods, one row per series.

    Past the backtest horizon the whole-window sums are scaled by ``sqrt(p / horizon)``.
    """
    _, w, hb = batch.errors.shape
    run = min(p, hb)
    err = batch.errors[rows]
    csum = np.concatenate([np.zeros((len(rows), w, 1)), np.cumsum(err, axis=2)], axis=2)
    sums = csum[:, :, run:] - csum[:, :, : hb + 1 - run]
    scaled: FloatArray = sums.reshape(len(rows), -1) * math.sqrt(p / run)
    return scaled


def _empirical_safety(sums: FloatArray, allowed_short: FloatArray) -> FloatArray:
    """Smallest safety ``x`` with ``mean((e - x)+) <= allowed_short`` per row, by bisection.

    ``e`` are the row's error sums over the protection period: the shortage a safety
    stock ``x`` would have let through in the backtest.
    """
    lo = np.min(sums, axis=1) - 1.0
    hi = np.max(sums, axis=1) + 1.0
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        short = np.maximum(sums - mid[:, None], 0.0).mean(axis=1)
        too_short = short > allowed_short
        lo = np.where(too_short, mid, lo)
        hi = np.where(too_short, hi, mid)
    result: FloatArray = hi
    return result


def _rms(x: FloatArray) -> FloatArray:
    """Root mean square of each row over its finite entries; NaN for a row with none."""
    ok = np.isfinite(x)
    count = ok.sum(axis=1)
    total = np.where(ok, x, 0.0) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        result: FloatArray = np.sqrt(total.sum(axis=1) / count)
    return result


def compute_policy(
    batch: ForecastBatch,
    *,
    lead_time: int | Sequence[int] | NDArray[np.int64],
    target: ServiceTarget | None = None,
    review_period: int = 1,
    order_cycle: int = 7,
    distribution: Literal["normal", "empirical"] = "normal",
) -> PolicyTable:
    """Compute (s, S) for every series of ``batch``.

    Parameters
    ----------
    batch
        Forecasts with backtest errors.
    lead_time
        Periods from order to receipt, one for all or one per series; 0 is allowed.
    target
        Service target (default 95 % cycle service level).
    review_period
        Periods between two looks at the stock; 0 for continuous review.
    order_cycle
        Periods of demand one order covers: ``S - s`` is the forecast demand over them.
    distribution
        ``"normal"``: safety from ``sigma_P`` as in the module docstring. ``"empirical"``:
        from the backtest error sums themselves (their ``level`` quantile, or the safety
        whose backtest shortage per cycle meets the fill rate), for series with at least
        8 sums; the others keep the normal rule.

    Returns
    -------
    PolicyTable
        ``s = demand over protection + safety stock``, ``S = s + order quantity``.
    """
    tgt = target or ServiceTarget()
    n = len(batch)
    lt = np.broadcast_to(np.asarray(lead_time, dtype=np.int64), (n,)).copy()
    if (lt < 0).any():
        raise ValueError("lead_time < 0 not understood.")
    if review_period < 0:
        raise ValueError(f"review_period = {review_period} < 0 not understood.")
    if order_cycle < 1:
        raise ValueError(f"order_cycle = {order_cycle} < 1 not understood.")
    protection = lt + review_period
    mu_p = sum_ahead(batch.mean, protection)
    sigma_p = lead_time_sigma(batch, protection)
    q = np.maximum(sum_ahead(batch.mean, np.full(n, order_cycle, dtype=np.int64)), 0.0)
    if tgt.kind == "cycle":
        k = np.full(n, _N.inv_cdf(tgt.level))
    else:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratio = np.where(sigma_p > 0, (1 - tgt.level) * q / sigma_p, np.inf)
        k = np.where(np.isfinite(ratio), _k_for_fill_rate(np.nan_to_num(ratio, posinf=1e9)), 0.0)
    safety = k * sigma_p
    if distribution == "empirical":
        for p in np.unique(protection):
            rows = np.flatnonzero(protection == p)
            if p <= 0:
                continue
            sums = error_sums(batch, rows, int(p))
            enough = np.isfinite(sums).all(axis=1) & (sums.shape[1] >= _MIN_SAMPLES)
            if not enough.any():
                continue
            rows, sums = rows[enough], sums[enough]
            if tgt.kind == "cycle":
                safety[rows] = np.quantile(sums, tgt.level, axis=1)
            else:
                safety[rows] = _empirical_safety(sums, (1 - tgt.level) * q[rows])
    safety = np.maximum(safety, -mu_p)
    s = np.maximum(mu_p + safety, 0.0)
    return PolicyTable(
        ids=batch.ids,
        protection=protection,
        demand_protection=mu_p,
        sigma_protection=sigma_p,
        safety_stock=safety,
        reorder_point=s,
        order_up_to=s + q,
        target=tgt,
    )


def suggest_purchases(
    policy: PolicyTable, inventory_position: FloatArray
) -> list[PurchaseSuggestion]:
    """Suggest an order up to ``S`` for every series at or below its reorder point.

    ``inventory_position`` is on hand + on order - backorders, aligned with ``policy.ids``.
    A series with nothing to cover (``S`` = 0) is never ordered.
    """
    ip = np.asarray(inventory_position, dtype=np.float64)
    if ip.shape != (len(policy.ids),):
        raise ValueError(f"inventory_position has shape {ip.shape}, want ({len(policy.ids)},)")
    due = (ip <= policy.reorder_point) & (policy.order_up_to > 0)
    out = []
    for i in np.flatnonzero(due):
        qty = math.ceil(policy.order_up_to[i] - ip[i])
        if qty > 0:
            out.append(
                PurchaseSuggestion(
                    policy.ids[i],
                    qty,
                    float(ip[i]),
                    float(policy.reorder_point[i]),
                    float(policy.order_up_to[i]),
                )
            )
    return out
