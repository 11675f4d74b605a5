"""Use case: plan the day's routes from shipments, vans and warehouses (pure; no database).

The API and the simulator persist what this returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from lastmile.domain.fleet import Vehicle
from lastmile.domain.route import Route
from lastmile.domain.shipment import Shipment
from lastmile.domain.warehouse import Warehouse
from lastmile.geo.travel import TravelTimeSource
from lastmile.routing.build import ServiceModel, build_problem, to_domain_routes
from lastmile.routing.planner import plan
from lastmile.routing.solution import MaxSeconds, Solver


@dataclass(frozen=True)
class PlanningResult:
    """The routes, the shipments left unserved (id -> reason), and the day's figures."""

    routes: list[Route]
    unserved: dict[str, str]
    cost: float
    co2_kg: float
    parcels: int
    feasible: bool
    violations: list[str] = field(default_factory=list)
    #: Shipment id -> seconds late on the time-dependent re-timed schedule.
    late: dict[str, float] = field(default_factory=dict)
    #: Route id -> when the driver's break starts.
    breaks: dict[str, datetime] = field(default_factory=dict)

    @property
    def cost_per_parcel(self) -> float:
        return self.cost / self.parcels if self.parcels else 0.0

    @property
    def co2_g_per_parcel(self) -> float:
        return 1000 * self.co2_kg / self.parcels if self.parcels else 0.0


def plan_routes(
    *,
    shipments: Sequence[Shipment],
    vehicles: Sequence[Vehicle],
    warehouses: Sequence[Warehouse],
    travel: TravelTimeSource,
    depart_at: datetime,
    solver: Solver,
    seconds: float,
    seed: int,
    service: ServiceModel | None = None,
    required_skills: Mapping[str, frozenset[str]] | None = None,
    max_trips: int = 1,
    time_dependent: bool = False,
) -> PlanningResult:
    """Plans routes for ``shipments`` with ``vehicles``, checked and timed.

    With ``time_dependent``, the plan is solved on the matrix at ``depart_at`` and every
    route is re-timed hour by hour on ``travel``'s matrix for that hour; lateness is
    reported on the re-timed schedule.
    """
    problem, index = build_problem(
        shipments=shipments,
        vehicles=vehicles,
        warehouses=warehouses,
        travel=travel,
        depart_at=depart_at,
        service=service,
        required_skills=required_skills,
        max_trips=max_trips,
    )
    points = [*index.depot_points, *index.points]
    cache: dict[int, NDArray[np.float64]] = {}

    def durations_at(hour: int) -> NDArray[np.float64]:
        if hour not in cache:
            at = depart_at + timedelta(hours=hour)
            cache[hour] = travel.matrix(points, depart_at=at).durations_s
        return cache[hour]

    result = plan(
        problem,
        solver,
        stop=MaxSeconds(seconds),
        seed=seed,
        durations_at=durations_at if time_dependent else None,
    )
    routes = to_domain_routes(problem, index, result.schedules)
    pos = {sid: i for i, sid in enumerate(problem.stops.ids)}
    unserved = dict(index.rejected)
    for sid, why in result.solution.unserved.items():
        for shipment_id in index.shipment_ids[pos[sid]]:
            unserved[shipment_id] = why
    late = {
        shipment_id: secs
        for sid, secs in result.late.items()
        for shipment_id in index.shipment_ids[pos[sid]]
    }
    breaks = {
        r.route_id: depart_at + timedelta(seconds=s.break_start)
        for r, s in zip(routes, result.schedules, strict=True)
        if s.break_start is not None
    }
    return PlanningResult(
        routes=routes,
        unserved=unserved,
        cost=sum(r.cost for r in routes),
        co2_kg=sum(r.co2_kg for r in routes),
        parcels=sum(index.parcels[v] for s in result.schedules for v in s.route.stops),
        feasible=result.ok,
        violations=list(result.report.violations),
        late=late,
        breaks=breaks,
    )
