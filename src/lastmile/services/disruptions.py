"""Use case: a disruption is posted; re-plan the routes it touches and warn customers.

1. The area is validated (a bad polygon is an ``InvalidValue``: HTTP 422) and stored.
2. Every route with open stops whose remaining path crosses the area is re-optimised from
   the van's position (completed stops fixed), on travel times that include the
   disruption, and re-timed.
3. Each shipment whose ETA moved gets a ``shipment.eta_changed`` event; one whose new
   ETA misses its promised window gets ``shipment.eta_at_risk`` (customer notification).
4. The returned ``DisruptionSet`` is what the promise engine must use from now on
   (``PromiseEngine.conditions``): closed areas get no timed option, slowed ones have
   their detours priced slower, and the re-timed routes have less slack to offer.
"""

from __future__ import annotations

import itertools
import logging
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from lastmile.domain import DomainError, DomainEvent, GeoPoint, InvalidValue, Route
from lastmile.geo.conditions import Conditions
from lastmile.geo.conditions import Polygon as GeoPolygon
from lastmile.geo.travel import TravelTimeSource
from lastmile.services.replan_fleet import RoutingReplanner
from lastmile.services.unit_of_work import UnitOfWork
from lastmile.tracking.disruptions import (
    Area,
    DisruptedTravelTimes,
    Disruption,
    DisruptionKind,
    DisruptionSet,
)
from lastmile.tracking.eta import OPEN
from lastmile.tracking.replan import Replanner, TwoOptReplanner
from lastmile.tracking.store import TrackingRepository

AT_RISK_GRACE = timedelta(minutes=5)
log = logging.getLogger(__name__)


@dataclass
class DisruptionReport:
    """What a posted disruption changed."""

    disruption: Disruption
    replanned_routes: list[str]
    eta_shift_s: dict[str, float] = field(default_factory=dict)
    at_risk: list[str] = field(default_factory=list)
    conditions: DisruptionSet = field(default_factory=DisruptionSet)
    replanner: str = "given"


def _affects(route: Route, position: GeoPoint, area: Area) -> bool:
    points = [position, *(s.location for s in route.stops if s.status in OPEN)]
    if len(points) < 2:
        return False
    if any(area.contains_point(p) for p in points[1:]):
        return True
    return any(area.crosses(a, b) for a, b in itertools.pairwise(points))


def post_disruption(
    *,
    uow: UnitOfWork,
    tracking: TrackingRepository,
    kind: DisruptionKind | str,
    polygon: Any,
    travel: TravelTimeSource,
    positions: Mapping[str, GeoPoint],
    factor: float | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    note: str = "",
    now: datetime | None = None,
    replanner: Replanner | None = None,
) -> DisruptionReport:
    """Store a disruption, re-plan the in-flight routes it touches, and notify at-risk customers.

    Parameters
    ----------
    kind
        ``closure``, ``slowdown`` or ``weather``.
    polygon
        GeoJSON Polygon (``[lon, lat]`` positions) of the affected area.
    travel
        The travel-time source *without* this disruption; it is layered on top.
    positions
        Where each vehicle is now (vehicle id -> fix); a route whose van has no known
        position is taken to be at its last completed stop, or its first stop.
    factor
        Travel-time multiplier for a slowdown or weather (> 1); ignored for a closure.
    replanner
        Re-optimisation of the affected routes in flight. Default: routing's
        re-optimisation of the affected vans together (``RoutingReplanner``, PyVRP, 1 s);
        should the solver fail on this input, each route is reordered alone by 2-opt and
        ``DisruptionReport.replanner`` says so.

    Raises
    ------
    InvalidValue
        The polygon is not a valid polygon, or the factor is not understood.
    """
    now = now or datetime.now(UTC)
    try:
        kind = DisruptionKind(kind)
    except ValueError:
        raise InvalidValue("kind", f"{kind!r} is not one of closure, slowdown, weather") from None
    area = Area.from_geojson(polygon)
    if kind is DisruptionKind.CLOSURE:
        factor = math.inf
    elif factor is None:
        raise InvalidValue("factor", f"a {kind} needs a travel-time factor >= 1")
    disruption = Disruption(
        disruption_id=uuid.uuid4().hex,
        kind=kind,
        area=area,
        factor=float(factor),
        starts_at=starts_at or now,
        ends_at=ends_at,
        note=note,
    )
    with uow:
        tracking.add_disruption(disruption)
        conditions = DisruptionSet([*tracking.disruptions()], at=now)
        disrupted = _with_disruption(travel, disruption, conditions)
        report = DisruptionReport(disruption, [], conditions=conditions)
        uow.outbox.add(
            DomainEvent(
                "disruption.posted",
                disruption.disruption_id,
                {
                    "kind": kind.value,
                    "polygon": area.to_geojson(),
                    "factor": None if math.isinf(disruption.factor) else disruption.factor,
                    "note": note,
                },
            )
        )
        affected: list[Route] = []
        where: dict[str, GeoPoint] = {}
        for route in uow.routes.list(open_only=True):
            if not any(s.status in OPEN for s in route.stops):
                continue
            position = positions.get(route.vehicle_id) or _assumed_position(route)
            if _affects(route, position, area):
                affected.append(route)
                where[route.vehicle_id] = position
        if affected:
            if replanner is not None:
                _replan(uow, affected, where, now, disrupted, replanner, report)
            else:
                try:
                    routing = RoutingReplanner(uow=uow, seconds=1.0)
                    _replan(uow, affected, where, now, disrupted, routing, report)
                    report.replanner = "routing"
                except (ValueError, RuntimeError, DomainError) as exc:
                    log.warning("routing re-optimisation failed (%s); using 2-opt per route", exc)
                    report.replanner = "two_opt"
                    report.replanned_routes.clear()
                    _replan(uow, affected, where, now, disrupted, TwoOptReplanner(), report)
        uow.commit()
    return report


def _with_disruption(
    travel: TravelTimeSource, disruption: Disruption, in_force: DisruptionSet
) -> TravelTimeSource:
    """Return travel times that honour the disruption.

    A road network with its own ``Conditions`` closes or slows the very edges inside the
    area; any other source gets the pairwise straight-line approximation layered on top.
    """
    road_conditions = getattr(travel, "conditions", None)
    if not isinstance(road_conditions, Conditions):
        return DisruptedTravelTimes(travel, in_force)
    polygon = GeoPolygon(tuple(GeoPoint(lat, lon) for lon, lat in disruption.area.ring))
    if disruption.kind is DisruptionKind.CLOSURE:
        road_conditions.close(
            area=polygon,
            starts_at=disruption.starts_at,
            ends_at=disruption.ends_at,
            reason=disruption.note or "closure",
        )
    else:
        road_conditions.slow_down(
            1.0 / disruption.factor,
            area=polygon,
            starts_at=disruption.starts_at,
            ends_at=disruption.ends_at,
            reason=disruption.note or disruption.kind.value,
        )
    return travel


def _assumed_position(route: Route) -> GeoPoint:
    done = [s for s in route.stops if s.status not in OPEN]
    return done[-1].location if done else route.stops[0].location


def _deadlines(uow: UnitOfWork, route: Route) -> dict[str, datetime]:
    out: dict[str, datetime] = {}
    for stop in route.stops:
        ends = [
            w.end
            for sid in stop.shipment_ids
            if (sh := uow.shipments.get(sid)) is not None and (w := sh.window) is not None
        ]
        if ends:
            out[stop.stop_id] = min(ends)
    return out


def _replan(
    uow: UnitOfWork,
    routes: list[Route],
    positions: Mapping[str, GeoPoint],
    now: datetime,
    travel: TravelTimeSource,
    replanner: Replanner,
    report: DisruptionReport,
) -> None:
    deadlines: dict[str, datetime] = {}
    for route in routes:
        deadlines.update(_deadlines(uow, route))
    before = {s.stop_id: s.arrival for r in routes for s in r.stops}
    stored = {s.stop_id: s for r in routes for s in r.stops}
    new_routes = {
        r.route_id: r
        for r in replanner.replan(
            routes, positions=positions, now=now, travel=travel, deadlines=deadlines
        )
    }
    for route in routes:
        new = new_routes.get(route.route_id)
        if new is None:
            continue
        # Copy the new order and times onto the stored stops, so the repository updates
        # rows instead of replacing them; a stop may have moved here from another van.
        for fresh in new.stops:
            stop = stored[fresh.stop_id]
            stop.arrival, stop.departure = fresh.arrival, fresh.departure
            stop.waiting_s = fresh.waiting_s
        order = [stored[s.stop_id] for s in new.stops]
        if [s.stop_id for s in order] != [s.stop_id for s in route.stops]:
            route.stops = order
        _notify(uow, route, before, deadlines, report)


def _notify(
    uow: UnitOfWork,
    route: Route,
    before: Mapping[str, datetime],
    deadlines: Mapping[str, datetime],
    report: DisruptionReport,
) -> None:
    order = route.stops
    report.replanned_routes.append(route.route_id)
    uow.outbox.add(
        DomainEvent(
            "route.reoptimized",
            route.route_id,
            {
                "reason": f"disruption {report.disruption.disruption_id}",
                "stops": [s.stop_id for s in order if s.status in OPEN],
            },
        )
    )
    for stop in order:
        if stop.status not in OPEN:
            continue
        shift = (stop.arrival - before[stop.stop_id]).total_seconds()
        report.eta_shift_s[stop.stop_id] = shift
        for sid in stop.shipment_ids:
            data = {
                "route_id": route.route_id,
                "stop_id": stop.stop_id,
                "eta": stop.arrival.isoformat(),
                "shift_s": round(shift),
            }
            if abs(shift) >= 60:
                uow.outbox.add(DomainEvent("shipment.eta_changed", sid, data))
            due = deadlines.get(stop.stop_id)
            if due is not None and stop.arrival > due + AT_RISK_GRACE:
                report.at_risk.append(sid)
                uow.outbox.add(
                    DomainEvent(
                        "shipment.eta_at_risk", sid, {**data, "window_end": due.isoformat()}
                    )
                )


def disruptions_in_force(
    *, uow: UnitOfWork, tracking: TrackingRepository, now: datetime | None = None
) -> DisruptionSet:
    """Return the stored disruptions in force at ``now``, for the promise engine."""
    now = now or datetime.now(UTC)
    with uow:
        return DisruptionSet([d for d in tracking.disruptions() if d.active(now)], at=now)
