"""Disruptions: a closure, slowdown or weather area re-plans the in-flight routes it touches."""

from __future__ import annotations

from fastapi import APIRouter

from lastmile.api.deps import CtxDep, Staff, UowDep
from lastmile.api.errors import ERROR_RESPONSES
from lastmile.api.schemas.delivery import DisruptionCreate, DisruptionRead
from lastmile.domain import GeoPoint
from lastmile.services.disruptions import post_disruption

router = APIRouter(prefix="/api/v1", tags=["disruptions"], responses=ERROR_RESPONSES)


@router.post("/disruptions", status_code=201)
def create_disruption(body: DisruptionCreate, _: Staff, uow: UowDep, ctx: CtxDep) -> DisruptionRead:
    """Post a disruption; affected routes are re-optimised from where each van is."""
    positions = {
        vid: GeoPoint(float(p["lat"]), float(p["lon"]))
        for vid, p in ctx.live.last_positions.items()
    }
    report = post_disruption(
        uow=uow,
        tracking=ctx.tracking(uow),
        kind=body.kind,
        polygon=body.area(),
        travel=ctx.travel(),
        positions=positions,
        factor=body.factor,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        note=body.note,
    )
    # The area changes what can be promised now, not in 30 s.
    ctx.promise_desk().invalidate()
    ctx.live.publish(
        "disruption.posted",
        {"disruption_id": report.disruption.disruption_id, "routes": report.replanned_routes},
    )
    return DisruptionRead(
        disruption_id=report.disruption.disruption_id,
        kind=body.kind,
        routes_replanned=len(report.replanned_routes),
        replanned_route_ids=report.replanned_routes,
        at_risk_shipments=list(report.at_risk),
        eta_shift_s=dict(report.eta_shift_s),
    )
