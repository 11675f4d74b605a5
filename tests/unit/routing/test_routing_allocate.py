"""Sharing a decomposed day among depots and parts, and repairing what is left unserved."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.routing.allocate import assign_depots, share_vans, workload
from lastmile.routing.decompose import EuclideanMatrix, LargeInstance, PartResult
from lastmile.routing.insertion import FULL, NO_ROUTE, repair_unserved
from lastmile.routing.problem import Depot, Stops, VehicleSpec
from lastmile.routing.solution import PlannedRoute


def _two_depots(
    xy: np.ndarray,
    *,
    vans: tuple[int, int] = (2, 2),
    capacity: int = 10,
    demand: list[int] | None = None,
    windows: list[tuple[float, float]] | None = None,
) -> LargeInstance:
    """Depot A at (0, 0), depot B at (100, 0); stops at ``xy``; 1 unit/s."""
    n = len(xy)
    coords = np.vstack([[[0.0, 0.0], [100.0, 0.0]], np.asarray(xy, float)])
    stops = Stops.build(
        [f"s{i}" for i in range(n)],
        [[d] for d in (demand or [1] * n)],
        service_s=[5.0] * n,
        windows=[(w,) for w in windows] if windows else None,
    )
    fleet = tuple(
        VehicleSpec(
            f"v{k}", capacity=(capacity,), start_depot=k, end_depot=k, count=c, shift_end_s=2000
        )
        for k, c in enumerate(vans)
    )
    return LargeInstance(
        (Depot("A", 0), Depot("B", 1)), stops, fleet, coords, EuclideanMatrix(coords), ("parcels",)
    )


def test_stops_overflow_to_the_next_depot_when_the_nearest_has_too_few_vans() -> None:
    # 30 parcels sit next to depot A, whose one van holds 10; B's three vans are idle.
    xy = np.column_stack([np.linspace(1, 20, 30), np.zeros(30)])
    inst = _two_depots(xy, vans=(1, 3))
    near = assign_depots(inst, workload(inst), [0, 1])
    on_a = int((near == 0).sum())
    assert 0 < on_a <= 10
    # Those kept at A are the ones B would reach least easily.
    assert xy[near == 0, 0].max() <= xy[near == 1, 0].min()


def test_every_stop_goes_to_its_nearest_depot_when_vans_have_room() -> None:
    xy = np.array([[5.0, 0.0], [10.0, 3.0], [95.0, 0.0], [90.0, -2.0]])
    inst = _two_depots(xy, vans=(2, 2))
    assert assign_depots(inst, workload(inst), [0, 1]).tolist() == [0, 0, 1, 1]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.0, 50.0), min_size=1, max_size=8),
    st.integers(1, 40),
)
def test_vans_are_shared_out_in_full_and_follow_need(need: list[float], vans: int) -> None:
    fleet = [VehicleSpec("v", capacity=(10,), count=vans)]
    counts = share_vans(fleet, [0], np.array(need))
    given_out = [c[0] for c in counts]
    assert sum(given_out) == vans
    if vans >= len(need):
        assert all(g >= 1 for g, n in zip(given_out, need, strict=True) if n > 0)


def _fake_spare(result: PartResult, calls: list[tuple[tuple[int, ...], tuple[int, ...]]]):  # type: ignore[no-untyped-def]
    def solve(idx: np.ndarray, counts: tuple[int, ...], seconds: float) -> PartResult:
        calls.append((tuple(int(i) for i in idx), counts))
        return result

    return solve


def test_an_unserved_stop_is_inserted_into_a_route_of_another_part_with_room() -> None:
    xy = np.array([[10.0, 0.0], [20.0, 0.0], [30.0, 0.0], [25.0, 1.0]])
    inst = _two_depots(xy, vans=(1, 1))
    routes = (PlannedRoute(0, (0, 1, 2)),)
    out = repair_unserved(inst, routes, {"s3": "part ran out of vans"}, seconds=0.0, seed=1)
    assert out.unserved == {}
    assert out.inserted == 1
    assert sorted(out.routes[0].visits) == [0, 1, 2, 3]
    # Cheapest place: between the stops at x=20 and x=30.
    assert out.routes[0].visits == (0, 1, 3, 2)


def test_a_stop_is_not_inserted_where_it_would_make_another_stop_late() -> None:
    xy = np.array([[10.0, 0.0], [20.0, 0.0], [15.0, 40.0]])
    # s1 must be served by t=25: a detour to s2 first would break its window.
    inst = _two_depots(xy, vans=(1, 1), windows=[(0, 2000), (0, 25), (0, 2000)])
    routes = (PlannedRoute(0, (0, 1)),)
    out = repair_unserved(inst, routes, {"s2": "x"}, seconds=0.0, seed=1)
    assert out.unserved == {}
    assert out.routes[0].visits[:2] == (0, 1)


def test_what_no_route_can_take_is_solved_again_with_the_spare_vans() -> None:
    xy = np.array([[10.0, 0.0], [20.0, 0.0], [90.0, 0.0]])
    inst = _two_depots(xy, vans=(1, 2), capacity=2, demand=[1, 1, 2])
    calls: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    spare = PartResult((PlannedRoute(1, (2,)),), {}, 0.0, (), 1, 0.0)
    out = repair_unserved(
        inst,
        (PlannedRoute(0, (0, 1)), PlannedRoute(1, ())),
        {"s2": "x"},
        seconds=1.0,
        seed=1,
        solve_spare=_fake_spare(spare, calls),
    )
    assert calls == [((2,), (0, 1))]  # only the van of B no route uses
    assert out.unserved == {}
    assert out.by_spare_vans == 1


def test_a_stop_left_when_every_van_is_full_is_reported_over_capacity() -> None:
    xy = np.array([[10.0, 0.0], [20.0, 0.0], [90.0, 0.0], [95.0, 0.0]])
    inst = _two_depots(xy, vans=(1, 1), capacity=2, demand=[1, 1, 2, 1])
    routes = (PlannedRoute(0, (0, 1)), PlannedRoute(1, (2,)))
    out = repair_unserved(inst, routes, {"s3": "x"}, seconds=1.0, seed=1, solve_spare=None)
    assert out.unserved == {"s3": FULL}


def test_a_stop_no_van_could_ever_serve_keeps_its_own_reason() -> None:
    xy = np.array([[10.0, 0.0], [50.0, 0.0], [60.0, 0.0]])
    inst = _two_depots(xy, vans=(1, 1), capacity=5, demand=[1, 9, 1], windows=None)
    inst_late = _two_depots(xy, vans=(1, 1), windows=[(0, 2000), (0, 2000), (0, 3)])
    big = repair_unserved(inst, (PlannedRoute(0, (0,)),), {"s1": "x"}, seconds=0.0, seed=1)
    late = repair_unserved(inst_late, (PlannedRoute(0, (0,)),), {"s2": "x"}, seconds=0.0, seed=1)
    assert big.unserved["s1"].startswith("bigger than every van")
    assert "time window closes" in late.unserved["s2"]


def test_a_stop_left_with_spare_vans_never_asked_says_so() -> None:
    xy = np.array([[10.0, 0.0], [20.0, 0.0], [90.0, 0.0], [95.0, 0.0]])
    inst = _two_depots(xy, vans=(1, 2), capacity=2, demand=[1, 1, 2, 1])
    routes = (PlannedRoute(0, (0, 1)), PlannedRoute(1, (2,)))
    out = repair_unserved(inst, routes, {"s3": "x"}, seconds=1.0, seed=1, solve_spare=None)
    assert out.unserved == {"s3": NO_ROUTE}
