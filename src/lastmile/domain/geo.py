"""Points on the earth and the great-circle distance between them."""

from __future__ import annotations

import math
from dataclasses import dataclass

from lastmile.domain.errors import InvalidValue

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A WGS84 position in decimal degrees."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (isinstance(self.lat, int | float) and math.isfinite(self.lat)):
            raise InvalidValue("lat", f"{self.lat!r} is not a finite number")
        if not (isinstance(self.lon, int | float) and math.isfinite(self.lon)):
            raise InvalidValue("lon", f"{self.lon!r} is not a finite number")
        if not -90.0 <= self.lat <= 90.0:
            raise InvalidValue("lat", f"{self.lat} is outside [-90, 90]")
        if not -180.0 <= self.lon <= 180.0:
            raise InvalidValue("lon", f"{self.lon} is outside [-180, 180]")

    def distance_m(self, other: GeoPoint) -> float:
        """Return the great-circle distance to ``other`` in metres."""
        return haversine_m(self.lat, self.lon, other.lat, other.lon)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance between two positions in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
