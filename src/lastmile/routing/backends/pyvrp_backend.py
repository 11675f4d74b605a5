"""PyVRP backend (the default): hybrid genetic search on an exact translation.

How lastmile's rules map onto PyVRP 0.14:

- alternative time windows: one client per window in a mutually exclusive client group;
- skills and parcels locked to a van: extra load dimensions. A stop needing skill ``s``
  has demand 1 in dimension ``s``; vans with ``s`` have room for every stop there, vans
  without it have capacity 0, so the capacity rule forbids the pairing exactly. Locks use
  a binary code (two dimensions per bit) so 50 vans need 12 dimensions, not 50;
- several trips: reload depots (the van's end depot) with ``max_trips - 1`` reloads;
- drivers' breaks: PyVRP has no break, so the solve is made conservative (shift end and
  stop windows closing after the earliest break are tightened by the break length) and
  ``schedule.time_route`` places the break afterwards; the checker verifies it;
- costs are integers: per-metre, per-second and fixed costs are scaled to a common unit.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyvrp
from numpy.typing import NDArray

from lastmile.routing.problem import HORIZON, RoutingProblem
from lastmile.routing.solution import (
    PlannedRoute,
    RoutingSolution,
    StoppingBudget,
    reload_depot,
    reload_marker,
)

_INT_MAX = np.iinfo(np.int64).max


@dataclass(frozen=True)
class _Translation:
    data: pyvrp.ProblemData
    client_stop: list[int]  # pyvrp client index -> stop index
    stop_clients: list[list[int]]  # stop index -> pyvrp client indices
    vehicle_type_spec: list[int]
    cost_scale: float


def _cost_scale(problem: RoutingProblem) -> float:
    """Return the factor turning every cost into an integer without losing precision."""
    values = [c for v in problem.fleet for c in (v.cost_per_m, v.cost_per_s, v.fixed_cost)]
    values += list(problem.stops.penalty)
    if all(float(c).is_integer() for c in values):
        return 1.0
    smallest = min((c for c in values if c > 0), default=1.0)
    # The smallest unit cost becomes 100 integer units (0.5% rounding at worst). Larger
    # scales would dwarf PyVRP's penalties and let it trade feasibility for cost.
    return 100.0 / smallest


def _penalty_params(data: pyvrp.ProblemData) -> pyvrp.PenaltyParams:
    """Return penalty bounds that can outweigh the largest prize or fixed cost.

    PyVRP caps penalties at 1e5 per unit of excess load or time warp by default; with
    money-scaled costs a prize or a van's fixed cost can exceed that, and the search
    would then keep a stop served in breach of a rule rather than pay for it.
    """
    biggest = max(
        [c.prize for c in data.clients()]
        + [vt.fixed_cost for vt in data.vehicle_types()]
        + [vt.unit_duration_cost * 3600 for vt in data.vehicle_types()]
        + [1]
    )
    return pyvrp.PenaltyParams(max_penalty=float(min(1e12, max(1e5, 100.0 * biggest))))


def _int_matrix(mat: NDArray[np.float64]) -> Any:
    out = np.where(np.isfinite(mat), np.rint(mat), HORIZON)
    return np.minimum(out, HORIZON).astype(np.int64)


def _lock_codes(problem: RoutingProblem) -> dict[str, int]:
    names = sorted({lk for lk in problem.stops.locked_to if lk})
    return {n: i for i, n in enumerate(names)}


def translate(problem: RoutingProblem) -> _Translation:
    """Build PyVRP ``ProblemData`` for ``problem``."""
    stops = problem.stops
    scale = _cost_scale(problem)
    skills = sorted({s for sk in stops.skills for s in sk})
    locks = _lock_codes(problem)
    bits = max(1, math.ceil(math.log2(len(locks)))) if len(locks) > 1 else (1 if locks else 0)
    big = len(stops) + 1

    longest_break = max((v.break_s for v in problem.fleet if v.break_window), default=0.0)
    earliest_break = min(
        (v.break_window[0] for v in problem.fleet if v.break_window), default=float(HORIZON)
    )

    coords = problem.coords
    locations = [
        pyvrp.Location(
            x=float(coords[i, 0]) if coords is not None else 0.0,
            y=float(coords[i, 1]) if coords is not None else 0.0,
        )
        for i in range(problem.num_depots + len(stops))
    ]
    depots = [
        pyvrp.Depot(
            location=dp.location,
            tw_early=int(dp.open_s),
            tw_late=int(min(dp.close_s, HORIZON)),
            name=dp.depot_id,
        )
        for dp in problem.depots
    ]
    clients: list[pyvrp.Client] = []
    client_stop: list[int] = []
    stop_clients: list[list[int]] = []
    groups: list[pyvrp.ClientGroup] = []
    for i in range(len(stops)):
        extra = [1 if s in stops.skills[i] else 0 for s in skills]
        code = locks.get(stops.locked_to[i], -1)
        for b in range(bits):
            bit = (code >> b) & 1 if code >= 0 else -1
            extra += [1 if bit == 0 else 0, 1 if bit == 1 else 0]
        demand = [int(x) for x in stops.demand[i]] + extra
        wins = stops.windows[i]
        mine: list[int] = []
        group_idx = len(groups) if len(wins) > 1 else None
        for lo, hi in wins:
            late = min(hi, HORIZON)
            if longest_break and late > earliest_break:
                late = max(lo, late - longest_break)
            mine.append(len(clients))
            clients.append(
                pyvrp.Client(
                    location=problem.num_depots + i,
                    delivery=demand,
                    service_duration=round(stops.service_s[i]),
                    tw_early=int(lo),
                    tw_late=int(late),
                    release_time=int(stops.release_s[i]),
                    prize=round(stops.penalty[i] * scale),
                    required=bool(stops.required[i]) and len(wins) == 1,
                    group=group_idx,
                    name=stops.ids[i],
                )
            )
            client_stop.append(i)
        if group_idx is not None:
            groups.append(pyvrp.ClientGroup(mine, required=bool(stops.required[i])))
        stop_clients.append(mine)

    vtypes: list[pyvrp.VehicleType] = []
    for v in problem.fleet:
        extra_cap = [big if s in v.skills else 0 for s in skills]
        code = locks.get(v.name, -1)
        for b in range(bits):
            bit = (code >> b) & 1 if code >= 0 else -1
            # Unlocked stops carry no lock demand, so any van fits them.
            extra_cap += [big if bit == 0 else 0, big if bit == 1 else 0]
        brk = v.break_s if v.break_window else 0.0
        shift_end = min(v.shift_end_s, HORIZON) - brk
        vtypes.append(
            pyvrp.VehicleType(
                num_available=v.count,
                capacity=[int(c) for c in v.capacity] + extra_cap,
                start_depot=v.start_depot,
                end_depot=v.end_depot,
                fixed_cost=round(v.fixed_cost * scale),
                tw_early=int(v.shift_start_s),
                tw_late=int(max(v.shift_start_s, shift_end)),
                shift_duration=(
                    int(v.max_duration_s - brk) if v.max_duration_s is not None else _INT_MAX
                ),
                max_distance=int(v.max_distance_m) if v.max_distance_m is not None else _INT_MAX,
                unit_distance_cost=round(v.cost_per_m * scale),
                unit_duration_cost=round(v.cost_per_s * scale),
                start_late=int(v.start_latest_s) if v.start_latest_s is not None else None,
                reload_depots=[v.end_depot] if v.max_trips > 1 else [],
                max_reloads=max(0, v.max_trips - 1) if v.max_trips > 1 else 0,
                name=v.name,
            )
        )
    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vtypes,
        distance_matrices=[_int_matrix(problem.distances_m)],
        duration_matrices=[_int_matrix(problem.durations_s)],
        groups=groups,
    )
    return _Translation(data, client_stop, stop_clients, list(range(len(vtypes))), scale)


def _to_pyvrp(tr: _Translation, problem: RoutingProblem, sol: RoutingSolution) -> pyvrp.Solution:
    """Turn a lastmile plan into a PyVRP solution (warm start)."""
    act = pyvrp.Activity
    kind = pyvrp.ActivityType
    routes = []
    used = [0] * len(problem.fleet)
    for r in sol.routes:
        if not r.visits or used[r.vehicle] >= problem.fleet[r.vehicle].count:
            continue
        used[r.vehicle] += 1
        acts = [
            act(kind.DEPOT, reload_depot(v)) if v < 0 else act(kind.CLIENT, tr.stop_clients[v][0])
            for v in r.visits
        ]
        while acts and acts[-1].type == kind.DEPOT:
            acts.pop()
        if acts:
            routes.append(pyvrp.Route(tr.data, acts, r.vehicle))
    return pyvrp.Solution(tr.data, routes)


def _from_pyvrp(
    tr: _Translation, problem: RoutingProblem, best: pyvrp.Solution
) -> tuple[tuple[PlannedRoute, ...], dict[str, str]]:
    kind = pyvrp.ActivityType
    routes: list[PlannedRoute] = []
    served: set[int] = set()
    for r in best.routes():
        visits: list[int] = []
        acts = list(r)
        for a in acts[1:-1]:
            if a.type == kind.DEPOT:
                visits.append(reload_marker(int(a.idx)))
            else:
                stop = tr.client_stop[int(a.idx)]
                visits.append(stop)
                served.add(stop)
        routes.append(
            PlannedRoute(vehicle=tr.vehicle_type_spec[r.vehicle_type()], visits=tuple(visits))
        )
    unserved: dict[str, str] = {}
    for i, sid in enumerate(problem.stops.ids):
        if i not in served:
            unserved[sid] = (
                "not served: no van had room or time for it at less than its penalty"
                if not problem.stops.required[i]
                else "no feasible place found on any route within the time budget"
            )
    return tuple(routes), unserved


@dataclass(frozen=True)
class _Deadline:
    """Stop at a wall-clock moment fixed before translation and construction began.

    PyVRP's ``MaxRuntime`` starts counting at its first call, after the initial solution
    is built, which lets a large instance overrun the budget it was given.
    """

    at: float

    def __call__(self, best_cost: float) -> bool:
        return time.perf_counter() >= self.at


@dataclass
class PyVRPSolver:
    """lastmile's default solver: PyVRP's iterated local search / HGS."""

    name: str = "pyvrp"
    display: bool = False

    def solve(
        self,
        problem: RoutingProblem,
        *,
        stop: StoppingBudget,
        seed: int,
        initial: RoutingSolution | None = None,
    ) -> RoutingSolution:
        """Solve ``problem`` for ``stop.seconds``; see the module docstring for the mapping."""
        began = time.perf_counter()
        if problem.num_stops == 0:
            return RoutingSolution(routes=(), solver=self.name)
        tr = translate(problem)
        init = _to_pyvrp(tr, problem, initial) if initial is not None else None
        result = pyvrp.solve(
            tr.data,
            stop=_Deadline(began + stop.seconds),
            seed=seed,
            collect_stats=False,
            display=self.display,
            initial_solution=init,
            params=pyvrp.SolveParams(penalty=_penalty_params(tr.data)),
        )
        best = result.best
        routes, unserved = _from_pyvrp(tr, problem, best)
        return RoutingSolution(
            routes=routes,
            unserved=unserved,
            cost=float(result.cost()) / tr.cost_scale if best.is_feasible() else math.inf,
            solver=self.name,
            runtime_s=time.perf_counter() - began,
            feasible=bool(best.is_feasible()),
        )
