"""Re-optimisation in flight: a new plan for the remaining work when the day changes.

The caller describes the world as it is now: the problem (with new stops appended and the
matrix updated for a closure), the previous plan, and each van's state: where it is,
what it carries, what it has done, whether it broke down. The rules:

- completed stops are fixed; cancelled stops disappear;
- a van on the road starts from where it is, at the current time;
- parcels on board can only be delivered by the van carrying them (a lock);
- parcels still at the depot (new orders, or the load of a van not yet gone) need a trip
  that leaves the depot now or later: a van on the road may come back to reload;
- a broken-down van's parcels return to the depot and can go out again after
  ``recovery_s`` (or are reported unserved when it is None);
- the previous plan is the warm start, and among vans that are interchangeable (same
  spec at the depot) routes are assigned to keep each stop on its previous van.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import linear_sum_assignment

from lastmile.routing.feasibility import check
from lastmile.routing.planner import Plan, plan
from lastmile.routing.problem import Depot, RoutingProblem, Stops
from lastmile.routing.solution import (
    PlannedRoute,
    RoutingSolution,
    Solver,
    StoppingBudget,
    reload_depot,
    reload_marker,
)


@dataclass(frozen=True)
class VanState:
    """Where one van is now and what it has done.

    ``location`` is a matrix location of the problem (a depot or a stop's location, e.g.
    the stop just completed); ``on_board`` the stops whose parcels it carries; ``done``
    the stops it has completed, in order.
    """

    vehicle: str
    location: int
    time_s: float
    on_board: frozenset[int] = frozenset()
    done: tuple[int, ...] = ()
    broken: bool = False
    break_taken: bool = False


@dataclass(frozen=True)
class Reoptimization:
    """The new plan for the remaining work, and how much it changed."""

    plan: Plan
    problem: RoutingProblem
    stop_index: tuple[int, ...]  # sub-problem stop -> original stop index
    full_routes: dict[str, tuple[int, ...]]  # van -> done + planned visits (original indices)
    moved: dict[str, tuple[str, str]] = field(default_factory=dict)  # stop -> (old, new van)
    unserved: dict[str, str] = field(default_factory=dict)

    @property
    def moved_count(self) -> int:
        return len(self.moved)


def _assignment(problem: RoutingProblem, sol: RoutingSolution) -> dict[int, str]:
    return {s: problem.fleet[r.vehicle].name for r in sol.routes for s in r.stops}


def reoptimize(
    problem: RoutingProblem,
    previous: RoutingSolution,
    states: Sequence[VanState],
    *,
    now: float,
    solver: Solver,
    stop: StoppingBudget,
    seed: int,
    cancelled: frozenset[int] = frozenset(),
    recovery_s: float | None = 3600.0,
    allow_return_trip: bool = True,
) -> Reoptimization:
    """Plan the remaining work from the current state.

    Parameters
    ----------
    problem
        The world now: stops of the previous plan keep their indices, new stops are
        appended; the matrix reflects closures.
    previous
        The plan being executed (warm start, and the reference for "moved").
    states
        One state per van that has left or broken down; vans without a state are at
        their start depot, not yet gone.
    now
        Current time, seconds from the problem's time zero.
    solver, stop, seed
        Backend, time budget and seed.
    cancelled
        Stops cancelled by the customer.
    recovery_s
        Delay before a broken-down van's parcels can go out again from the depot.
    allow_return_trip
        Let vans on the road come back to the depot to reload new parcels.
    """
    by_name = {s.vehicle: s for s in states}
    names = [v.name for v in problem.fleet]
    for s in states:
        if s.vehicle not in names:
            raise ValueError(f"state for unknown vehicle {s.vehicle!r}")
        if problem.fleet[names.index(s.vehicle)].count != 1:
            raise ValueError(f"vehicle {s.vehicle!r} has count > 1; states need single vans")
    done = {i for s in states for i in s.done}
    unserved: dict[str, str] = {}
    locked: dict[int, str] = {}
    release: dict[int, float] = {}
    for s in states:
        for i in s.on_board - done:
            if s.broken:
                if recovery_s is None:
                    unserved[problem.stops.ids[i]] = f"on board broken-down van {s.vehicle!r}"
                else:
                    release[i] = now + recovery_s
            else:
                locked[i] = s.vehicle
    for i in cancelled:
        unserved[problem.stops.ids[i]] = "cancelled"
    gone = done | set(cancelled) | {i for i, sid in enumerate(problem.stops.ids) if sid in unserved}
    remaining = [i for i in range(problem.num_stops) if i not in gone]

    # Depots: the real ones, then one per van on the road, at its current position.
    depots = list(problem.depots)
    fleet = []
    locations = [d.location for d in problem.depots]
    for spec in problem.fleet:
        st = by_name.get(spec.name)
        if st is not None and st.broken:
            continue
        if st is None:
            fleet.append(replace(spec, shift_start_s=max(spec.shift_start_s, now)))
            continue
        depots.append(Depot(f"@{spec.name}", len(locations), open_s=st.time_s))
        locations.append(st.location)
        used = st.time_s - spec.shift_start_s
        fleet.append(
            replace(
                spec,
                start_depot=len(depots) - 1,
                shift_start_s=st.time_s,
                start_latest_s=st.time_s,
                max_duration_s=(
                    None if spec.max_duration_s is None else max(0.0, spec.max_duration_s - used)
                ),
                break_window=None if st.break_taken else spec.break_window,
                break_s=0.0 if st.break_taken else spec.break_s,
                max_trips=max(spec.max_trips, 2) if allow_return_trip else spec.max_trips,
            )
        )
    if not fleet:
        raise ValueError("no van is left to serve the remaining stops")
    stops_before = problem.stops.subset(remaining)
    on_road = {s.vehicle for s in states if not s.broken}
    stops = Stops(
        ids=stops_before.ids,
        demand=stops_before.demand,
        service_s=stops_before.service_s,
        windows=stops_before.windows,
        skills=stops_before.skills,
        required=stops_before.required,
        penalty=stops_before.penalty,
        # Parcels at the depot cannot ride a trip that left before now: vans on the road
        # must come back for them.
        release_s=np.array(
            [release.get(i, now + 1.0 if on_road and i not in locked else 0.0) for i in remaining]
        ),
        locked_to=tuple(locked.get(i, "") for i in remaining),
    )
    locs = np.array(locations + [problem.location_of_stop(i) for i in remaining], dtype=np.int64)
    sub = RoutingProblem(
        depots=tuple(depots),
        stops=stops,
        fleet=tuple(fleet),
        durations_s=problem.durations_s[np.ix_(locs, locs)],
        distances_m=problem.distances_m[np.ix_(locs, locs)],
        epoch=problem.epoch,
        dimension_names=problem.dimension_names,
        scale=problem.scale,
        name=problem.name,
        coords=None if problem.coords is None else problem.coords[locs],
    )
    warm = _warm_start(problem, previous, sub, remaining)
    result = plan(sub, solver, stop=stop, seed=seed, initial=warm)
    result = _stabilise(sub, result, previous, problem, remaining, by_name)
    new_assign = {
        remaining[s]: sub.fleet[r.vehicle].name for r in result.solution.routes for s in r.stops
    }
    old_assign = _assignment(problem, previous)
    moved = {
        problem.stops.ids[i]: (old_assign[i], van)
        for i, van in new_assign.items()
        if i in old_assign and old_assign[i] != van
    }
    full: dict[str, tuple[int, ...]] = {s.vehicle: tuple(s.done) for s in states}
    for r in result.solution.routes:
        name = sub.fleet[r.vehicle].name
        visits = tuple(remaining[v] if v >= 0 else reload_marker(reload_depot(v)) for v in r.visits)
        full[name] = full.get(name, ()) + visits
    unserved.update(result.solution.unserved)
    return Reoptimization(
        plan=result,
        problem=sub,
        stop_index=tuple(remaining),
        full_routes=full,
        moved=moved,
        unserved=unserved,
    )


def _warm_start(
    problem: RoutingProblem,
    previous: RoutingSolution,
    sub: RoutingProblem,
    remaining: list[int],
) -> RoutingSolution:
    """Return the previous plan's remaining visits, as a solution of ``sub``."""
    pos = {i: k for k, i in enumerate(remaining)}
    spec_of = {v.name: k for k, v in enumerate(sub.fleet)}
    routes = []
    for r in previous.routes:
        name = problem.fleet[r.vehicle].name
        if name not in spec_of:
            continue
        k = spec_of[name]
        lock_ok = [
            pos[v] for v in r.stops if v in pos and sub.stops.locked_to[pos[v]] in ("", name)
        ]
        if lock_ok:
            routes.append(PlannedRoute(vehicle=k, visits=tuple(lock_ok)))
    return RoutingSolution(routes=tuple(routes))


def _stabilise(
    sub: RoutingProblem,
    result: Plan,
    previous: RoutingSolution,
    problem: RoutingProblem,
    remaining: list[int],
    states: dict[str, VanState],
) -> Plan:
    """Swap whole routes between interchangeable vans to keep stops on their old van.

    Vans of identical spec still at the depot cost the same for any route, so this never
    changes the cost; it only lowers the number of stops moved between drivers.
    """
    old = _assignment(problem, previous)
    routes = list(result.solution.routes)
    groups: dict[tuple[object, ...], list[int]] = {}
    for k, spec in enumerate(sub.fleet):
        if spec.name in states or spec.count != 1:
            continue
        key = replace(spec, name="").__repr__()
        groups.setdefault((key,), []).append(k)
    changed = False
    schedules = list(result.schedules)
    for members in groups.values():
        if len(members) < 2:
            continue
        idx = [j for j, r in enumerate(routes) if r.vehicle in members]
        if not idx:
            continue
        overlap = np.zeros((len(idx), len(members)))
        for a, j in enumerate(idx):
            for b, k in enumerate(members):
                name = sub.fleet[k].name
                overlap[a, b] = sum(1 for s in routes[j].stops if old.get(remaining[s]) == name)
        rows, cols = linear_sum_assignment(-overlap)
        for a, b in zip(rows, cols, strict=True):
            j = idx[a]
            if routes[j].vehicle != members[b]:
                changed = True
                routes[j] = replace(routes[j], vehicle=members[b])
                schedules[j] = replace(schedules[j], route=routes[j])
    if not changed:
        return result
    sol = result.solution.with_routes(tuple(routes))
    return replace(result, solution=sol, schedules=tuple(schedules), report=check(sub, sol))
