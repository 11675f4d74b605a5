"""An independent feasibility checker: written apart from every solver and from the scheduler.

It re-walks each route from the raw problem arrays and checks capacity per trip and per
dimension, skills and van locks, time windows, release times, shift end, maximum duration
and distance, the driver's break, and that every stop is served exactly once or reported
unserved. It trusts nothing a solver reports except the visit order and the break position.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lastmile.routing.problem import RoutingProblem
from lastmile.routing.solution import PlannedRoute, RoutingSolution

_EPS = 1e-6


@dataclass
class FeasibilityReport:
    """Every rule broken, as readable sentences; empty when the plan is feasible."""

    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def __bool__(self) -> bool:
        return self.ok


def check(problem: RoutingProblem, solution: RoutingSolution) -> FeasibilityReport:
    """Check ``solution`` against ``problem`` and return every violation found."""
    report = FeasibilityReport()
    out = report.violations
    seen: dict[int, int] = {}
    used = [0] * len(problem.fleet)
    for k, route in enumerate(solution.routes):
        if not 0 <= route.vehicle < len(problem.fleet):
            out.append(f"route {k}: unknown vehicle {route.vehicle}")
            continue
        if route.visits:
            used[route.vehicle] += 1
        for v in route.visits:
            if v >= problem.num_stops or (v < 0 and -v - 1 >= problem.num_depots):
                out.append(f"route {k}: visit code {v} refers to nothing")
                break
            if v >= 0:
                if v in seen:
                    out.append(
                        f"stop {problem.stops.ids[v]!r} served twice (routes {seen[v]}, {k})"
                    )
                seen[v] = k
        else:
            out.extend(f"route {k}: {m}" for m in _check_route(problem, route))
    for j, spec in enumerate(problem.fleet):
        if used[j] > spec.count:
            out.append(f"vehicle {spec.name!r}: {used[j]} routes but only {spec.count} vans")
    unserved = set(solution.unserved)
    for i, sid in enumerate(problem.stops.ids):
        if i in seen and sid in unserved:
            out.append(f"stop {sid!r} both served and reported unserved")
        elif i not in seen and sid not in unserved:
            out.append(f"stop {sid!r} neither served nor reported unserved (lost)")
    return report


def _window_ok(wins: tuple[tuple[float, float], ...], t: float) -> float | None:
    """Return the service start for arrival ``t``, or None if every window has closed."""
    starts = [max(t, lo) for lo, hi in wins if t <= hi + _EPS]
    return min(starts) if starts else None


def _check_route(problem: RoutingProblem, route: PlannedRoute) -> list[str]:
    spec = problem.fleet[route.vehicle]
    st = problem.stops
    dur = problem.durations_s
    out: list[str] = []
    # Capacity, skills and locks: loads are counted per trip (between depot visits).
    trips: list[list[int]] = [[]]
    for s in route.visits:
        if s < 0:
            trips.append([])
        else:
            trips[-1].append(s)
            if not st.skills[s] <= spec.skills:
                missing = ", ".join(sorted(st.skills[s] - spec.skills))
                out.append(f"stop {st.ids[s]!r} needs {missing}, which {spec.name!r} lacks")
            if st.locked_to[s] and st.locked_to[s] != spec.name:
                out.append(f"stop {st.ids[s]!r} is on board {st.locked_to[s]!r}, not {spec.name!r}")
    if len(trips) > spec.max_trips:
        out.append(f"{len(trips)} trips but at most {spec.max_trips} allowed")
    for n, trip in enumerate(trips):
        if trip:
            load = st.demand[trip].sum(axis=0)
            for d, (have, room) in enumerate(zip(load, spec.capacity, strict=True)):
                if have > room:
                    out.append(f"trip {n}: load {have} over capacity {room} in dimension {d}")
    # Times: walking the route from the earliest departure is the most lenient for
    # windows and the break (waiting is allowed); the duration limit is then judged on
    # the latest departure that keeps the route feasible.
    depot = problem.depots[spec.start_depot]
    earliest = max(spec.shift_start_s, depot.open_s)
    earliest = max(earliest, max((st.release_s[v] for v in trips[0]), default=0.0))
    late = earliest
    first = route.visits[0] if route.visits else -1
    if first >= 0 and spec.start_latest_s is None:
        reach = problem.location_of_stop(first)
        late = max(
            earliest, min(w[0] for w in st.windows[first]) - float(dur[depot.location, reach])
        )
    timing, end, travelled = _walk(problem, route, trips, earliest)
    out.extend(timing)
    if not timing and late > earliest:
        timing_late, end_late, _ = _walk(problem, route, trips, late)
        if not timing_late:
            earliest, end = late, end_late
    if end > spec.shift_end_s + _EPS:
        out.append(f"back at {end:.0f}, after the shift ends at {spec.shift_end_s:.0f}")
    if end > problem.depots[spec.end_depot].close_s + _EPS:
        out.append(f"back at {end:.0f}, after the depot closes")
    if spec.max_duration_s is not None and end - earliest > spec.max_duration_s + _EPS:
        out.append(f"duration {end - earliest:.0f} over the maximum {spec.max_duration_s:.0f}")
    if spec.max_distance_m is not None and travelled > spec.max_distance_m + _EPS:
        out.append(f"distance {travelled:.0f} over the maximum {spec.max_distance_m:.0f}")
    return out


def _walk(
    problem: RoutingProblem, route: PlannedRoute, trips: list[list[int]], depart: float
) -> tuple[list[str], float, float]:
    """Walk the route leaving at ``depart``; return (time violations, end, distance)."""
    spec = problem.fleet[route.vehicle]
    st = problem.stops
    dur, dist = problem.durations_s, problem.distances_m
    out: list[str] = []
    t = depart
    here = problem.depots[spec.start_depot].location
    travelled = 0.0
    break_due = spec.break_window is not None and spec.break_s > 0
    took_break = False
    trip_no = 0
    legs: list[int | None] = [*route.visits, None]
    for pos, v in enumerate(legs):
        if break_due and route.break_after == pos - 1 and spec.break_window is not None:
            b = max(t, spec.break_window[0])
            if b > spec.break_window[1] + _EPS:
                out.append(
                    f"break starts at {b:.0f}, after its latest start {spec.break_window[1]:.0f}"
                )
            t = b + spec.break_s
            took_break = True
        if v is None:
            there = problem.depots[spec.end_depot].location
        elif v < 0:
            there = problem.depots[-v - 1].location
        else:
            there = problem.location_of_stop(v)
        t += float(dur[here, there])
        travelled += float(dist[here, there])
        here = there
        if v is None:
            break
        if v < 0:
            trip_no += 1
            t = max(t, max((st.release_s[s] for s in trips[trip_no]), default=0.0))
            continue
        start = _window_ok(st.windows[v], t)
        if start is None:
            out.append(f"stop {st.ids[v]!r} reached at {t:.0f}, after its window(s) closed")
            start = t
        t = start + float(st.service_s[v])
    if break_due and not took_break and spec.break_window is not None and t > spec.break_window[1]:
        out.append("the shift runs past the break's latest start but no break is taken")
    return out, t, travelled
