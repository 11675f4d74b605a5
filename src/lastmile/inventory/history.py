"""Daily demand history per SKU x warehouse, derived from the stock ledger or imported.

Demand is what was picked on a day. A day on which the shelf was empty is *censored*:
the picks of that day are a floor on demand, not the demand itself, so such days are
flagged and their demand is re-estimated before forecasting instead of being read as
(near) zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from lastmile.domain import MovementKind, StockMovement

SeriesKey = tuple[str, str]
"""``(sku_id, warehouse_id)``."""


@dataclass(frozen=True)
class DemandSeries:
    """Daily demand of one SKU at one warehouse from ``start`` for ``len(demand)`` days.

    ``stockout[i]`` is True when the shelf was empty at some point of day ``i``, so
    ``demand[i]`` is only a lower bound of what customers wanted.
    """

    sku_id: str
    warehouse_id: str
    start: date
    demand: NDArray[np.float64]
    stockout: NDArray[np.bool_]
    category: str = "general"

    def __post_init__(self) -> None:
        if self.demand.ndim != 1:
            raise ValueError(f"demand must be 1-D, got shape {self.demand.shape}")
        if self.stockout.shape != self.demand.shape:
            raise ValueError(
                f"stockout has shape {self.stockout.shape}, demand {self.demand.shape}"
            )
        if len(self.demand) and (not np.isfinite(self.demand).all() or (self.demand < 0).any()):
            raise ValueError(f"{self.sku_id}@{self.warehouse_id}: demand must be finite and >= 0")

    @property
    def key(self) -> SeriesKey:
        return self.sku_id, self.warehouse_id

    @property
    def days(self) -> int:
        return len(self.demand)

    @property
    def end(self) -> date:
        """The last day covered (the day before ``start`` when empty)."""
        return self.start + timedelta(days=self.days - 1)

    def uncensored(self, *, window: int = 28) -> NDArray[np.float64]:
        """Return demand with stockout days re-estimated.

        A stockout day keeps its observed picks when they exceed the estimate; otherwise
        it takes the mean of the uncensored days among the ``window`` days before it (or,
        with none, of every uncensored day). With no uncensored day at all the observed
        picks are all there is, and are returned unchanged.
        """
        y = self.demand.astype(np.float64, copy=True)
        if not self.stockout.any():
            return y
        clean = ~self.stockout
        if not clean.any():
            return y
        overall = float(y[clean].mean())
        csum = np.concatenate(([0.0], np.cumsum(np.where(clean, y, 0.0))))
        ccount = np.concatenate(([0], np.cumsum(clean)))
        for i in np.flatnonzero(self.stockout).tolist():
            lo = max(0, i - window)
            n = ccount[i] - ccount[lo]
            estimate = (csum[i] - csum[lo]) / n if n else overall
            y[i] = max(y[i], estimate)
        return y


@dataclass(frozen=True)
class DemandHistory:
    """All demand series of a network over one common calendar."""

    series: tuple[DemandSeries, ...]
    notes: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.series)

    def get(self, sku_id: str, warehouse_id: str) -> DemandSeries | None:
        """Return the series of one SKU at one warehouse, if any."""
        for s in self.series:
            if s.key == (sku_id, warehouse_id):
                return s
        return None


def demand_from_movements(
    movements: Iterable[StockMovement],
    *,
    start: date | None = None,
    end: date | None = None,
    categories: dict[str, str] | None = None,
) -> DemandHistory:
    """Derive daily demand and stockout days from ledger movements.

    Parameters
    ----------
    movements
        Ledger lines of any SKUs and warehouses, in any order. Picks count as demand;
        every movement moves on-hand, which decides the stockout days.
    start, end
        Calendar to cover (inclusive). Default: from the first movement of each series to
        the last day of any movement, so a SKU that stopped selling shows its zero days.
    categories
        ``sku_id -> category`` carried onto the series (used for new-SKU fallbacks).

    Returns
    -------
    DemandHistory
        One series per SKU x warehouse with at least one movement. A day is a stockout
        day when a pick emptied the shelf or the day closed with nothing on hand.
    """
    by_key: dict[SeriesKey, list[StockMovement]] = defaultdict(list)
    for m in movements:
        by_key[(m.sku_id, m.warehouse_id)].append(m)
    if not by_key:
        return DemandHistory(())
    last = end or max(m.at.date() for ms in by_key.values() for m in ms)
    categories = categories or {}
    out: list[DemandSeries] = []
    for (sku, wh), ms in sorted(by_key.items()):
        ms.sort(key=lambda m: m.at)
        first = start or ms[0].at.date()
        n = (last - first).days + 1
        if n <= 0:
            continue
        demand = np.zeros(n)
        stockout = np.zeros(n, dtype=bool)
        i = 0
        on_hand = 0
        while i < len(ms) and ms[i].at.date() < first:
            on_hand += ms[i].on_hand_delta
            i += 1
        for day_index in range(n):
            today = first + timedelta(days=day_index)
            while i < len(ms) and ms[i].at.date() == today:
                m = ms[i]
                on_hand += m.on_hand_delta
                if m.kind is MovementKind.PICK:
                    demand[day_index] += m.quantity
                    # Emptied by a pick: later customers of the day found nothing, even
                    # if a receipt refilled the shelf afterwards.
                    if on_hand <= 0:
                        stockout[day_index] = True
                i += 1
            if on_hand <= 0:
                stockout[day_index] = True
        out.append(DemandSeries(sku, wh, first, demand, stockout, categories.get(sku, "general")))
    return DemandHistory(tuple(out))


def align(series: Sequence[DemandSeries]) -> tuple[date, date]:
    """Return the first and last day any of ``series`` covers."""
    if not series:
        raise ValueError("no series to align")
    return min(s.start for s in series), max(s.end for s in series)
