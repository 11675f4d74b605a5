"""Planned routes: a vehicle's ordered stops with times and loads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from lastmile.domain.errors import IllegalTransition
from lastmile.domain.geo import GeoPoint


class StopStatus(StrEnum):
    PLANNED = "planned"
    ARRIVED = "arrived"
    DELIVERED = "delivered"
    FAILED = "failed"
    SKIPPED = "skipped"


# Stops a van has still to make.
OPEN_STOPS = frozenset({StopStatus.PLANNED, StopStatus.ARRIVED})


# Mapped by the storage adapter, which needs __dict__: no slots.
@dataclass
class Stop:
    """One visit on a route: arrival, service, and the shipments handed over."""

    stop_id: str
    location: GeoPoint
    shipment_ids: list[str]
    arrival: datetime
    departure: datetime
    waiting_s: float = 0.0
    load_kg: float = 0.0
    cost: float = 0.0
    status: StopStatus = StopStatus.PLANNED

    def mark(self, target: StopStatus) -> None:
        """Record the outcome of the visit; a finished stop cannot change again."""
        if self.status in (StopStatus.DELIVERED, StopStatus.FAILED, StopStatus.SKIPPED):
            raise IllegalTransition("stop", self.status.value, target.value)
        self.status = target


# Mapped by the storage adapter, which needs __dict__: no slots.
@dataclass
class Route:
    """A vehicle's plan for one shift."""

    route_id: str
    vehicle_id: str
    depot_id: str
    stops: list[Stop] = field(default_factory=list)
    distance_m: float = 0.0
    duration_s: float = 0.0
    cost: float = 0.0
    co2_kg: float = 0.0
    driver_id: str = ""

    @property
    def parcel_count(self) -> int:
        return sum(len(s.shipment_ids) for s in self.stops)
