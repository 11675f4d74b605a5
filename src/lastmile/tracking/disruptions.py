"""Disruptions posted by operations: road closures, slowdown areas and weather.

An area arrives as GeoJSON (``{"type": "Polygon", "coordinates": [[[lon, lat], ...]]}``)
and is validated strictly, because a wrong polygon silently closes the wrong streets:
at least three distinct corners, finite coordinates on the globe, a closed ring (an
open one is closed for the caller), no self-intersection, a non-zero area. Each failure
is an ``InvalidValue`` naming what is wrong, which the API turns into a 422.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lastmile.domain.errors import InvalidValue
from lastmile.domain.geo import GeoPoint
from lastmile.geo.travel import TravelMatrix, TravelTimeSource

MAX_VERTICES = 10_000


class DisruptionKind(StrEnum):
    CLOSURE = "closure"
    SLOWDOWN = "slowdown"
    WEATHER = "weather"


def _cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _segments_cross(
    p1: tuple[float, float],
    p2: tuple[float, float],
    q1: tuple[float, float],
    q2: tuple[float, float],
) -> bool:
    """Tell whether two segments properly intersect (touching at an end does not count)."""
    d1, d2 = _cross(q1, q2, p1), _cross(q1, q2, p2)
    d3, d4 = _cross(p1, p2, q1), _cross(p1, p2, q2)
    return (d1 * d2 < 0) and (d3 * d4 < 0)


@dataclass(frozen=True, slots=True)
class Area:
    """A validated simple polygon, as ``(lon, lat)`` corners without the closing repeat."""

    ring: tuple[tuple[float, float], ...]

    @classmethod
    def from_geojson(cls, raw: Any) -> Area:
        """Parse a GeoJSON Polygon (outer ring only) or a bare list of ``[lon, lat]``.

        Raises
        ------
        InvalidValue
            With ``field == "polygon"`` and a reason a person can act on.
        """
        coords = raw
        if isinstance(raw, dict):
            if raw.get("type") != "Polygon":
                raise InvalidValue(
                    "polygon", f"GeoJSON type must be 'Polygon', got {raw.get('type')!r}"
                )
            coords = raw.get("coordinates")
            if not isinstance(coords, list) or not coords:
                raise InvalidValue("polygon", "coordinates must be a list of rings")
            coords = coords[0]
        if not isinstance(coords, list):
            raise InvalidValue("polygon", "must be a list of [lon, lat] positions")
        if len(coords) > MAX_VERTICES:
            raise InvalidValue("polygon", f"has {len(coords)} positions; at most {MAX_VERTICES}")
        ring: list[tuple[float, float]] = []
        for i, pos in enumerate(coords):
            if (
                not isinstance(pos, list | tuple)
                or len(pos) < 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pos[:2])
            ):
                raise InvalidValue("polygon", f"position {i} is not a [lon, lat] pair of numbers")
            lon, lat = float(pos[0]), float(pos[1])
            if not (math.isfinite(lon) and math.isfinite(lat)):
                raise InvalidValue("polygon", f"position {i} is not finite")
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise InvalidValue(
                    "polygon",
                    f"position {i} ({lon}, {lat}) is off the globe (GeoJSON order is [lon, lat])",
                )
            ring.append((lon, lat))
        if len(ring) > 1 and ring[0] == ring[-1]:
            ring.pop()
        distinct = list(dict.fromkeys(ring))
        if len(distinct) < 3:
            raise InvalidValue(
                "polygon", f"has {len(distinct)} distinct corners; a polygon needs at least 3"
            )
        n = len(ring)
        for i in range(n):
            for j in range(i + 1, n):
                if j == i + 1 or (i == 0 and j == n - 1):
                    continue  # neighbouring edges share a corner
                if _segments_cross(ring[i], ring[(i + 1) % n], ring[j], ring[(j + 1) % n]):
                    raise InvalidValue(
                        "polygon", f"edges {i} and {j} cross: the outline intersects itself"
                    )
        area = cls(tuple(ring))
        if abs(area.signed_area()) < 1e-12:
            raise InvalidValue("polygon", "has no area (all corners on one line)")
        return area

    def signed_area(self) -> float:
        """Return the shoelace area in square degrees (sign gives the orientation)."""
        xs = np.array([p[0] for p in self.ring])
        ys = np.array([p[1] for p in self.ring])
        return float(0.5 * (np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1))))

    def contains(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Tell, for each position, whether it lies inside (even-odd rule)."""
        inside = np.zeros(np.shape(lat), dtype=bool)
        n = len(self.ring)
        for i in range(n):
            x1, y1 = self.ring[i - 1]
            x2, y2 = self.ring[i]
            crosses = (y1 > lat) != (y2 > lat)
            with np.errstate(divide="ignore", invalid="ignore"):
                x_at = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            inside ^= crosses & (lon < x_at)
        return inside

    def contains_point(self, point: GeoPoint) -> bool:
        """Tell whether one point lies inside."""
        return bool(self.contains(np.array([point.lat]), np.array([point.lon]))[0])

    def crosses(self, a: GeoPoint, b: GeoPoint, samples: int = 16) -> bool:
        """Tell whether the straight trip from ``a`` to ``b`` passes through the area."""
        t = np.linspace(0.0, 1.0, samples)
        return bool(self.contains(a.lat + t * (b.lat - a.lat), a.lon + t * (b.lon - a.lon)).any())

    def to_geojson(self) -> dict[str, Any]:
        """Return the GeoJSON Polygon, ring closed."""
        ring = [list(p) for p in self.ring]
        return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@dataclass(frozen=True, slots=True)
class Disruption:
    """A closure, slowdown or weather condition over an area and a time span.

    ``factor`` multiplies travel times inside the area: ``inf`` for a closure, > 1 for a
    slowdown or bad weather.
    """

    disruption_id: str
    kind: DisruptionKind
    area: Area
    factor: float
    starts_at: datetime
    ends_at: datetime | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind is DisruptionKind.CLOSURE:
            if not math.isinf(self.factor):
                raise InvalidValue("factor", "a closure has an infinite factor")
        elif not (math.isfinite(self.factor) and self.factor >= 1.0):
            raise InvalidValue(
                "factor",
                f"a {self.kind} multiplies travel times by a factor >= 1, got {self.factor}",
            )
        if self.starts_at.tzinfo is None:
            raise InvalidValue("starts_at", "must be timezone-aware")
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            raise InvalidValue("ends_at", "is not after starts_at")

    def active(self, at: datetime) -> bool:
        """Tell whether the disruption applies at ``at``."""
        return self.starts_at <= at and (self.ends_at is None or at < self.ends_at)


@dataclass(slots=True)
class DisruptionSet:
    """The disruptions in force, seen as travel-time factors by place and by trip."""

    items: list[Disruption] = field(default_factory=list)
    at: datetime | None = None

    def active(self) -> list[Disruption]:
        """Return the disruptions in force at ``self.at`` (all when it is None)."""
        return [d for d in self.items if self.at is None or d.active(self.at)]

    def factor_at(self, point: GeoPoint) -> float:
        """Return the travel-time factor around ``point``: the worst that covers it."""
        worst = 1.0
        for d in self.active():
            if d.area.contains_point(point):
                worst = max(worst, d.factor)
        return worst

    def trip_factor(self, a: GeoPoint, b: GeoPoint) -> float:
        """Return the factor of a trip; a trip ending in a closed area is impossible."""
        worst = 1.0
        for d in self.active():
            if not d.area.crosses(a, b):
                continue
            if d.kind is DisruptionKind.CLOSURE:
                if d.area.contains_point(a) or d.area.contains_point(b):
                    return math.inf
                # Through traffic goes around the closure: a detour, not a dead end.
                worst = max(worst, CLOSURE_DETOUR)
            else:
                worst = max(worst, d.factor)
        return worst


CLOSURE_DETOUR = 1.8


@dataclass(frozen=True)
class DisruptedTravelTimes:
    """A ``TravelTimeSource`` that applies disruptions to another one, pair by pair.

    For sources without their own notion of closures (the straight-line fallback); the
    road network applies them on its edges through ``lastmile.geo.conditions``.
    """

    base: TravelTimeSource
    disruptions: DisruptionSet

    def matrix(
        self, points: Sequence[GeoPoint], *, depart_at: datetime | None = None
    ) -> TravelMatrix:
        """Return the base matrix with every affected trip scaled by its factor."""
        m = self.base.matrix(points, depart_at=depart_at)
        if not self.disruptions.active():
            return m
        durations = m.durations_s.copy()
        n = len(points)
        for i in range(n):
            for j in range(n):
                # A zero-length trip (two stops at one door) uses no road, so no
                # closure can lengthen it; scaling it by inf would give NaN.
                if i != j and durations[i, j] > 0:
                    f = self.disruptions.trip_factor(points[i], points[j])
                    if f != 1.0:
                        durations[i, j] *= f
        return TravelMatrix(durations_s=durations, distances_m=m.distances_m)
