"""Inventory reports: projected stockouts, days of cover, fill rate, and forecast plots."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

import numpy as np

from lastmile.inventory.forecast import FloatArray, ForecastBatch
from lastmile.inventory.history import DemandSeries


@dataclass(frozen=True)
class StockoutProjection:
    """When one series is expected to run out within the report's window."""

    series_id: str
    on_hand: float
    days_of_cover: float
    stockout_day: int | None
    stockout_probability: float


def days_of_cover(batch: ForecastBatch, on_hand: FloatArray) -> FloatArray:
    """Days the stock lasts at the forecast mean daily demand; ``inf`` with no demand."""
    rate = batch.mean.mean(axis=1)
    stock = np.asarray(on_hand, dtype=np.float64)
    with np.errstate(divide="ignore"):
        cover: FloatArray = np.where(rate > 0, stock / np.where(rate > 0, rate, 1.0), np.inf)
    return cover


def project_stockouts(
    batch: ForecastBatch, on_hand: FloatArray, *, days: int
) -> list[StockoutProjection]:
    """List series that may run out within ``days``, most likely first.

    ``stockout_day`` is the first day (1-based) the cumulative mean forecast exceeds the
    stock, or None if it does not within ``days``; ``stockout_probability`` is the chance
    that demand over ``days`` exceeds the stock, from the forecast's error spread.
    """
    if days < 1:
        raise ValueError(f"days = {days} < 1 not understood.")
    stock = np.asarray(on_hand, dtype=np.float64)
    h = batch.mean.shape[1]
    horizon = min(days, h)
    cum = np.cumsum(batch.mean[:, :horizon], axis=1)
    mu = cum[:, -1] + batch.mean[:, -1] * (days - horizon)
    sigma = batch.sigma[:, 0] * math.sqrt(days)
    cover = days_of_cover(batch, stock)
    out = []
    nd = NormalDist()
    for i, sid in enumerate(batch.ids):
        crossed = np.flatnonzero(cum[i] > stock[i])
        day = int(crossed[0]) + 1 if crossed.size else None
        if day is None and cover[i] < days:
            day = math.ceil(cover[i])
        if sigma[i] > 0:
            p = 1.0 - nd.cdf((stock[i] - mu[i]) / sigma[i])
        else:
            p = 1.0 if mu[i] > stock[i] else 0.0
        if day is not None or p >= 0.05:
            out.append(StockoutProjection(sid, float(stock[i]), float(cover[i]), day, p))
    out.sort(key=lambda x: (-x.stockout_probability, x.stockout_day or days + 1))
    return out


def fill_rate(series: DemandSeries) -> float:
    """Share of demand served: picks over picks plus the demand lost on stockout days.

    Lost demand is the re-estimated demand of each stockout day minus what was picked;
    1.0 for a series with no demand.
    """
    served = float(series.demand.sum())
    wanted = float(series.uncensored().sum())
    return served / wanted if wanted > 0 else 1.0


def plot_forecast(
    series: DemandSeries | None,
    history: FloatArray,
    batch: ForecastBatch,
    row: int,
    path: Path,
    *,
    last_days: int = 120,
) -> Path:
    """Write a PNG of the history, the forecast and its interval for one series.

    Stockout days (censored demand) are marked so a dip is not mistaken for low demand.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y = np.asarray(history, dtype=np.float64)[-last_days:]
    t_hist = np.arange(-len(y), 0)
    h = batch.mean.shape[1]
    t_fc = np.arange(0, h)
    fig, ax = plt.subplots(figsize=(9, 3.6), dpi=100)
    try:
        ax.plot(t_hist, y, color="#555", lw=1, label="demand")
        if series is not None and series.stockout.any():
            so = series.stockout[-last_days:]
            ax.scatter(
                t_hist[so], y[so], color="#c0392b", s=14, zorder=3, label="stockout day (censored)"
            )
        ax.fill_between(
            t_fc,
            batch.lower[row],
            batch.upper[row],
            color="#3498db",
            alpha=0.25,
            label=f"{batch.level:g}% interval",
        )
        ax.plot(
            t_fc, batch.mean[row], color="#2471a3", lw=1.6, label=f"forecast ({batch.model[row]})"
        )
        ax.axvline(0, color="#999", lw=0.8, ls="--")
        ax.set_title(f"{batch.ids[row]} — {batch.basis[row]}", fontsize=9)
        ax.set_xlabel("days from today")
        ax.set_ylabel("units")
        ax.legend(fontsize=7, loc="upper left")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    finally:
        plt.close(fig)
    return path
