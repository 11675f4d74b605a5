"""The real backends on small instances: every plan passes the independent checker."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lastmile.routing.backends import ORToolsSolver, PyVRPSolver, VroomSolver, make_solver
from lastmile.routing.feasibility import check
from lastmile.routing.planner import plan
from lastmile.routing.problem import VehicleSpec
from lastmile.routing.solution import MaxSeconds, PlannedRoute, RoutingSolution
from lastmile.routing.vrplib_io import format_solution, read_instance, total_distance
from tests.unit.routing.routing_factories import grid_problem

# Small instances, but the test machine may be busy: budgets leave room for a slow start.
BUDGET = MaxSeconds(0.5)


@st.composite
def small_problems(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    n = draw(st.integers(3, 12))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-50, 50, (n, 2))
    demand = rng.integers(1, 6, n).tolist()
    opens = rng.uniform(0, 300, n)
    widths = rng.uniform(20, 400, n)
    windows = [(float(a), float(a + w)) for a, w in zip(opens, widths, strict=True)]
    skills = [frozenset({"cold"}) if rng.random() < 0.2 else frozenset() for _ in range(n)]
    fleet = (
        VehicleSpec("plain", capacity=(10,), count=2, shift_end_s=1500),
        VehicleSpec("cold", capacity=(8,), count=1, shift_end_s=1500, skills=frozenset({"cold"})),
    )
    return grid_problem(xy, demand, windows=windows, skills=skills, fleet=fleet)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=small_problems())
def test_every_pyvrp_plan_passes_the_checker_and_serves_each_stop_once(problem) -> None:  # type: ignore[no-untyped-def]
    result = plan(problem, PyVRPSolver(), stop=MaxSeconds(0.1), seed=1)
    assert result.report.ok, result.report.violations
    served = result.solution.served()
    assert len(served) == len(set(served))
    assert set(problem.stops.ids) == {problem.stops.ids[i] for i in served} | set(
        result.solution.unserved
    )


@pytest.mark.parametrize("solver", [ORToolsSolver(), VroomSolver()], ids=lambda s: s.name)
def test_peer_backends_plans_pass_the_checker(solver) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(4)
    problem = grid_problem(rng.uniform(-50, 50, (15, 2)), [1] * 15, capacity=6, vans=4)
    sol = solver.solve(problem, stop=MaxSeconds(1.0), seed=1)
    assert check(problem, sol).ok
    assert not sol.unserved


def test_alternative_windows_are_honoured() -> None:
    xy = np.array([[10.0, 0.0], [0.0, 10.0]])
    problem = grid_problem(xy, [1, 1], service=0)
    wins = (((500.0, 520.0), (5.0, 30.0)), ((0.0, 1000.0),))
    problem = replace(problem, stops=replace(problem.stops, windows=wins))
    result = plan(problem, PyVRPSolver(), stop=BUDGET, seed=1)
    assert result.report.ok and not result.solution.unserved


def test_skills_keep_stops_on_vans_that_have_them() -> None:
    rng = np.random.default_rng(2)
    skills = [frozenset({"lift"}) if i % 3 == 0 else frozenset() for i in range(12)]
    fleet = (
        VehicleSpec("plain", capacity=(20,), count=2),
        VehicleSpec("lift", capacity=(20,), skills=frozenset({"lift"})),
    )
    problem = grid_problem(rng.uniform(-50, 50, (12, 2)), [1] * 12, skills=skills, fleet=fleet)
    result = plan(problem, PyVRPSolver(), stop=BUDGET, seed=1)
    assert result.report.ok
    for r in result.solution.routes:
        if r.vehicle == 0:
            assert not any(problem.stops.skills[s] for s in r.stops)


def test_small_fleet_makes_several_trips_with_reloads() -> None:
    rng = np.random.default_rng(3)
    problem = grid_problem(rng.uniform(-30, 30, (12, 2)), [2] * 12, capacity=8, vans=1)
    problem = replace(problem, fleet=(replace(problem.fleet[0], max_trips=4),))
    result = plan(problem, PyVRPSolver(), stop=BUDGET, seed=1)
    assert result.report.ok and not result.solution.unserved
    (route,) = result.solution.routes
    assert sum(1 for v in route.visits if v < 0) >= 2


def test_warm_start_from_a_previous_plan_is_accepted() -> None:
    rng = np.random.default_rng(5)
    problem = grid_problem(rng.uniform(-50, 50, (10, 2)), [1] * 10, vans=2)
    first = PyVRPSolver().solve(problem, stop=BUDGET, seed=1)
    again = PyVRPSolver().solve(problem, stop=BUDGET, seed=2, initial=first)
    assert check(problem, again).ok
    assert again.cost <= first.cost


def test_solver_names_resolve_and_unknown_ones_are_refused() -> None:
    assert make_solver("pyvrp").name == "pyvrp"
    with pytest.raises(ValueError, match="not understood"):
        make_solver("gurobi")


def test_solomon_instance_reads_in_dimacs_convention_and_round_trips(shared_dir: Path) -> None:
    problem = read_instance(shared_dir / "benchmarks/solomon/vrplib/C101.vrp")
    assert problem.num_stops == 100 and problem.scale == 10
    bks = (shared_dir / "benchmarks/solomon/vrplib/C101.sol").read_text().splitlines()
    routes = tuple(
        PlannedRoute(0, tuple(int(x) - 1 for x in line.split(":")[1].split()))
        for line in bks
        if line.startswith("Route")
    )
    sol = RoutingSolution(routes=routes)
    assert check(problem, sol).ok
    assert total_distance(problem, sol) == pytest.approx(827.3)
    assert format_solution(problem, sol).splitlines()[-1] == "Cost 827.3"


def test_cvrp_instance_is_read_with_cvrplib_rounding(tmp_path: Path) -> None:
    vrp = tmp_path / "tiny.vrp"
    vrp.write_text(
        "NAME : tiny\nTYPE : CVRP\nDIMENSION : 4\nCAPACITY : 10\nEDGE_WEIGHT_TYPE : EUC_2D\n"
        "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 8\n4 -3 -4\n"
        "DEMAND_SECTION\n1 0\n2 4\n3 4\n4 4\nDEPOT_SECTION\n1\n-1\nEOF\n"
    )
    problem = read_instance(vrp)
    sol = PyVRPSolver().solve(problem, stop=BUDGET, seed=1)
    assert check(problem, sol).ok
    assert total_distance(problem, sol) == pytest.approx(30)
