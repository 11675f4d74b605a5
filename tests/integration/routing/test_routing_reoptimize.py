"""Re-optimisation in flight, and the decomposition used at city scale."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lastmile.routing.backends import PyVRPSolver
from lastmile.routing.decompose import EuclideanMatrix, LargeInstance, solve_large
from lastmile.routing.planner import plan
from lastmile.routing.problem import Depot, Stops, VehicleSpec
from lastmile.routing.reoptimize import VanState, reoptimize
from lastmile.routing.solution import MaxSeconds
from tests.unit.routing.routing_factories import grid_problem


def _day(seed: int, n: int = 16, vans: int = 3):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    p = grid_problem(rng.uniform(-50, 50, (n, 2)), [1] * n, shift_end=3000)
    fleet = tuple(VehicleSpec(f"v{k}", capacity=(8,), shift_end_s=3000) for k in range(vans))
    return replace(p, fleet=fleet)


def _midday(p, first, done_count: int):  # type: ignore[no-untyped-def]
    states = []
    for r, s in zip(first.solution.routes, first.schedules, strict=True):
        k = min(done_count, len(r.visits) - 1)
        states.append(
            VanState(
                p.fleet[r.vehicle].name,
                location=p.location_of_stop(r.visits[k - 1]) if k else 0,
                time_s=s.visits[k - 1].departure if k else s.depart,
                on_board=frozenset(r.visits[k:]),
                done=tuple(r.visits[:k]),
            )
        )
    return states


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 1000), done=st.integers(0, 3), broken=st.booleans())
def test_reoptimisation_keeps_done_stops_and_parcels_on_their_van(seed, done, broken) -> None:  # type: ignore[no-untyped-def]
    p = _day(seed)
    first = plan(p, PyVRPSolver(), stop=MaxSeconds(0.1), seed=1)
    states = _midday(p, first, done)
    if broken and states:
        states[0] = replace(states[0], broken=True)
    now = max(s.time_s for s in states)
    ro = reoptimize(
        p,
        first.solution,
        states,
        now=now,
        solver=PyVRPSolver(),
        stop=MaxSeconds(0.1),
        seed=1,
        recovery_s=30,
    )
    assert ro.plan.report.ok, ro.plan.report.violations
    for s in states:
        if s.broken:
            continue
        full = ro.full_routes.get(s.vehicle, ())
        assert full[: len(s.done)] == s.done  # completed stops fixed, in order
        assert set(s.on_board) <= set(full)  # what it carries stays on it
    done_all = [i for s in states for i in s.done]
    planned = [v for r in ro.plan.solution.routes for v in r.stops]
    assert not set(done_all) & {ro.stop_index[v] for v in planned}
    counted = [i for full in ro.full_routes.values() for i in full if i >= 0]
    assert len(counted) == len(set(counted))


def test_new_order_goes_to_a_van_at_the_depot_or_one_that_returns() -> None:
    p = _day(7, n=10, vans=2)
    first = plan(p, PyVRPSolver(), stop=MaxSeconds(0.2), seed=1)
    states = _midday(p, first, 1)
    xy = np.vstack([p.coords[1:], [[5.0, 5.0]]])
    bigger = replace(grid_problem(xy, [1] * 11, shift_end=3000), fleet=p.fleet)
    now = max(s.time_s for s in states)
    ro = reoptimize(
        bigger,
        first.solution,
        states,
        now=now,
        solver=PyVRPSolver(),
        stop=MaxSeconds(0.2),
        seed=1,
    )
    assert ro.plan.report.ok
    (holder,) = [name for name, full in ro.full_routes.items() if 10 in full]
    full = ro.full_routes[holder]
    state = next((s for s in states if s.vehicle == holder), None)
    if state is not None:  # a van on the road must reload before delivering it
        assert any(v < 0 for v in full[: full.index(10)])


def test_cancelled_stop_is_dropped_and_reported() -> None:
    p = _day(9, n=8, vans=2)
    first = plan(p, PyVRPSolver(), stop=MaxSeconds(0.2), seed=1)
    states = _midday(p, first, 1)
    target = first.solution.routes[0].visits[-1]
    ro = reoptimize(
        p,
        first.solution,
        states,
        now=max(s.time_s for s in states),
        solver=PyVRPSolver(),
        stop=MaxSeconds(0.2),
        seed=1,
        cancelled=frozenset({target}),
    )
    assert ro.unserved[p.stops.ids[target]] == "cancelled"
    assert all(target not in full for full in ro.full_routes.values())


def test_unchanged_day_moves_no_stop_between_vans() -> None:
    p = _day(11, n=12, vans=3)
    first = plan(p, PyVRPSolver(), stop=MaxSeconds(0.3), seed=1)
    ro = reoptimize(
        p, first.solution, [], now=0.0, solver=PyVRPSolver(), stop=MaxSeconds(0.3), seed=1
    )
    assert ro.moved_count == 0


def test_decomposed_plan_serves_each_stop_once_within_van_counts() -> None:
    rng = np.random.default_rng(0)
    n = 240
    coords = np.vstack([[[0.0, 0.0], [200.0, 0.0]], rng.uniform(-100, 300, (n, 2))])
    stops = Stops.build([f"s{i}" for i in range(n)], [[1]] * n, service_s=[5.0] * n)
    fleet = tuple(
        VehicleSpec(f"d{k}", capacity=(15,), start_depot=k, end_depot=k, count=12) for k in range(2)
    )
    inst = LargeInstance(
        (Depot("A", 0), Depot("B", 1)), stops, fleet, coords, EuclideanMatrix(coords), ("parcels",)
    )
    res = solve_large(inst, seconds=2.0, part_size=60, workers=1)
    assert res.ok, res.violations
    assert res.parts[0] >= 4 and res.parts[1] >= 1
    served = [s for r in res.solution.routes for s in r.stops]
    assert len(served) + len(res.solution.unserved) == n
