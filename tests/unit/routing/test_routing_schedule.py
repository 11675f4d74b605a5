"""Timing routes: waits, loads, breaks, and re-timing on an hour-dependent matrix."""

from __future__ import annotations

import numpy as np

from lastmile.routing.feasibility import check
from lastmile.routing.problem import VehicleSpec
from lastmile.routing.schedule import time_route
from lastmile.routing.solution import PlannedRoute, RoutingSolution
from tests.unit.routing.routing_factories import grid_problem

XY = np.array([[10.0, 0.0], [20.0, 0.0], [30.0, 0.0]])


def test_van_leaves_late_enough_not_to_wait_at_the_first_stop() -> None:
    p = grid_problem(XY, [1, 1, 1], windows=[(100, 200), (0, 1000), (0, 1000)], service=0)
    s = time_route(p, PlannedRoute(0, (0, 1, 2)))
    assert s.depart == 90
    assert s.visits[0].start == 100
    assert s.visits[0].waiting == 0


def test_load_drops_by_each_delivery() -> None:
    p = grid_problem(XY, [2, 3, 4])
    s = time_route(p, PlannedRoute(0, (0, 1, 2)))
    assert [v.load for v in s.visits] == [(7,), (4,), (0,)]


def test_break_is_placed_inside_its_window_and_delays_what_follows() -> None:
    spec = VehicleSpec("van", capacity=(10,), break_window=(15.0, 40.0), break_s=100.0)
    p = grid_problem(XY, [1, 1, 1], fleet=(spec,), service=5)
    s = time_route(p, PlannedRoute(0, (0, 1, 2)))
    assert s.break_start is not None and 15 <= s.break_start <= 40
    assert s.visits[-1].start > 100
    assert check(p, RoutingSolution(routes=(PlannedRoute(0, (0, 1, 2), s.break_after),))).ok


def test_retiming_on_a_slower_hour_reports_lateness() -> None:
    p = grid_problem(XY, [1, 1, 1], windows=[(0, 10), (0, 25), (0, 40)], service=0)
    assert time_route(p, PlannedRoute(0, (0, 1, 2))).feasible
    slow = time_route(p, PlannedRoute(0, (0, 1, 2)), durations_at=lambda h: p.durations_s * 2)
    assert not slow.feasible
    assert slow.visits[-1].late_by == 20


def test_cost_and_co2_follow_distance_and_time() -> None:
    spec = VehicleSpec(
        "van", capacity=(10,), fixed_cost=5, cost_per_m=0.5, cost_per_s=0.1, co2_g_per_m=2
    )
    p = grid_problem(XY, [1, 1, 1], fleet=(spec,), service=0)
    s = time_route(p, PlannedRoute(0, (0, 1, 2)))
    assert s.distance == 60
    assert s.co2_g == 120
    assert s.cost == 5 + 0.5 * 60 + 0.1 * s.duration
