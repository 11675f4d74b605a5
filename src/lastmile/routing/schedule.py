"""Timing a route: arrivals, waits, loads, the driver's break, cost and CO2.

The same code times a route on the static matrix the solver saw and on a time-dependent
one (a callable giving the matrix for an hour of the day), so ETAs can be reported on the
re-timed schedule rather than on the solver's approximation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from lastmile.routing.problem import RoutingProblem
from lastmile.routing.solution import PlannedRoute, reload_depot

#: ``hour -> durations`` (seconds, location-indexed) for a time-dependent schedule; the
#: hour is counted from the problem's time zero (``int(t // 3600)``).
DurationsAt = Callable[[int], NDArray[np.float64]]


@dataclass
class VisitTime:
    """When a van reaches one visit (a stop or a reload), and what it carries on leaving."""

    visit: int
    arrival: float
    start: float
    departure: float
    waiting: float
    load: tuple[int, ...]
    late_by: float = 0.0


@dataclass
class RouteSchedule:
    """A timed route."""

    route: PlannedRoute
    depart: float
    visits: list[VisitTime]
    end: float
    distance: float
    duration: float
    cost: float
    co2_g: float
    break_after: int | None
    break_start: float | None
    violations: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.violations


def _window_start(wins: tuple[tuple[float, float], ...], arrival: float) -> tuple[float, float]:
    """Return (service start, lateness): the first window still open at ``arrival``."""
    for lo, hi in sorted(wins):
        if arrival <= hi:
            return max(arrival, lo), 0.0
    return arrival, arrival - max(hi for _, hi in wins)


def _trip_loads(problem: RoutingProblem, visits: tuple[int, ...]) -> list[NDArray[np.int64]]:
    """Return the load on board leaving the depot for each trip."""
    loads: list[NDArray[np.int64]] = []
    cur = np.zeros(problem.num_dims, dtype=np.int64)
    for v in visits:
        if v < 0:
            loads.append(cur)
            cur = np.zeros(problem.num_dims, dtype=np.int64)
        else:
            cur = cur + problem.stops.demand[v]
    loads.append(cur)
    return loads


def time_route(
    problem: RoutingProblem,
    route: PlannedRoute,
    *,
    durations_at: DurationsAt | None = None,
    depart: float | None = None,
) -> RouteSchedule:
    """Time ``route`` leaving as late as waiting allows, placing the break where it fits.

    Parameters
    ----------
    problem
        The problem the route belongs to.
    route
        Visits of one van.
    durations_at
        Optional ``hour -> durations`` matrix; each leg uses the matrix of the hour it
        starts in. Without it, the problem's static matrix is used.
    depart
        Fixed departure from the start depot; by default the earliest feasible, then
        delayed by as much waiting as can be absorbed.
    """
    spec = problem.fleet[route.vehicle]
    first = _forward(problem, route, durations_at, spec.shift_start_s if depart is None else depart)
    if depart is None and first.visits and not first.violations:
        slack = _delay_slack(problem, first)
        if spec.start_latest_s is not None:
            slack = min(slack, max(0.0, spec.start_latest_s - first.depart))
        if slack > 0:
            later = _forward(problem, route, durations_at, first.depart + slack)
            if not later.violations:
                return later
    return first


def _leg(
    problem: RoutingProblem, durations_at: DurationsAt | None, a: int, b: int, t: float
) -> float:
    if durations_at is None:
        return float(problem.durations_s[a, b])
    return float(durations_at(int(t // 3600))[a, b])


def _forward(
    problem: RoutingProblem,
    route: PlannedRoute,
    durations_at: DurationsAt | None,
    depart: float,
) -> RouteSchedule:
    spec = problem.fleet[route.vehicle]
    stops = problem.stops
    d = problem.num_depots
    depot_open = problem.depots[spec.start_depot].open_s
    t = max(depart, depot_open)
    depart = t
    loc = problem.depots[spec.start_depot].location
    loads = _trip_loads(problem, route.visits)
    trip = 0
    load = loads[0].copy()
    dist = 0.0
    visits: list[VisitTime] = []
    violations: list[str] = []
    break_done = spec.break_window is None or spec.break_s <= 0
    break_after: int | None = None
    break_start: float | None = None
    for pos in range(len(route.visits) + 1):
        nxt = (
            problem.depots[spec.end_depot].location
            if pos == len(route.visits)
            else (
                problem.depots[reload_depot(route.visits[pos])].location
                if route.visits[pos] < 0
                else d + route.visits[pos]
            )
        )
        travel = _leg(problem, durations_at, loc, nxt, t)
        if not break_done and spec.break_window is not None:
            lo, hi = spec.break_window
            # Take the break here when it is due, or when the next service (after any wait
            # for its window) would start past the break's latest start; a break taken
            # while the van would otherwise wait costs nothing.
            nxt_start = t + travel
            if pos < len(route.visits) and route.visits[pos] >= 0:
                nxt_start = _window_start(stops.windows[route.visits[pos]], t + travel)[0]
            if t >= lo or nxt_start > hi:
                break_start = max(t, lo)
                if break_start > hi:
                    violations.append(f"break starts at {break_start:.0f} > latest {hi:.0f}")
                t = break_start + spec.break_s
                break_after = pos - 1
                break_done = True
                travel = _leg(problem, durations_at, loc, nxt, t)
        dist += float(problem.distances_m[loc, nxt])
        arrival = t + travel
        if pos == len(route.visits):
            t = arrival
            break
        v = route.visits[pos]
        if v < 0:
            trip += 1
            load = loads[trip].copy()
            visits.append(VisitTime(v, arrival, arrival, arrival, 0.0, tuple(int(x) for x in load)))
            t = arrival
        else:
            start, late = _window_start(stops.windows[v], arrival)
            if late > 0:
                violations.append(f"stop {stops.ids[v]!r} reached {late:.0f} s after its window")
            load = load - stops.demand[v]
            t = start + float(stops.service_s[v])
            visits.append(
                VisitTime(v, arrival, start, t, start - arrival, tuple(int(x) for x in load), late)
            )
        loc = nxt
    end = t
    if not break_done and spec.break_window is not None and end > spec.break_window[1]:
        violations.append("no break taken during a shift that runs past its latest start")
    if end > spec.shift_end_s + 1e-6:
        violations.append(f"returns at {end:.0f} after shift end {spec.shift_end_s:.0f}")
    duration = end - depart
    if spec.max_duration_s is not None and duration > spec.max_duration_s + 1e-6:
        violations.append(f"duration {duration:.0f} s over the maximum {spec.max_duration_s:.0f}")
    if spec.max_distance_m is not None and dist > spec.max_distance_m + 1e-6:
        violations.append(f"distance {dist:.0f} over the maximum {spec.max_distance_m:.0f}")
    cost = (spec.fixed_cost if route.visits else 0.0) + spec.cost_per_m * dist
    cost += spec.cost_per_s * duration
    return RouteSchedule(
        route=route,
        depart=depart,
        visits=visits,
        end=end,
        distance=dist,
        duration=duration,
        cost=cost,
        co2_g=spec.co2_g_per_m * dist,
        break_after=break_after,
        break_start=break_start,
        violations=violations,
    )


def _delay_slack(problem: RoutingProblem, sched: RouteSchedule) -> float:
    """Return how much later the van can leave without making any stop late."""
    waited = 0.0
    slack = float("inf")
    for vt in sched.visits:
        waited += vt.waiting
        if vt.visit >= 0:
            close = max(hi for lo, hi in problem.stops.windows[vt.visit] if lo <= vt.start)
            slack = min(slack, waited + close - vt.start)
    return max(0.0, min(slack, waited))
