"""Problem validation, screening of unservable stops, and the independent checker."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lastmile.domain.errors import InvalidValue
from lastmile.routing.feasibility import check
from lastmile.routing.problem import VehicleSpec
from lastmile.routing.screen import lift, restrict, screen
from lastmile.routing.solution import PlannedRoute, RoutingSolution, reload_marker
from tests.unit.routing.routing_factories import grid_problem

XY = np.array([[10.0, 0.0], [20.0, 0.0], [0.0, 10.0], [0.0, 20.0]])


def test_empty_fleet_is_a_clear_error() -> None:
    with pytest.raises(InvalidValue, match="fleet"):
        grid_problem(XY, [1, 1, 1, 1], fleet=())


def test_negative_matrix_entry_is_a_clear_error() -> None:
    p = grid_problem(XY, [1, 1, 1, 1])
    bad = p.durations_s.copy()
    bad[1, 2] = -5
    with pytest.raises(InvalidValue, match=r"entry \(1, 2\) is negative"):
        replace(p, durations_s=bad)


def test_nan_matrix_entry_is_a_clear_error() -> None:
    p = grid_problem(XY, [1, 1, 1, 1])
    bad = p.distances_m.copy()
    bad[0, 3] = np.nan
    with pytest.raises(InvalidValue, match="NaN"):
        replace(p, distances_m=bad)


def test_non_square_matrix_is_a_clear_error() -> None:
    p = grid_problem(XY, [1, 1, 1, 1])
    with pytest.raises(InvalidValue, match="square"):
        replace(p, durations_s=p.durations_s[:, :-1])


def test_matrix_of_the_wrong_size_is_a_clear_error() -> None:
    p = grid_problem(XY, [1, 1, 1, 1])
    with pytest.raises(InvalidValue, match="locations"):
        replace(p, durations_s=p.durations_s[:-1, :-1], distances_m=p.distances_m[:-1, :-1])


def test_window_closing_before_any_van_arrives_is_unserved_with_reason() -> None:
    p = grid_problem(XY, [1, 1, 1, 1], windows=[(0, 5), (0, 1000), (0, 1000), (0, 1000)])
    keep, reasons = screen(p)
    assert list(keep) == [1, 2, 3]
    assert "window closes before any van can reach it" in reasons["s0"]


def test_parcel_bigger_than_every_van_is_unserved_with_reason() -> None:
    p = grid_problem(XY, [1, 50, 1, 1], capacity=10)
    keep, reasons = screen(p)
    assert 1 not in keep
    assert "bigger than every van" in reasons["s1"]
    assert "50 > 10" in reasons["s1"]


def test_stop_needing_a_skill_no_van_has_is_unserved_with_reason() -> None:
    skills = [frozenset(), frozenset({"refrigerated"}), frozenset(), frozenset()]
    p = grid_problem(XY, [1, 1, 1, 1], skills=skills)
    _, reasons = screen(p)
    assert reasons == {"s1": "no van has what it needs (refrigerated)"}


def test_stop_needing_a_skill_some_van_has_is_kept() -> None:
    skills = [frozenset(), frozenset({"lift"}), frozenset(), frozenset()]
    fleet = (
        VehicleSpec("plain", capacity=(10,)),
        VehicleSpec("lift", capacity=(10,), skills=frozenset({"lift"})),
    )
    keep, reasons = screen(grid_problem(XY, [1, 1, 1, 1], skills=skills, fleet=fleet))
    assert len(keep) == 4
    assert not reasons


def test_restrict_then_lift_maps_stops_back_to_their_indices() -> None:
    p = grid_problem(XY, [1, 1, 1, 1])
    keep = np.array([1, 3])
    sub = restrict(p, keep)
    assert sub.stops.ids == ("s1", "s3")
    sol = RoutingSolution(routes=(PlannedRoute(0, (1, 0)),))
    assert lift(sol, keep).routes[0].visits == (3, 1)


class TestChecker:
    def test_accepts_a_plan_within_every_rule(self) -> None:
        p = grid_problem(XY, [3, 3, 3, 3], capacity=6)
        sol = RoutingSolution(routes=(PlannedRoute(0, (0, 1)), PlannedRoute(0, (2, 3))))
        assert check(p, sol).ok

    def test_reports_a_route_over_capacity(self) -> None:
        p = grid_problem(XY, [3, 3, 3, 3], capacity=6)
        sol = RoutingSolution(routes=(PlannedRoute(0, (0, 1, 2, 3)),))
        assert any("over capacity" in v for v in check(p, sol).violations)

    def test_counts_capacity_per_trip_when_the_van_reloads(self) -> None:
        p = grid_problem(XY, [3, 3, 3, 3], capacity=6)
        p = replace(p, fleet=(replace(p.fleet[0], max_trips=2),))
        sol = RoutingSolution(routes=(PlannedRoute(0, (0, 1, reload_marker(0), 2, 3)),))
        assert check(p, sol).ok

    def test_reports_a_stop_served_twice(self) -> None:
        p = grid_problem(XY, [1, 1, 1, 1])
        sol = RoutingSolution(routes=(PlannedRoute(0, (0, 1, 2)), PlannedRoute(0, (2, 3))))
        assert any("served twice" in v for v in check(p, sol).violations)

    def test_reports_a_stop_that_is_lost(self) -> None:
        p = grid_problem(XY, [1, 1, 1, 1])
        sol = RoutingSolution(routes=(PlannedRoute(0, (0, 1, 2)),))
        assert any("lost" in v for v in check(p, sol).violations)

    def test_accepts_a_stop_reported_unserved(self) -> None:
        p = grid_problem(XY, [1, 1, 1, 1])
        sol = RoutingSolution(routes=(PlannedRoute(0, (0, 1, 2)),), unserved={"s3": "why"})
        assert check(p, sol).ok

    def test_reports_a_missed_window(self) -> None:
        p = grid_problem(XY, [1, 1, 1, 1], windows=[(0, 1000), (0, 1000), (0, 15), (0, 1000)])
        sol = RoutingSolution(routes=(PlannedRoute(0, (0, 1, 2, 3)),))
        assert any("'s2'" in v and "window" in v for v in check(p, sol).violations)

    def test_reports_a_van_missing_a_skill(self) -> None:
        skills = [frozenset({"cold"}), frozenset(), frozenset(), frozenset()]
        p = grid_problem(XY, [1, 1, 1, 1], skills=skills)
        sol = RoutingSolution(routes=(PlannedRoute(0, (0, 1, 2, 3)),))
        assert any("needs cold" in v for v in check(p, sol).violations)

    def test_reports_a_shift_ending_before_the_van_returns(self) -> None:
        p = grid_problem(XY, [1, 1, 1, 1], shift_end=50)
        sol = RoutingSolution(routes=(PlannedRoute(0, (0, 1, 2, 3)),))
        assert any("shift ends" in v for v in check(p, sol).violations)

    def test_reports_more_routes_than_vans(self) -> None:
        p = grid_problem(XY, [1, 1, 1, 1], vans=1)
        sol = RoutingSolution(routes=(PlannedRoute(0, (0, 1)), PlannedRoute(0, (2, 3))))
        assert any("only 1 vans" in v for v in check(p, sol).violations)

    def test_reports_a_missing_break(self) -> None:
        spec = VehicleSpec("van", capacity=(10,), break_window=(10.0, 20.0), break_s=30.0)
        p = grid_problem(XY, [1, 1, 1, 1], fleet=(spec,))
        sol = RoutingSolution(routes=(PlannedRoute(0, (0, 1, 2, 3)),))
        assert any("no break" in v for v in check(p, sol).violations)

    def test_accepts_a_break_taken_inside_its_window(self) -> None:
        spec = VehicleSpec("van", capacity=(10,), break_window=(10.0, 20.0), break_s=30.0)
        p = grid_problem(XY, [1, 1, 1, 1], fleet=(spec,))
        sol = RoutingSolution(routes=(PlannedRoute(0, (0, 1, 2, 3), break_after=0),))
        assert check(p, sol).ok
