"""Sourcing runs (orders -> warehouses -> shipments) and pick waves."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter

from lastmile.api.deps import CtxDep, Staff, StaffOrWarehouse, UowDep
from lastmile.api.errors import ERROR_RESPONSES
from lastmile.api.schemas.fulfillment import (
    SourcingRunCreate,
    SourcingRunRead,
    WaveComplete,
    WavePlanRead,
    WavesCompleted,
)
from lastmile.services import catalog
from lastmile.services.dispatch import complete_waves, first_departure, release_orders
from lastmile.services.fulfillment import plan_warehouse_waves

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)


@router.post("/sourcing/runs", status_code=201, tags=["sourcing"])
def run_sourcing(body: SourcingRunCreate, _: Staff, uow: UowDep, ctx: CtxDep) -> SourcingRunRead:
    """Source validated orders: choose warehouses, reserve stock, build shipments, set proof."""
    release = release_orders(
        uow=uow,
        tracking=ctx.tracking(uow),
        travel=ctx.travel(),
        now=datetime.now(UTC),
        order_ids=body.order_ids,
        proof_preference=body.proof_preference,
        review_threshold=ctx.settings.geocode_review_threshold,
    )
    return SourcingRunRead.of(release)


@router.get("/waves", tags=["waves"])
def waves(warehouse_id: str, delivery_date: str, _: StaffOrWarehouse, uow: UowDep) -> WavePlanRead:
    """Pick waves of a warehouse for a delivery day, each released in time for its van."""
    vans = catalog.list_vehicles(uow=uow, depot_id=warehouse_id, limit=500).items
    departure = first_departure(vans, delivery_date)
    plan = plan_warehouse_waves(
        uow=uow,
        warehouse_id=warehouse_id,
        delivery_date=delivery_date,
        now=datetime.now(UTC),
        departure_of=lambda _shipment: departure,
    )
    return WavePlanRead.of(plan)


@router.post("/waves/complete", tags=["waves"])
def finish_waves(body: WaveComplete, _: StaffOrWarehouse, uow: UowDep) -> WavesCompleted:
    """Book the picks of the day's waves (or one wave) and pack the orders they complete."""
    packed = complete_waves(
        uow=uow,
        warehouse_id=body.warehouse_id,
        delivery_date=body.delivery_date.isoformat(),
        now=datetime.now(UTC),
        wave_id=body.wave_id,
    )
    return WavesCompleted(packed_orders=packed)
