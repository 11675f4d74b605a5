"""Road matrices agree with a plain shortest path and honour snapping limits."""

from __future__ import annotations

import itertools
import warnings

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lastmile.domain.geo import GeoPoint
from lastmile.geo.contraction import decode
from lastmile.geo.network import PointOutsideNetwork, RoadNetwork
from lastmile.geo.road import RoadTravelTimes
from lastmile.geo.travel import StraightLineEstimateWarning, TravelTimeSource
from tests.unit.geo.geo_fakes import LAT0, LON0, chain_extract, extract_from_arcs, grid_extract


def _networkx(net: RoadNetwork) -> nx.DiGraph:
    g = nx.DiGraph()
    for k in range(net.edge_count):
        g.add_edge(
            int(net.edge_u[k]),
            int(net.edge_v[k]),
            time=float(net.free_flow_time_s[k]),
            length=float(net.edge_length_m[k]),
        )
    return g


def _assert_matches_networkx(net: RoadNetwork) -> None:
    source = RoadTravelTimes(net)
    nodes = np.arange(net.node_count, dtype=np.int64)
    time_s, _dist_m = decode(source.node_matrix(nodes))
    g = _networkx(net)
    for a in range(net.node_count):
        lengths = nx.single_source_dijkstra_path_length(g, a, weight="time")
        for b in range(net.node_count):
            # Edge times are rounded to the millisecond, so allow a millisecond per edge.
            assert time_s[a, b] == pytest.approx(lengths[b], abs=1e-3 * net.edge_count)


def test_grid_matrix_equals_networkx_shortest_paths() -> None:
    _assert_matches_networkx(RoadNetwork(grid_extract()))


def test_contracted_street_with_shape_points_equals_networkx_shortest_paths() -> None:
    _assert_matches_networkx(RoadNetwork(chain_extract()))


def test_distance_is_the_length_of_the_fastest_path_not_the_shortest() -> None:
    # Two routes 0 -> 2: a short slow one via 1, a long fast one via 3.
    lat = [LAT0, LAT0, LAT0, LAT0 + 0.003]
    lon = [LON0, LON0 + 0.001, LON0 + 0.002, LON0 + 0.001]
    arcs = [(0, 1, 5.0, "service"), (1, 2, 5.0, "service"), (0, 3, 90.0, "motorway")]
    arcs += [(3, 2, 90.0, "motorway"), (2, 0, 30.0, "residential")]
    arcs += [(1, 0, 5.0, "service"), (3, 0, 90.0, "motorway")]
    net = RoadNetwork(extract_from_arcs(lat, lon, arcs))
    _time_s, dist_m = decode(RoadTravelTimes(net).node_matrix(np.array([0, 2])))
    g = _networkx(net)
    path = nx.dijkstra_path(g, 0, 2, weight="time")
    assert path == [0, 3, 2]
    expected = sum(g.edges[a, b]["length"] for a, b in itertools.pairwise(path))
    assert dist_m[0, 1] == pytest.approx(expected, abs=0.1 * len(path))


@st.composite
def random_graphs(draw: st.DrawFn) -> RoadNetwork:
    n = draw(st.integers(3, 9))
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    lat = (LAT0 + rng.uniform(0, 0.01, n)).tolist()
    lon = (LON0 + rng.uniform(0, 0.01, n)).tolist()
    # A ring keeps the graph strongly connected; random chords add one-way shortcuts.
    arcs = [(i, (i + 1) % n, 30.0, "residential") for i in range(n)]
    for _ in range(draw(st.integers(0, 2 * n))):
        a, b = rng.integers(0, n, 2)
        if a != b:
            arcs.append((int(a), int(b), float(rng.choice([20.0, 50.0, 90.0])), "primary"))
    return RoadNetwork(extract_from_arcs(lat, lon, arcs))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_random_graph_matrices_equal_networkx(net: RoadNetwork) -> None:
    _assert_matches_networkx(net)


def test_road_source_is_a_travel_time_source_with_zero_diagonal() -> None:
    source: TravelTimeSource = RoadTravelTimes(RoadNetwork(grid_extract()))
    pts = [GeoPoint(LAT0 + 0.0001, LON0), GeoPoint(LAT0 + 0.002, LON0 + 0.003)]
    m = source.matrix(pts)
    assert m.size == 2
    assert np.all(np.diag(m.durations_s) == 0)
    assert m.durations_s[0, 1] > 0 and m.distances_m[0, 1] > 0


def test_one_way_street_makes_the_return_trip_longer() -> None:
    net = RoadNetwork(grid_extract())
    west, east = GeoPoint(LAT0 + 0.001, LON0), GeoPoint(LAT0 + 0.001, LON0 + 0.004)
    m = RoadTravelTimes(net).matrix([west, east])
    assert m.durations_s[1, 0] > m.durations_s[0, 1]


def test_point_far_from_roads_is_refused_with_its_distance() -> None:
    source = RoadTravelTimes(RoadNetwork(grid_extract()), max_snap_m=200)
    at_sea = GeoPoint(LAT0 - 0.05, LON0)  # about 5.5 km south of the grid
    with pytest.raises(PointOutsideNetwork) as err:
        source.matrix([GeoPoint(LAT0, LON0), at_sea])
    assert err.value.indices == [1]
    assert 5_000 < err.value.distances_m[0] < 6_000
    assert "5,5" in str(err.value) and "200 m" in str(err.value)


def test_snapping_reports_the_distance_to_the_road() -> None:
    net = RoadNetwork(grid_extract())
    snap = net.snap([GeoPoint(LAT0 + 0.0003, LON0)])  # 33 m north of node 0
    assert snap.nodes[0] == 0
    assert snap.distances_m[0] == pytest.approx(33.4, abs=0.5)


def test_points_nowhere_near_the_network_fall_back_to_straight_lines_with_a_warning() -> None:
    source = RoadTravelTimes(RoadNetwork(grid_extract()))
    far = [GeoPoint(48.85, 2.35), GeoPoint(48.86, 2.36)]
    with pytest.warns(StraightLineEstimateWarning):
        m = source.matrix(far)
    assert m.durations_s[0, 1] > 0


def test_leg_geometry_follows_the_roads_between_the_points() -> None:
    source = RoadTravelTimes(RoadNetwork(grid_extract()))
    a, b = GeoPoint(LAT0, LON0), GeoPoint(LAT0 + 0.003, LON0 + 0.004)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        line = source.leg_geometry(a, b)
    assert line[0] == a and line[-1] == b
    # On a grid a road path has at least one node per block travelled.
    assert len(line) >= 2 + 7
    assert len(source.route_geometry([a, b, a])) == 2


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs(), st.integers(0, 10_000))
def test_closing_and_lifting_random_arcs_incrementally_equals_a_fresh_matrix(
    net: RoadNetwork, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    nodes = np.arange(net.node_count)
    source = RoadTravelTimes(net)
    source.node_matrix(nodes)
    events = []
    for _ in range(3):
        closed = rng.choice(net.edge_count, size=min(2, net.edge_count), replace=False)
        events.append(source.conditions.close(edges=closed, reason="test"))
        incremental = source.node_matrix(nodes)
        fresh = RoadTravelTimes(net, conditions=source.conditions).node_matrix(nodes)
        assert np.array_equal(incremental, fresh)
    source.conditions.lift(events[0])
    fresh = RoadTravelTimes(net, conditions=source.conditions).node_matrix(nodes)
    assert np.array_equal(source.node_matrix(nodes), fresh)
