"""Vehicle routing: problem model, solver backends, checking, re-optimisation, scale.

- ``problem``: ``RoutingProblem`` (numpy-backed depots, stops, fleet, matrices).
- ``build``: a problem from domain Shipments / Vehicles / Warehouses, and domain Routes back.
- ``backends``: the ``Solver`` protocol's PyVRP (default), OR-Tools and VROOM backends.
- ``planner.plan``: screen, solve, time, place breaks, check; never a silently wrong plan.
- ``feasibility.check``: the independent checker.
- ``reoptimize``: re-planning in flight; ``decompose``: 10k-100k stops, with ``allocate``
  (stops to depots and vans to parts by workload) and ``insertion`` (the final repair that
  places every stop left over, across parts).
- ``vrplib_io``: VRPLIB instances in, VRPLIB solutions out.
"""

from lastmile.routing.feasibility import FeasibilityReport, check
from lastmile.routing.planner import Plan, plan
from lastmile.routing.problem import Depot, RoutingProblem, Stops, VehicleSpec
from lastmile.routing.solution import MaxSeconds, PlannedRoute, RoutingSolution, Solver

__all__ = [
    "Depot",
    "FeasibilityReport",
    "MaxSeconds",
    "Plan",
    "PlannedRoute",
    "RoutingProblem",
    "RoutingSolution",
    "Solver",
    "Stops",
    "VehicleSpec",
    "check",
    "plan",
]
