"""Forecasts for SKUs with no history: borrow the rate of their category, or the network's.

A new SKU at a warehouse gets, in order of preference, the mean daily forecast of the
SKUs of its category at that warehouse, of its category across the network, or of every
series in the network. The spread is Poisson (``sqrt(rate)``): nothing better is known
yet. Every forecast says which rate it borrowed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from lastmile.inventory.classify import DemandClass
from lastmile.inventory.forecast import ForecastBatch


def series_id(sku_id: str, warehouse_id: str) -> str:
    """The id of a SKU x warehouse series in a forecast batch."""
    return f"{sku_id}@{warehouse_id}"


def split_id(sid: str) -> tuple[str, str]:
    """Return ``(sku_id, warehouse_id)`` of a series id."""
    sku, _, wh = sid.rpartition("@")
    return sku, wh


@dataclass(frozen=True)
class NewSku:
    """A SKU to forecast at a warehouse where it has never moved."""

    sku_id: str
    warehouse_id: str
    category: str = "general"


def new_sku_forecasts(
    new: Sequence[NewSku], reference: ForecastBatch, categories: Mapping[str, str]
) -> ForecastBatch:
    """Forecast ``new`` SKUs from the rates of known series.

    Parameters
    ----------
    new
        SKUs x warehouses without history.
    reference
        Forecasts of the known series (ids ``sku@warehouse``).
    categories
        ``sku_id -> category`` of the known series' SKUs.

    Returns
    -------
    ForecastBatch
        Flat forecasts; ``basis`` names the category or network rate used.
    """
    h = reference.mean.shape[1] if len(reference) else 1
    known = [
        (*split_id(sid), float(reference.mean[i].mean()))
        for i, sid in enumerate(reference.ids)
        if reference.demand_class[i] is not DemandClass.NEW
    ]
    by_cat_wh: dict[tuple[str, str], list[float]] = {}
    by_cat: dict[str, list[float]] = {}
    for sku, wh, rate in known:
        cat = categories.get(sku, "general")
        by_cat_wh.setdefault((cat, wh), []).append(rate)
        by_cat.setdefault(cat, []).append(rate)
    network = [r for _, _, r in known]
    n = len(new)
    mean = np.zeros((n, h))
    basis: list[str] = []
    for i, item in enumerate(new):
        if rates := by_cat_wh.get((item.category, item.warehouse_id)):
            how = (
                f"new SKU: category {item.category!r} rate at {item.warehouse_id} "
                f"({len(rates)} SKUs)"
            )
        elif rates := by_cat.get(item.category):
            how = f"new SKU: category {item.category!r} network rate ({len(rates)} series)"
        elif network:
            rates = network
            how = f"new SKU: no {item.category!r} history; network rate ({len(rates)} series)"
        else:
            rates = [0.0]
            how = "new SKU: no history anywhere in the network; rate 0"
        mean[i] = float(np.mean(rates))
        basis.append(how)
    sigma = np.sqrt(mean)
    zq = NormalDist().inv_cdf(0.5 + reference.level / 200.0)
    return ForecastBatch(
        ids=tuple(series_id(x.sku_id, x.warehouse_id) for x in new),
        mean=mean,
        lower=np.maximum(mean - zq * sigma, 0.0),
        upper=mean + zq * sigma,
        sigma=sigma,
        errors=np.full((n, 1, 1), np.nan),
        model=("CategoryRate",) * n,
        demand_class=(DemandClass.NEW,) * n,
        basis=tuple(basis),
        level=reference.level,
    )
