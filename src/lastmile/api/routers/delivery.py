"""At the door: a driver delivers a stop with proof, or records a failed attempt."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from lastmile.api.deps import CtxDep, DriverOnly, Fleet, UowDep
from lastmile.api.errors import ERROR_RESPONSES
from lastmile.api.schemas.delivery import DeliveredRead, DeliverIn, FailedRead, FailIn, GpsFix
from lastmile.api.security import check_driver_scope
from lastmile.domain import (
    GeoPoint,
    IllegalTransition,
    InvalidValue,
    NotFound,
    Route,
    Stop,
    StopStatus,
)
from lastmile.services import catalog
from lastmile.services.delivery import confirm_delivery, report_failed_attempt
from lastmile.services.dispatch import route_evidence
from lastmile.tracking.pod import Confirmation

router = APIRouter(prefix="/api/v1/routes", tags=["deliveries"], responses=ERROR_RESPONSES)


def _open_stop(route: Route, stop_id: str, target: StopStatus) -> Stop:
    stop = next((s for s in route.stops if s.stop_id == stop_id), None)
    if stop is None:
        raise NotFound("stop", stop_id)
    if stop.status not in (StopStatus.PLANNED, StopStatus.ARRIVED):
        # A finished stop is a state conflict (409), not a matter of permission.
        raise IllegalTransition("stop", stop.status.value, target.value)
    return stop


def _fix(gps: GpsFix | None) -> GeoPoint:
    if gps is None:
        raise InvalidValue("gps", "a delivery outcome needs the device's GPS fix")
    return GeoPoint(gps.lat, gps.lon)


@router.post("/{route_id}/stops/{stop_id}/deliver")
def deliver(
    route_id: str,
    stop_id: str,
    body: DeliverIn,
    principal: DriverOnly,
    uow: UowDep,
    ctx: CtxDep,
) -> list[DeliveredRead]:
    """Confirm the stop's shipments handed over, with proof, GPS fix, time and device."""
    route = catalog.get_route(uow=uow, route_id=route_id)
    check_driver_scope(principal, route.driver_id)
    stop = _open_stop(route, stop_id, StopStatus.DELIVERED)
    fix = _fix(body.gps)
    accuracy = body.gps.accuracy_m if body.gps and body.gps.accuracy_m is not None else 10.0
    now = datetime.now(UTC)
    receipts = []
    for shipment_id in body.shipment_ids or stop.shipment_ids:
        receipt = confirm_delivery(
            uow=uow,
            tracking=ctx.tracking(uow),
            confirmation=Confirmation(
                route_id=route_id,
                stop_id=stop_id,
                shipment_id=shipment_id,
                driver_id=principal.driver_id or "",
                device_id=body.device_id,
                fix=fix,
                at=now,
                accuracy_m=accuracy,
                pin=body.pin,
                signature=body.signature,
                photo_sha256=body.photo_sha256,
                outside_reason=body.outside_reason,
            ),
            geofence_m=ctx.settings.geofence_m,
            learner=ctx.learner,
        )
        receipts.append(
            DeliveredRead(
                stop_id=receipt.stop_id,
                shipment_id=receipt.shipment_id,
                evidence_seq=receipt.evidence_seq,
                evidence_hash=receipt.evidence_hash,
                flagged=receipt.flagged,
                distance_m=receipt.distance_m,
            )
        )
    ctx.live.publish("stop.delivered", {"route_id": route_id, "stop_id": stop_id})
    return receipts


@router.post("/{route_id}/stops/{stop_id}/fail")
def fail(
    route_id: str, stop_id: str, body: FailIn, principal: DriverOnly, uow: UowDep, ctx: CtxDep
) -> list[FailedRead]:
    """Record a failed attempt with its reason; orders go to redelivery or return."""
    route = catalog.get_route(uow=uow, route_id=route_id)
    check_driver_scope(principal, route.driver_id)
    stop = _open_stop(route, stop_id, StopStatus.FAILED)
    fix = _fix(body.gps)
    out = []
    for shipment_id in body.shipment_ids or stop.shipment_ids:
        outcome = report_failed_attempt(
            uow=uow,
            tracking=ctx.tracking(uow),
            route_id=route_id,
            stop_id=stop_id,
            shipment_id=shipment_id,
            driver_id=principal.driver_id or "",
            device_id=body.device_id,
            reason=body.reason,
            fix=fix,
        )
        out.append(FailedRead(stop_id=stop_id, shipment_id=shipment_id, outcome=outcome.value))
    ctx.live.publish("stop.failed", {"route_id": route_id, "stop_id": stop_id})
    return out


class EvidenceRead(BaseModel):
    seq: int
    body: dict[str, Any]
    prev_hash: str
    hash: str


class RouteEvidenceRead(BaseModel):
    route_id: str
    intact: bool
    problems: list[str]
    records: list[EvidenceRead]


@router.get("/{route_id}/evidence")
def evidence(route_id: str, principal: Fleet, uow: UowDep, ctx: CtxDep) -> RouteEvidenceRead:
    """The route's hash-chained proof-of-delivery records, verified."""
    route = catalog.get_route(uow=uow, route_id=route_id)
    check_driver_scope(principal, route.driver_id)
    found = route_evidence(uow=uow, tracking=ctx.tracking(uow), route_id=route_id)
    return RouteEvidenceRead(
        route_id=route_id,
        intact=not found.problems,
        problems=[f"#{p.seq}: {p.problem}" for p in found.problems],
        records=[
            EvidenceRead(seq=r.seq, body=dict(r.body), prev_hash=r.prev_hash, hash=r.hash)
            for r in found.records
        ],
    )
