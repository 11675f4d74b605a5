"""Use cases of the dispatcher: release orders to fulfilment, plan (or re-plan) a day.

``lastmile.services.planning.plan_routes`` is pure; this loads its inputs through the unit
of work, replaces the day's routes that have not started, and records the plan as an
outbox event. Each van's route is driven by the driver whose id is the van's id (the
fleet has no separate roster yet), so a driver login carries the van id as driver id.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from lastmile.domain import Conflict, DomainEvent, InvalidValue, ProofMethod, Route, StopStatus
from lastmile.geo.travel import TravelTimeSource
from lastmile.routing.solution import Solver
from lastmile.services.delivery import ProofAssignment, assign_proof
from lastmile.services.planning import plan_routes
from lastmile.services.sourcing import SourcingReport, source_orders
from lastmile.services.unit_of_work import UnitOfWork
from lastmile.tracking.risk import AreaHistory
from lastmile.tracking.store import TrackingRepository

MAX_SECONDS = 120.0


@dataclass(frozen=True)
class DayPlan:
    """What planning a day produced."""

    plan_id: str
    delivery_date: str
    route_ids: list[str]
    stops: int
    unserved: dict[str, str]
    cost: float
    co2_kg: float
    feasible: bool
    replaced_routes: int


def plan_day(
    *,
    uow: UnitOfWork,
    travel: TravelTimeSource,
    solver: Solver,
    delivery_date: str | None = None,
    seconds: float = 5.0,
    seed: int = 1,
) -> DayPlan:
    """Plan every shipment of ``delivery_date`` with the fleet, replacing unstarted routes.

    Parameters
    ----------
    delivery_date
        ``YYYY-MM-DD``; default the date of the earliest van shift.
    seconds, seed
        The solver's time budget and seed, passed through so a plan is reproducible.

    Raises
    ------
    InvalidValue
        No vans, no shipments that day, or a budget out of range.
    Conflict
        A route of that day already has a visited stop: re-plan it in flight through a
        disruption instead, which keeps what is done.
    """
    if not 0 < seconds <= MAX_SECONDS:
        raise InvalidValue("seconds", f"must be in (0, {MAX_SECONDS:g}], got {seconds}")
    # Read, solve outside any transaction (a solve takes seconds and SQLite has one
    # writer), then write after checking again that nobody started a route meanwhile.
    with uow:
        vehicles = uow.vehicles.list()
        if not vehicles:
            raise InvalidValue("vehicles", "there is no van to plan with")
        depart_at = min(v.shift.start for v in vehicles)
        day = delivery_date or depart_at.date().isoformat()
        try:
            datetime.strptime(day, "%Y-%m-%d")
        except ValueError as error:
            raise InvalidValue("delivery_date", f"{day!r} is not YYYY-MM-DD") from error
        shipments = uow.shipments.list(delivery_date=day)
        if not shipments:
            raise InvalidValue("delivery_date", f"no shipments to deliver on {day}")
        warehouses = uow.warehouses.list()
        _replaceable(uow, {s.shipment_id for s in shipments})
    result = plan_routes(
        shipments=shipments,
        vehicles=vehicles,
        warehouses=warehouses,
        travel=travel,
        depart_at=depart_at,
        solver=solver,
        seconds=seconds,
        seed=seed,
    )
    plan_id = secrets.token_hex(3)
    with uow:
        old = _replaceable(uow, {s.shipment_id for s in shipments})
        for route in old:
            uow.routes.delete(route.route_id)
        for route in result.routes:
            route.route_id = f"{route.vehicle_id}-{day}-{plan_id}"[:64]
            route.driver_id = route.vehicle_id
            for stop in route.stops:
                stop.stop_id = f"{plan_id}-{stop.stop_id}"[:64]
            uow.routes.add(route)
        uow.outbox.add(
            DomainEvent(
                kind="plan.created",
                aggregate_id=plan_id,
                data={
                    "delivery_date": day,
                    "routes": [r.route_id for r in result.routes],
                    "unserved": result.unserved,
                    "cost": result.cost,
                    "co2_kg": result.co2_kg,
                },
            )
        )
        uow.commit()
    return DayPlan(
        plan_id=plan_id,
        delivery_date=day,
        route_ids=[r.route_id for r in result.routes],
        stops=sum(len(r.stops) for r in result.routes),
        unserved=dict(result.unserved),
        cost=result.cost,
        co2_kg=result.co2_kg,
        feasible=result.feasible,
        replaced_routes=len(old),
    )


def _replaceable(uow: UnitOfWork, shipment_ids: set[str]) -> list[Route]:
    """Return the stored routes carrying these shipments; Conflict if one has started."""
    old = [
        r
        for r in uow.routes.list()
        if any(x in shipment_ids for stop in r.stops for x in stop.shipment_ids)
    ]
    started = [r.route_id for r in old if any(s.status is not StopStatus.PLANNED for s in r.stops)]
    if started:
        raise Conflict(
            f"routes {', '.join(started)} are under way; post a disruption to re-plan "
            "them in flight"
        )
    return old


@dataclass(frozen=True)
class Release:
    """What releasing orders to fulfilment did: sourcing, shipments and their proof."""

    report: SourcingReport
    shipment_ids: list[str]
    proof: list[ProofAssignment]


def release_orders(
    *,
    uow: UnitOfWork,
    tracking: TrackingRepository,
    travel: TravelTimeSource,
    now: datetime,
    order_ids: Sequence[str] | None = None,
    proof_preference: ProofMethod | None = None,
    histories: Mapping[str, AreaHistory] | None = None,
) -> Release:
    """Source validated orders into shipments, then choose each shipment's proof method.

    Sourcing reserves stock and stores shipments in one transaction; proof assignment
    (risk score, PIN issue, tracking token) in a second, since it needs the stored
    shipments. A crash between the two leaves shipments without a token, which the next
    release picks up (they are found by their empty token).
    """
    report = source_orders(uow=uow, travel=travel, now=now, order_ids=order_ids)
    with uow:
        pending = [s.shipment_id for s in uow.shipments.list() if not s.tracking_token]
    proof = assign_proof(
        uow=uow,
        tracking=tracking,
        shipment_ids=pending,
        histories=histories or {},
        preferences=dict.fromkeys(pending, proof_preference) if proof_preference else None,
    )
    return Release(report, pending, proof)
