"""Schemas of proof of delivery, failed attempts, tracking and disruptions."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from lastmile.api.schemas.common import Id, PointIn, Strict, WindowOut
from lastmile.tracking.pod import FailureReason
from lastmile.tracking.view import TrackingView


class GpsFix(PointIn):
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)


class DeliverIn(Strict):
    method: Literal["pin", "signature", "photo", "locker"] | None = Field(
        default=None, description="what the driver captured; the shipment's method decides"
    )
    gps: GpsFix | None = Field(description="where the device is; required")
    device_id: str = Field(min_length=1, max_length=100)
    pin: str | None = Field(default=None, max_length=12)
    signature: str | None = Field(default=None, max_length=20_000)
    photo_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    outside_reason: str = Field(default="", max_length=300)
    shipment_ids: list[Id] | None = Field(
        default=None, max_length=50, description="default: every shipment of the stop"
    )


class FailIn(Strict):
    reason: FailureReason
    gps: GpsFix | None
    device_id: str = Field(min_length=1, max_length=100)
    shipment_ids: list[Id] | None = Field(default=None, max_length=50)

    @model_validator(mode="before")
    @classmethod
    def _legacy_reasons(cls, data: Any) -> Any:
        # The phone page's short reason codes, mapped to the tracking module's.
        aliases = {
            "not_home": "nobody_home",
            "access": "access_denied",
            "refused": "refused_by_customer",
        }
        if isinstance(data, dict) and data.get("reason") in aliases:
            data = {**data, "reason": aliases[data["reason"]]}
        return data


class DeliveredRead(BaseModel):
    stop_id: str
    shipment_id: str
    evidence_seq: int
    evidence_hash: str
    flagged: bool
    distance_m: float


class FailedRead(BaseModel):
    stop_id: str
    shipment_id: str
    outcome: str


class TrackingRead(BaseModel):
    status: str
    delivery_date: str
    eta: WindowOut | None
    stops_before: int | None
    proof_method: str
    updated_at: datetime

    @classmethod
    def of(cls, v: TrackingView) -> TrackingRead:
        return cls(
            status=v.status,
            delivery_date=v.delivery_date,
            eta=WindowOut(start=v.eta.start, end=v.eta.end) if v.eta else None,
            stops_before=v.stops_before,
            proof_method=v.proof_method,
            updated_at=v.updated_at,
        )


class DisruptionCreate(Strict):
    kind: Literal["closure", "slowdown", "weather"]
    polygon: dict[str, Any] | None = Field(
        default=None, description="GeoJSON Polygon of the area ([lon, lat] positions)"
    )
    lat: float | None = Field(default=None, ge=-90, le=90, description="or a circle: centre")
    lon: float | None = Field(default=None, ge=-180, le=180)
    radius_m: float | None = Field(default=None, gt=0, le=50_000)
    factor: float | None = Field(default=None, ge=1, le=100)
    note: str = Field(default="", max_length=300)
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    def area(self) -> dict[str, Any]:
        """Return the area as a GeoJSON Polygon (a circle becomes a 24-gon)."""
        if self.polygon is not None:
            return self.polygon
        if self.lat is None or self.lon is None or self.radius_m is None:
            from lastmile.domain import InvalidValue

            raise InvalidValue("polygon", "give a GeoJSON polygon, or lat, lon and radius_m")
        dlat = self.radius_m / 111_320.0
        dlon = dlat / max(0.01, math.cos(math.radians(self.lat)))
        ring = [
            [self.lon + dlon * math.cos(a), self.lat + dlat * math.sin(a)]
            for a in (2 * math.pi * k / 24 for k in range(24))
        ]
        return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


class DisruptionRead(BaseModel):
    disruption_id: str
    kind: str
    routes_replanned: int
    replanned_route_ids: list[str]
    at_risk_shipments: list[str]
    eta_shift_s: dict[str, float]
