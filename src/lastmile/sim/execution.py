"""Vans drive their routes in simulated time; each handover succeeds with proof or fails.

A leg takes the day's actual travel time (time of day, rain, closure, per-leg noise);
service takes the planned handover time scaled by the customer's own noise. At the door
the driver needs the customer for a PIN handover; a photo handover can leave the parcel
unless there is no safe place; a geocode far from the real door means the address is
not found. Every handover records its proof: method, the driver's GPS fix, the distance
to the geocoded point and the geofence check.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping

from lastmile.domain import Address, GeoPoint, ProofMethod, Shipment
from lastmile.sim.conditions import DayTravel
from lastmile.sim.records import Proof, RouteRun, StopRun
from lastmile.sim.scenario import Truth

FAILED_VISIT_S = 120.0
PIN_VALUE = 150.0  # parcels worth more than this are handed over against a PIN


def _uniform(key: str) -> float:
    return int(hashlib.sha256(key.encode()).hexdigest()[:12], 16) / float(16**12)


def proof_method(shipment: Shipment) -> ProofMethod:
    """Choose how the handover is proven, by the tracking capability's risk score."""
    try:
        from lastmile.tracking.risk import choose_method
    except ImportError:
        return ProofMethod.PIN if shipment.value > PIN_VALUE else ProofMethod.PHOTO
    method, _score = choose_method(
        point=shipment.address.point, parcel_value=shipment.value, histories={}
    )
    return method


def _geofence(fix: GeoPoint, target: GeoPoint, radius_m: float) -> tuple[float, bool]:
    try:
        from lastmile.tracking.pod import check_geofence
    except ImportError:
        distance = fix.distance_m(target)
        return distance, distance <= radius_m
    verdict = check_geofence(
        fix, target, radius_m=radius_m, outside_reason="driver's fix outside the geofence"
    )
    return verdict.distance_m, verdict.inside


def _gps_fix(truth: GeoPoint, key: str) -> GeoPoint:
    # Phone GPS in a street canyon: ~15 m error.
    r = 15.0 * math.sqrt(-2.0 * math.log(max(_uniform(key + "r"), 1e-12)))
    a = 2 * math.pi * _uniform(key + "a")
    return GeoPoint(
        truth.lat + r * math.cos(a) / 111_320.0,
        truth.lon + r * math.sin(a) / (111_320.0 * math.cos(math.radians(truth.lat))),
    )


def handover(
    stop: StopRun,
    at_s: float,
    truth: Mapping[str, Truth],
    addresses: Mapping[str, Address],
    *,
    geofence_m: float,
) -> None:
    """Decide each order of the stop: delivered with proof, or failed with a reason."""
    method = proof_method(stop.shipment)
    for order_id in stop.shipment.order_ids:
        t = truth[order_id]
        geocoded = addresses[order_id].point or t.point
        off_by = geocoded.distance_m(t.point)
        if off_by > geofence_m:
            stop.failed[order_id] = (
                f"address not found: the geocoded point is {off_by:,.0f} m from the customer's door"
            )
            continue
        if t.absent and method in (ProofMethod.PIN, ProofMethod.SIGNATURE):
            stop.failed[order_id] = f"customer absent: {method.value} required at handover"
            continue
        if t.absent and _uniform(order_id + "safe") < 0.3:
            stop.failed[order_id] = "customer absent: no safe place to leave the parcel"
            continue
        gps = _gps_fix(t.point, order_id)
        distance, inside = _geofence(gps, geocoded, geofence_m)
        token = hashlib.sha256(f"{order_id}|{at_s:.0f}|{method}".encode()).hexdigest()[:16]
        stop.proofs[order_id] = Proof(method, at_s, gps, distance, inside, token)
        stop.delivered.append(order_id)


def drive(
    route: RouteRun,
    travel: DayTravel,
    truth: Mapping[str, Truth],
    addresses: Mapping[str, Address],
    *,
    day_start: float,
    until_s: float = math.inf,
    geofence_m: float = 150.0,
) -> None:
    """Drive ``route`` until its clock passes ``until_s`` (a leg once begun is finished)."""
    while route.next_stop < len(route.stops) and route.clock_s < until_s:
        stop = route.stops[route.next_stop]
        route.next_stop += 1
        if stop.dropped_reason:
            continue
        seconds, metres = travel.leg(route.position, stop.location, route.clock_s)
        arrival = route.clock_s + seconds
        route.distance_m += metres
        route.path.append(stop.location)
        if stop.shipment.window is not None:
            # Early for a slot: the van waits, and the handover starts at the slot.
            arrival = max(arrival, stop.shipment.window.start.timestamp() - day_start)
        stop.arrival_s = arrival
        handover(stop, arrival, truth, addresses, geofence_m=geofence_m)
        noise = sum(truth[o].service_noise for o in stop.shipment.order_ids) / len(
            stop.shipment.order_ids
        )
        busy = stop.service_s * noise if stop.delivered else FAILED_VISIT_S
        stop.departure_s = arrival + busy
        route.clock_s = stop.departure_s
        route.position = stop.location
    if route.next_stop >= len(route.stops) and route.end_s is None and route.clock_s < until_s:
        seconds, metres = travel.leg(route.position, route.depot_location, route.clock_s)
        route.distance_m += metres
        route.clock_s += seconds
        route.position = route.depot_location
        route.end_s = route.clock_s
