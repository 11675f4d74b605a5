"""Disruptions applied pair by pair to a straight-line matrix."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np

from lastmile.domain import GeoPoint
from lastmile.geo.travel import HaversineTravelTimes
from lastmile.tracking.disruptions import (
    Area,
    DisruptedTravelTimes,
    Disruption,
    DisruptionKind,
    DisruptionSet,
)

T0 = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
CLOSED = Area.from_geojson([[-76.60, 39.28], [-76.58, 39.28], [-76.58, 39.30], [-76.60, 39.30]])


def test_two_stops_at_one_door_inside_a_closure_stay_zero_apart_and_never_nan() -> None:
    inside = GeoPoint(39.29, -76.59)
    outside = GeoPoint(39.32, -76.62)
    closure = Disruption("d-1", DisruptionKind.CLOSURE, CLOSED, math.inf, T0)
    travel = DisruptedTravelTimes(HaversineTravelTimes(warn=False), DisruptionSet([closure], T0))

    m = travel.matrix([outside, inside, inside])

    assert not np.isnan(m.durations_s).any()
    assert m.durations_s[1, 2] == 0.0
    assert math.isinf(m.durations_s[0, 1]) and math.isinf(m.durations_s[0, 2])
