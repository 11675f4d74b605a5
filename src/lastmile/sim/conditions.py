"""Travel on the simulated day: one matrix over every place, priced by the hour's conditions.

The day's places (warehouses and every address point) are priced once by the road
network's travel-time source, once more with the road closure in force; a leg's actual
time is then the matrix entry times the time-of-day factor, the rain factor while it
rains, and a small per-leg noise that is the same in every policy replayed on the day.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from lastmile.domain import GeoPoint
from lastmile.geo.travel import TravelMatrix, TravelTimeSource


@dataclass(frozen=True)
class Weather:
    """A rain spell: travel is ``factor`` times slower between ``start_s`` and ``end_s``."""

    start_s: float
    end_s: float
    factor: float

    def factor_at(self, t: float) -> float:
        return self.factor if self.start_s <= t < self.end_s else 1.0


@dataclass(frozen=True)
class Closure:
    """A road closed between ``start_s`` and ``end_s``, priced by ``closed`` matrices."""

    start_s: float
    end_s: float
    street: str
    closed: TravelMatrix

    def active(self, t: float) -> bool:
        return self.start_s <= t < self.end_s


class DayTravel:
    """Every place of the day in one indexed matrix, with the day's conditions on top.

    Parameters
    ----------
    points
        The places: warehouses first, then address points; duplicates share an index.
    open_roads
        The matrix with every road open.
    weather, closure
        The day's disruptions; ``None`` for a calm day.
    hour_factors
        24 drive-time multipliers by local hour (1 = free flow).
    seed
        Seeds the per-leg noise, so the same leg costs the same in every policy.
    """

    def __init__(
        self,
        points: Sequence[GeoPoint],
        open_roads: TravelMatrix,
        *,
        weather: Weather | None = None,
        closure: Closure | None = None,
        hour_factors: NDArray[np.float64] | None = None,
        seed: int = 0,
        noise_sd: float = 0.08,
        source_name: str = "",
    ) -> None:
        if hour_factors is not None and (hour_factors.shape != (24,) or (hour_factors <= 0).any()):
            raise ValueError("hour_factors must be 24 positive numbers")
        self._hours = np.ones(24) if hour_factors is None else hour_factors
        self.points = list(points)
        self._index = {(p.lat, p.lon): i for i, p in enumerate(self.points)}
        self.open_roads = open_roads
        self.weather = weather
        self.closure = closure
        self.source_name = source_name
        rng = np.random.default_rng(int(hashlib.sha256(f"legs{seed}".encode()).hexdigest()[:8], 16))
        n = len(self.points)
        self._noise = np.exp(rng.normal(0.0, noise_sd, size=(n, n)))

    @property
    def size(self) -> int:
        return len(self.points)

    def index(self, point: GeoPoint) -> int | None:
        """Return the index of a known place, or None."""
        return self._index.get((point.lat, point.lon))

    @property
    def disruption_known_s(self) -> float:
        """Return when the closure and the rain warning reach the planners."""
        starts = [x.start_s for x in (self.weather, self.closure) if x is not None]
        return min(starts, default=float("inf"))

    def _expected(self, t: float, known_at: float) -> tuple[TravelMatrix, float]:
        # A planner only prices the disruption once it has been announced.
        known = known_at >= self.disruption_known_s
        closed = known and self.closure is not None and self.closure.active(t)
        base = self.closure.closed if closed and self.closure else self.open_roads
        factor = float(self._hours[int(t // 3600) % 24])
        if known and self.weather is not None:
            factor *= self.weather.factor_at(t)
        return base, factor

    def matrices_at(self, t: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Return (durations, distances) a planner at time ``t`` sees for trips at ``t``."""
        base, factor = self._expected(t, t)
        return base.durations_s * factor, base.distances_m

    def planned_leg_s(self, i: int, j: int, depart_s: float, *, known_at: float) -> float:
        """Return the drive time ``i -> j`` leaving at ``depart_s``, as known at ``known_at``."""
        base, factor = self._expected(depart_s, known_at)
        return float(base.durations_s[i, j] * factor)

    def leg(self, i: int, j: int, depart_s: float) -> tuple[float, float]:
        """Return the actual (seconds, metres) of driving ``i -> j`` leaving at ``depart_s``."""
        if i == j:
            return 0.0, 0.0
        closed = self.closure is not None and self.closure.active(depart_s)
        base = self.closure.closed if closed and self.closure else self.open_roads
        factor = self._hours[int(depart_s // 3600) % 24] * self._noise[i, j]
        if self.weather is not None:
            factor *= self.weather.factor_at(depart_s)
        return float(base.durations_s[i, j] * factor), float(base.distances_m[i, j])


class CachedTravel:
    """A ``TravelTimeSource`` that answers from the day's matrix when it knows the points.

    Capabilities that ask for warehouse-to-customer legs (sourcing, promise) then cost
    nothing extra; unknown points go to the underlying source.
    """

    def __init__(self, day: DayTravel, fallback: TravelTimeSource) -> None:
        self.day = day
        self.fallback = fallback

    def matrix(
        self,
        points: Sequence[GeoPoint],
        *,
        depart_at: datetime | None = None,
    ) -> TravelMatrix:
        """Return the open-road matrix between ``points``."""
        idx = [self.day.index(p) for p in points]
        if any(i is None for i in idx):
            return self.fallback.matrix(points, depart_at=depart_at)
        ix = np.asarray(idx, dtype=np.int64)
        base = self.day.open_roads
        return TravelMatrix(
            durations_s=base.durations_s[np.ix_(ix, ix)],
            distances_m=base.distances_m[np.ix_(ix, ix)],
        )
