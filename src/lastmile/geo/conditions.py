"""Road conditions: rush hours per road class, weather, closures and slowdowns.

A ``Conditions`` object turns a departure time into one speed factor per edge of a
network (``0`` means closed). The road-network travel-time source asks it on every
matrix, so an event posted here (a closed bridge, a flooded area) shows in the next
matrix; only the rows whose shortest paths touch the changed edges are recomputed.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from lastmile.domain.geo import GeoPoint
from lastmile.geo.osm import ROAD_CLASSES

if TYPE_CHECKING:
    from lastmile.geo.network import RoadNetwork


class Weather(StrEnum):
    CLEAR = "clear"
    RAIN = "rain"
    HEAVY_RAIN = "heavy_rain"
    SNOW = "snow"
    FOG = "fog"


# Speed multipliers from traffic-engineering rules of thumb (the HCM cites 5-15 % for
# light rain, 25-40 % for snow on urban arterials).
WEATHER_SPEED_FACTOR: dict[Weather, float] = {
    Weather.CLEAR: 1.0,
    Weather.RAIN: 0.9,
    Weather.HEAVY_RAIN: 0.8,
    Weather.SNOW: 0.65,
    Weather.FOG: 0.85,
}

_HIGHWAYS = ("motorway", "motorway_link", "trunk", "trunk_link")
_ARTERIALS = ("primary", "primary_link", "secondary", "secondary_link")
_COLLECTORS = ("tertiary", "tertiary_link", "unclassified")


def _hours(peak: float, shoulder: float, midday: float) -> tuple[float, ...]:
    """Return 24 hourly factors with morning (7-8) and evening (16-18) rush hours."""
    by_hour = [1.0] * 24
    for h in range(6, 22):
        by_hour[h] = midday
    for h in (7, 8, 16, 17, 18):
        by_hour[h] = peak
    for h in (6, 9, 15, 19):
        by_hour[h] = shoulder
    return tuple(by_hour)


@dataclass(frozen=True)
class SpeedProfile:
    """Speed multipliers by road class and hour of day, for weekdays and weekends.

    Parameters
    ----------
    weekday, weekend
        Road class (an OSM ``highway`` value) to 24 factors, one per local hour. Classes
        not named run at factor 1.
    """

    weekday: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    weekend: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for table in (self.weekday, self.weekend):
            for cls, factors in table.items():
                if len(factors) != 24:
                    raise ValueError(f"profile for {cls!r} has {len(factors)} hours, not 24.")
                if any(not 0 < f <= 2 for f in factors):
                    raise ValueError(f"profile for {cls!r} has a factor outside (0, 2].")

    @classmethod
    def urban_default(cls) -> SpeedProfile:
        """Return a US-city profile: highways suffer most at rush hour, side streets least."""
        weekday: dict[str, tuple[float, ...]] = {}
        weekend: dict[str, tuple[float, ...]] = {}
        for classes, peak, shoulder, midday in (
            (_HIGHWAYS, 0.55, 0.75, 0.9),
            (_ARTERIALS, 0.65, 0.8, 0.85),
            (_COLLECTORS, 0.75, 0.85, 0.9),
            (("residential", "living_street", "service"), 0.9, 0.95, 0.95),
        ):
            for c in classes:
                weekday[c] = _hours(peak, shoulder, midday)
                weekend[c] = _hours(midday, midday, midday)
        return cls(weekday=weekday, weekend=weekend)

    def class_factors(self, at: datetime | None) -> NDArray[np.float64]:
        """Return one factor per entry of ``ROAD_CLASSES`` for a departure at ``at``.

        ``None`` means free flow. The hour is read from ``at`` as given (local time).
        """
        if at is None:
            return np.ones(len(ROAD_CLASSES))
        table = self.weekend if at.weekday() >= 5 else self.weekday
        return np.array([table.get(c, (1.0,) * 24)[at.hour] for c in ROAD_CLASSES])

    def key(self, at: datetime | None) -> tuple[bool, int] | None:
        """Return what of ``at`` the profile depends on (weekend flag, hour)."""
        return None if at is None else (at.weekday() >= 5, at.hour)


@dataclass(frozen=True)
class BBox:
    """A latitude/longitude box."""

    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    def __post_init__(self) -> None:
        if self.min_lat > self.max_lat or self.min_lon > self.max_lon:
            raise ValueError("bbox min > max not understood.")

    def contains(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Tell, for each position, whether it lies inside the box."""
        inside: NDArray[np.bool_] = (
            (lat >= self.min_lat)
            & (lat <= self.max_lat)
            & (lon >= self.min_lon)
            & (lon <= self.max_lon)
        )
        return inside


@dataclass(frozen=True)
class Polygon:
    """A simple polygon given by its vertices (closing vertex optional)."""

    vertices: tuple[GeoPoint, ...]

    def __post_init__(self) -> None:
        if len(self.vertices) < 3:
            raise ValueError("polygon with fewer than 3 vertices not understood.")

    @classmethod
    def from_geojson(cls, geometry: Mapping[str, object]) -> Polygon:
        """Build from a GeoJSON ``Polygon`` geometry (outer ring, ``[lon, lat]`` positions)."""
        if geometry.get("type") != "Polygon":
            raise ValueError(f"GeoJSON type {geometry.get('type')!r} not understood; need Polygon.")
        rings = geometry.get("coordinates")
        if not isinstance(rings, Sequence) or not rings or not isinstance(rings[0], Sequence):
            raise ValueError("GeoJSON polygon without coordinates not understood.")
        return cls(tuple(GeoPoint(float(p[1]), float(p[0])) for p in rings[0]))

    def contains(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Tell, for each position, whether it lies inside (even-odd ray casting)."""
        ys = np.array([v.lat for v in self.vertices])
        xs = np.array([v.lon for v in self.vertices])
        inside = np.zeros(lat.shape, dtype=bool)
        for i in range(len(xs)):
            x1, y1 = xs[i - 1], ys[i - 1]
            x2, y2 = xs[i], ys[i]
            crosses = (y1 > lat) != (y2 > lat)
            with np.errstate(divide="ignore", invalid="ignore"):
                x_at = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            inside ^= crosses & (lon < x_at)
        return inside


Area = BBox | Polygon


@dataclass(frozen=True)
class RoadEvent:
    """A closure (``speed_factor == 0``) or slowdown on edges or over an area.

    ``starts_at`` / ``ends_at`` bound when it applies; ``None`` means open-ended.
    """

    event_id: str
    speed_factor: float
    edges: frozenset[int] = frozenset()
    area: Area | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if not 0.0 <= self.speed_factor <= 1.0:
            raise ValueError(f"speed_factor {self.speed_factor} outside [0, 1] not understood.")
        if not self.edges and self.area is None:
            raise ValueError("a road event needs edges or an area.")

    @property
    def is_closure(self) -> bool:
        return self.speed_factor == 0.0

    def active(self, at: datetime | None) -> bool:
        """Tell whether the event applies to a trip leaving at ``at`` (``None``: now)."""
        if at is None:
            return True
        if self.starts_at is not None and at < self.starts_at:
            return False
        return self.ends_at is None or at < self.ends_at

    def edge_mask(self, network: RoadNetwork) -> NDArray[np.bool_]:
        """Return which edges of ``network`` the event touches."""
        mask = np.zeros(network.edge_count, dtype=bool)
        if self.edges:
            ids = np.fromiter(self.edges, dtype=np.int64)
            mask[ids[(ids >= 0) & (ids < network.edge_count)]] = True
        if self.area is not None:
            u, v = network.edge_u, network.edge_v
            # An edge is affected when either end or its middle is inside the area.
            lat_u, lon_u = network.node_lat[u], network.node_lon[u]
            lat_v, lon_v = network.node_lat[v], network.node_lon[v]
            mask |= self.area.contains(lat_u, lon_u) | self.area.contains(lat_v, lon_v)
            mask |= self.area.contains((lat_u + lat_v) / 2, (lon_u + lon_v) / 2)
        return mask


class Conditions:
    """Traffic profile, weather and road events that travel times must honour.

    Thread-safe: the API may post a closure while a planner computes a matrix.
    """

    def __init__(
        self,
        *,
        profile: SpeedProfile | None = None,
        weather: Weather = Weather.CLEAR,
        events: Iterable[RoadEvent] = (),
    ) -> None:
        self.profile = profile if profile is not None else SpeedProfile.urban_default()
        self._weather = weather
        self._events: dict[str, RoadEvent] = {e.event_id: e for e in events}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.version = 0

    @property
    def weather(self) -> Weather:
        return self._weather

    @property
    def events(self) -> list[RoadEvent]:
        with self._lock:
            return list(self._events.values())

    def set_weather(self, weather: Weather) -> None:
        """Set the weather every trip from now on drives in."""
        with self._lock:
            self._weather = Weather(weather)
            self.version += 1

    def add(self, event: RoadEvent) -> str:
        """Post an event; returns its id."""
        with self._lock:
            self._events[event.event_id] = event
            self.version += 1
        return event.event_id

    def close(
        self,
        *,
        edges: Sequence[int] | NDArray[np.int64] = (),
        area: Area | None = None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        reason: str = "closure",
    ) -> str:
        """Close edges or every road in an area; returns the event id to lift it later."""
        return self._post(0.0, edges, area, starts_at, ends_at, reason)

    def slow_down(
        self,
        factor: float,
        *,
        edges: Sequence[int] | NDArray[np.int64] = (),
        area: Area | None = None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        reason: str = "slowdown",
    ) -> str:
        """Multiply speeds on edges or in an area by ``factor`` (0 < factor <= 1)."""
        if not 0.0 < factor <= 1.0:
            raise ValueError(f"slowdown factor {factor} outside (0, 1] not understood.")
        return self._post(factor, edges, area, starts_at, ends_at, reason)

    def _post(
        self,
        factor: float,
        edges: Sequence[int] | NDArray[np.int64],
        area: Area | None,
        starts_at: datetime | None,
        ends_at: datetime | None,
        reason: str,
    ) -> str:
        event = RoadEvent(
            event_id=f"ev-{next(self._ids)}",
            speed_factor=factor,
            edges=frozenset(int(e) for e in edges),
            area=area,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
        )
        return self.add(event)

    def lift(self, event_id: str) -> bool:
        """Remove an event; returns whether it existed."""
        with self._lock:
            found = self._events.pop(event_id, None) is not None
            if found:
                self.version += 1
        return found

    def edge_speed_factors(self, network: RoadNetwork, at: datetime | None) -> NDArray[np.float64]:
        """Return one speed factor per edge of ``network`` for a departure at ``at``.

        ``0`` marks a closed edge. Factors multiply: profile x weather x slowdowns.
        """
        with self._lock:
            weather = self._weather
            events = list(self._events.values())
        factors = self.profile.class_factors(at)[network.edge_class] * WEATHER_SPEED_FACTOR[weather]
        for event in events:
            if event.active(at):
                mask = event.edge_mask(network)
                factors[mask] *= event.speed_factor
        return factors
