"""Use cases of customer tracking and evidence verification."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from lastmile.domain import GeoPoint, NotFound
from lastmile.geo.travel import TravelTimeSource
from lastmile.services.unit_of_work import UnitOfWork
from lastmile.tracking.eta import retime
from lastmile.tracking.evidence import ChainProblem, verify_chain
from lastmile.tracking.store import TrackingRepository
from lastmile.tracking.view import TrackingView, build_view, looks_like_token


def track(
    *,
    uow: UnitOfWork,
    tracking: TrackingRepository,
    token: str,
    now: datetime | None = None,
    positions: Mapping[str, GeoPoint] | None = None,
    travel: TravelTimeSource | None = None,
) -> TrackingView:
    """Return the tracking view behind a token.

    With the vans' live ``positions`` and a ``travel`` source, the ETA is re-timed from
    where the van is now; without them it follows the plan shifted by the van's lateness.

    Raises
    ------
    NotFound
        For any token that is not a live shipment's: the same answer whether it is
        malformed or unknown, so probing learns nothing.
    """
    now = now or datetime.now(UTC)
    with uow:
        shipment_id = tracking.shipment_for_token(token) if looks_like_token(token) else None
        shipment = uow.shipments.get(shipment_id) if shipment_id else None
        if shipment is None or shipment.tracking_token != token:
            raise NotFound("tracking", "token")
        route = next(iter(uow.routes.carrying([shipment.shipment_id])), None)
        position = (positions or {}).get(route.vehicle_id) if route is not None else None
        if route is not None and position is not None and travel is not None:
            route = retime(route, position=position, now=now, travel=travel).route
        return build_view(shipment, route, now=now)


def verify_evidence(
    *, uow: UnitOfWork, tracking: TrackingRepository, route_ids: Sequence[str] | None = None
) -> dict[str, list[ChainProblem]]:
    """Check the evidence chain of each route; return the problems found per route."""
    with uow:
        ids = list(route_ids) if route_ids else tracking.evidence_routes()
        return {
            rid: verify_chain(rid, tracking.evidence(rid), tracking.evidence_head(rid))
            for rid in ids
        }
