"""The day's steps, each a small function over the real capability where it exists.

Every step says which implementation ran (``CAPABILITIES``) so the report never passes a
simulator stand-in off as the product's capability: sourcing goes through
``lastmile.fulfillment.sourcing`` (road or straight-line basis), planning and
re-optimisation through ``lastmile.routing``; intake geocodes with the geo capability's
geocoder (``world``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from lastmile.domain import (
    DeliveryOption,
    Order,
    StockLevel,
    Warehouse,
)
from lastmile.geo.travel import TravelTimeSource
from lastmile.sim.scenario import LOCAL


@dataclass(frozen=True, slots=True)
class Allocation:
    """Units of one order line reserved at one warehouse."""

    order_id: str
    sku_id: str
    warehouse_id: str
    quantity: int


@dataclass(frozen=True)
class SourcingOutcome:
    """Allocations per sourced order, and a reason per backordered one."""

    allocations: dict[str, list[Allocation]]
    backordered: dict[str, str]
    implementation: str


def promised_day(order: Order, warehouses: Sequence[Warehouse]) -> tuple[bool, str]:
    """Tell whether the order is due on its delivery day, else why it moves to the next."""
    if order.option is not DeliveryOption.SAME_DAY:
        return True, ""
    cutoff = min(w.same_day_cutoff for w in warehouses)
    placed = order.placed_at.astimezone(LOCAL).time()
    if placed > cutoff:
        return False, (
            f"placed {placed:%H:%M} after the same-day cut-off {cutoff:%H:%M}: "
            "promised for the next day"
        )
    return True, ""


def stock_table(
    levels: Mapping[tuple[str, str], StockLevel],
    warehouse_ids: Sequence[str],
    sku_ids: Sequence[str],
) -> NDArray[np.int64]:
    """Return available units as a (warehouses, skus) array."""
    table = np.zeros((len(warehouse_ids), len(sku_ids)), dtype=np.int64)
    for i, w in enumerate(warehouse_ids):
        for j, s in enumerate(sku_ids):
            level = levels.get((s, w))
            table[i, j] = max(0, level.available) if level else 0
    return table


def source(
    orders: Sequence[Order],
    warehouses: Sequence[Warehouse],
    levels: Mapping[tuple[str, str], StockLevel],
    sku_ids: Sequence[str],
    travel: TravelTimeSource,
    *,
    now: datetime,
    route_aware: bool,
    time_limit_s: float,
    seed: int,
) -> SourcingOutcome:
    """Choose the warehouse(s) each order ships from with the fulfillment capability."""
    if not orders:
        return SourcingOutcome({}, {}, "none")
    # Imported here: sourcing loads its assignment solver, which the rest of the sim
    # does not need.
    from lastmile.fulfillment.sourcing import source_batch
    from lastmile.fulfillment.sourcing_arrays import StockTable
    from lastmile.fulfillment.sourcing_model import DistanceBasis, SourcingPolicy, Strategy

    wh_ids = [w.warehouse_id for w in warehouses]
    table = StockTable(tuple(wh_ids), tuple(sku_ids), stock_table(levels, wh_ids, sku_ids))
    wanted: dict[str, object] = {
        "basis": DistanceBasis.ROAD if route_aware else DistanceBasis.STRAIGHT_LINE,
        "strategy": Strategy.GLOBAL,
        "global_time_limit_s": time_limit_s,
        "timezone": LOCAL,
        "seed": seed,
        "slot_lead_time": timedelta(hours=1),
    }
    # Pass only what this version of the policy knows (the seed is optional there).
    known = {f.name for f in fields(SourcingPolicy)}
    policy = SourcingPolicy(**{k: v for k, v in wanted.items() if k in known})  # type: ignore[arg-type]
    result = source_batch(orders, warehouses, table, travel, now=now, policy=policy)
    allocations: dict[str, list[Allocation]] = {}
    backordered: dict[str, str] = {}
    for decision in result.decisions:
        if decision.allocations and decision.outcome.value != "backordered":
            allocations[decision.order_id] = [
                Allocation(a.order_id, a.sku_id, a.warehouse_id, a.quantity)
                for a in decision.allocations
            ]
        else:
            backordered[decision.order_id] = decision.reason or "no warehouse can ship it"
    basis = "road" if route_aware else "straight-line"
    return SourcingOutcome(
        allocations, backordered, f"lastmile.fulfillment.sourcing ({basis}, global)"
    )


def inventory_loop(
    history: NDArray[np.float64],
    sold_today: NDArray[np.float64],
    available: NDArray[np.float64],
    *,
    lead_time_days: int = 2,
    service_z: float = 1.65,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Forecast next week's demand and suggest reorder quantities per (sku, warehouse).

    Simple exponential smoothing (alpha 0.2) on each series with a weekday profile;
    safety stock ``z * sigma * sqrt(lead time)``; order up to the reorder point plus a
    week of demand when available stock is below the reorder point.
    """
    series = np.concatenate([history, sold_today[None, :, :]], axis=0)
    days = series.shape[0]
    weekday = np.array([series[d::7].mean(axis=0) for d in range(7)])
    overall = series.mean(axis=0)
    profile = np.where(overall > 0, weekday / np.maximum(overall, 1e-9), 1.0)
    deseason = series / np.maximum(profile[np.arange(days) % 7], 1e-9)
    level = deseason[0].copy()
    for d in range(1, days):
        level = 0.2 * deseason[d] + 0.8 * level
    ahead = np.arange(days, days + 7) % 7
    forecast = level[None, :, :] * profile[ahead]
    sigma = series[-28:].std(axis=0)
    reorder_point = level * lead_time_days + service_z * sigma * np.sqrt(lead_time_days)
    target = reorder_point + forecast.sum(axis=0)
    suggest = np.where(available < reorder_point, np.ceil(target - available), 0.0)
    return forecast.sum(axis=0), suggest
