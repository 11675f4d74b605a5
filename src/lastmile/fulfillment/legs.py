"""Warehouse-to-customer legs: drive time and distance for every (customer, warehouse) pair.

The travel-time source answers square matrices; customers are fed to it in chunks beside
the warehouses so a batch of ten thousand orders never builds a ten-thousand-square matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from lastmile.domain import GeoPoint, Warehouse
from lastmile.domain.geo import EARTH_RADIUS_M
from lastmile.geo.travel import TravelTimeSource

# Speed that turns a straight-line distance into a time when nothing better is known.
STRAIGHT_LINE_KMH = 30.0


@dataclass(frozen=True)
class Legs:
    """``(customers, warehouses)`` drive figures; ``inf`` where either end has no location."""

    distance_m: NDArray[np.float64]
    travel_s: NDArray[np.float64]

    @classmethod
    def straight_line(
        cls, warehouses: Sequence[Warehouse], customers: Sequence[GeoPoint | None]
    ) -> Legs:
        """Return great-circle legs, timed at a constant speed."""
        dist = straight_line_m(warehouses, customers)
        return cls(distance_m=dist, travel_s=dist / (STRAIGHT_LINE_KMH / 3.6))


def _coords(points: Sequence[GeoPoint | None]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    lat = np.array([p.lat if p else np.nan for p in points], dtype=np.float64)
    lon = np.array([p.lon if p else np.nan for p in points], dtype=np.float64)
    return lat, lon


def straight_line_m(
    warehouses: Sequence[Warehouse], customers: Sequence[GeoPoint | None]
) -> NDArray[np.float64]:
    """Return ``(customers, warehouses)`` great-circle distances in metres, ``inf`` if unknown."""
    clat, clon = (np.radians(a) for a in _coords(customers))
    wlat, wlon = (np.radians(a) for a in _coords([w.location for w in warehouses]))
    dla = clat[:, None] - wlat[None, :]
    dlo = clon[:, None] - wlon[None, :]
    a = np.sin(dla / 2) ** 2 + np.cos(clat)[:, None] * np.cos(wlat)[None, :] * np.sin(dlo / 2) ** 2
    dist = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return np.where(np.isnan(dist), np.inf, dist)


def leg_matrices(
    travel: TravelTimeSource,
    warehouses: Sequence[Warehouse],
    customers: Sequence[GeoPoint | None],
    *,
    depart_at: datetime | None = None,
    chunk: int = 128,
) -> Legs:
    """Price every warehouse-to-customer leg with ``travel``.

    Customers sharing a position are priced once; warehouses or customers without a
    location get ``inf`` legs.
    """
    n_c, n_w = len(customers), len(warehouses)
    dist = np.full((n_c, n_w), np.inf)
    secs = np.full((n_c, n_w), np.inf)
    wh_idx = [i for i, w in enumerate(warehouses) if w.location is not None]
    wh_pts = [w.location for w in warehouses if w.location is not None]
    located = [(i, p) for i, p in enumerate(customers) if p is not None]
    if not wh_idx or not located:
        return Legs(distance_m=dist, travel_s=secs)
    keys = np.array([(p.lat, p.lon) for _, p in located], dtype=np.float64)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    u_dist = np.empty((len(uniq), len(wh_idx)))
    u_secs = np.empty((len(uniq), len(wh_idx)))
    k = len(wh_pts)
    for start in range(0, len(uniq), chunk):
        block = [GeoPoint(float(a), float(b)) for a, b in uniq[start : start + chunk]]
        m = travel.matrix([*wh_pts, *block], depart_at=depart_at)
        u_dist[start : start + len(block)] = m.distances_m[:k, k:].T
        u_secs[start : start + len(block)] = m.durations_s[:k, k:].T
    rows = np.asarray([i for i, _ in located])
    cols = np.asarray(wh_idx)
    dist[np.ix_(rows, cols)] = u_dist[inverse]
    secs[np.ix_(rows, cols)] = u_secs[inverse]
    return Legs(distance_m=dist, travel_s=secs)
