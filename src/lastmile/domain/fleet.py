"""Vehicles and their shifts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lastmile.domain.errors import InvalidValue


@dataclass(frozen=True, slots=True)
class Capacity:
    """What a vehicle can carry in each dimension."""

    weight_kg: float
    volume_l: float
    parcels: int

    def __post_init__(self) -> None:
        for name in ("weight_kg", "volume_l", "parcels"):
            if getattr(self, name) <= 0:
                raise InvalidValue(name, f"capacity must be > 0, got {getattr(self, name)}")


@dataclass(frozen=True, slots=True)
class Shift:
    """When a driver works, and the break window the law asks for."""

    start: datetime
    end: datetime
    break_earliest: datetime | None = None
    break_latest: datetime | None = None
    break_duration: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidValue("shift", "start and end must be timezone-aware")
        if self.end <= self.start:
            raise InvalidValue("shift", "ends before it starts")
        if (self.break_earliest is None) != (self.break_latest is None):
            raise InvalidValue("shift", "a break needs both an earliest and a latest start")
        if (
            self.break_earliest is not None
            and self.break_latest is not None
            and (self.break_latest < self.break_earliest)
        ):
            raise InvalidValue("shift", "break_latest is before break_earliest")


# Mapped by the storage adapter (it needs __dict__ and settable attributes),
# so not frozen/slotted; unsafe_hash keeps the hash the frozen class had.
@dataclass(unsafe_hash=True)
class Vehicle:
    """A van: capacity, shift, costs, depot and emissions."""

    vehicle_id: str
    depot_id: str
    capacity: Capacity
    shift: Shift
    cost_per_km: float = 0.35
    cost_per_hour: float = 25.0
    fixed_cost: float = 50.0
    co2_g_per_km: float = 180.0
    skills: frozenset[str] = field(default_factory=frozenset)
    end_depot_id: str | None = None
    max_distance_km: float | None = None

    def __post_init__(self) -> None:
        if not self.vehicle_id:
            raise InvalidValue("vehicle_id", "is empty")
        for name in ("cost_per_km", "cost_per_hour", "fixed_cost", "co2_g_per_km"):
            if getattr(self, name) < 0:
                raise InvalidValue(name, f"must be >= 0, got {getattr(self, name)}")
