"""The shipped Baltimore network and any other extract: load, snap, route, geocode."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from lastmile.domain.address import GeocodeMethod
from lastmile.domain.geo import GeoPoint
from lastmile.geo.defaults import geocoder, road_travel_times
from lastmile.geo.network import PointOutsideNetwork, default_network_path, load_network
from lastmile.geo.road import RoadTravelTimes

FELLS_POINT = GeoPoint(39.2830, -76.5914)  # S Ann St
PATTERSON_PARK = GeoPoint(39.2905, -76.5800)
CANTON = GeoPoint(39.2790, -76.5720)
# Middle of the Patapsco River, between Fort McHenry and Canton: water, no road.
PATAPSCO = GeoPoint(39.2560, -76.5650)


def test_shipped_network_is_in_the_package_with_its_attribution() -> None:
    path = default_network_path()
    assert path.is_file()
    attribution = (path.parent / "ATTRIBUTION").read_text()
    assert "OpenStreetMap contributors" in attribution and "ODbL" in attribution


def test_shipped_network_loads_once_per_process() -> None:
    net = load_network()
    assert load_network() is net
    assert net.node_count > 5_000 and net.edge_count > 10_000
    assert len(net.extract.addresses) > 1_000


def test_matrix_between_city_points_is_finite_and_plausible() -> None:
    source = road_travel_times()
    m = source.matrix([FELLS_POINT, PATTERSON_PARK, CANTON])
    assert np.isfinite(m.durations_s).all()
    off = ~np.eye(3, dtype=bool)
    straight = np.array(
        [
            [a.distance_m(b) for b in (FELLS_POINT, PATTERSON_PARK, CANTON)]
            for a in (FELLS_POINT, PATTERSON_PARK, CANTON)
        ]
    )
    # Roads are never shorter than the crow flies, and rarely three times longer.
    assert (m.distances_m[off] >= straight[off] * 0.95).all()
    assert (m.distances_m[off] <= straight[off] * 3).all()
    assert (m.durations_s[off] > 60).all()


def test_point_in_the_river_snaps_with_its_distance_or_is_refused() -> None:
    net = load_network()
    snap = net.snap([PATAPSCO])
    assert snap.distances_m[0] > 300
    strict = RoadTravelTimes(net, max_snap_m=200)
    with pytest.raises(PointOutsideNetwork, match="from any road"):
        strict.matrix([FELLS_POINT, PATAPSCO])


def test_route_geometry_gives_a_polyline_per_leg() -> None:
    source = road_travel_times()
    legs = source.route_geometry([FELLS_POINT, PATTERSON_PARK, CANTON])
    assert len(legs) == 2
    assert all(len(leg) > 5 for leg in legs)
    assert legs[0][0] == FELLS_POINT and legs[1][-1] == CANTON


def test_shipped_geocoder_finds_a_real_address_exactly() -> None:
    result = geocoder().geocode("615 North Wolfe Street, Baltimore, MD 21205")
    assert result.status == "ok"
    assert result.geocode is not None
    assert result.geocode.method is GeocodeMethod.EXACT
    assert result.geocode.point.distance_m(GeoPoint(39.2980556, -76.5905556)) < 1


def test_any_extract_works_liechtenstein(shared_dir: Path) -> None:
    path = shared_dir / "data" / "osm" / "liechtenstein_valhalla_2015.osm.pbf"
    net = load_network(path)
    vaduz, schaan = GeoPoint(47.1410, 9.5209), GeoPoint(47.1650, 9.5100)
    m = RoadTravelTimes(net).matrix([vaduz, schaan])
    assert 120 < m.durations_s[0, 1] < 1_200
    assert 2_000 < m.distances_m[0, 1] < 8_000


def test_geocoder_on_the_shared_address_sample(shared_dir: Path) -> None:
    path = shared_dir / "data" / "addresses" / "baltimore_osm_addresses.csv"
    with path.open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["street"] and r["housenumber"].isdigit()][:60]
    g = geocoder()
    near = 0
    for r in rows:
        res = g.geocode(f"{r['housenumber']} {r['street']}, {r['city']} {r['postcode']}")
        assert res.geocode is not None
        near += res.geocode.point.distance_m(GeoPoint(float(r["lat"]), float(r["lon"]))) < 25
    # A few numbers are shared by several businesses of one complex, tens of metres apart.
    assert near / len(rows) >= 0.9
