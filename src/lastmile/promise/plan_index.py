"""A day's planned routes as numpy arrays, so one promise query costs well under a millisecond.

The index keeps, for every leg ``a -> b`` of every route, when the van leaves ``a``, how
long the leg takes, and the *forward slack* at ``b``: how much later the van could reach
``b`` without missing any deadline further down the route. A new stop can be inserted on
a leg when its detour fits in that slack and the van has room; the legs nearest the new
address are found with a KD-tree on leg midpoints (cheapest insertion restricted to the
neighbourhood, as insertion heuristics in VRP solvers do).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from lastmile.domain.errors import InvalidValue
from lastmile.domain.fleet import Vehicle
from lastmile.domain.geo import EARTH_RADIUS_M, GeoPoint
from lastmile.domain.route import Route

F64 = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class TravelModel:
    """Straight-line distance times a detour factor at a constant speed.

    The same model as ``lastmile.geo.travel.HaversineTravelTimes``: the promise engine
    only prices a small detour between two planned stops, where it is accurate enough
    and a road-network query per promise would cost milliseconds.
    """

    speed_kmh: float = 30.0
    detour_factor: float = 1.35
    service_s: float = 180.0

    def __post_init__(self) -> None:
        if self.speed_kmh <= 0:
            raise ValueError(f"speed_kmh {self.speed_kmh} <= 0 not understood.")
        if self.detour_factor < 1:
            raise ValueError(f"detour_factor {self.detour_factor} < 1 not understood.")
        if self.service_s < 0:
            raise ValueError(f"service_s {self.service_s} < 0 not understood.")

    @property
    def m_per_s(self) -> float:
        return self.speed_kmh / 3.6


@dataclass(frozen=True, slots=True)
class PlannedRoute:
    """A route with what the index needs beyond the domain ``Route``.

    ``start`` is when the van leaves its depot (``depot`` position); ``latest_end`` when
    it must be back (shift end). ``deadlines`` maps stop ids to the end of their promised
    window; stops without one only have to fit before ``latest_end``.
    """

    route: Route
    vehicle: Vehicle
    depot: GeoPoint
    start: datetime
    deadlines: Mapping[str, datetime] | None = None


@dataclass(frozen=True, slots=True)
class Insertion:
    """The best place found for a new stop: which route, when the van arrives, what it costs."""

    route_id: str
    depot_id: str
    arrival: float
    detour_s: float
    detour_m: float
    #: How many of the route's planned stops come before the new one.
    position: int = 0


def _project(lat: F64, lon: F64, lat0: float) -> F64:
    # Equirectangular projection in metres: exact enough within a city for a neighbour search.
    x = np.radians(lon) * np.cos(np.radians(lat0)) * EARTH_RADIUS_M
    y = np.radians(lat) * EARTH_RADIUS_M
    return np.column_stack([x, y])


def _haversine(lat1: F64, lon1: F64, lat2: float | F64, lon2: float | F64) -> F64:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(np.asarray(lon2) - lon1)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a))))


class DayPlanIndex:
    """The legs of one day's routes, their timing slack and their vans' spare capacity.

    Parameters
    ----------
    routes
        The planned routes of the day with their vans, depots and start times.
    travel
        The travel model used to price detours.
    neighbours
        How many nearest legs each query examines.
    """

    def __init__(
        self,
        routes: Sequence[PlannedRoute],
        travel: TravelModel | None = None,
        *,
        neighbours: int = 48,
    ) -> None:
        self.travel = travel or TravelModel()
        self.neighbours = neighbours
        self.route_ids: list[str] = [p.route.route_id for p in routes]
        self._route_pos = {rid: i for i, rid in enumerate(self.route_ids)}
        if len(self._route_pos) != len(self.route_ids):
            raise InvalidValue("routes", "two routes share an id")
        self.depot_ids: list[str] = [p.route.depot_id for p in routes]
        self.route_start = np.array([p.start.timestamp() for p in routes], dtype=np.float64)
        self.free_parcels = np.array(
            [p.vehicle.capacity.parcels - p.route.parcel_count for p in routes], dtype=np.float64
        )
        self.free_kg = np.array(
            # The van is fullest when it leaves the depot: the peak load on board.
            [
                p.vehicle.capacity.weight_kg - max((s.load_kg for s in p.route.stops), default=0.0)
                for p in routes
            ],
            dtype=np.float64,
        )
        # Time promised away by soft holds, per route; subtracted from every leg's slack.
        self.held_s = np.zeros(len(routes), dtype=np.float64)
        self.held_parcels = np.zeros(len(routes), dtype=np.float64)
        self._build_legs(routes)

    def _build_legs(self, routes: Sequence[PlannedRoute]) -> None:
        lat: list[float] = []
        lon: list[float] = []
        dep: list[float] = []
        arr: list[float] = []
        deadline: list[float] = []
        leg_from: list[int] = []
        leg_route: list[int] = []
        leg_pos: list[int] = []
        for r, planned in enumerate(routes):
            shift_end = planned.vehicle.shift.end.timestamp()
            deadlines = planned.deadlines or {}
            nodes = [
                (planned.depot, planned.start.timestamp(), planned.start.timestamp(), shift_end)
            ]
            for stop in planned.route.stops:
                due = deadlines.get(stop.stop_id)
                nodes.append(
                    (
                        stop.location,
                        stop.arrival.timestamp(),
                        stop.departure.timestamp(),
                        due.timestamp() if due else shift_end,
                    )
                )
            last = nodes[-1]
            back_s = (
                last[0].distance_m(planned.depot) * self.travel.detour_factor / self.travel.m_per_s
            )
            back = last[2] + back_s
            nodes.append((planned.depot, back, back, shift_end))
            base = len(lat)
            for k, (point, arrive, leave, due_at) in enumerate(nodes):
                lat.append(point.lat)
                lon.append(point.lon)
                arr.append(arrive)
                dep.append(leave)
                deadline.append(due_at)
                if k < len(nodes) - 1:
                    leg_from.append(base + k)
                    leg_route.append(r)
                    leg_pos.append(k)
        self.lat = np.array(lat, dtype=np.float64)
        self.lon = np.array(lon, dtype=np.float64)
        node_dep = np.array(dep, dtype=np.float64)
        slack = np.array(deadline, dtype=np.float64) - np.array(arr, dtype=np.float64)
        a = np.array(leg_from, dtype=np.int64)
        b = a + 1
        self.leg_route = np.array(leg_route, dtype=np.int64)
        self.leg_pos = np.array(leg_pos, dtype=np.int64)
        self.leg_a, self.leg_b = a, b
        self.leg_dep = node_dep[a] if len(a) else np.zeros(0)
        self.leg_m = (
            (
                _haversine(self.lat[a], self.lon[a], self.lat[b], self.lon[b])
                * self.travel.detour_factor
            )
            if len(a)
            else np.zeros(0)
        )
        # Forward slack at b: the minimum slack of b and every later node of the same route,
        # a reversed running minimum per route.
        fs = np.empty(len(a), dtype=np.float64)
        for r in range(len(self.route_ids)):
            idx = np.flatnonzero(self.leg_route == r)
            if len(idx):
                s = slack[b[idx]]
                fs[idx] = np.minimum.accumulate(s[::-1])[::-1]
        self.leg_slack = fs
        self.lat0 = float(self.lat.mean()) if len(self.lat) else 0.0
        # One tree per depot: a parcel can only ride on routes from the depot holding it,
        # so the neighbourhood is searched among those routes only.
        self._trees: dict[str, tuple[cKDTree, NDArray[np.int64]]] = {}
        if len(a):
            mid = (
                _project(self.lat[a], self.lon[a], self.lat0)
                + _project(self.lat[b], self.lon[b], self.lat0)
            ) / 2
            leg_depot = np.asarray(self.depot_ids, dtype=object)[self.leg_route]
            for depot in sorted(set(self.depot_ids)):
                legs = np.flatnonzero(leg_depot == depot)
                self._trees[depot] = (cKDTree(mid[legs]), legs)

    @property
    def leg_count(self) -> int:
        return len(self.leg_a)

    def route_index(self, route_id: str) -> int:
        """Return the position of a route in the index arrays."""
        return self._route_pos[route_id]

    def hold(self, route_id: str, *, detour_s: float, parcels: int) -> None:
        """Set aside time and room on a route for a promise not yet turned into an order."""
        r = self._route_pos[route_id]
        self.held_s[r] += detour_s
        self.held_parcels[r] += parcels

    def release(self, route_id: str, *, detour_s: float, parcels: int) -> None:
        """Give back what ``hold`` set aside."""
        r = self._route_pos.get(route_id)
        if r is None:
            return
        self.held_s[r] = max(0.0, self.held_s[r] - detour_s)
        self.held_parcels[r] = max(0.0, self.held_parcels[r] - parcels)

    def best_insertions(
        self,
        point: GeoPoint,
        *,
        ready_at: float,
        depots: Sequence[str],
        parcels: int,
        weight_kg: float,
        windows: F64,
        slowdown: float = 1.0,
    ) -> list[Insertion | None]:
        """Return the cheapest feasible insertion for each window, or None where none fits.

        Parameters
        ----------
        point
            Where the new stop is.
        ready_at
            Epoch seconds when the parcel can leave its depot; routes leaving earlier
            cannot carry it.
        depots
            Depots that can load the parcel (the warehouses holding the stock).
        parcels, weight_kg
            Room the new stop needs on the van.
        windows
            Array of shape ``(w, 2)``: earliest and latest arrival (epoch seconds) of each
            window asked about.
        slowdown
            Travel-time multiplier around ``point`` (a slowdown or weather area).
        """
        out: list[Insertion | None] = [None] * len(windows)
        xy = _project(np.array([point.lat]), np.array([point.lon]), self.lat0)[0]
        found = []
        for depot in set(depots):
            if depot not in self._trees:
                continue
            tree, depot_legs = self._trees[depot]
            _, idx = tree.query(xy, k=min(self.neighbours, len(depot_legs)))
            found.append(depot_legs[np.atleast_1d(np.asarray(idx, dtype=np.int64))])
        if not found:
            return out
        legs = np.concatenate(found)
        routes = self.leg_route[legs]
        ok = (
            (self.route_start[routes] >= ready_at)
            & (self.free_parcels[routes] - self.held_parcels[routes] >= parcels)
            & (self.free_kg[routes] >= weight_kg)
        )
        legs, routes = legs[ok], routes[ok]
        if not len(legs):
            return out
        a, b = self.leg_a[legs], self.leg_b[legs]
        detour_factor = self.travel.detour_factor
        m_ap = _haversine(self.lat[a], self.lon[a], point.lat, point.lon) * detour_factor
        m_pb = _haversine(self.lat[b], self.lon[b], point.lat, point.lon) * detour_factor
        speed = self.travel.m_per_s / slowdown
        arrival = self.leg_dep[legs] + m_ap / speed
        detour_m = m_ap + m_pb - self.leg_m[legs]
        leg_s = self.leg_m[legs] / self.travel.m_per_s
        base_detour = (m_ap + m_pb) / speed + self.travel.service_s - leg_s
        slack = self.leg_slack[legs] - self.held_s[routes]
        # Arriving before a window opens means waiting, which delays the rest of the route.
        start = np.maximum(arrival[None, :], windows[:, :1])
        delay = base_detour[None, :] + (start - arrival[None, :])
        feasible = (arrival[None, :] <= windows[:, 1:2]) & (delay <= slack[None, :])
        cost = np.where(feasible, delay, np.inf)
        best = np.argmin(cost, axis=1)
        for w, j in enumerate(best):
            if np.isfinite(cost[w, j]):
                r = int(routes[j])
                out[w] = Insertion(
                    route_id=self.route_ids[r],
                    depot_id=self.depot_ids[r],
                    arrival=float(start[w, j]),
                    detour_s=float(delay[w, j]),
                    detour_m=float(max(detour_m[j], 0.0)),
                    position=int(self.leg_pos[legs[j]]),
                )
        return out
