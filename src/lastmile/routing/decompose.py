"""City-scale planning (10,000 to 100,000 stops): decompose, solve parts in parallel, repair.

No full matrix is ever built (100,000 stops would need 80 GB per matrix): each part asks
a picklable ``MatrixFn`` for the matrix over its own points, inside its worker.

1. Split by depot: each stop goes to the nearest depot that has vans *and room*, the
   workload of stops (parcels, service and driving, in vans) kept below what its
   vans can do less a slack (``allocate``); then cut each depot's stops into angular
   sectors around it (a sweep), about ``part_size`` stops each, with the depot's vans
   shared out in proportion to each sector's workload.
2. Solve every part in parallel: local processes by default, Ray when
   ``LASTMILE_RAY_ADDRESS`` is set (``ray`` is an optional extra, imported lazily).
3. Repair across boundaries, in the spirit of PyVRP's route-based decomposition: sort
   the routes of pass 1 by their angle, regroup them into parts offset by half a part,
   so stops that sat on a boundary now sit in the middle of one, and solve those parts
   again warm-started from their routes; unserved stops join the part they fall in.
4. Leave no stop out while a van could take it (``insertion``): each stop still unserved
   goes to the cheapest feasible place of any nearby route, across parts and depots;
   the rest are solved again with the vans no route uses; what remains is reported
   with the reason found on the whole fleet (no van fits, window unreachable, over
   capacity).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lastmile.routing.allocate import assign_depots, share_vans, workload
from lastmile.routing.insertion import repair_unserved, route_cost
from lastmile.routing.problem import Depot, RoutingProblem, Stops, VehicleSpec
from lastmile.routing.solution import MaxSeconds, PlannedRoute, RoutingSolution

#: ``point indices -> (durations, distances)`` over those points; must be picklable.
MatrixFn = Callable[[NDArray[np.int64]], tuple[NDArray[np.float64], NDArray[np.float64]]]


@dataclass(frozen=True)
class EuclideanMatrix:
    """Rounded Euclidean distances over ``coords``, driven at ``speed`` units per second."""

    coords: NDArray[np.float64]
    speed: float = 1.0

    def __call__(self, idx: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        pts = self.coords[idx]
        dist = np.rint(np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)))
        return dist / self.speed, dist


@dataclass(frozen=True)
class HaversineMatrix:
    """Great-circle metres x detour factor over ``lonlat``, at ``speed_kmh``."""

    lonlat: NDArray[np.float64]
    detour: float = 1.35
    speed_kmh: float = 30.0

    def __call__(self, idx: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        from lastmile.geo.travel import haversine_matrix_m

        pts = self.lonlat[idx]
        dist = np.rint(haversine_matrix_m(pts[:, 1], pts[:, 0]) * self.detour)
        return np.rint(dist / (self.speed_kmh / 3.6)), dist


@dataclass(frozen=True)
class LargeInstance:
    """A city day too big for one matrix: points are depots first, then stops."""

    depots: tuple[Depot, ...]
    stops: Stops
    fleet: tuple[VehicleSpec, ...]
    coords: NDArray[np.float64]
    matrix: MatrixFn
    dimension_names: tuple[str, ...] = ("weight_g", "volume_ml", "parcels")

    def part(self, stop_idx: NDArray[np.int64], fleet: tuple[VehicleSpec, ...]) -> RoutingProblem:
        """Return the problem over ``stop_idx`` with ``fleet`` (all depots kept)."""
        d = len(self.depots)
        points = np.concatenate([np.arange(d), d + stop_idx]).astype(np.int64)
        dur, dist = self.matrix(points)
        return RoutingProblem(
            depots=tuple(replace(dp, location=k) for k, dp in enumerate(self.depots)),
            stops=self.stops.subset(stop_idx),
            fleet=fleet,
            durations_s=dur,
            distances_m=dist,
            dimension_names=self.dimension_names,
            coords=self.coords[points],
        )


@dataclass(frozen=True)
class PartResult:
    """One part's solution, in global stop indices and global spec indices."""

    routes: tuple[PlannedRoute, ...]
    unserved: dict[str, str]
    cost: float
    violations: tuple[str, ...]
    stops: int
    runtime_s: float


@dataclass(frozen=True)
class DecomposedSolution:
    """The whole day's plan, and what each pass did."""

    solution: RoutingSolution
    parts: tuple[int, int]
    pass_cost: tuple[float, float]
    violations: tuple[str, ...] = field(default_factory=tuple)
    #: Unserved after the passes, then placed into routes, then served by spare vans.
    repaired: tuple[int, int, int] = (0, 0, 0)

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class _Task:
    instance: LargeInstance
    stop_idx: NDArray[np.int64]
    counts: tuple[int, ...]  # vans of each global spec given to this part
    seconds: float
    seed: int
    warm: tuple[PlannedRoute, ...]  # global indices


def _solve_part(task: _Task) -> PartResult:
    """Solve one part (runs in a worker process or a Ray task)."""
    from lastmile.routing.backends.pyvrp_backend import PyVRPSolver
    from lastmile.routing.planner import plan

    began = time.perf_counter()
    inst = task.instance
    specs = [k for k, c in enumerate(task.counts) if c > 0]
    fleet = tuple(replace(inst.fleet[k], count=task.counts[k]) for k in specs)
    problem = inst.part(task.stop_idx, fleet)
    local = {int(g): i for i, g in enumerate(task.stop_idx)}
    spec_local = {k: j for j, k in enumerate(specs)}
    warm = RoutingSolution(
        routes=tuple(
            PlannedRoute(
                vehicle=spec_local[r.vehicle],
                visits=tuple(local[v] if v >= 0 else v for v in r.visits if v < 0 or v in local),
            )
            for r in task.warm
            if r.vehicle in spec_local
        )
    )
    result = plan(
        problem,
        PyVRPSolver(),
        # The part's matrix counts against its slice, so a round of parts ends on time.
        stop=MaxSeconds(max(0.1, task.seconds - (time.perf_counter() - began))),
        seed=task.seed,
        initial=warm if task.warm else None,
    )
    routes = tuple(
        PlannedRoute(
            vehicle=specs[r.vehicle],
            visits=tuple(int(task.stop_idx[v]) if v >= 0 else v for v in r.visits),
            break_after=r.break_after,
        )
        for r in result.solution.routes
    )
    return PartResult(
        routes=routes,
        unserved=dict(result.solution.unserved),
        cost=result.solution.cost,
        violations=tuple(result.report.violations),
        stops=len(task.stop_idx),
        runtime_s=time.perf_counter() - began,
    )


def _angles(coords: NDArray[np.float64], centre: NDArray[np.float64]) -> NDArray[np.float64]:
    out: NDArray[np.float64] = np.arctan2(coords[:, 1] - centre[1], coords[:, 0] - centre[0])
    return out


def _run(tasks: list[_Task], workers: int) -> list[PartResult]:
    address = os.environ.get("LASTMILE_RAY_ADDRESS")
    if address:
        import ray

        if not ray.is_initialized():
            ray.init(address=address)
        remote = ray.remote(_solve_part)
        return list(ray.get([remote.remote(t) for t in tasks]))
    if workers <= 1:
        return [_solve_part(t) for t in tasks]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_solve_part, tasks))


def solve_large(
    inst: LargeInstance,
    *,
    seconds: float,
    seed: int = 1,
    part_size: int = 800,
    workers: int = 2,
    repair: bool = True,
    progress: Callable[[str], Any] | None = None,
) -> DecomposedSolution:
    """Plan a city day by decomposition.

    Parameters
    ----------
    inst
        The instance (points, stops, fleet and a picklable matrix function).
    seconds
        Wall-clock budget for both passes together.
    part_size
        Stops per part (PyVRP is at its best up to about a thousand).
    workers
        Parallel processes (ignored under Ray).
    repair
        Run the boundary-repair pass (35% of the budget); the last tenth is kept for
        placing stops still unserved.
    """
    say = progress or (lambda _msg: None)
    began = time.perf_counter()
    d = len(inst.depots)
    stop_xy = inst.coords[d:]
    depot_xy = inst.coords[:d]
    home = [k for k in range(d) if any(v.start_depot == k for v in inst.fleet)]
    work = workload(inst, seed=seed)
    near = assign_depots(inst, work, home)
    pass1 = seconds * (0.55 if repair else 0.9)
    tasks: list[_Task] = []
    for dep in home:
        mine = np.flatnonzero(near == dep)
        if not len(mine):
            continue
        order = mine[np.argsort(_angles(stop_xy[mine], depot_xy[dep]))]
        k = max(1, math.ceil(len(order) / part_size))
        chunks = np.array_split(order, k)
        specs = [s for s, v in enumerate(inst.fleet) if v.start_depot == dep]
        mine_fleet = [inst.fleet[s] for s in specs]
        need = np.array([work.vans(c, mine_fleet, dep) for c in chunks])
        shares = share_vans(inst.fleet, specs, need)
        for c, counts in zip(chunks, shares, strict=True):
            tasks.append(_Task(inst, c.astype(np.int64), tuple(counts), 0.0, seed, ()))
    # Parts run in rounds of ``workers``; each round gets an equal slice of the pass.
    per = pass1 / math.ceil(len(tasks) / max(1, workers))
    tasks = [replace(t, seconds=per) for t in tasks]
    say(f"pass 1: {len(tasks)} parts, {per:.1f} s each")
    first = _run(tasks, workers)
    cost1 = sum(r.cost for r in first)
    results = first
    parts2 = 0
    if repair:
        # Leave a tenth of the budget for the last repair of what is still unserved.
        left = max(1.0, 0.9 * seconds - (time.perf_counter() - began))
        tasks2 = _repair_tasks(inst, first, part_size, seed)
        per2 = left / max(1, math.ceil(len(tasks2) / max(1, workers)))
        tasks2 = [replace(t, seconds=per2) for t in tasks2]
        parts2 = len(tasks2)
        say(f"pass 2 (repair): {parts2} parts, {per2:.1f} s each")
        results = _run(tasks2, workers)
    routes = tuple(r for res in results for r in res.routes if r.visits)
    unserved = {k: v for res in results for k, v in res.unserved.items()}
    violations = [v for res in results for v in res.violations]
    before = len(unserved)
    fixed = repair_unserved(
        inst,
        routes,
        unserved,
        # Parts overrun their slice by their set-up time; the stops left still deserve
        # a real try with the spare vans, so a few seconds are granted regardless.
        seconds=max(3.0, seconds - (time.perf_counter() - began)),
        seed=seed,
        solve_spare=lambda idx, counts, s: _solve_part(
            _Task(inst, idx, counts, max(0.5, s), seed + 2, ())
        ),
    )
    routes, unserved = fixed.routes, fixed.unserved
    say(
        f"repair: {before} unserved, {fixed.inserted} inserted into routes, "
        f"{fixed.by_spare_vans} served by spare vans, {len(unserved)} left"
    )
    violations += [*fixed.violations, *_global_check(inst, routes, unserved)]
    sol = RoutingSolution(
        routes=routes,
        unserved=unserved,
        cost=sum(route_cost(inst, r) for r in routes),
        solver="pyvrp+decomposition",
        runtime_s=time.perf_counter() - began,
        feasible=not violations,
    )
    return DecomposedSolution(
        sol,
        (len(tasks), parts2),
        (cost1, sol.cost),
        tuple(violations),
        (before, fixed.inserted, fixed.by_spare_vans),
    )


def _repair_tasks(
    inst: LargeInstance, first: list[PartResult], part_size: int, seed: int
) -> list[_Task]:
    """Regroup pass-1 routes by angle, offset by half a part, into new parts."""
    d = len(inst.depots)
    stop_xy = inst.coords[d:]
    ids = {sid: i for i, sid in enumerate(inst.stops.ids)}
    tasks: list[_Task] = []
    by_depot: dict[int, list[PlannedRoute]] = {}
    for res in first:
        for r in res.routes:
            if r.stops:
                by_depot.setdefault(inst.fleet[r.vehicle].start_depot, []).append(r)
    loose_all = np.array([ids[s] for res in first for s in res.unserved], dtype=np.int64)
    taken: set[int] = set()
    for dep, routes in by_depot.items():
        centre = inst.coords[dep]
        # Circular mean: a route across the -pi/pi cut would otherwise average to ~0 and
        # be grouped with routes on the far side of the depot.
        ang = np.array(
            [
                float(np.angle(np.exp(1j * _angles(stop_xy[list(r.stops)], centre)).mean()))
                for r in routes
            ]
        )
        order = [routes[i] for i in np.argsort(ang)]
        sizes = np.cumsum([len(r.stops) for r in order])
        total = int(sizes[-1])
        k = max(1, math.ceil(total / part_size))
        # Cut points shifted by half a part: boundaries of pass 1 land mid-part.
        cuts = (np.arange(k) + 0.5) * total / k if k > 1 else np.array([], dtype=float)
        group = np.searchsorted(cuts, sizes - 0.5 * np.array([len(r.stops) for r in order]))
        groups = [
            [order[i] for i in np.flatnonzero(group == g)] for g in range(int(group.max()) + 1)
        ]
        groups = [g for g in groups if g]
        # Vans pass 1 left unused are shared out again, in proportion to each group's load.
        spare_fleet = [
            replace(v, count=max(1, v.count - sum(1 for r in routes if r.vehicle == s)))
            for s, v in enumerate(inst.fleet)
        ]
        has_spare = [
            s
            for s, v in enumerate(inst.fleet)
            if v.start_depot == dep and v.count > sum(1 for r in routes if r.vehicle == s)
        ]
        loads = np.array([float(sum(len(r.stops) for r in g)) for g in groups])
        shares = share_vans(spare_fleet, has_spare, loads)
        for members, extra in zip(groups, shares, strict=True):
            stops = [s for r in members for s in r.stops]
            counts = list(extra)
            for r in members:
                counts[r.vehicle] += 1
            loose = [
                int(i)
                for i in loose_all
                if int(i) not in taken and _in_sector(stop_xy[i], centre, members, stop_xy)
            ]
            taken.update(loose)
            idx = np.array(sorted(set(stops) | set(loose)), dtype=np.int64)
            tasks.append(_Task(inst, idx, tuple(counts), 0.0, seed + 1, tuple(members)))
    # Loose stops of a depot without routes still deserve a try.
    covered = {int(i) for t in tasks for i in t.stop_idx}
    rest = [int(i) for i in loose_all if int(i) not in covered]
    if rest and tasks:
        t = tasks[-1]
        tasks[-1] = replace(t, stop_idx=np.array(sorted({*t.stop_idx.tolist(), *rest})))
    return tasks


def _in_sector(
    p: NDArray[np.float64],
    centre: NDArray[np.float64],
    members: list[PlannedRoute],
    stop_xy: NDArray[np.float64],
) -> bool:
    ang = _angles(np.vstack([stop_xy[list(r.stops)] for r in members]), centre)
    a = math.atan2(p[1] - centre[1], p[0] - centre[0])
    return bool(ang.min() <= a <= ang.max())


def _global_check(
    inst: LargeInstance, routes: tuple[PlannedRoute, ...], unserved: dict[str, str]
) -> list[str]:
    """Check what no part can see: every stop once, and no spec over its van count."""
    out: list[str] = []
    seen = np.zeros(len(inst.stops), dtype=np.int64)
    for r in routes:
        for v in r.stops:
            seen[v] += 1
    for i in np.flatnonzero(seen > 1):
        out.append(f"stop {inst.stops.ids[i]!r} served {seen[i]} times")
    for i in np.flatnonzero(seen == 0):
        if inst.stops.ids[i] not in unserved:
            out.append(f"stop {inst.stops.ids[i]!r} lost")
    used = np.bincount([r.vehicle for r in routes], minlength=len(inst.fleet))
    for k, spec in enumerate(inst.fleet):
        if used[k] > spec.count:
            out.append(f"{used[k]} routes of {spec.name!r}, only {spec.count} vans")
    return out
