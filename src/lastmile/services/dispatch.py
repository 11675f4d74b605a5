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
from datetime import UTC, datetime

from lastmile.domain import (
    Conflict,
    DomainEvent,
    InvalidValue,
    NotFound,
    OrderStatus,
    ProofMethod,
    Route,
    StopStatus,
    Vehicle,
)
from lastmile.geo.travel import TravelTimeSource
from lastmile.routing.solution import Solver
from lastmile.services.delivery import ProofAssignment, assign_proof
from lastmile.services.fulfillment import complete_wave, plan_warehouse_waves
from lastmile.services.intake import validate_placed_orders
from lastmile.services.planning import plan_routes
from lastmile.services.sourcing import SourcingReport, source_orders
from lastmile.services.unit_of_work import UnitOfWork
from lastmile.tracking.evidence import ChainProblem, EvidenceRecord, verify_chain
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
    old = uow.routes.carrying(shipment_ids)
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
    review_threshold: float = 0.6,
) -> Release:
    """Source validated orders into shipments, then choose each shipment's proof method.

    Created orders whose address is trusted are validated first (as intake does).
    Sourcing reserves stock and stores shipments in one transaction; proof assignment
    (risk score, PIN issue, tracking token) in a second, since it needs the stored
    shipments. A crash between the two leaves shipments without a token, which the next
    release picks up (they are found by their empty token).
    """
    validate_placed_orders(uow=uow, review_threshold=review_threshold)
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


def first_departure(vehicles: Sequence[Vehicle], delivery_date: str) -> datetime:
    """When the day's first van leaves: its shift start (08:00 UTC with no van)."""
    starts = [v.shift.start for v in vehicles if v.shift.start.date().isoformat() == delivery_date]
    if starts:
        return min(starts)
    return datetime.fromisoformat(delivery_date).replace(hour=8, tzinfo=UTC)


def complete_waves(
    *,
    uow: UnitOfWork,
    warehouse_id: str,
    delivery_date: str,
    now: datetime,
    wave_id: str | None = None,
) -> list[str]:
    """Pick and pack the day's waves of a warehouse (or one of them); return orders packed.

    Waves are released for the depot's first van departure; each completed wave books its
    picks against the orders' reservations and moves complete orders to ``packed``.
    """
    with uow:
        vans = uow.vehicles.list(depot_id=warehouse_id)
    departure = first_departure(vans, delivery_date)
    plan = plan_warehouse_waves(
        uow=uow,
        warehouse_id=warehouse_id,
        delivery_date=delivery_date,
        now=now,
        departure_of=lambda _shipment: departure,
    )
    waves = [p.wave for p in plan.pick_lists if wave_id is None or p.wave.wave_id == wave_id]
    if wave_id is not None and not waves:
        raise NotFound("wave", wave_id)
    packed: list[str] = []
    for wave in waves:
        packed.extend(complete_wave(uow=uow, wave=wave, picked_at=now, packed_at=now))
    return packed


def depart_route(*, uow: UnitOfWork, route_id: str, at: datetime) -> list[str]:
    """Send a route's van out: its packed orders go out for delivery; return their ids.

    Raises
    ------
    Conflict
        An order on the route is not packed yet (the van would leave without it).
    """
    with uow:
        route = uow.routes.get(route_id)
        if route is None:
            raise NotFound("route", route_id)
        orders = []
        for stop in route.stops:
            if stop.status is not StopStatus.PLANNED:
                continue
            for sid in stop.shipment_ids:
                shipment = uow.shipments.get(sid)
                for oid in shipment.order_ids if shipment else []:
                    order = uow.orders.get(oid)
                    if order is not None:
                        orders.append(order)
        waiting = [
            o.order_id
            for o in orders
            if o.status not in (OrderStatus.PACKED, OrderStatus.REDELIVERY)
            and o.status is not OrderStatus.OUT_FOR_DELIVERY
        ]
        if waiting:
            raise Conflict(f"orders not packed yet: {', '.join(sorted(set(waiting)))}")
        moved = []
        for order in orders:
            if order.status is not OrderStatus.OUT_FOR_DELIVERY:
                order.transition(OrderStatus.OUT_FOR_DELIVERY, reason=route_id, at=at)
                moved.append(order.order_id)
        uow.outbox.add(
            DomainEvent(
                "route.departed", route_id, {"vehicle_id": route.vehicle_id, "orders": moved}
            )
        )
        uow.commit()
    return moved


@dataclass(frozen=True)
class RouteEvidence:
    """A route's proof-of-delivery chain and what verification found wrong with it."""

    records: list[EvidenceRecord]
    problems: list[ChainProblem]


def route_evidence(
    *, uow: UnitOfWork, tracking: TrackingRepository, route_id: str
) -> RouteEvidence:
    """Return the evidence records of a route, oldest first, checked against the chain."""
    with uow:
        if uow.routes.get(route_id) is None:
            raise NotFound("route", route_id)
        records = tracking.evidence(route_id)
        problems = verify_chain(route_id, records, tracking.evidence_head(route_id))
    return RouteEvidence(records, problems)
