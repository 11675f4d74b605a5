"""The last repair of a decomposed plan: no stop left out while some van could take it.

After the parts are solved, a stop can still be unserved because its part ran out of
vans or time, although a route of the next part, or an idle van, could take it. Here
each unserved stop is first put at the cheapest feasible place of any nearby route,
across part and depot boundaries; what is left is solved again with the vans no route
uses; and each stop still left gets the real reason, found on the whole fleet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from lastmile.routing.feasibility import check
from lastmile.routing.problem import RoutingProblem
from lastmile.routing.schedule import time_route
from lastmile.routing.screen import screen
from lastmile.routing.solution import PlannedRoute, RoutingSolution

if TYPE_CHECKING:
    from lastmile.routing.decompose import LargeInstance

#: Routes looked at per unserved stop (those with a stop nearest to it).
NEAR_ROUTES = 12
#: Insertions verified per (stop, route) before giving up on that route.
TRIES = 3

FULL = (
    "over capacity: every van that could carry it is in use and none has room or time left for it"
)
NO_PLACE = (
    "no feasible place: no route has room or time for it, and the spare vans could not "
    "fit it in their shifts"
)

NO_ROUTE = "no route has room or time for it; the spare vans were not asked"


@dataclass(frozen=True)
class Repaired:
    """The routes after repair, what is still unserved (with why), and what was done."""

    routes: tuple[PlannedRoute, ...]
    unserved: dict[str, str]
    inserted: int
    by_spare_vans: int
    #: What the checker found wrong with the spare vans' routes (empty when all hold).
    violations: tuple[str, ...] = ()


def repair_unserved(
    inst: LargeInstance,
    routes: tuple[PlannedRoute, ...],
    unserved: dict[str, str],
    *,
    seconds: float,
    seed: int,
    solve_spare: Callable[[NDArray[np.int64], tuple[int, ...], float], Any] | None = None,
) -> Repaired:
    """Serve every unserved stop some van can still take; give the others a reason.

    Parameters
    ----------
    inst
        The whole instance (global stop and spec indices).
    routes, unserved
        The plan so far (global indices; stop id -> reason).
    seconds
        Budget for re-solving what insertion could not place with the spare vans.
    solve_spare
        ``(stop indices, van counts per spec, seconds) -> PartResult``: how a part is
        solved (the decomposition's own worker); ``None`` skips that step.
    """
    ids = {sid: i for i, sid in enumerate(inst.stops.ids)}
    loose = sorted(ids[s] for s in unserved)
    work = [list(r.visits) for r in routes]
    specs = [r.vehicle for r in routes]
    inserted = 0
    if loose and routes:
        placed = _insert_all(inst, work, specs, loose)
        inserted = len(placed)
        loose = [i for i in loose if i not in placed]
    new_routes = [
        r if tuple(v) == r.visits else replace(r, visits=tuple(v), break_after=None)
        for r, v in zip(routes, work, strict=True)
    ]
    by_spare = 0
    violations: tuple[str, ...] = ()
    reasons = dict(unserved)
    if loose and solve_spare is not None and seconds > 0:
        used = np.bincount(specs, minlength=len(inst.fleet)) if specs else np.zeros(0, int)
        spare = tuple(
            max(0, v.count - int(used[k] if k < len(used) else 0)) for k, v in enumerate(inst.fleet)
        )
        if any(spare):
            res = solve_spare(np.array(loose, dtype=np.int64), spare, seconds)
            got = [r for r in res.routes if r.stops]
            new_routes += got
            done = {s for r in got for s in r.stops}
            by_spare = len(done)
            reasons.update(res.unserved)
            violations = tuple(res.violations)
            loose = [i for i in loose if i not in done]
    left = set(loose)
    final = {sid: why for sid, why in reasons.items() if ids[sid] in left}
    final.update(_reasons(inst, sorted(left), new_routes, tried_spare=solve_spare is not None))
    return Repaired(tuple(new_routes), final, inserted, by_spare, violations)


def _insert_all(
    inst: LargeInstance, work: list[list[int]], specs: list[int], loose: list[int]
) -> set[int]:
    """Insert each of ``loose`` at its cheapest verified place; return those placed."""
    d = len(inst.depots)
    xy = inst.coords[d:]
    owner = np.full(len(inst.stops), -1, dtype=np.int64)
    for k, visits in enumerate(work):
        for v in visits:
            if v >= 0:
                owner[v] = k
    served = np.flatnonzero(owner >= 0)
    if not len(served):
        return set()
    tree = cKDTree(xy[served])
    placed: set[int] = set()
    for u in loose:
        q = min(len(served), 8 * NEAR_ROUTES)
        _, near = tree.query(xy[u], k=q)
        cands = list(dict.fromkeys(int(owner[served[j]]) for j in np.atleast_1d(near)))
        best: tuple[float, int, list[int]] | None = None
        for k in cands[:NEAR_ROUTES]:
            got = _best_insertion(inst, work[k], specs[k], u)
            if got is not None and (best is None or got[0] < best[0]):
                best = (got[0], k, got[1])
        if best is not None:
            _, k, visits = best
            work[k] = visits
            owner[u] = k
            placed.add(u)
    return placed


def _best_insertion(
    inst: LargeInstance, visits: list[int], spec: int, u: int
) -> tuple[float, list[int]] | None:
    """Return (added cost, new visits) of the cheapest feasible insertion of ``u``."""
    v = inst.fleet[spec]
    st = inst.stops
    if not (st.skills[u] <= v.skills and (not st.locked_to[u] or st.locked_to[u] == v.name)):
        return None
    stops = [s for s in visits if s >= 0]
    if (
        v.max_trips == 1
        and (st.demand[stops].sum(axis=0) + st.demand[u] > np.asarray(v.capacity)).any()
    ):
        return None
    idx = np.array([*stops, u], dtype=np.int64)
    problem = inst.part(idx, (replace(v, count=1),))
    local = {g: i for i, g in enumerate(stops)}
    here = [local[s] if s >= 0 else s for s in visits]
    dur, dist = problem.durations_s, problem.distances_m
    dd = problem.num_depots
    loc = [dd + x if x >= 0 else -x - 1 for x in here]
    start, end = v.start_depot, v.end_depot
    seq = np.array([start, *loc, end])
    at = dd + len(stops)
    # Added cost of each gap, cheapest first; only a few are checked exactly.
    extra_m = dist[seq[:-1], at] + dist[at, seq[1:]] - dist[seq[:-1], seq[1:]]
    extra_s = dur[seq[:-1], at] + dur[at, seq[1:]] - dur[seq[:-1], seq[1:]]
    added = extra_m * v.cost_per_m + extra_s * v.cost_per_s
    added[~_may_fit(problem, here, seq, at)] = np.inf
    for p in np.argsort(added, kind="stable")[:TRIES]:
        if not np.isfinite(added[p]):
            break
        trial = [*here[:p], len(stops), *here[p:]]
        if _route_ok(problem, PlannedRoute(0, tuple(trial))):
            return float(added[p]), [int(idx[x]) if x >= 0 else x for x in trial]
    return None


def _may_fit(
    problem: RoutingProblem, here: list[int], seq: NDArray[np.int64], at: int
) -> NDArray[np.bool_]:
    """Return, per gap, whether the new stop could fit there in time (a quick bound).

    The van leaves as early as it may; each later visit has a latest start that keeps
    the rest of the route on time. The driver's break is left to the exact check.
    """
    spec = problem.fleet[0]
    st = problem.stops
    dur = problem.durations_s
    u = at - problem.num_depots
    sched = time_route(problem, PlannedRoute(0, tuple(here)), depart=spec.shift_start_s)
    if len(sched.visits) != len(here):
        return np.ones(len(seq) - 1, dtype=bool)
    leave = np.array([sched.depart, *(vt.departure for vt in sched.visits)])
    latest = np.empty(len(here) + 1)
    latest[-1] = min(spec.shift_end_s, problem.depots[spec.end_depot].close_s)
    for i in range(len(here) - 1, -1, -1):
        x, vt = here[i], sched.visits[i]
        close, svc = float("inf"), 0.0
        if x >= 0:
            close = max((hi for lo, hi in st.windows[x] if lo <= vt.start), default=vt.start)
            svc = float(st.service_s[x])
        latest[i] = min(close, latest[i + 1] - svc - dur[seq[i + 1], seq[i + 2]])
    arrive = leave + dur[seq[:-1], at]
    begin = np.array([_start(st.windows[u], a) for a in arrive])
    reach_next = begin + st.service_s[u] + dur[at, seq[1:]]
    out: NDArray[np.bool_] = np.isfinite(begin) & (reach_next <= latest + 1e-6)
    return out


def _start(wins: tuple[tuple[float, float], ...], arrival: float) -> float:
    for lo, hi in sorted(wins):
        if arrival <= hi:
            return max(arrival, lo)
    return float("inf")


def route_cost(inst: LargeInstance, route: PlannedRoute) -> float:
    """Return what ``route`` (global indices) costs, timed on its own points."""
    stops = list(dict.fromkeys(s for s in route.visits if s >= 0))
    idx = np.array(stops, dtype=np.int64)
    problem = inst.part(idx, (replace(inst.fleet[route.vehicle], count=1),))
    local = {g: i for i, g in enumerate(stops)}
    mine = PlannedRoute(0, tuple(local[v] if v >= 0 else v for v in route.visits))
    return time_route(problem, mine).cost


def _route_ok(problem: RoutingProblem, route: PlannedRoute) -> bool:
    timed = time_route(problem, route)
    one = RoutingSolution(routes=(replace(route, break_after=timed.break_after),))
    return not check(problem, one).violations


def _reasons(
    inst: LargeInstance, left: list[int], routes: list[PlannedRoute], *, tried_spare: bool
) -> dict[str, str]:
    """Say why each stop in ``left`` is still unserved, judged on the whole fleet."""
    if not left:
        return {}
    idx = np.array(left, dtype=np.int64)
    _, why = screen(inst.part(idx, inst.fleet))
    used = np.bincount([r.vehicle for r in routes], minlength=len(inst.fleet))
    out: dict[str, str] = {}
    for i in left:
        sid = inst.stops.ids[i]
        if sid in why:
            out[sid] = why[sid]
            continue
        can = [
            k
            for k, v in enumerate(inst.fleet)
            if inst.stops.skills[i] <= v.skills
            and (not inst.stops.locked_to[i] or inst.stops.locked_to[i] == v.name)
        ]
        if all(used[k] >= inst.fleet[k].count for k in can):
            out[sid] = FULL
        else:
            out[sid] = NO_PLACE if tried_spare else NO_ROUTE
    return out


__all__ = ["FULL", "NO_PLACE", "NO_ROUTE", "Repaired", "repair_unserved", "route_cost"]
