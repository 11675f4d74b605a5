"""Re-optimisation of the affected vans together, with routing's in-flight re-optimiser.

``RoutingReplanner`` implements ``lastmile.tracking.replan.Replanner`` on top of
``lastmile.routing.reoptimize``: completed stops stay fixed, a van that has completed a
stop starts from it now with its remaining parcels locked on board, vans still at the
depot can take any parcel, the previous plan is the warm start, and stops may move
between the affected vans. It reads shipments, vans and warehouses through the unit of
work the calling use case has open.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np

from lastmile.domain import GeoPoint, Route, Shipment, Stop
from lastmile.geo.travel import TravelMatrix, TravelTimeSource
from lastmile.routing.backends import make_solver
from lastmile.routing.build import build_problem
from lastmile.routing.reoptimize import VanState, reoptimize
from lastmile.routing.solution import MaxSeconds, PlannedRoute, RoutingSolution, Solver
from lastmile.services.unit_of_work import UnitOfWork
from lastmile.tracking.eta import OPEN

UNREACHABLE_S = 24 * 3600.0


@dataclass(frozen=True)
class _Finite:
    """Caps impossible trips (into a closed area) at a day, which no window allows."""

    base: TravelTimeSource

    def matrix(
        self, points: Sequence[GeoPoint], *, depart_at: datetime | None = None
    ) -> TravelMatrix:
        m = self.base.matrix(points, depart_at=depart_at)
        durations = np.where(np.isfinite(m.durations_s), m.durations_s, UNREACHABLE_S)
        distances = np.where(np.isfinite(m.distances_m), m.distances_m, UNREACHABLE_S * 10)
        return TravelMatrix(durations_s=durations, distances_m=distances)


class RoutingReplanner:
    """Replans the affected routes jointly with the VRP solver (PyVRP by default).

    Parameters
    ----------
    uow
        The unit of work the use case has open (shipments, vans and depots are read from it).
    solver, seconds, seed
        Backend, time budget and seed of the re-optimisation.
    """

    def __init__(
        self, *, uow: UnitOfWork, solver: Solver | None = None, seconds: float = 2.0, seed: int = 1
    ) -> None:
        self.uow = uow
        self.solver = solver or make_solver("pyvrp")
        self.seconds = seconds
        self.seed = seed
        self.moved: dict[str, tuple[str, str]] = {}
        self.unserved: dict[str, str] = {}

    def replan(
        self,
        routes: Sequence[Route],
        *,
        positions: Mapping[str, GeoPoint],
        now: datetime,
        travel: TravelTimeSource,
        deadlines: Mapping[str, datetime],
    ) -> list[Route]:
        """Return the routes with their open stops re-planned across the affected vans."""
        shipments: list[Shipment] = []
        stop_of: dict[str, Stop] = {}
        for route in routes:
            for stop in route.stops:
                for sid in stop.shipment_ids:
                    shipment = self.uow.shipments.get(sid)
                    if shipment is not None and shipment.address.point is not None:
                        shipments.append(shipment)
                        stop_of[sid] = stop
        vehicles = [v for r in routes if (v := self.uow.vehicles.get(r.vehicle_id)) is not None]
        if not shipments or len(vehicles) != len(routes):
            # The caller falls back to re-timing each route alone.
            raise ValueError("routes without stored shipments or vans cannot be re-planned")
        problem, index = build_problem(
            shipments=shipments,
            vehicles=vehicles,
            warehouses=self.uow.warehouses.list(),
            travel=_Finite(travel),
            depart_at=now,
            merge=False,
        )
        pos = {members[0]: i for i, members in enumerate(index.shipment_ids)}
        spec = {v.name: k for k, v in enumerate(problem.fleet)}
        previous = RoutingSolution(
            routes=tuple(
                PlannedRoute(
                    vehicle=spec[r.vehicle_id],
                    visits=tuple(pos[sid] for s in r.stops for sid in s.shipment_ids if sid in pos),
                )
                for r in routes
            )
        )
        states = []
        for r in routes:
            done = [
                pos[sid]
                for s in r.stops
                if s.status not in OPEN
                for sid in s.shipment_ids
                if sid in pos
            ]
            if done:
                open_ = frozenset(
                    pos[sid]
                    for s in r.stops
                    if s.status in OPEN
                    for sid in s.shipment_ids
                    if sid in pos
                )
                states.append(
                    VanState(
                        vehicle=r.vehicle_id,
                        location=problem.location_of_stop(done[-1]),
                        time_s=0.0,
                        on_board=open_,
                        done=tuple(done),
                    )
                )
        result = reoptimize(
            problem,
            previous,
            states,
            now=0.0,
            solver=self.solver,
            stop=MaxSeconds(self.seconds),
            seed=self.seed,
        )
        self.moved, self.unserved = dict(result.moved), dict(result.unserved)
        times: dict[str, tuple[float, float, float]] = {}
        order: dict[str, list[str]] = {}
        for sched in result.plan.schedules:
            van = result.problem.fleet[sched.route.vehicle].name
            for vt in sched.visits:
                if vt.visit < 0:
                    continue
                sid = problem.stops.ids[result.stop_index[vt.visit]]
                times[sid] = (vt.arrival, vt.departure, vt.waiting)
                order.setdefault(van, []).append(sid)
        return [self._rebuild(r, order.get(r.vehicle_id, []), stop_of, times, now) for r in routes]

    @staticmethod
    def _rebuild(
        route: Route,
        sids: list[str],
        stop_of: Mapping[str, Stop],
        times: Mapping[str, tuple[float, float, float]],
        now: datetime,
    ) -> Route:
        done = [s for s in route.stops if s.status not in OPEN]
        seen: set[str] = {s.stop_id for s in done}
        planned: list[Stop] = []
        for sid in sids:
            stop = stop_of[sid]
            if stop.stop_id in seen:
                continue
            seen.add(stop.stop_id)
            mine = [times[x] for x in stop.shipment_ids if x in times]
            arrival = min(t[0] for t in mine)
            departure = max(t[1] for t in mine)
            planned.append(
                Stop(
                    stop.stop_id,
                    stop.location,
                    list(stop.shipment_ids),
                    now + timedelta(seconds=arrival),
                    now + timedelta(seconds=departure),
                    waiting_s=min(t[2] for t in mine),
                    load_kg=stop.load_kg,
                    cost=stop.cost,
                    status=stop.status,
                )
            )
        # Open stops the solver left unserved stay on their van, at the end, with old times.
        left = [
            s
            for s in route.stops
            if s.status in OPEN
            and s.stop_id not in seen
            and not any(x in times for x in s.shipment_ids)
        ]
        return replace(route, stops=[*done, *planned, *left])
