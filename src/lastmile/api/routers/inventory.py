"""Forecasts, reorder suggestions, transfers and projected stockouts.

Forecasting every SKU x warehouse series is seconds of CPU, so a run is explicit
(``POST /forecasts/runs``) and its plan is kept in memory for the reads; a read before
any run computes one.
"""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from lastmile.api.deps import CtxDep, Limit, Offset, StaffOrWarehouse, UowDep
from lastmile.api.errors import ERROR_RESPONSES
from lastmile.api.schemas.common import PageOut, Strict
from lastmile.services.catalog import paginate
from lastmile.services.forecasting import InventoryPlan, PlanSettings, plan_inventory_from_ledger

router = APIRouter(prefix="/api/v1", tags=["inventory"], responses=ERROR_RESPONSES)
_run_lock = threading.Lock()


class ForecastRunCreate(Strict):
    horizon_days: int = Field(default=28, ge=1, le=120)
    lead_time_days: int = Field(default=5, ge=0, le=120)


class ForecastRunRead(BaseModel):
    computed_at: datetime
    series: int
    purchases: int
    transfers: int
    stockouts: int


class ForecastRead(BaseModel):
    sku_id: str
    warehouse_id: str
    model: str
    demand_class: str
    basis: str
    daily_mean: float
    horizon_total: float
    horizon_lower: float
    horizon_upper: float
    safety_stock: float
    reorder_point: float
    order_up_to: float
    days_of_cover: float | None


class ReorderRead(BaseModel):
    sku_id: str
    warehouse_id: str
    on_hand: float
    reorder_point: float
    order_up_to: float
    suggested_quantity: int


class TransferRead(BaseModel):
    sku_id: str
    from_warehouse: str
    to_warehouse: str
    quantity: int
    cost: float
    lost_sales_avoided: float
    reason: str


class StockoutRead(BaseModel):
    sku_id: str
    warehouse_id: str
    on_hand: float
    days_of_cover: float | None
    stockout_day: int | None
    stockout_probability: float


def _split(series_id: str) -> tuple[str, str]:
    sku, _, warehouse = series_id.rpartition("@")
    return sku, warehouse


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _run(ctx: CtxDep, uow: UowDep, settings: PlanSettings | None = None) -> InventoryPlan:
    with _run_lock:
        plan = plan_inventory_from_ledger(uow=uow, settings=settings)
        ctx.cache["inventory_plan"] = (datetime.now(UTC), plan)
    return plan


def _plan(ctx: CtxDep, uow: UowDep) -> tuple[datetime, InventoryPlan]:
    cached = ctx.cache.get("inventory_plan")
    if cached is None:
        _run(ctx, uow)
        cached = ctx.cache["inventory_plan"]
    at: datetime = cached[0]
    plan: InventoryPlan = cached[1]
    return at, plan


@router.post("/forecasts/runs", status_code=201)
def run_forecasts(
    body: ForecastRunCreate, _: StaffOrWarehouse, uow: UowDep, ctx: CtxDep
) -> ForecastRunRead:
    """Forecast demand per SKU and warehouse from the ledger; derive reorders and transfers."""
    plan = _run(ctx, uow, PlanSettings(horizon=body.horizon_days, lead_time=body.lead_time_days))
    return ForecastRunRead(
        computed_at=ctx.cache["inventory_plan"][0],
        series=len(plan.forecasts.ids),
        purchases=len(plan.purchases),
        transfers=len(plan.transfers),
        stockouts=len(plan.stockouts),
    )


@router.get("/forecasts")
def forecasts(
    _: StaffOrWarehouse,
    uow: UowDep,
    ctx: CtxDep,
    sku_id: str | None = None,
    warehouse_id: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[ForecastRead]:
    """Forecast per series: model, interval over the horizon, safety stock, reorder point."""
    _at, plan = _plan(ctx, uow)
    f, p = plan.forecasts, plan.policy
    rows: list[ForecastRead] = []
    for i, sid in enumerate(f.ids):
        sku, wh = _split(sid)
        if (sku_id and sku != sku_id) or (warehouse_id and wh != warehouse_id):
            continue
        j = p.row(sid) if sid in p.ids else None
        rows.append(
            ForecastRead(
                sku_id=sku,
                warehouse_id=wh,
                model=f.model[i],
                demand_class=str(f.demand_class[i]),
                basis=f.basis[i],
                daily_mean=float(f.mean[i].mean()),
                horizon_total=float(f.mean[i].sum()),
                horizon_lower=float(f.lower[i].sum()),
                horizon_upper=float(f.upper[i].sum()),
                safety_stock=float(p.safety_stock[j]) if j is not None else 0.0,
                reorder_point=float(p.reorder_point[j]) if j is not None else 0.0,
                order_up_to=float(p.order_up_to[j]) if j is not None else 0.0,
                days_of_cover=_finite(float(plan.days_of_cover[i])),
            )
        )
    return PageOut[ForecastRead].of(paginate(rows, limit=limit, offset=offset), lambda r: r)


@router.get("/reorders")
def reorders(
    _: StaffOrWarehouse, uow: UowDep, ctx: CtxDep, limit: Limit = 50, offset: Offset = 0
) -> PageOut[ReorderRead]:
    """Purchase suggestions: series at or below their reorder point, largest first."""
    _at, plan = _plan(ctx, uow)
    rows = []
    for s in sorted(plan.purchases, key=lambda s: -s.quantity):
        sku, wh = _split(s.series_id)
        rows.append(
            ReorderRead(
                sku_id=sku,
                warehouse_id=wh,
                on_hand=s.inventory_position,
                reorder_point=s.reorder_point,
                order_up_to=s.order_up_to,
                suggested_quantity=s.quantity,
            )
        )
    return PageOut[ReorderRead].of(paginate(rows, limit=limit, offset=offset), lambda r: r)


@router.get("/transfers")
def transfers(
    _: StaffOrWarehouse, uow: UowDep, ctx: CtxDep, limit: Limit = 50, offset: Offset = 0
) -> PageOut[TransferRead]:
    """Transfers of surplus to a warehouse that would stock out, when cheaper than lost sales."""
    _at, plan = _plan(ctx, uow)
    rows = [
        TransferRead(
            sku_id=t.sku_id,
            from_warehouse=t.from_warehouse,
            to_warehouse=t.to_warehouse,
            quantity=t.quantity,
            cost=t.cost,
            lost_sales_avoided=t.lost_sales_avoided,
            reason=t.reason,
        )
        for t in plan.transfers
    ]
    return PageOut[TransferRead].of(paginate(rows, limit=limit, offset=offset), lambda r: r)


@router.get("/stockouts")
def stockouts(
    _: StaffOrWarehouse, uow: UowDep, ctx: CtxDep, limit: Limit = 50, offset: Offset = 0
) -> PageOut[StockoutRead]:
    """Projected stockouts over the report window, most likely first."""
    _at, plan = _plan(ctx, uow)
    rows = []
    for s in sorted(plan.stockouts, key=lambda s: -s.stockout_probability):
        sku, wh = _split(s.series_id)
        rows.append(
            StockoutRead(
                sku_id=sku,
                warehouse_id=wh,
                on_hand=s.on_hand,
                days_of_cover=_finite(s.days_of_cover),
                stockout_day=s.stockout_day,
                stockout_probability=s.stockout_probability,
            )
        )
    return PageOut[StockoutRead].of(paginate(rows, limit=limit, offset=offset), lambda r: r)
