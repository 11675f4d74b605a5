"""Finding stops no van can ever serve, before the solver sees them, with the reason why.

A solver given such a stop either fails or leaves it out silently; screening names the
cause instead: a skill no van has, a parcel bigger than every van, a window that closes
before any van can get there, a place no road reaches.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from lastmile.routing.problem import RoutingProblem
from lastmile.routing.solution import PlannedRoute, RoutingSolution, reload_depot, reload_marker


def screen(problem: RoutingProblem) -> tuple[NDArray[np.int64], dict[str, str]]:
    """Return the stops some van could serve, and a reason for each of the others."""
    st = problem.stops
    n = len(st)
    reasons: dict[str, str] = {}
    if n == 0:
        return np.zeros(0, dtype=np.int64), reasons
    dur = problem.durations_s
    d = problem.num_depots
    ok_any = np.zeros(n, dtype=bool)
    why_fit = np.zeros(n, dtype=bool)  # some van has the skills
    why_cap = np.zeros(n, dtype=bool)  # ... and the room
    why_reach = np.zeros(n, dtype=bool)  # ... and a road
    why_free = np.zeros(n, dtype=bool)  # ... and time, were its parcels at the depot now
    closes = np.array([max(hi for _, hi in w) for w in st.windows])
    for spec in problem.fleet:
        skill_ok = np.array(
            [
                sk <= spec.skills and (not lk or lk == spec.name)
                for sk, lk in zip(st.skills, st.locked_to, strict=True)
            ],
            dtype=bool,
        )
        cap_ok = skill_ok & (st.demand <= np.asarray(spec.capacity)).all(axis=1)
        start = problem.depots[spec.start_depot]
        end = problem.depots[spec.end_depot]
        out = dur[start.location, d : d + n]
        back = dur[d : d + n, end.location]
        reach_ok = cap_ok & np.isfinite(out) & np.isfinite(back)
        leave = max(spec.shift_start_s, start.open_s)
        arrive = leave + np.maximum(out, 0) + 0.0
        free = arrive.copy()
        arrive = np.maximum(arrive, st.release_s + np.where(np.isfinite(out), out, 0))
        finish_by = min(spec.shift_end_s, end.close_s)
        time_ok = np.zeros(n, dtype=bool)
        for i in np.flatnonzero(reach_ok & (arrive <= closes)):
            for lo, hi in st.windows[i]:
                if arrive[i] <= hi and max(arrive[i], lo) + st.service_s[i] + back[i] <= finish_by:
                    time_ok[i] = True
                    break
        if spec.max_duration_s is not None:
            time_ok &= out + st.service_s + back <= spec.max_duration_s
        if spec.max_distance_m is not None:
            dm = problem.distances_m
            time_ok &= dm[start.location, d : d + n] + dm[d : d + n, end.location] <= (
                spec.max_distance_m
            )
        why_free |= reach_ok & (free <= closes)
        why_fit |= skill_ok
        why_cap |= cap_ok
        why_reach |= reach_ok
        ok_any |= time_ok
    names = problem.dimension_names
    for i in np.flatnonzero(~ok_any):
        sid = st.ids[i]
        if not why_fit[i]:
            need = ", ".join(sorted(st.skills[i])) or "its own van"
            reasons[sid] = f"no van has what it needs ({need})"
        elif not why_cap[i]:
            biggest = np.max([spec.capacity for spec in problem.fleet], axis=0)
            over = [
                f"{names[k] if k < len(names) else k} {st.demand[i, k]} > {biggest[k]}"
                for k in range(st.demand.shape[1])
                if st.demand[i, k] > biggest[k]
            ]
            reasons[sid] = (
                "bigger than every van that could carry it ("
                + ("; ".join(over) or "over capacity")
                + ")"
            )
        elif not why_reach[i]:
            reasons[sid] = "no road reaches it from a depot that could serve it"
        elif why_free[i] and st.release_s[i] > 0:
            reasons[sid] = (
                f"its parcels are at the depot only from t={st.release_s[i]:.0f} s, "
                "too late for any van to reach its window"
            )
        else:
            reasons[sid] = (
                "its time window closes before any van can reach it and get back within a shift"
            )
    return np.flatnonzero(ok_any).astype(np.int64), reasons


def restrict(problem: RoutingProblem, keep: NDArray[np.int64]) -> RoutingProblem:
    """Return the problem with only the stops ``keep`` (depots unchanged)."""
    d = problem.num_depots
    locs = np.concatenate([np.arange(d), d + keep]).astype(np.int64)
    return RoutingProblem(
        depots=problem.depots,
        stops=problem.stops.subset(keep),
        fleet=problem.fleet,
        durations_s=problem.durations_s[np.ix_(locs, locs)],
        distances_m=problem.distances_m[np.ix_(locs, locs)],
        epoch=problem.epoch,
        dimension_names=problem.dimension_names,
        scale=problem.scale,
        name=problem.name,
        coords=None if problem.coords is None else problem.coords[locs],
    )


def lift(solution: RoutingSolution, keep: NDArray[np.int64]) -> RoutingSolution:
    """Map a solution of ``restrict(problem, keep)`` back to the full problem's indices."""
    routes = tuple(
        PlannedRoute(
            vehicle=r.vehicle,
            visits=tuple(
                int(keep[v]) if v >= 0 else reload_marker(reload_depot(v)) for v in r.visits
            ),
            break_after=r.break_after,
        )
        for r in solution.routes
    )
    return solution.with_routes(routes)


def restrict_initial(
    solution: RoutingSolution | None, keep: NDArray[np.int64]
) -> RoutingSolution | None:
    """Map a full-problem warm start onto the restricted problem, dropping screened stops."""
    if solution is None:
        return None
    pos = {int(k): j for j, k in enumerate(keep)}
    routes = tuple(
        PlannedRoute(
            vehicle=r.vehicle,
            visits=tuple(pos[v] if v >= 0 else v for v in r.visits if v < 0 or v in pos),
        )
        for r in solution.routes
    )
    return solution.with_routes(routes)


__all__ = ["lift", "restrict", "restrict_initial", "screen"]
