"""Solve a routing problem end to end: screen, solve, time, place breaks, check.

``plan`` is what services call: it never hands back a silently wrong plan. Stops no van
can serve are reported with their reason before the solver runs; after it, every route
is timed (on the time-dependent matrix when one is given), breaks are placed, and the
independent checker's verdict travels with the plan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from lastmile.routing.feasibility import FeasibilityReport, check
from lastmile.routing.problem import RoutingProblem
from lastmile.routing.schedule import DurationsAt, RouteSchedule, time_route
from lastmile.routing.screen import lift, restrict, restrict_initial, screen
from lastmile.routing.solution import RoutingSolution, Solver, StoppingBudget


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
        sub,
        stop=_Budget(remaining),
        seed=seed,
        initial=restrict_initial(initial, keep),
    )
    sol = lift(sub_sol, keep)
    unserved = {**reasons}
    for sid, why in sub_sol.unserved.items():
        unserved[sid] = why
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
