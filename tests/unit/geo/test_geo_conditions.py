"""Rush hours, weather, closures and slowdowns change exactly the trips they should."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from lastmile.domain.geo import GeoPoint
from lastmile.geo.conditions import BBox, Conditions, Polygon, SpeedProfile, Weather
from lastmile.geo.network import RoadNetwork
from lastmile.geo.road import RoadTravelTimes
from tests.unit.geo.geo_fakes import LAT0, LON0, STEP, grid_extract

MONDAY_8AM = datetime(2026, 11, 30, 8, 0)
MONDAY_NOON = datetime(2026, 11, 30, 12, 0)
SUNDAY_8AM = datetime(2026, 11, 29, 8, 0)


def _grid_points() -> list[GeoPoint]:
    # One point near every other node of the 4 x 5 grid.
    return [
        GeoPoint(LAT0 + r * STEP + 0.00005, LON0 + c * STEP)
        for r in range(4)
        for c in range(0, 5, 2)
    ]


@pytest.fixture
def source() -> RoadTravelTimes:
    return RoadTravelTimes(RoadNetwork(grid_extract()))


def test_closed_road_lengthens_affected_trips_and_leaves_the_others_unchanged(
    source: RoadTravelTimes,
) -> None:
    points = _grid_points()
    before = source.matrix(points).durations_s
    main_street = source.network.edges_named("Main Street")
    source.conditions.close(edges=main_street, reason="water main")
    after = source.matrix(points).durations_s
    changed = after != before
    assert changed.any()
    assert np.all(after[changed] > before[changed])
    # Trips wholly in the top rows never used Main Street (row 1).
    top = [i for i, p in enumerate(points) if p.lat > LAT0 + 2 * STEP]
    assert np.array_equal(after[np.ix_(top, top)], before[np.ix_(top, top)])


def test_incremental_recompute_equals_a_fresh_computation(source: RoadTravelTimes) -> None:
    points = _grid_points()
    source.matrix(points)
    source.conditions.close(edges=source.network.edges_named("Main Street")[:1])
    incremental = source.matrix(points)
    assert source.last_stats.how == "incremental"
    assert source.last_stats.rows_recomputed < source.last_stats.rows_total
    fresh = RoadTravelTimes(source.network, conditions=source.conditions).matrix(points)
    assert np.array_equal(incremental.durations_s, fresh.durations_s)
    assert np.array_equal(incremental.distances_m, fresh.distances_m)


def test_lifting_a_closure_restores_the_original_times(source: RoadTravelTimes) -> None:
    points = _grid_points()
    before = source.matrix(points).durations_s
    event = source.conditions.close(edges=source.network.edges_named("Main Street"))
    source.matrix(points)
    assert source.conditions.lift(event)
    assert np.array_equal(source.matrix(points).durations_s, before)
    assert not source.conditions.lift(event)


def test_unchanged_conditions_answer_from_the_cache(source: RoadTravelTimes) -> None:
    points = _grid_points()
    first = source.matrix(points)
    second = source.matrix(points)
    assert source.last_stats.how == "cache"
    assert np.array_equal(first.durations_s, second.durations_s)


def test_slowdown_over_an_area_slows_only_trips_through_it(source: RoadTravelTimes) -> None:
    a, b = GeoPoint(LAT0, LON0), GeoPoint(LAT0, LON0 + 4 * STEP)
    c, d = GeoPoint(LAT0 + 3 * STEP, LON0), GeoPoint(LAT0 + 3 * STEP, LON0 + 4 * STEP)
    before = source.matrix([a, b, c, d]).durations_s
    box = BBox(LAT0 - 0.0002, LON0 - 0.0002, LAT0 + 0.0002, LON0 + 4 * STEP + 0.0002)
    source.conditions.slow_down(0.5, area=box)
    after = source.matrix([a, b, c, d]).durations_s
    assert after[0, 1] > before[0, 1]
    assert after[2, 3] == before[2, 3]


def test_closure_over_a_polygon_closes_the_roads_inside() -> None:
    net = RoadNetwork(grid_extract())
    square = Polygon(
        (
            GeoPoint(LAT0 - 0.0005, LON0 - 0.0005),
            GeoPoint(LAT0 - 0.0005, LON0 + 0.0015),
            GeoPoint(LAT0 + 0.0005, LON0 + 0.0015),
            GeoPoint(LAT0 + 0.0005, LON0 - 0.0005),
        )
    )
    conditions = Conditions()
    conditions.close(area=square)
    factors = conditions.edge_speed_factors(net, None)
    inside = square.contains(net.node_lat[net.edge_u], net.node_lon[net.edge_u])
    assert np.all(factors[inside] == 0)
    assert np.all(
        factors[~inside & ~square.contains(net.node_lat[net.edge_v], net.node_lon[net.edge_v])] > 0
    )


def test_rush_hour_is_slower_than_midday_and_weekends_are_spared() -> None:
    profile = SpeedProfile.urban_default()
    net = RoadNetwork(grid_extract())
    source = RoadTravelTimes(net, conditions=Conditions(profile=profile))
    pts = [GeoPoint(LAT0 + STEP, LON0), GeoPoint(LAT0 + STEP, LON0 + 4 * STEP)]
    rush = source.matrix(pts, depart_at=MONDAY_8AM).durations_s[0, 1]
    noon = source.matrix(pts, depart_at=MONDAY_NOON).durations_s[0, 1]
    sunday = source.matrix(pts, depart_at=SUNDAY_8AM).durations_s[0, 1]
    free = source.matrix(pts).durations_s[0, 1]
    assert rush > noon > free
    assert sunday < rush


def test_snow_slows_every_trip() -> None:
    source = RoadTravelTimes(RoadNetwork(grid_extract()))
    pts = [GeoPoint(LAT0, LON0), GeoPoint(LAT0 + 3 * STEP, LON0 + 4 * STEP)]
    clear = source.matrix(pts).durations_s
    source.conditions.set_weather(Weather.SNOW)
    snow = source.matrix(pts).durations_s
    assert snow[0, 1] > clear[0, 1] * 1.3


def test_an_event_applies_only_within_its_time_window() -> None:
    net = RoadNetwork(grid_extract())
    conditions = Conditions()
    conditions.close(
        edges=net.edges_named("Main Street"),
        starts_at=datetime(2026, 11, 30, 9),
        ends_at=datetime(2026, 11, 30, 11),
    )
    main = net.edges_named("Main Street")
    assert np.all(conditions.edge_speed_factors(net, datetime(2026, 11, 30, 10))[main] == 0)
    assert np.all(conditions.edge_speed_factors(net, datetime(2026, 11, 30, 12))[main] > 0)


@pytest.mark.parametrize("factor", [-0.1, 0.0, 1.5])
def test_slowdown_factor_outside_zero_one_is_refused(factor: float) -> None:
    with pytest.raises(ValueError, match="not understood"):
        Conditions().slow_down(factor, edges=[0])


def test_profile_with_the_wrong_number_of_hours_is_refused() -> None:
    with pytest.raises(ValueError, match="not 24"):
        SpeedProfile(weekday={"primary": (1.0,) * 23})


def test_polygon_from_geojson_reads_lon_lat_positions() -> None:
    ring = [[LON0, LAT0], [LON0 + 0.01, LAT0], [LON0 + 0.01, LAT0 + 0.01], [LON0, LAT0]]
    poly = Polygon.from_geojson({"type": "Polygon", "coordinates": [ring]})
    inside = poly.contains(np.array([LAT0 + 0.002]), np.array([LON0 + 0.008]))
    assert inside.tolist() == [True]
    with pytest.raises(ValueError, match="not understood"):
        Polygon.from_geojson({"type": "Point", "coordinates": [LON0, LAT0]})
