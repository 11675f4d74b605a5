"""A reproducible solver for the simulator: routing's PyVRP translation, stopped by iterations.

A time limit makes a plan depend on how busy the machine is; the simulator promises the
same day for the same seed, so it stops PyVRP after a number of iterations (with a
generous time cap only as a safety net) on exactly the problem translation the routing
capability uses.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyvrp
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

from lastmile.routing.backends.pyvrp_backend import translate
from lastmile.routing.problem import RoutingProblem
from lastmile.routing.solution import PlannedRoute, RoutingSolution, reload_marker


@dataclass(frozen=True)
class IterationBudget:
    """Stop after ``iterations`` (or, as a safety net only, ``cap_s`` seconds)."""

    iterations: int
    cap_s: float = 120.0

    def __post_init__(self) -> None:
        if self.iterations < 1:
            raise ValueError(f"iterations {self.iterations} < 1 not understood.")


def _initial(
    data: pyvrp.ProblemData, stop_clients: list[list[int]], initial: RoutingSolution
) -> pyvrp.Solution:
    routes = []
    for r in initial.routes:
        visits = [
            pyvrp.Activity(pyvrp.ActivityType.CLIENT, stop_clients[s][0])
            for s in r.visits
            if s >= 0
        ]
        if visits:
            routes.append(pyvrp.Route(data, visits, r.vehicle))
    return pyvrp.Solution(data, routes)


def solve(
    problem: RoutingProblem,
    budget: IterationBudget,
    *,
    seed: int,
    initial: RoutingSolution | None = None,
) -> RoutingSolution:
    """Solve ``problem`` with PyVRP; the same problem and seed give the same plan.

    ``initial`` warm-starts the search (re-optimisation starts from the routes being
    driven, so it can only find a cheaper plan on the new conditions).
    """
    began = time.perf_counter()
    if problem.num_stops == 0:
        return RoutingSolution(routes=(), solver="pyvrp-iterations")
    tr = translate(problem)
    stop = MultipleCriteria([MaxIterations(budget.iterations), MaxRuntime(budget.cap_s)])
    start = _initial(tr.data, tr.stop_clients, initial) if initial is not None else None
    result = pyvrp.solve(
        tr.data, stop=stop, seed=seed, collect_stats=False, display=False, initial_solution=start
    )
    best = result.best
    routes: list[PlannedRoute] = []
    served: set[int] = set()
    for r in best.routes():
        visits: list[int] = []
        for a in list(r)[1:-1]:
            if a.is_depot():
                visits.append(reload_marker(int(a.idx)))
            else:
                visits.append(tr.client_stop[int(a.idx)])
                served.add(tr.client_stop[int(a.idx)])
        routes.append(
            PlannedRoute(vehicle=tr.vehicle_type_spec[r.vehicle_type()], visits=tuple(visits))
        )
    unserved = {
        sid: "left out: serving it would break a shift, capacity or window"
        for i, sid in enumerate(problem.stops.ids)
        if i not in served
    }
    return RoutingSolution(
        routes=tuple(routes),
        unserved=unserved,
        cost=float(result.cost()) / tr.cost_scale,
        solver="pyvrp-iterations",
        runtime_s=time.perf_counter() - began,
        feasible=bool(best.is_feasible()),
    )
