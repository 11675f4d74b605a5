"""plan_routes on hand-written fakes: merging, unserved reasons, mapping to domain Routes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
import pytest

from lastmile.domain.errors import InvalidValue
from lastmile.domain.geo import GeoPoint
from lastmile.geo.travel import TravelMatrix, haversine_matrix_m
from lastmile.routing.build import build_problem
from lastmile.routing.problem import RoutingProblem
from lastmile.routing.solution import PlannedRoute, RoutingSolution, StoppingBudget
from lastmile.services.planning import plan_routes
from tests.unit.routing.routing_factories import DAY, shipment, van, warehouse


class FakeTravel:
    """Straight-line metres, 10 m/s, no warning; slower by ``rush`` in hour 1."""

    def __init__(self, rush: float = 1.0) -> None:
        self.rush = rush
        self.calls: list[datetime | None] = []

    def matrix(
        self, points: Sequence[GeoPoint], *, depart_at: datetime | None = None
    ) -> TravelMatrix:
        self.calls.append(depart_at)
        lat = np.array([p.lat for p in points])
        lon = np.array([p.lon for p in points])
        dist = haversine_matrix_m(lat, lon)
        slow = self.rush if depart_at is not None and depart_at >= DAY + timedelta(hours=1) else 1
        return TravelMatrix(durations_s=dist / 10.0 * slow, distances_m=dist)


class FakeSolver:
    """Puts every stop on the first van, in index order (a deliberately naive plan)."""

    name = "fake"

    def solve(
        self,
        problem: RoutingProblem,
        *,
        stop: StoppingBudget,
        seed: int,
        initial: RoutingSolution | None = None,
    ) -> RoutingSolution:
        visits = tuple(range(problem.num_stops))
        return RoutingSolution(routes=(PlannedRoute(0, visits),) if visits else (), solver="fake")


def _plan(ships, vans=None, **kw):  # type: ignore[no-untyped-def]
    return plan_routes(
        shipments=ships,
        vehicles=[van("v1")] if vans is None else vans,
        warehouses=[warehouse()],
        travel=kw.pop("travel", FakeTravel()),
        depart_at=DAY,
        solver=FakeSolver(),
        seconds=0.1,
        seed=1,
        **kw,
    )


def test_shipments_to_the_same_building_become_one_stop_with_longer_service() -> None:
    ships = [
        shipment("a", 39.30, -76.60, house="12", parcels=2),
        shipment("b", 39.30, -76.60, house="12", parcels=3),
        shipment("c", 39.31, -76.62),
    ]
    problem, index = build_problem(
        shipments=ships,
        vehicles=[van("v1")],
        warehouses=[warehouse()],
        travel=FakeTravel(),
        depart_at=DAY,
    )
    assert problem.num_stops == 2
    assert index.shipment_ids[0] == ("a", "b")
    assert problem.stops.demand[0, 2] == 5
    assert problem.stops.service_s[0] == 60 + 20 * 5
    assert problem.stops.service_s[1] == 60 + 20 * 1


def test_plan_maps_to_domain_routes_with_times_loads_and_costs() -> None:
    ships = [shipment("a", 39.30, -76.60, kg=4), shipment("b", 39.31, -76.62, kg=6)]
    result = _plan(ships)
    assert result.feasible
    (route,) = result.routes
    assert [s.shipment_ids for s in route.stops] == [["a"], ["b"]]
    assert route.stops[0].arrival < route.stops[0].departure <= route.stops[1].arrival
    assert route.stops[0].load_kg == pytest.approx(6)
    assert route.stops[1].load_kg == pytest.approx(0)
    assert route.cost > 0 and route.co2_kg > 0
    assert result.cost_per_parcel == pytest.approx(result.cost / 2)


def test_parcel_bigger_than_every_van_is_reported_not_planned() -> None:
    result = _plan([shipment("big", 39.30, -76.60, kg=900), shipment("ok", 39.31, -76.6)])
    assert "bigger than every van" in result.unserved["big"]
    assert [s.shipment_ids for r in result.routes for s in r.stops] == [["ok"]]


def test_window_no_van_can_reach_is_reported_not_planned() -> None:
    far = shipment("far", 40.5, -76.60, window=(0.0, 0.1))
    result = _plan([far, shipment("ok", 39.31, -76.6)])
    assert "window closes before any van can reach it" in result.unserved["far"]


def test_shipment_without_geocode_is_reported_not_planned() -> None:
    s = shipment("nogeo", 39.3, -76.6)
    s.address = type(s.address)(raw="somewhere", parts={}, geocode=None)
    result = _plan([s, shipment("ok", 39.31, -76.6)])
    assert "no geocode" in result.unserved["nogeo"]


def test_empty_fleet_is_a_clear_error() -> None:
    with pytest.raises(InvalidValue, match="fleet"):
        _plan([shipment("a", 39.3, -76.6)], vans=[])


def test_skill_required_by_a_shipment_keeps_it_off_vans_without_it() -> None:
    result = _plan(
        [shipment("cold", 39.30, -76.60), shipment("ok", 39.31, -76.6)],
        required_skills={"cold": frozenset({"refrigerated"})},
    )
    assert result.unserved == {"cold": "no van has what it needs (refrigerated)"}


def test_driver_break_is_reported_inside_its_window() -> None:
    ships = [shipment(f"s{i}", 39.30 + 0.01 * i, -76.60) for i in range(6)]
    result = _plan(ships, vans=[van("v1", break_at=(0.2, 0.4))])
    assert result.feasible, result.violations
    (start,) = result.breaks.values()
    assert DAY + timedelta(hours=0.2) <= start <= DAY + timedelta(hours=0.4)


def test_time_dependent_retiming_reports_late_stops_on_the_slow_hour() -> None:
    ships = [
        shipment("a", 39.30, -76.60, window=(1.0, 2.0)),
        shipment("b", 39.40, -76.60, window=(0.0, 1.5)),
    ]
    static = _plan(ships)
    assert static.feasible and not static.late
    rush = _plan(ships, travel=FakeTravel(rush=5.0), time_dependent=True)
    assert "b" in rush.late
    assert not rush.feasible
