"""Inventory planning use cases: forecasts, (s, S), purchase and transfer suggestions.

``plan_inventory`` is pure (history and stock in, a plan out) so the API, the CLI and the
simulator call it directly; ``plan_inventory_from_ledger`` reads the same inputs through
a unit of work. Planning only reads: nothing is committed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from lastmile.inventory.fallback import NewSku, new_sku_forecasts, series_id
from lastmile.inventory.forecast import FloatArray, ForecastBatch, ForecastConfig, forecast_batch
from lastmile.inventory.history import DemandHistory, DemandSeries, demand_from_movements
from lastmile.inventory.models import Profile
from lastmile.inventory.policy import (
    PolicyTable,
    PurchaseSuggestion,
    ServiceTarget,
    compute_policy,
    suggest_purchases,
)
from lastmile.inventory.reports import (
    StockoutProjection,
    days_of_cover,
    fill_rate,
    project_stockouts,
)
from lastmile.inventory.transfers import TransferCosts, TransferSuggestion, suggest_transfers
from lastmile.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PlanSettings:
    """What a plan aims for; lead times in days (0 allowed)."""

    horizon: int = 28
    lead_time: int = 5
    lead_times: Mapping[str, int] = field(default_factory=dict)
    target: ServiceTarget = field(default_factory=ServiceTarget)
    review_period: int = 1
    order_cycle: int = 7
    report_days: int = 14
    n_jobs: int = 1
    profile: Profile = "auto"
    transfer_costs: TransferCosts | None = None

    def lead_time_of(self, warehouse_id: str) -> int:
        return self.lead_times.get(warehouse_id, self.lead_time)


@dataclass(frozen=True)
class InventoryPlan:
    """Everything a planner needs for one network on one day."""

    forecasts: ForecastBatch
    policy: PolicyTable
    on_hand: FloatArray
    days_of_cover: FloatArray
    fill_rates: dict[str, float]
    stockouts: list[StockoutProjection]
    purchases: list[PurchaseSuggestion]
    transfers: list[TransferSuggestion]
    notes: tuple[str, ...]
    history: DemandHistory


def plan_inventory(
    history: DemandHistory,
    *,
    on_hand: Mapping[str, float],
    settings: PlanSettings | None = None,
    new_skus: Sequence[NewSku] = (),
    progress: Callable[[str], None] | None = None,
) -> InventoryPlan:
    """Forecast every series of ``history`` and turn the forecasts into decisions.

    Parameters
    ----------
    history
        Daily demand per SKU x warehouse (stockout days flagged).
    on_hand
        Available stock plus stock on order per series id ``sku@warehouse``; a series
        missing here counts as holding nothing.
    settings
        Horizon, lead times, service target, review and order cycle, transfer costs.
    new_skus
        SKU x warehouse pairs with no history: forecast from category/network rates.
    progress
        Called with a short label before each step (for progress bars).
    """
    cfg = settings or PlanSettings()
    step = progress or (lambda _label: None)
    step("forecasting")
    ids = [series_id(s.sku_id, s.warehouse_id) for s in history.series]
    values = [s.uncensored() for s in history.series]
    fc_cfg = ForecastConfig(
        horizon=max(
            cfg.horizon,
            cfg.lead_time + cfg.review_period + cfg.order_cycle,
            *(lt + cfg.review_period + cfg.order_cycle for lt in cfg.lead_times.values()),
        ),
        season_length=7,
        n_jobs=cfg.n_jobs,
        profile=cfg.profile,
    )
    batch = forecast_batch(ids, values, fc_cfg)
    notes = list(history.notes)
    known = set(ids)
    fresh = [x for x in new_skus if series_id(x.sku_id, x.warehouse_id) not in known]
    if fresh:
        categories = {s.sku_id: s.category for s in history.series}
        extra = new_sku_forecasts(fresh, batch, categories)
        batch = _concat(batch, extra)
        notes.append(f"{len(fresh)} new SKU x warehouse pair(s) forecast from borrowed rates")
    step("policies")
    lead = np.array([cfg.lead_time_of(sid.rpartition("@")[2]) for sid in batch.ids], dtype=np.int64)
    policy = compute_policy(
        batch,
        lead_time=lead,
        target=cfg.target,
        review_period=cfg.review_period,
        order_cycle=cfg.order_cycle,
    )
    stock = np.array([float(on_hand.get(sid, 0.0)) for sid in batch.ids])
    purchases = suggest_purchases(policy, stock)
    transfers: list[TransferSuggestion] = []
    if cfg.transfer_costs is not None:
        step("transfers")
        transfers = suggest_transfers(
            batch, policy, stock, replenish_periods=cfg.lead_time, costs=cfg.transfer_costs
        )
    step("reports")
    return InventoryPlan(
        forecasts=batch,
        policy=policy,
        on_hand=stock,
        days_of_cover=days_of_cover(batch, stock),
        fill_rates={series_id(s.sku_id, s.warehouse_id): fill_rate(s) for s in history.series},
        stockouts=project_stockouts(batch, stock, days=cfg.report_days),
        purchases=purchases,
        transfers=transfers,
        notes=tuple(notes),
        history=history,
    )


def plan_inventory_from_ledger(
    *,
    uow: UnitOfWork,
    settings: PlanSettings | None = None,
    start: date | None = None,
    end: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> InventoryPlan:
    """Plan from the stored stock ledger: demand from picks, stock from current levels.

    A SKU with a stock level but not a single movement at a warehouse is a new SKU there
    and borrows its category's rate.
    """
    step = progress or (lambda _label: None)
    step("reading ledger")
    with uow:
        levels = uow.stock.list()
        categories = {s.sku_id: s.category for s in uow.skus.list()}
        movements = [m for lv in levels for m in uow.stock.movements(lv.sku_id, lv.warehouse_id)]
        on_hand = {series_id(lv.sku_id, lv.warehouse_id): float(lv.available) for lv in levels}
    history = demand_from_movements(movements, start=start, end=end, categories=categories)
    moved = {(m.sku_id, m.warehouse_id) for m in movements}
    new = [
        NewSku(lv.sku_id, lv.warehouse_id, categories.get(lv.sku_id, "general"))
        for lv in levels
        if (lv.sku_id, lv.warehouse_id) not in moved
    ]
    return plan_inventory(
        history, on_hand=on_hand, settings=settings, new_skus=new, progress=progress
    )


def series_of(plan: InventoryPlan, sid: str) -> DemandSeries | None:
    """Return the history series behind a plan row, if it has one."""
    sku, _, wh = sid.rpartition("@")
    return plan.history.get(sku, wh)


def _concat(a: ForecastBatch, b: ForecastBatch) -> ForecastBatch:
    h = a.mean.shape[1]
    if b.mean.shape[1] != h:
        b_mean = np.repeat(b.mean[:, :1], h, axis=1)
        b = ForecastBatch(
            b.ids,
            b_mean,
            np.repeat(b.lower[:, :1], h, axis=1),
            np.repeat(b.upper[:, :1], h, axis=1),
            np.repeat(b.sigma[:, :1], h, axis=1),
            b.errors,
            b.model,
            b.demand_class,
            b.basis,
            b.level,
        )
    wa, ha = a.errors.shape[1:]
    errors_b = np.full((len(b), wa, ha), np.nan)
    return ForecastBatch(
        ids=a.ids + b.ids,
        mean=np.vstack([a.mean, b.mean]),
        lower=np.vstack([a.lower, b.lower]),
        upper=np.vstack([a.upper, b.upper]),
        sigma=np.vstack([a.sigma, b.sigma]),
        errors=np.concatenate([a.errors, errors_b]),
        model=a.model + b.model,
        demand_class=a.demand_class + b.demand_class,
        basis=a.basis + b.basis,
        level=a.level,
    )
