"""The driver's delivery confirmation and the checks it must pass before it is believed."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from lastmile.domain.errors import DomainError, InvalidValue
from lastmile.domain.geo import GeoPoint
from lastmile.domain.shipment import ProofMethod
from lastmile.domain.status import OrderStatus

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class FailureReason(StrEnum):
    """Why a delivery attempt failed; decides between redelivery and return."""

    NOBODY_HOME = "nobody_home"
    ACCESS_DENIED = "access_denied"
    ADDRESS_NOT_FOUND = "address_not_found"
    UNSAFE_TO_LEAVE = "unsafe_to_leave"
    PIN_LOCKED = "pin_locked"
    REFUSED = "refused_by_customer"
    DAMAGED = "damaged"
    OUT_OF_TIME = "out_of_time"


# What the customer does not want, or cannot use, goes back; the rest is tried again.
RETURN_REASONS = frozenset({FailureReason.REFUSED, FailureReason.DAMAGED})
MAX_ATTEMPTS = 3


def failure_outcome(reason: FailureReason, attempts_so_far: int) -> OrderStatus:
    """Return REDELIVERY or RETURNED for a failed attempt (``attempts_so_far`` includes it)."""
    if reason in RETURN_REASONS or attempts_so_far >= MAX_ATTEMPTS:
        return OrderStatus.RETURNED
    return OrderStatus.REDELIVERY


@dataclass(frozen=True, slots=True)
class Confirmation:
    """What the driver's device sends when a parcel is handed over.

    ``signature`` is the captured signature (e.g. SVG path data); only its SHA-256 is
    kept. ``photo_sha256`` is the hash of the photo the device uploads separately.
    ``outside_reason`` lets a driver confirm outside the geofence (e.g. "left with the
    concierge across the street"); such a confirmation is flagged for review.
    """

    route_id: str
    stop_id: str
    shipment_id: str
    driver_id: str
    device_id: str
    fix: GeoPoint
    at: datetime
    accuracy_m: float = 10.0
    pin: str | None = None
    signature: str | None = None
    photo_sha256: str | None = None
    outside_reason: str = ""

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise InvalidValue("at", "must be timezone-aware")
        if not self.device_id.strip():
            raise InvalidValue("device_id", "is empty")
        if self.accuracy_m < 0:
            raise InvalidValue("accuracy_m", f"must be >= 0, got {self.accuracy_m}")
        if self.photo_sha256 is not None and not SHA256_HEX.match(self.photo_sha256):
            raise InvalidValue("photo_sha256", "must be 64 lowercase hex digits")
        if len(self.outside_reason) > 500:
            raise InvalidValue("outside_reason", "is longer than 500 characters")


@dataclass(frozen=True, slots=True)
class GeofenceResult:
    """How far the fix was from the address, and whether that is acceptable."""

    distance_m: float
    inside: bool
    flagged: bool


def check_geofence(
    fix: GeoPoint, target: GeoPoint, *, radius_m: float, outside_reason: str = ""
) -> GeofenceResult:
    """Return the geofence verdict; outside without a reason raises InvalidValue."""
    distance = fix.distance_m(target)
    if distance <= radius_m:
        return GeofenceResult(distance, True, False)
    if not outside_reason.strip():
        raise InvalidValue(
            "fix",
            f"is {distance:.0f} m from the delivery address (geofence {radius_m:.0f} m); "
            "give a reason to confirm from here",
        )
    return GeofenceResult(distance, False, True)


def required_proof(method: ProofMethod, confirmation: Confirmation) -> None:
    """Raise InvalidValue unless the confirmation carries what the method asks for."""
    if method is ProofMethod.PHOTO and not confirmation.photo_sha256:
        raise InvalidValue("photo_sha256", "a photo delivery needs the photo's SHA-256")
    if method is ProofMethod.SIGNATURE and not (confirmation.signature or "").strip():
        raise InvalidValue("signature", "this delivery needs the recipient's signature")
    if method is ProofMethod.PIN and not (confirmation.pin or "").strip():
        raise InvalidValue("pin", "this delivery needs the customer's PIN")


def evidence_body(
    confirmation: Confirmation, *, method: ProofMethod, geofence: GeofenceResult, pin_verified: bool
) -> dict[str, Any]:
    """Return what goes into the evidence chain for a confirmed delivery."""
    signature = confirmation.signature
    return {
        "kind": "delivered",
        "stop_id": confirmation.stop_id,
        "shipment_id": confirmation.shipment_id,
        "driver_id": confirmation.driver_id,
        "device_id": confirmation.device_id,
        "method": method.value,
        "lat": round(confirmation.fix.lat, 7),
        "lon": round(confirmation.fix.lon, 7),
        "accuracy_m": confirmation.accuracy_m,
        "at": confirmation.at.isoformat(),
        "distance_m": round(geofence.distance_m, 1),
        "outside_geofence": not geofence.inside,
        "flagged": geofence.flagged,
        "outside_reason": confirmation.outside_reason,
        "pin_verified": pin_verified,
        "signature_sha256": hashlib.sha256(signature.encode()).hexdigest() if signature else None,
        "photo_sha256": confirmation.photo_sha256,
    }


class NotOnRoute(DomainError):
    """A confirmation names a stop or shipment that is not on the driver's route."""


class ProofRejected(DomainError):
    """The proof given does not satisfy the delivery (wrong PIN, locked PIN, too soon)."""

    def __init__(self, shipment_id: str, outcome: str, message: str) -> None:
        super().__init__(message)
        self.shipment_id = shipment_id
        self.outcome = outcome
