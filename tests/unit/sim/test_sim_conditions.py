"""Travel on the simulated day: hour, rain and closure on top of the matrices."""

from __future__ import annotations

import numpy as np
import pytest

from lastmile.domain import GeoPoint
from lastmile.geo.travel import TravelMatrix
from lastmile.sim.conditions import Closure, DayTravel, Weather

POINTS = [GeoPoint(39.27, -76.56), GeoPoint(39.28, -76.55), GeoPoint(39.29, -76.54)]
OPEN = TravelMatrix(
    np.full((3, 3), 600.0) - np.eye(3) * 600.0, np.full((3, 3), 5000.0) - np.eye(3) * 5000.0
)
CLOSED = TravelMatrix(OPEN.durations_s * 2.0, OPEN.distances_m * 1.5)


def _travel(**kwargs: object) -> DayTravel:
    return DayTravel(POINTS, OPEN, noise_sd=0.0, **kwargs)  # type: ignore[arg-type]


def test_rain_slows_legs_only_while_it_rains() -> None:
    travel = _travel(weather=Weather(11 * 3600.0, 12 * 3600.0, 1.25))
    assert travel.leg(0, 1, 10 * 3600.0)[0] == pytest.approx(600.0)
    assert travel.leg(0, 1, 11.5 * 3600.0)[0] == pytest.approx(750.0)


def test_a_closure_prices_legs_on_the_closed_matrix_while_active() -> None:
    travel = _travel(closure=Closure(11 * 3600.0, 16 * 3600.0, "Fort Avenue", CLOSED))
    assert travel.leg(0, 2, 10 * 3600.0) == pytest.approx((600.0, 5000.0))
    assert travel.leg(0, 2, 12 * 3600.0) == pytest.approx((1200.0, 7500.0))
    assert travel.planned_leg_s(0, 2, 12 * 3600.0, known_at=7 * 3600.0) == pytest.approx(600.0)
    assert travel.planned_leg_s(0, 2, 12 * 3600.0, known_at=11 * 3600.0) == pytest.approx(1200.0)


def test_hour_factors_scale_planned_and_actual_legs_alike() -> None:
    hours = np.ones(24)
    hours[8] = 1.3
    travel = _travel(hour_factors=hours)
    assert travel.planned_leg_s(0, 1, 8.5 * 3600.0, known_at=0.0) == pytest.approx(780.0)
    assert travel.leg(0, 1, 8.5 * 3600.0)[0] == pytest.approx(780.0)


def test_leg_noise_is_the_same_for_the_same_seed() -> None:
    a = DayTravel(POINTS, OPEN, seed=3)
    b = DayTravel(POINTS, OPEN, seed=3)
    assert a.leg(0, 1, 36000.0) == b.leg(0, 1, 36000.0)


def test_planners_learn_of_the_rain_only_when_it_is_announced() -> None:
    travel = _travel(weather=Weather(11 * 3600.0, 12 * 3600.0, 1.25))
    assert travel.planned_leg_s(0, 1, 11.5 * 3600.0, known_at=8 * 3600.0) == pytest.approx(600.0)
    assert travel.planned_leg_s(0, 1, 11.5 * 3600.0, known_at=11 * 3600.0) == pytest.approx(750.0)


def test_known_points_are_found_by_position() -> None:
    assert _travel().index(GeoPoint(39.28, -76.55)) == 1
    assert _travel().index(GeoPoint(0.0, 0.0)) is None
