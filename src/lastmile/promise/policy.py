"""The rules of the promise, and the disruptions it must respect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from lastmile.domain.geo import GeoPoint


class AreaConditions(Protocol):
    """Live disruptions seen from one point: a travel-time multiplier, ``inf`` when closed."""

    def factor_at(self, point: GeoPoint) -> float:
        """Return the travel-time multiplier around ``point``."""
        ...


class NoConditions:
    """No disruption anywhere."""

    def factor_at(self, point: GeoPoint) -> float:
        """Return 1: travel as planned."""
        return 1.0


@dataclass(frozen=True, slots=True)
class PromisePolicy:
    """The rules of the promise: reach, lead times, slot grid, and how far to trust a geocode.

    ``handling`` is the time from order to a parcel ready at the dock; ``same_day_reach_m``
    and ``next_day_reach_m`` are straight-line distances from warehouse to customer.
    """

    timezone: str = "America/New_York"
    same_day_reach_m: float = 40_000.0
    next_day_reach_m: float = 400_000.0
    handling: timedelta = timedelta(minutes=90)
    slot_length: timedelta = timedelta(hours=2)
    first_slot: time = time(9, 0)
    last_slot_end: time = time(21, 0)
    min_confidence: float = 0.6
    eta_half_width: timedelta = timedelta(minutes=30)
    hold_ttl: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        if self.slot_length <= timedelta(0):
            raise ValueError("slot_length <= 0 not understood.")
        if self.same_day_reach_m <= 0 or self.next_day_reach_m <= 0:
            raise ValueError("a reach <= 0 not understood.")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError(f"min_confidence {self.min_confidence} outside [0, 1].")
        ZoneInfo(self.timezone)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
