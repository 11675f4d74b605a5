"""The day's fixed world: the road network priced once for every place the day can visit.

Built from the geo capability: ``load_network`` on the scenario's extract and
``RoadTravelTimes`` for the free-flow matrix and for the matrix with the road closure in
force. The hour-of-day multiplier is the network-wide ratio of profile to free-flow
drive time under geo's ``SpeedProfile``, and the rain multiplier is geo's heavy-rain
speed factor, so the simulator's conditions are the geo capability's conditions.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from lastmile.config import get_settings
from lastmile.domain import Address, GeoPoint
from lastmile.geo.conditions import (
    WEATHER_SPEED_FACTOR,
    Conditions,
    RoadEvent,
    SpeedProfile,
    Weather,
)
from lastmile.geo.corrections import CorrectionStore
from lastmile.geo.geocoder import Geocoder
from lastmile.geo.network import RoadNetwork, load_network
from lastmile.geo.road import RoadTravelTimes
from lastmile.geo.travel import HaversineTravelTimes, StraightLineEstimateWarning, TravelMatrix
from lastmile.sim.conditions import CachedTravel, Closure, DayTravel
from lastmile.sim.conditions import Weather as Rain
from lastmile.sim.osm_places import NoDrivableNetwork
from lastmile.sim.scenario import Scenario


@dataclass
class World:
    """A scenario with its road network, travel matrices, geocoder and place indices."""

    scenario: Scenario
    network: RoadNetwork
    travel: DayTravel
    source: CachedTravel
    warehouse_location: dict[str, int]
    closed_edges: int
    # Intake is the same under every policy: each order's parsed, geocoded address, and
    # the reason it is held for review (empty when it may be routed).
    intake: dict[str, tuple[Address, str]]
    geocoder_name: str
    # The intake geocoder, on the correction store the day's deliveries teach.
    geocoder: Geocoder


def hour_factors(network: RoadNetwork, profile: SpeedProfile, day: datetime) -> np.ndarray:
    """Return 24 drive-time multipliers: network-wide profile time over free-flow time."""
    free = network.free_flow_time_s
    out = np.ones(24)
    for h in range(24):
        factors = profile.class_factors(day.replace(hour=h))[network.edge_class]
        out[h] = float((free / factors).sum() / free.sum())
    return out


def build_world(scenario: Scenario, *, corrections: CorrectionStore | None = None) -> World:
    """Load the network and price every place of the day, open and with the closure.

    ``corrections`` holds the door positions learned from earlier days' deliveries;
    intake geocodes from them first, as the API's order intake does.
    """
    try:
        network = load_network(scenario.places.path)
    except ValueError as exc:
        raise NoDrivableNetwork(scenario.places.path, str(exc)) from exc
    if network.edge_count == 0:
        raise NoDrivableNetwork(scenario.places.path, "the road graph has no edge")
    geocoder = Geocoder.from_network(
        network,
        review_threshold=get_settings().geocode_review_threshold,
        corrections=corrections,
    )
    intake, geocoder_name = _intake(scenario, geocoder)
    points: list[GeoPoint] = []
    for w in [*scenario.warehouses, scenario.central]:
        assert w.location is not None
        points.append(w.location)
    points.extend(GeoPoint(a.lat, a.lon) for a in scenario.address_pool)
    known = {(p.lat, p.lon) for p in points}
    for address, held in intake.values():
        point = address.point
        if not held and point is not None and (point.lat, point.lon) not in known:
            known.add((point.lat, point.lon))
            points.append(point)
    fallback = HaversineTravelTimes(warn=False)
    road = RoadTravelTimes(network, fallback=fallback)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StraightLineEstimateWarning)
        open_roads = road.matrix(points)
    d = scenario.disruption
    centre = d.closure_center
    edges = network.edges_named(d.closure_street)
    if edges.size:
        lat = network.node_lat[network.edge_u[edges]]
        lon = network.node_lon[network.edge_u[edges]]
        near = (
            np.array(
                [
                    centre.distance_m(GeoPoint(float(a), float(b)))
                    for a, b in zip(lat, lon, strict=True)
                ]
            )
            <= d.closure_radius_m
        )
        edges = edges[near]
    closed_conditions = Conditions(
        events=[
            RoadEvent(
                "sim-closure",
                0.0,
                edges=frozenset(int(e) for e in edges),
                reason=f"closure of {d.closure_street}",
            )
        ]
        if edges.size
        else []
    )
    closed_road = RoadTravelTimes(network, conditions=closed_conditions, fallback=fallback)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StraightLineEstimateWarning)
        closed = closed_road.matrix(points) if edges.size else open_roads
    closed = _finite(closed, open_roads)
    rain = Rain(d.rain_start_s, d.rain_end_s, 1.0 / WEATHER_SPEED_FACTOR[Weather.HEAVY_RAIN])
    travel = DayTravel(
        points,
        open_roads,
        weather=rain,
        closure=Closure(d.closure_start_s, d.closure_end_s, d.closure_street, closed),
        hour_factors=hour_factors(network, road.conditions.profile, scenario.at(0)),
        seed=scenario.config.seed,
        source_name=f"road network {network.name}",
    )
    locations = {w.warehouse_id: k for k, w in enumerate([*scenario.warehouses, scenario.central])}
    return World(
        scenario,
        network,
        travel,
        CachedTravel(travel, road),
        locations,
        int(edges.size),
        intake,
        geocoder_name,
        geocoder,
    )


def _intake(scenario: Scenario, geocoder: Geocoder) -> tuple[dict[str, tuple[Address, str]], str]:
    """Parse, validate and geocode every order's address with the geo capability."""
    out: dict[str, tuple[Address, str]] = {}
    for order in scenario.orders:
        found = geocoder.geocode(order.address.raw)
        address = Address(order.address.raw, found.validation.parsed.parts(), found.geocode)
        held = (
            ""
            if found.status == "ok" and found.geocode is not None
            else f"address held for review ({found.status}): {found.reason or 'no position'}"
        )
        out[order.order_id] = (address, held)
    return out, (
        "lastmile.geo.geocoder (usaddress parsing, street matching, interpolation; "
        "door positions learned from confirmed deliveries first)"
    )


def _finite(closed: TravelMatrix, open_roads: TravelMatrix) -> TravelMatrix:
    # A closure can cut a cul-de-sac off entirely; the van then waits it out at the
    # barrier, priced as an hour's delay rather than never.
    bad = ~np.isfinite(closed.durations_s)
    if not bad.any():
        return closed
    return TravelMatrix(
        np.where(bad, open_roads.durations_s + 3600.0, closed.durations_s),
        np.where(bad, open_roads.distances_m, closed.distances_m),
    )
