"""Use cases at the door: choose the proof method, confirm a delivery, record a failure.

Every use case checks that the stop and the shipment are on the driver's route before
anything else, appends to the route's evidence chain, moves stop and orders through
their status machines, and records events for webhooks and live views, all in one
transaction.

A delivery confirmed inside the geofence also teaches the geocoder (when one is
injected) where the door of that address really is, in the same transaction, so the
next order to it is placed there. A flagged confirmation (outside the geofence, with a
reason such as "handed to the concierge across the road") teaches nothing: its fix is
by definition not the door; nor does a fix the device itself reports as coarser than
``LEARN_MAX_ACCURACY_M``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from lastmile.domain import (
    DomainEvent,
    GeoPoint,
    IllegalTransition,
    NotFound,
    OrderStatus,
    ProofMethod,
    Route,
    Shipment,
    Stop,
    StopStatus,
)
from lastmile.services.unit_of_work import UnitOfWork
from lastmile.tracking.evidence import append
from lastmile.tracking.pin import PinOutcome, PinPolicy, check_pin, issue_pin
from lastmile.tracking.pod import (
    Confirmation,
    FailureReason,
    NotOnRoute,
    ProofRejected,
    check_geofence,
    evidence_body,
    failure_outcome,
    required_proof,
)
from lastmile.tracking.risk import AreaHistory, choose_method
from lastmile.tracking.store import Attempt, TrackingRepository
from lastmile.tracking.view import new_tracking_token

if TYPE_CHECKING:
    # Only the type: the geocoder (and its NumPy gazetteer) comes in through ``learner``.
    from lastmile.geo.geocoder import Geocoder

# A fix vaguer than this (indoors, a cold GPS) could drag a door across the street.
LEARN_MAX_ACCURACY_M = 50.0


@dataclass(frozen=True, slots=True)
class ProofAssignment:
    """The method chosen for a shipment, its risk score, and the PIN to send if any."""

    shipment_id: str
    method: ProofMethod
    risk: float
    pin: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """What a confirmation stored."""

    stop_id: str
    shipment_id: str
    evidence_seq: int
    evidence_hash: str
    flagged: bool
    distance_m: float
    learned: bool = False


def assign_proof(
    *,
    uow: UnitOfWork,
    tracking: TrackingRepository,
    shipment_ids: Sequence[str],
    histories: Mapping[str, AreaHistory],
    preferences: Mapping[str, ProofMethod] | None = None,
    pin_policy: PinPolicy | None = None,
) -> list[ProofAssignment]:
    """Choose each shipment's proof method from its risk, issue PINs and tracking tokens.

    The PIN itself goes out once, in a ``shipment.pin_issued`` event for the customer
    notification webhook; only its salted hash is stored.
    """
    preferences = preferences or {}
    out: list[ProofAssignment] = []
    with uow:
        for sid in shipment_ids:
            shipment = uow.shipments.get(sid)
            if shipment is None:
                raise NotFound("shipment", sid)
            method, score = choose_method(
                point=shipment.address.point,
                parcel_value=shipment.value,
                histories=histories,
                preference=preferences.get(sid),
            )
            shipment.proof_method = method
            if not shipment.tracking_token:
                shipment.tracking_token = new_tracking_token()
                tracking.register_token(shipment.tracking_token, sid)
            pin = None
            if method is ProofMethod.PIN:
                pin, state = issue_pin(sid, pin_policy)
                tracking.save_pin(state)
                uow.outbox.add(DomainEvent("shipment.pin_issued", sid, {"pin": pin}))
            uow.outbox.add(
                DomainEvent("shipment.proof_assigned", sid, {"method": method.value, "risk": score})
            )
            out.append(ProofAssignment(sid, method, score, pin))
        uow.commit()
    return out


def _locate(
    uow: UnitOfWork, route_id: str, stop_id: str, shipment_id: str, driver_id: str
) -> tuple[Route, Stop, Shipment]:
    route = uow.routes.get(route_id)
    if route is None:
        raise NotOnRoute(f"route {route_id!r} does not exist")
    if route.driver_id and route.driver_id != driver_id:
        raise NotOnRoute(f"route {route_id!r} is not driver {driver_id!r}'s route")
    stop = next((s for s in route.stops if s.stop_id == stop_id), None)
    if stop is None:
        raise NotOnRoute(f"stop {stop_id!r} is not on route {route_id!r}")
    if shipment_id not in stop.shipment_ids:
        raise NotOnRoute(f"shipment {shipment_id!r} is not handed over at stop {stop_id!r}")
    shipment = uow.shipments.get(shipment_id)
    if shipment is None:
        raise NotFound("shipment", shipment_id)
    return route, stop, shipment


def _move_orders(
    uow: UnitOfWork, shipment: Shipment, targets: Sequence[OrderStatus], reason: str, at: datetime
) -> None:
    for order_id in shipment.order_ids:
        order = uow.orders.get(order_id)
        if order is None:
            continue
        for target in targets:
            order.transition(target, reason=reason, at=at)


def _finished_at_stop(
    tracking: TrackingRepository, route_id: str, stop: Stop, shipment_id: str, target: str
) -> dict[str, str]:
    """Return shipment -> "delivered" or "failed" for the stop's shipments already settled.

    Raises ``IllegalTransition`` (a state conflict) if ``shipment_id`` is one of them.
    """
    if stop.status not in (StopStatus.PLANNED, StopStatus.ARRIVED):
        raise NotOnRoute(f"stop {stop.stop_id!r} is already {stop.status.value}")
    # The route's evidence chain is the record of every outcome at the door.
    finished = {
        str(r.body["shipment_id"]): str(r.body["kind"])
        for r in tracking.evidence(route_id)
        if r.body.get("stop_id") == stop.stop_id and r.body.get("kind") in ("delivered", "failed")
    }
    if shipment_id in finished:
        raise IllegalTransition(
            f"shipment {shipment_id!r} at stop {stop.stop_id!r}", finished[shipment_id], target
        )
    return finished


def _settle(stop: Stop, shipment_id: str, outcome: str, finished: dict[str, str]) -> None:
    """Record one shipment's outcome at ``stop``; the stop finishes with its last shipment.

    A stop with several shipments is delivered when each of them is delivered or failed and
    at least one was delivered; failed when all of them failed; until then it is arrived.
    """
    finished[shipment_id] = outcome
    if all(sid in finished for sid in stop.shipment_ids):
        delivered = any(finished[sid] == "delivered" for sid in stop.shipment_ids)
        stop.mark(StopStatus.DELIVERED if delivered else StopStatus.FAILED)
    elif stop.status is StopStatus.PLANNED:
        stop.mark(StopStatus.ARRIVED)


def confirm_delivery(
    *,
    uow: UnitOfWork,
    tracking: TrackingRepository,
    confirmation: Confirmation,
    geofence_m: float,
    pin_policy: PinPolicy | None = None,
    learner: Callable[[UnitOfWork], Geocoder] | None = None,
) -> DeliveryReceipt:
    """Record a handed-over shipment with its proof, or refuse it.

    Each shipment of a stop is confirmed on its own, with its own proof; the stop is
    delivered once all its shipments are delivered or failed.

    ``learner`` returns the geocoder whose correction store writes in ``uow``'s
    transaction; with one, a fix inside the geofence moves the address's learned
    position (within the geocoder's sanity bound). ``receipt.learned`` says if it did.

    Raises
    ------
    NotOnRoute
        The stop or shipment is not on the driver's route.
    InvalidValue
        Outside the geofence without a reason, or proof missing for the method.
    ProofRejected
        Wrong, locked or too-early PIN (the failed attempt is stored all the same).
    """
    c = confirmation
    with uow:
        route, stop, shipment = _locate(uow, c.route_id, c.stop_id, c.shipment_id, c.driver_id)
        finished = _finished_at_stop(
            tracking, route.route_id, stop, shipment.shipment_id, "delivered"
        )
        target = shipment.address.point or stop.location
        geofence = check_geofence(
            c.fix, target, radius_m=geofence_m, outside_reason=c.outside_reason
        )
        method = shipment.proof_method
        required_proof(method, c)
        pin_ok = False
        if method is ProofMethod.PIN:
            state = tracking.pin(shipment.shipment_id)
            if state is None:
                raise ProofRejected(shipment.shipment_id, "no_pin", "no PIN was issued")
            outcome, new_state = check_pin(state, c.pin or "", now=c.at, policy=pin_policy)
            tracking.save_pin(new_state)
            if outcome is not PinOutcome.ACCEPTED:
                uow.outbox.add(
                    DomainEvent(
                        "shipment.pin_rejected",
                        shipment.shipment_id,
                        {"outcome": outcome.value, "failures": new_state.failures},
                    )
                )
                # The failure must count even though the delivery is refused.
                uow.commit()
                raise ProofRejected(
                    shipment.shipment_id, outcome.value, f"PIN {outcome.value.replace('_', ' ')}"
                )
            pin_ok = True
        # Status changes first: if one is illegal nothing reaches the evidence chain.
        _settle(stop, shipment.shipment_id, "delivered", finished)
        _move_orders(uow, shipment, [OrderStatus.DELIVERED], "", c.at)
        body = evidence_body(c, method=method, geofence=geofence, pin_verified=pin_ok)
        record, head = append(tracking.evidence_head(route.route_id), route.route_id, body)
        tracking.add_evidence(record, head)
        data = {
            "route_id": route.route_id,
            "shipment_id": shipment.shipment_id,
            "at": c.at.isoformat(),
            "method": method.value,
            "flagged": geofence.flagged,
        }
        uow.outbox.add(DomainEvent("stop.delivered", stop.stop_id, data))
        learned = False
        if learner is not None and not geofence.flagged and c.accuracy_m <= LEARN_MAX_ACCURACY_M:
            learned = learner(uow).confirm_delivery(shipment.address.raw, c.fix).accepted
        uow.outbox.add(
            DomainEvent(
                "evidence.appended", route.route_id, {"seq": record.seq, "hash": record.hash}
            )
        )
        if geofence.flagged:
            uow.outbox.add(
                DomainEvent(
                    "delivery.flagged",
                    shipment.shipment_id,
                    {"distance_m": round(geofence.distance_m), "reason": c.outside_reason},
                )
            )
        uow.commit()
    return DeliveryReceipt(
        stop.stop_id,
        shipment.shipment_id,
        record.seq,
        record.hash,
        geofence.flagged,
        geofence.distance_m,
        learned,
    )


def report_failed_attempt(
    *,
    uow: UnitOfWork,
    tracking: TrackingRepository,
    route_id: str,
    stop_id: str,
    shipment_id: str,
    driver_id: str,
    device_id: str,
    reason: FailureReason,
    fix: GeoPoint,
    at: datetime | None = None,
) -> OrderStatus:
    """Record a failed attempt with its reason; return REDELIVERY or RETURNED."""
    at = at or datetime.now(UTC)
    with uow:
        _, stop, shipment = _locate(uow, route_id, stop_id, shipment_id, driver_id)
        finished = _finished_at_stop(tracking, route_id, stop, shipment_id, "failed")
        tracking.add_attempt(Attempt(shipment_id, route_id, reason.value, at))
        outcome = failure_outcome(reason, len(tracking.attempts(shipment_id)))
        body = {
            "kind": "failed",
            "stop_id": stop_id,
            "shipment_id": shipment_id,
            "driver_id": driver_id,
            "device_id": device_id,
            "reason": reason.value,
            "lat": round(fix.lat, 7),
            "lon": round(fix.lon, 7),
            "at": at.isoformat(),
            "outcome": outcome.value,
        }
        _settle(stop, shipment_id, "failed", finished)
        _move_orders(uow, shipment, [OrderStatus.FAILED_ATTEMPT, outcome], reason.value, at)
        record, head = append(tracking.evidence_head(route_id), route_id, body)
        tracking.add_evidence(record, head)
        uow.outbox.add(
            DomainEvent(
                "stop.failed",
                stop_id,
                {
                    "route_id": route_id,
                    "shipment_id": shipment_id,
                    "reason": reason.value,
                    "outcome": outcome.value,
                },
            )
        )
        uow.commit()
    return outcome
