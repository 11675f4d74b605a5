"""The decomposed city-scale plan, solved for real: no stop dropped while vans have room."""

from __future__ import annotations

import numpy as np

from lastmile.routing.decompose import EuclideanMatrix, LargeInstance, solve_large
from lastmile.routing.insertion import FULL
from lastmile.routing.problem import Depot, Stops, VehicleSpec


def _crowded_depot(vans_b: int, n: int = 120) -> LargeInstance:
    """Every stop near depot A, which has 2 vans of 15; depot B, 150 away, has ``vans_b``."""
    rng = np.random.default_rng(3)
    coords = np.vstack([[[0.0, 0.0], [150.0, 0.0]], rng.uniform(-25, 25, (n, 2))])
    stops = Stops.build([f"s{i}" for i in range(n)], [[1]] * n, service_s=[5.0] * n)
    fleet = (
        VehicleSpec("a", capacity=(15,), start_depot=0, end_depot=0, count=2, shift_end_s=4000),
        VehicleSpec(
            "b", capacity=(15,), start_depot=1, end_depot=1, count=vans_b, shift_end_s=4000
        ),
    )
    return LargeInstance(
        (Depot("A", 0), Depot("B", 1)), stops, fleet, coords, EuclideanMatrix(coords), ("parcels",)
    )


def test_an_oversubscribed_depot_still_has_every_stop_served_when_the_fleet_has_room() -> None:
    res = solve_large(_crowded_depot(vans_b=8), seconds=3.0, part_size=40, workers=1)
    assert res.ok, res.violations
    assert res.solution.unserved == {}
    served = sorted(s for r in res.solution.routes for s in r.stops)
    assert served == list(range(120))


def test_stops_beyond_the_whole_fleets_capacity_are_reported_over_capacity() -> None:
    # 2 + 5 vans of 15 carry 105 of the 120 parcels: 15 stops cannot go.
    res = solve_large(_crowded_depot(vans_b=5), seconds=3.0, part_size=40, workers=1)
    assert res.ok, res.violations
    served = [s for r in res.solution.routes for s in r.stops]
    assert len(served) == 105
    assert len(res.solution.unserved) == 15
    assert set(res.solution.unserved.values()) == {FULL}


def test_a_stop_no_route_has_room_for_is_served_by_a_spare_van() -> None:
    from lastmile.routing.decompose import _solve_part, _Task
    from lastmile.routing.insertion import repair_unserved
    from lastmile.routing.solution import PlannedRoute

    inst = _crowded_depot(vans_b=1, n=16)
    full = (PlannedRoute(0, tuple(range(15))),)  # van "a" carries 15 of 15

    def spare(idx: np.ndarray, counts: tuple[int, ...], seconds: float):  # type: ignore[no-untyped-def]
        return _solve_part(_Task(inst, idx, counts, seconds, 1, ()))

    out = repair_unserved(inst, full, {"s15": "x"}, seconds=0.5, seed=1, solve_spare=spare)
    assert out.unserved == {}
    assert out.by_spare_vans == 1
    assert len(out.routes) == 2 and out.routes[1].stops == (15,)
