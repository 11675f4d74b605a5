"""OSM tag rules: speeds, one-way directions and which ways a van may drive."""

from __future__ import annotations

import pytest

from lastmile.geo.osm import is_drivable, oneway_direction, parse_maxspeed


@pytest.mark.parametrize(
    ("tag", "kmh"),
    [
        ("50", 50.0),
        ("25 mph", 40.2336),
        ("25mph", 40.2336),
        ("30 km/h", 30.0),
        ("30;40", 30.0),
        ("none", None),
        ("signals", None),
        ("US:urban", None),
        ("", None),
        (None, None),
        ("0", None),
    ],
)
def test_maxspeed_is_read_in_kmh(tag: str | None, kmh: float | None) -> None:
    result = parse_maxspeed(tag)
    assert result == (pytest.approx(kmh) if kmh is not None else None)


@pytest.mark.parametrize(
    ("tags", "direction"),
    [
        ({"highway": "residential"}, 0),
        ({"highway": "residential", "oneway": "yes"}, 1),
        ({"highway": "residential", "oneway": "1"}, 1),
        ({"highway": "residential", "oneway": "-1"}, -1),
        ({"highway": "residential", "oneway": "no"}, 0),
        ({"highway": "motorway"}, 1),
        ({"highway": "motorway", "oneway": "no"}, 0),
        ({"highway": "primary", "junction": "roundabout"}, 1),
    ],
)
def test_oneway_direction_follows_osm_conventions(tags: dict[str, str], direction: int) -> None:
    assert oneway_direction(tags) == direction


@pytest.mark.parametrize(
    ("tags", "drivable"),
    [
        ({"highway": "residential"}, True),
        ({"highway": "service"}, True),
        ({"highway": "footway"}, False),
        ({"highway": "cycleway"}, False),
        ({"highway": "residential", "access": "no"}, False),
        ({"highway": "residential", "motor_vehicle": "no"}, False),
        ({"highway": "service", "service": "parking_aisle"}, False),
        ({"highway": "pedestrian"}, False),
        ({"highway": "primary", "oneway": "reversible"}, False),
        ({"building": "yes"}, False),
    ],
)
def test_only_roads_open_to_vans_are_drivable(tags: dict[str, str], drivable: bool) -> None:
    assert is_drivable(tags) is drivable
