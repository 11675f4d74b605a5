"""Dispatch planning and in-flight re-optimisation through ``lastmile.routing``.

A wave becomes one multi-depot ``RoutingProblem`` (stops optional with a high penalty, so
an overfull day leaves stops out with a reason instead of failing); re-optimisation
builds a problem whose depots are where each van is now, with every remaining stop
locked to the van that carries its parcels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from lastmile.domain import Shipment, Vehicle
from lastmile.routing.problem import Depot, RoutingProblem, Stops, VehicleSpec
from lastmile.routing.solution import PlannedRoute, RoutingSolution
from lastmile.sim.conditions import DayTravel
from lastmile.sim.records import RouteRun, StopRun
from lastmile.sim.solver import IterationBudget, solve

# Not serving a stop costs more than any detour to it, so only an impossible stop is left.
UNSERVED_PENALTY = 2_000.0
BASE_SERVICE_S = 150.0
# PyVRP's search slows sharply past this many stops; bigger depots are solved by sectors.
MAX_STOPS_PER_SOLVE = 800
SWEEP_PART = 500
PER_PARCEL_S = 30.0


@dataclass(frozen=True)
class Van:
    """A van available to a wave: from when, until when, from which depot location."""

    vehicle: Vehicle
    depot_location: int
    from_s: float
    until_s: float


def service_s(shipment: Shipment) -> float:
    """Return the planned handover time: per stop, plus per parcel (stop grouping)."""
    return BASE_SERVICE_S + PER_PARCEL_S * len(shipment.parcels)


def _demand(shipment: Shipment) -> list[int]:
    return [math.ceil(shipment.weight_kg), math.ceil(shipment.volume_l), len(shipment.parcels)]


def _spec(van: Van, start: int, end: int, *, start_latest: float | None = None) -> VehicleSpec:
    v = van.vehicle
    return VehicleSpec(
        name=v.vehicle_id,
        capacity=(int(v.capacity.weight_kg), int(v.capacity.volume_l), v.capacity.parcels),
        start_depot=start,
        end_depot=end,
        shift_start_s=van.from_s,
        shift_end_s=van.until_s,
        fixed_cost=v.fixed_cost,
        cost_per_m=v.cost_per_km / 1000.0,
        cost_per_s=v.cost_per_hour / 3600.0,
        co2_g_per_m=v.co2_g_per_km / 1000.0,
        start_latest_s=start_latest,
    )


def _window(
    shipment: Shipment,
    day_start: float,
    earliest: float,
    latest: float,
) -> tuple[tuple[float, float], ...]:
    if shipment.window is None:
        return ((earliest, latest),)
    lo = shipment.window.start.timestamp() - day_start
    hi = shipment.window.end.timestamp() - day_start
    return ((max(lo, earliest), max(hi, earliest)),)


def plan_wave(
    shipments: Sequence[Shipment],
    locations: Sequence[int],
    vans: Sequence[Van],
    travel: DayTravel,
    *,
    wave: int,
    plan_s: float,
    ready_s: dict[str, float],
    day_start: float,
    iterations: int,
    seed: int,
) -> tuple[list[RouteRun], dict[str, str]]:
    """Plan one wave, one problem per warehouse (parcels leave from where they were packed).

    Returns the routes and a reason per shipment left out.
    """
    routes: list[RouteRun] = []
    unserved: dict[str, str] = {}
    for wh in sorted({s.warehouse_id for s in shipments}):
        mine = [k for k, s in enumerate(shipments) if s.warehouse_id == wh]
        got, left = _plan_depot(
            [shipments[k] for k in mine],
            [locations[k] for k in mine],
            [v for v in vans if v.vehicle.depot_id == wh],
            travel,
            wave=wave,
            plan_s=plan_s,
            ready_s=ready_s,
            day_start=day_start,
            iterations=iterations,
            seed=seed,
        )
        routes.extend(got)
        unserved.update(left)
    return routes, unserved


def _plan_depot(
    shipments: Sequence[Shipment],
    locations: Sequence[int],
    vans: Sequence[Van],
    travel: DayTravel,
    *,
    wave: int,
    plan_s: float,
    ready_s: dict[str, float],
    day_start: float,
    iterations: int,
    seed: int,
) -> tuple[list[RouteRun], dict[str, str]]:
    if not shipments or not vans:
        return [], {s.shipment_id: "no van available for this wave" for s in shipments}
    latest = max(v.until_s for v in vans)
    late: dict[str, str] = {}
    keep: list[int] = []
    for k, s in enumerate(shipments):
        close = _window(s, day_start, plan_s, latest)[0][1]
        if ready_s.get(s.warehouse_id, plan_s) > close:
            # Picking at this warehouse ends after the slot (or the vans' day) closes.
            late[s.shipment_id] = "picked too late for its window: the warehouse's pick rate"
        else:
            keep.append(k)
    if late:
        served, unserved = _plan_depot(
            [shipments[k] for k in keep],
            [locations[k] for k in keep],
            vans,
            travel,
            wave=wave,
            plan_s=plan_s,
            ready_s=ready_s,
            day_start=day_start,
            iterations=iterations,
            seed=seed,
        )
        return served, {**unserved, **late}
    if len(shipments) > MAX_STOPS_PER_SOLVE and len(vans) > 1:
        return _sweep(
            shipments,
            locations,
            vans,
            travel,
            wave=wave,
            plan_s=plan_s,
            ready_s=ready_s,
            day_start=day_start,
            iterations=iterations,
            seed=seed,
        )
    depot_locs = sorted({v.depot_location for v in vans})
    depot_index = {loc: k for k, loc in enumerate(depot_locs)}
    wh_of_loc = {v.depot_location: v.vehicle.depot_id for v in vans}
    depots = tuple(Depot(wh_of_loc[loc], k) for k, loc in enumerate(depot_locs))
    stops = Stops.build(
        [s.shipment_id for s in shipments],
        [_demand(s) for s in shipments],
        service_s=[service_s(s) for s in shipments],
        windows=[_window(s, day_start, plan_s, latest) for s in shipments],
        required=[False] * len(shipments),
        penalty=[UNSERVED_PENALTY] * len(shipments),
        release_s=[ready_s.get(s.warehouse_id, plan_s) for s in shipments],
    )
    # Identical vans form one vehicle type: PyVRP's search is much faster that way.
    groups: dict[tuple[int, float, float], list[Van]] = {}
    for v in vans:
        groups.setdefault((v.depot_location, v.from_s, v.until_s), []).append(v)
    kinds = list(groups.values())
    fleet = tuple(
        replace(
            _spec(g[0], depot_index[g[0].depot_location], depot_index[g[0].depot_location]),
            count=len(g),
            name=f"{g[0].vehicle.depot_id}@{g[0].from_s:.0f}",
        )
        for g in kinds
    )
    index = np.asarray(list(depot_locs) + list(locations), dtype=np.int64)
    durations, distances = travel.matrices_at(plan_s)
    problem = RoutingProblem(
        depots=depots,
        stops=stops,
        fleet=fleet,
        durations_s=durations[np.ix_(index, index)],
        distances_m=distances[np.ix_(index, index)],
        name=f"wave-{wave}",
    )
    solution = solve(problem, IterationBudget(iterations), seed=seed)
    routes: list[RouteRun] = []
    taken = [0] * len(kinds)
    for planned in solution.routes:
        van = kinds[planned.vehicle][taken[planned.vehicle]]
        taken[planned.vehicle] += 1
        visits = [s for s in planned.visits if s >= 0]
        if not visits:
            continue
        runs = [_stop_run(shipments[s], int(locations[s])) for s in visits]
        route = RouteRun(
            route_id=f"R{wave}-{van.vehicle.vehicle_id}",
            vehicle_id=van.vehicle.vehicle_id,
            depot_id=van.vehicle.depot_id,
            depot_location=van.depot_location,
            wave=wave,
            stops=runs,
            depart_s=max(van.from_s, max(ready_s.get(r.shipment.warehouse_id, 0.0) for r in runs)),
            # Re-planning may use the whole shift, not just this wave's planning horizon.
            shift_end_s=van.vehicle.shift.end.timestamp() - day_start,
        )
        route.clock_s = route.depart_s
        route.position = van.depot_location
        schedule(route, travel, day_start=day_start, sent_s=plan_s, first=True)
        routes.append(route)
    return routes, dict(solution.unserved)


def _sweep(
    shipments: Sequence[Shipment],
    locations: Sequence[int],
    vans: Sequence[Van],
    travel: DayTravel,
    **kwargs: Any,
) -> tuple[list[RouteRun], dict[str, str]]:
    """Split a very large depot problem into angular sectors around the depot (sweep)."""
    depot = travel.points[vans[0].depot_location]
    angles = np.array(
        [
            math.atan2(travel.points[loc].lat - depot.lat, travel.points[loc].lon - depot.lon)
            for loc in locations
        ]
    )
    order = np.argsort(angles, kind="stable")
    parts = min(len(vans), math.ceil(len(shipments) / SWEEP_PART))
    routes: list[RouteRun] = []
    unserved: dict[str, str] = {}
    for p, chunk in enumerate(np.array_split(order, parts)):
        # Vans are shared out in proportion to stops: part p takes every parts-th van.
        part_vans = list(vans[p::parts])
        got, left = _plan_depot(
            [shipments[k] for k in chunk],
            [locations[k] for k in chunk],
            part_vans,
            travel,
            **kwargs,
        )
        routes.extend(got)
        unserved.update(left)
    return routes, unserved


def _stop_run(shipment: Shipment, location: int) -> StopRun:
    return StopRun(shipment, location, 0.0, service_s(shipment), 0.0, 0.0, 0.0)


def schedule(
    route: RouteRun,
    travel: DayTravel,
    *,
    day_start: float,
    sent_s: float,
    first: bool = False,
) -> None:
    """Time the route's remaining stops on the planning matrix and send ETAs."""
    clock, here = route.clock_s, route.position
    for stop in route.stops[route.next_stop :]:
        if stop.dropped_reason:
            continue
        clock += travel.planned_leg_s(here, stop.location, clock, known_at=sent_s)
        if stop.shipment.window is not None:
            clock = max(clock, stop.shipment.window.start.timestamp() - day_start)
        stop.planned_arrival_s = clock if first else stop.planned_arrival_s
        stop.eta_s = clock
        stop.eta_sent_s = sent_s
        if first:
            stop.first_eta_s = clock
        clock += stop.service_s
        here = stop.location
    end = clock + travel.planned_leg_s(here, route.depot_location, clock, known_at=sent_s)
    if first:
        route.planned_end_s = end


def reoptimize(
    routes: Sequence[RouteRun],
    travel: DayTravel,
    *,
    now_s: float,
    day_start: float,
    iterations: int,
    seed: int,
) -> int:
    """Re-sequence every van's remaining stops under the conditions known at ``now_s``.

    Each van starts where it is (its position once its current stop is done) and keeps
    the parcels it carries; stops it can no longer reach before its shift ends are left
    out and marked with a reason. Returns the number of vans re-planned.
    """
    active = [r for r in routes if not r.done and r.next_stop < len(r.stops)]
    if not active:
        return 0
    starts = [r.position for r in active]
    homes = sorted({r.depot_location for r in active})
    home_index = {loc: len(active) + k for k, loc in enumerate(homes)}
    depots = tuple(Depot(f"van-{r.vehicle_id}", k) for k, r in enumerate(active)) + tuple(
        Depot(f"home-{loc}", home_index[loc]) for loc in homes
    )
    remaining = [(r, s) for r in active for s in r.stops[r.next_stop :]]
    stops = Stops.build(
        [s.shipment.shipment_id for _, s in remaining],
        [_demand(s.shipment) for _, s in remaining],
        service_s=[s.service_s for _, s in remaining],
        windows=[_window(s.shipment, day_start, now_s, r.shift_end_s) for r, s in remaining],
        required=[False] * len(remaining),
        penalty=[UNSERVED_PENALTY] * len(remaining),
        locked_to=[r.vehicle_id for r, _ in remaining],
    )
    fleet = tuple(
        VehicleSpec(
            name=r.vehicle_id,
            capacity=(10**6, 10**6, 10**6),
            start_depot=k,
            end_depot=home_index[r.depot_location],
            shift_start_s=max(now_s, r.clock_s),
            shift_end_s=max(r.shift_end_s, r.clock_s),
            cost_per_m=0.35 / 1000,
            cost_per_s=25.0 / 3600,
            start_latest_s=max(now_s, r.clock_s),
        )
        for k, r in enumerate(active)
    )
    index = np.asarray(starts + homes + [s.location for _, s in remaining], dtype=np.int64)
    durations, distances = travel.matrices_at(now_s)
    problem = RoutingProblem(
        depots=depots,
        stops=stops,
        fleet=fleet,
        durations_s=durations[np.ix_(index, index)],
        distances_m=distances[np.ix_(index, index)],
        name="reoptimize",
    )
    current, k = [], 0
    for v, r in enumerate(active):
        n = len(r.stops) - r.next_stop
        current.append(PlannedRoute(vehicle=v, visits=tuple(range(k, k + n))))
        k += n
    solution = solve(
        problem,
        IterationBudget(iterations),
        seed=seed,
        initial=RoutingSolution(routes=tuple(current)),
    )
    by_van: dict[str, list[StopRun]] = {r.vehicle_id: [] for r in active}
    for planned in solution.routes:
        van = active[planned.vehicle]
        # A stop stays with the van that carries its parcels, whatever the solver did.
        by_van[van.vehicle_id] = [
            remaining[s][1] for s in planned.visits if s >= 0 and remaining[s][0] is van
        ]
    left_out = set(solution.unserved)
    for r in active:
        kept = by_van[r.vehicle_id]
        kept_ids = {id(s) for s in kept}
        rest = [s for s in r.stops[r.next_stop :] if id(s) not in kept_ids]
        dropped = [s for s in rest if s.shipment.shipment_id in left_out]
        kept += [s for s in rest if s.shipment.shipment_id not in left_out]
        for s in dropped:
            s.dropped_reason = (
                "re-optimisation: cannot be reached before the shift ends "
                "under the closure and rain; back to the depot"
            )
        r.stops = r.stops[: r.next_stop] + kept + dropped
        r.reoptimized = True
        schedule(r, travel, day_start=day_start, sent_s=now_s)
    return len(active)
