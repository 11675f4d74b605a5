"""Solve a routing problem end to end: screen, solve, time, place breaks, check.

``plan`` is what services call: it never hands back a silently wrong plan. Stops no van
can serve are reported with their reason before the solver runs; after it, every route
is timed (on the time-dependent matrix when one is given), breaks are placed, and the
independent checker's verdict travels with the plan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from lastmile.routing.feasibility import FeasibilityReport, check
from lastmile.routing.problem import RoutingProblem
from lastmile.routing.schedule import DurationsAt, RouteSchedule, time_route
from lastmile.routing.screen import lift, restrict, restrict_initial, screen
from lastmile.routing.solution import PlannedRoute, RoutingSolution, Solver, StoppingBudget


@dataclass(frozen=True)
class Plan:
    """A checked plan: the solution, each route's schedule, and what did not hold.

    ``schedules`` follow ``solution.routes``. When a time-dependent matrix was given,
    they are the re-timed schedules and ``late`` lists each stop reached after its
    window on them (stop id -> seconds late); ``report`` is the checker's verdict on the
    matrix the solver saw.
    """

    solution: RoutingSolution
    schedules: tuple[RouteSchedule, ...]
    report: FeasibilityReport
    late: dict[str, float]
    retimed: bool

    @property
    def ok(self) -> bool:
        return self.report.ok and not self.late


def plan(
    problem: RoutingProblem,
    solver: Solver,
    *,
    stop: StoppingBudget,
    seed: int,
    initial: RoutingSolution | None = None,
    durations_at: DurationsAt | None = None,
) -> Plan:
    """Screen, solve and check ``problem``.

    Parameters
    ----------
    problem
        The problem; stops no van can serve are reported unserved with a reason.
    solver
        Any ``Solver`` backend (PyVRP by default in the services).
    stop
        Time budget, shared by screening and solving.
    seed
        Random seed for the solver.
    initial
        Optional warm start (a previous plan for the same problem).
    durations_at
        Optional ``hour -> durations`` callable: routes are re-timed on it and lateness
        is reported on that schedule rather than on the solver's static matrix.
    """
    began = time.perf_counter()
    keep, reasons = screen(problem)
    sub = restrict(problem, keep)
    remaining = max(0.05, stop.seconds - (time.perf_counter() - began))
    sub_sol = solver.solve(
        _soften(sub),
        stop=_Budget(remaining),
        seed=seed,
        initial=restrict_initial(initial, keep),
    )
    sub_sol = _drop_infeasible(sub, sub_sol)
    sol = lift(sub_sol, keep)
    unserved = {**reasons}
    for sid, why in sub_sol.unserved.items():
        i = sub.stops.ids.index(sid) if sid in sub.stops.ids else -1
        unserved[sid] = NO_ROOM if i >= 0 and sub.stops.required[i] and "penalty" in why else why
    schedules: list[RouteSchedule] = []
    routes = []
    for r in sol.routes:
        if not r.visits:
            continue
        static = time_route(problem, r)
        routes.append(replace(r, break_after=static.break_after))
        schedules.append(
            time_route(problem, r, durations_at=durations_at) if durations_at else static
        )
    sol = replace(
        sol,
        routes=tuple(routes),
        unserved=unserved,
        runtime_s=time.perf_counter() - began,
        cost=sum(s.cost for s in schedules),
    )
    late = {
        problem.stops.ids[v.visit]: v.late_by
        for s in schedules
        for v in s.visits
        if v.visit >= 0 and v.late_by > 0
    }
    return Plan(sol, tuple(schedules), check(problem, sol), late, durations_at is not None)


@dataclass(frozen=True)
class _Budget:
    seconds: float


NO_ROOM = "no van has room or time left for it in a feasible plan"


def _soften(problem: RoutingProblem) -> RoutingProblem:
    """Make required stops optional at a penalty above any cost of serving one.

    A solver given an over-full day then still returns a feasible plan and leaves out
    what cannot fit, instead of returning nothing or a plan that breaks a rule.
    """
    st = problem.stops
    if not st.required.any():
        return problem
    finite = problem.distances_m[np.isfinite(problem.distances_m)]
    far = float(finite.max()) if finite.size else 0.0
    span = max(min(v.shift_end_s, 1e7) - v.shift_start_s for v in problem.fleet)
    worst = max(v.fixed_cost + 2 * far * v.cost_per_m + span * v.cost_per_s for v in problem.fleet)
    big = float(np.ceil(10 * worst + 1))
    penalty = np.where(st.required, np.maximum(st.penalty, big), st.penalty)
    soft = replace(st, required=np.zeros(len(st), dtype=bool), penalty=penalty)
    return replace(problem, stops=soft)


def _drop_infeasible(problem: RoutingProblem, sol: RoutingSolution) -> RoutingSolution:
    """Trim any route the checker rejects, reporting the stops taken off it.

    A backend that stops before finding a feasible plan must not hand back a wrong one:
    stops are taken off the end of a bad route until it passes.
    """
    routes = []
    unserved = dict(sol.unserved)
    for r in sol.routes:
        visits = list(r.visits)
        while visits and not _route_ok(problem, replace(r, visits=tuple(visits))):
            v = visits.pop()
            if v >= 0:
                unserved[problem.stops.ids[v]] = (
                    "taken off an infeasible route: no feasible place found within the budget"
                )
        while visits and visits[-1] < 0:
            visits.pop()
        if any(v >= 0 for v in visits):
            routes.append(replace(r, visits=tuple(visits)))
    return replace(sol, routes=tuple(routes), unserved=unserved, feasible=True)


def _route_ok(problem: RoutingProblem, route: PlannedRoute) -> bool:
    timed = time_route(problem, route)
    one = RoutingSolution(routes=(replace(route, break_after=timed.break_after),))
    # Checked alone, every other stop reads as lost; only this route's rules matter here.
    return not [v for v in check(problem, one).violations if "neither served" not in v]
