"""Dispatch plans: plan or re-plan a day's routes."""

from __future__ import annotations

from fastapi import APIRouter

from lastmile.api.deps import CtxDep, Staff, UowDep
from lastmile.api.errors import ERROR_RESPONSES
from lastmile.api.schemas.plans import PlanCreate, PlanRead
from lastmile.services.dispatch import plan_day

router = APIRouter(prefix="/api/v1", tags=["plans"], responses=ERROR_RESPONSES)


@router.post("/plans", status_code=201)
def create_plan(body: PlanCreate, _: Staff, uow: UowDep, ctx: CtxDep) -> PlanRead:
    """Plan the day: every shipment of the date onto the fleet, replacing unstarted routes."""
    plan = plan_day(
        uow=uow,
        travel=ctx.travel(),
        solver=ctx.solver(),
        delivery_date=body.delivery_date.isoformat() if body.delivery_date else None,
        seconds=body.seconds,
        seed=body.seed,
    )
    ctx.promise_desk().invalidate()
    ctx.live.publish(
        "plan.created", {"plan_id": plan.plan_id, "routes": plan.route_ids, "stops": plan.stops}
    )
    return PlanRead.of(plan)
