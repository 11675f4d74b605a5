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
from datetime import date, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from lastmile.domain import (
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
    node_limit: int,
    seed: int,
) -> SourcingOutcome:
    """Choose the warehouse(s) each order ships from with the fulfillment capability.

    The global assignment stops on ``node_limit`` branch-and-bound nodes; ``time_limit_s``
    is only a safety net, so the same orders give the same allocation on a slow machine.
    """
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
        "global_node_limit": node_limit,
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
    stats = result.stats
    return SourcingOutcome(
        allocations,
        backordered,
        f"lastmile.fulfillment.sourcing ({basis}, global; {stats.contested_orders} contested, "
        f"{stats.solver_status})",
    )


def inventory_loop(
    history: NDArray[np.float64],
    sold_today: NDArray[np.float64],
    available: NDArray[np.float64],
    *,
    sku_ids: Sequence[str],
    warehouse_ids: Sequence[str],
    today: date,
    lead_time_days: int = 2,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Forecast next week's demand and suggest reorder quantities per (sku, warehouse).

    Runs ``lastmile.services.forecasting.plan_inventory`` (the inventory capability) on
    the history plus today's sales, with its ``fast`` model profile: the end of a
    simulated day must not wait for the full model search.

    Parameters
    ----------
    history
        Units sold per day, shape ``(days, skus, warehouses)``, ending yesterday.
    sold_today, available
        Today's sales and the stock left, shape ``(skus, warehouses)``.
    sku_ids, warehouse_ids, today
        What the axes are, and the simulated day.
    lead_time_days
        Replenishment lead time.

    Returns
    -------
    tuple
        Next week's forecast units and the suggested order quantity, each
        ``(skus, warehouses)``.
    """
    # Imported here: the forecasting stack loads statsforecast, which only this step needs.
    from lastmile.inventory.fallback import series_id
    from lastmile.inventory.history import DemandHistory, DemandSeries
    from lastmile.services.forecasting import PlanSettings, plan_inventory

    series = np.concatenate([history, sold_today[None, :, :]], axis=0)
    days = series.shape[0]
    start = today - timedelta(days=days - 1)
    no_stockout = np.zeros(days, dtype=np.bool_)
    demand = DemandHistory(
        tuple(
            DemandSeries(
                sku,
                wh,
                start,
                series[:, i, j].copy(),
                # Today ended with an empty shelf: its sales only bound the demand.
                np.concatenate([no_stockout[:-1], [available[i, j] <= 0]]),
            )
            for i, sku in enumerate(sku_ids)
            for j, wh in enumerate(warehouse_ids)
        )
    )
    cell = {
        series_id(sku, wh): (i, j)
        for i, sku in enumerate(sku_ids)
        for j, wh in enumerate(warehouse_ids)
    }
    plan = plan_inventory(
        demand,
        on_hand={sid: float(available[i, j]) for sid, (i, j) in cell.items()},
        settings=PlanSettings(horizon=7, lead_time=lead_time_days, profile="fast"),
    )
    forecast = np.zeros(available.shape, dtype=np.float64)
    for k, sid in enumerate(plan.forecasts.ids):
        forecast[cell[sid]] = float(plan.forecasts.mean[k, :7].sum())
    suggest = np.zeros(available.shape, dtype=np.float64)
    for purchase in plan.purchases:
        suggest[cell[purchase.series_id]] = float(purchase.quantity)
    return forecast, suggest
