"""The travel-time interface every capability consumes, and its straight-line fallback.

Routing, sourcing and the promise engine ask a ``TravelTimeSource`` for matrices; the
road-network implementation lives beside this module, and ``HaversineTravelTimes`` is
the fallback when no network covers the points.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from lastmile.domain.geo import EARTH_RADIUS_M, GeoPoint


class StraightLineEstimateWarning(UserWarning):
    """Travel times were estimated from straight-line distance, not from roads."""


@dataclass(frozen=True)
class TravelMatrix:
    """Travel times (seconds) and distances (metres) between every pair of points.

    Row ``i``, column ``j`` is the trip from point ``i`` to point ``j``. Unreachable pairs
    are ``inf``.
    """

    durations_s: NDArray[np.float64]
    distances_m: NDArray[np.float64]

    def __post_init__(self) -> None:
        d, m = self.durations_s, self.distances_m
        if d.ndim != 2 or d.shape[0] != d.shape[1]:
            raise ValueError(f"durations_s must be square, got shape {d.shape}")
        if m.shape != d.shape:
            raise ValueError(f"distances_m has shape {m.shape}, durations_s {d.shape}")
        if np.isnan(d).any() or np.isnan(m).any():
            raise ValueError("matrix contains NaN")
        if (d < 0).any() or (m < 0).any():
            raise ValueError("matrix contains a negative entry")

    @property
    def size(self) -> int:
        return int(self.durations_s.shape[0])


class TravelTimeSource(Protocol):
    """Anything that can price trips between points at a given departure time."""

    def matrix(
        self, points: Sequence[GeoPoint], *, depart_at: datetime | None = None
    ) -> TravelMatrix:
        """Return the travel matrix between ``points`` for trips leaving at ``depart_at``."""
        ...


def haversine_matrix_m(lats: NDArray[np.float64], lons: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return great-circle distances in metres between all pairs, vectorised."""
    la = np.radians(np.asarray(lats, dtype=np.float64))
    lo = np.radians(np.asarray(lons, dtype=np.float64))
    dla = la[:, None] - la[None, :]
    dlo = lo[:, None] - lo[None, :]
    a = np.sin(dla / 2) ** 2 + np.cos(la)[:, None] * np.cos(la)[None, :] * np.sin(dlo / 2) ** 2
    distances: NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return distances


@dataclass(frozen=True)
class HaversineTravelTimes:
    """Straight-line distance times a detour factor, driven at a constant speed.

    Used when no road network covers the points; it warns every time, since such times
    ignore one-way streets, rivers and traffic.
    """

    detour_factor: float = 1.35
    speed_kmh: float = 30.0
    warn: bool = True

    def __post_init__(self) -> None:
        if self.detour_factor < 1.0:
            raise ValueError(f"detour_factor {self.detour_factor} < 1 not understood.")
        if self.speed_kmh <= 0:
            raise ValueError(f"speed_kmh {self.speed_kmh} <= 0 not understood.")

    def matrix(
        self, points: Sequence[GeoPoint], *, depart_at: datetime | None = None
    ) -> TravelMatrix:
        """Return the estimated matrix; ``depart_at`` is ignored (no traffic model)."""
        if self.warn:
            warnings.warn(
                "no road network covers these points: travel times are straight-line "
                f"estimates x{self.detour_factor} at {self.speed_kmh} km/h",
                StraightLineEstimateWarning,
                stacklevel=2,
            )
        lats = np.fromiter((p.lat for p in points), dtype=np.float64, count=len(points))
        lons = np.fromiter((p.lon for p in points), dtype=np.float64, count=len(points))
        dist = haversine_matrix_m(lats, lons) * self.detour_factor
        return TravelMatrix(durations_s=dist / (self.speed_kmh / 3.6), distances_m=dist)
