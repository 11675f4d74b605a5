"""Safety stock, reorder point and order-up-to level (s, S), and purchase suggestions.

The protection period is the lead time plus the review period: stock ordered now arrives
after ``lead_time`` periods, and the next chance to order is ``review_period`` later. The
forecast error over ``n`` periods comes straight from the rolling-origin backtest: the
errors of the chosen model summed over every run of ``n`` consecutive backtest periods,
so correlated errors (a level that was wrong for a week) count as they happened, neither
as if independent nor as if perfectly correlated. ``X_n`` below is the forecast demand
over the next ``n`` periods plus that error (normal with the sums' RMSE, or the sums
themselves with ``distribution="empirical"``).

Two service targets:

- cycle service level (probability of no stockout while an order is under way):
  ``s = mu_P + z(level) * sigma_P`` with ``P = L + R`` (Silver, Pyke and Thomas, 2017,
  *Inventory and Production Management in Supply Chains*, 4th ed., ch. 6);
- fill rate (share of demand served from the shelf): ``s`` is the smallest reorder point
  whose per-review-period shortage ``E[(X_{L+R} - Y)+] - E[(X_L - Y)+]`` is at most
  ``(1 - fill rate) * mu_R``, with ``Y`` the position after review in ``(s, S]``
  (``service_level``: Axsäter 2006 ch. 5; Tijms and Groenevelt 1984). The cycle stock
  ``S - s`` protects too, and the shortage is counted in the periods where it happens,
  not over the whole protection period.
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
from lastmile.inventory.service_level import (
    FillRateModel,
    NormalDemand,
    PeriodDemand,
    PositionAfterReview,
    SampledDemand,
    normal_loss,
)

__all__ = [
    "PolicyTable",
    "PurchaseSuggestion",
    "ServiceTarget",
    "compute_policy",
    "error_sums",
    "lead_time_sigma",
    "normal_loss",
    "suggest_purchases",
    "sum_ahead",
]

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


def _rms(x: FloatArray) -> FloatArray:
    """Root mean square of each row over its finite entries; NaN for a row with none."""
    ok = np.isfinite(x)
    count = ok.sum(axis=1)
    total = np.where(ok, x, 0.0) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        result: FloatArray = np.sqrt(total.sum(axis=1) / count)
    return result


def _fill_rate_reorder_point(
    batch: ForecastBatch,
    lead: NDArray[np.int64],
    review_period: int,
    q: FloatArray,
    order_cycle: int,
    level: float,
    distribution: str,
) -> FloatArray:
    """Return the smallest reorder point per series whose fill rate reaches ``level``.

    See ``service_level``: the shortage per review period with the position after review
    spread over ``(s, S]`` by the renewal approximation, whose one-review demand is the
    mean over the order cycle and whose spread is the one-period forecast error.
    """
    protection = lead + review_period
    mu_p, sigma_p = sum_ahead(batch.mean, protection), lead_time_sigma(batch, protection)
    mu_l, sigma_l = sum_ahead(batch.mean, lead), lead_time_sigma(batch, lead)
    if review_period == 0:
        position = PositionAfterReview.uniform(q)
    else:
        mu_r = q / order_cycle * review_period
        var_r = batch.sigma[:, 0] ** 2 * review_period
        with np.errstate(divide="ignore", invalid="ignore"):
            c2 = np.where(mu_r > 0, var_r / np.where(mu_r > 0, mu_r, 1.0) ** 2, 1.0)
        position = PositionAfterReview.renewal(q, mu_r, c2)
    model = FillRateModel(
        through_review=NormalDemand(mu_p, sigma_p),
        through_lead=NormalDemand(mu_l, sigma_l),
        position=position,
        review_demand=mu_p - mu_l,
        review_period=review_period,
    )
    s = model.reorder_point(level)
    if distribution != "empirical":
        return s
    for lt in np.unique(lead):
        rows = np.flatnonzero(lead == lt)
        p = int(lt) + review_period
        if p <= 0:
            continue
        sums_p = error_sums(batch, rows, p)
        ok = np.isfinite(sums_p).all(axis=1) & (sums_p.shape[1] >= _MIN_SAMPLES)
        sums_l = error_sums(batch, rows, int(lt)) if lt > 0 else np.zeros((len(rows), 1))
        ok &= np.isfinite(sums_l).all(axis=1)
        if not ok.any():
            continue
        rows, sums_p, sums_l = rows[ok], sums_p[ok], sums_l[ok]
        through_lead: PeriodDemand = SampledDemand(mu_l[rows, None] + sums_l)
        sub = FillRateModel(
            through_review=SampledDemand(mu_p[rows, None] + sums_p),
            through_lead=through_lead,
            position=position.subset(rows),
            review_demand=mu_p[rows] - mu_l[rows],
            review_period=review_period,
        )
        s[rows] = sub.reorder_point(level)
    return s


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
        Service target (default 95 % cycle service level). For a fill rate the shortage
        is computed with backorder accounting; where unmet demand is lost instead, the
        achieved fill rate is a little higher (a lost sale does not eat later stock).
    review_period
        Periods between two looks at the stock; 0 for continuous review.
    order_cycle
        Periods of demand one order covers: ``S - s`` is the forecast demand over them.
    distribution
        ``"normal"``: demand over ``n`` periods is normal with the backtest sums' RMSE, as
        in the module docstring. ``"empirical"``: it is the forecast plus the backtest
        error sums themselves (their ``level`` quantile for a cycle service level, the
        same shortage equation for a fill rate), for series with at least 8 sums; the
        others keep the normal rule.

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
    if tgt.kind == "fill_rate":
        s_fill = _fill_rate_reorder_point(
            batch, lt, review_period, q, order_cycle, tgt.level, distribution
        )
        safety = s_fill - mu_p
    else:
        safety = _N.inv_cdf(tgt.level) * sigma_p
        if distribution == "empirical":
            for p in np.unique(protection):
                rows = np.flatnonzero(protection == p)
                if p <= 0:
                    continue
                sums = error_sums(batch, rows, int(p))
                enough = np.isfinite(sums).all(axis=1) & (sums.shape[1] >= _MIN_SAMPLES)
                if enough.any():
                    safety[rows[enough]] = np.quantile(sums[enough], tgt.level, axis=1)
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
