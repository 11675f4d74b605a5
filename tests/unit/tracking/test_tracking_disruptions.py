from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.domain import (
    Address,
    DeliveryOption,
    Geocode,
    GeocodeMethod,
    GeoPoint,
    InvalidValue,
    OrderLine,
    Route,
    Warehouse,
)
from lastmile.geo.travel import HaversineTravelTimes, TravelTimeSource
from lastmile.promise import Cart, PromiseEngine, Unavailable
from lastmile.services.disruptions import post_disruption
from lastmile.tracking.disruptions import Area
from lastmile.tracking.eta import retime
from lastmile.tracking.replan import TwoOptReplanner

from .world import T0, build, point

TRAVEL = HaversineTravelTimes(warn=False)


def band(
    lon_w: float, lon_e: float, lat_s: float = 39.285, lat_n: float = 39.295
) -> dict[str, Any]:
    ring = [[lon_w, lat_s], [lon_e, lat_s], [lon_e, lat_n], [lon_w, lat_n], [lon_w, lat_s]]
    return {"type": "Polygon", "coordinates": [ring]}


# Across the road between the first and second stop of R0 (lat 39.29), not touching R1.
CLOSURE = band(-76.5955, -76.5945)


class Recording(TwoOptReplanner):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def replan(
        self,
        routes: Sequence[Route],
        *,
        positions: Mapping[str, GeoPoint],
        now: datetime,
        travel: TravelTimeSource,
        deadlines: Mapping[str, datetime],
    ) -> list[Route]:
        self.calls += [r.route_id for r in routes]
        return super().replan(
            routes, positions=positions, now=now, travel=travel, deadlines=deadlines
        )


def test_a_closure_on_a_routes_road_makes_its_etas_later_and_triggers_reoptimisation() -> None:
    w = build(stops=3, shared=True)
    start = point(0)
    with w.uow:
        before = retime(w.uow.routes.get("R0"), position=start, now=T0, travel=TRAVEL).route
    replanner = Recording()
    report = post_disruption(
        uow=w.uow,
        tracking=w.tracking,
        kind="closure",
        polygon=CLOSURE,
        travel=TRAVEL,
        positions={"V0": start, "V1": point(0, 1)},
        now=T0,
        replanner=replanner,
    )
    assert replanner.calls == ["R0"] and report.replanned_routes == ["R0"]
    with w.uow:
        after = {s.stop_id: s.arrival for s in w.uow.routes.get("R0").stops}
        r1 = w.uow.routes.get("R1")
    planned = {s.stop_id: s.arrival for s in before.stops}
    assert after["st01"] > planned["st01"] and after["st02"] > planned["st02"]
    assert r1.stops[0].arrival == T0 + timedelta(minutes=10)  # untouched
    events = [e.kind for e in w.uow.outbox.unrelayed(limit=100)]
    assert "disruption.posted" in events and "route.reoptimized" in events
    assert "shipment.eta_changed" in events


def test_customers_whose_window_can_no_longer_be_met_are_notified() -> None:
    w = build(stops=3, shared=True)
    now = T0 + timedelta(minutes=100)  # windows close at T0 + 2 h
    report = post_disruption(
        uow=w.uow,
        tracking=w.tracking,
        kind="slowdown",
        polygon=band(-76.61, -76.57),
        factor=8.0,
        travel=TRAVEL,
        positions={"V0": point(0)},
        now=now,
        replanner=TwoOptReplanner(),
    )
    assert report.at_risk
    at_risk = [e for e in w.uow.outbox.unrelayed(limit=100) if e.kind == "shipment.eta_at_risk"]
    assert {e.aggregate_id for e in at_risk} == set(report.at_risk)


def test_the_promise_engine_stops_offering_timed_delivery_in_a_closed_area() -> None:
    w = build(shared=True)
    report = post_disruption(
        uow=w.uow,
        tracking=w.tracking,
        kind="closure",
        polygon=CLOSURE,
        travel=TRAVEL,
        positions={},
        now=T0,
        replanner=TwoOptReplanner(),
    )
    inside = GeoPoint(39.29, -76.595)
    cart = Cart(
        (OrderLine("SKU1", 1),), Address("x", geocode=Geocode(inside, 0.9, GeocodeMethod.EXACT))
    )
    engine = PromiseEngine(
        warehouses=[Warehouse("W1", "W1", GeoPoint(39.29, -76.61))],
        stock={("W1", "SKU1"): 5},
        plans={},
        conditions=report.conditions,
    )
    result = engine.quote(cart, now=T0 - timedelta(hours=5))
    assert not result.offers(DeliveryOption.SAME_DAY)
    assert result.reasons(DeliveryOption.SAME_DAY)[0].code is Unavailable.DISRUPTED_AREA


@pytest.mark.parametrize(
    ("polygon", "message"),
    [
        ({"type": "Point", "coordinates": [-76.6, 39.3]}, "must be 'Polygon'"),
        ({"type": "Polygon", "coordinates": []}, "list of rings"),
        ([[-76.6, 39.3], [-76.5, 39.3]], "at least 3"),
        ([[-76.6, 39.3], [-76.6, 39.3], [-76.6, 39.3], [-76.6, 39.3]], "at least 3"),
        ([[-76.6, 39.3], [-76.5, 39.3], [-76.4, 39.3]], "no area"),
        ([[-76.6, 39.3], [-76.5, 39.4], [-76.5, 39.3], [-76.6, 39.4]], "intersects itself"),
        ([[-76.6, 39.3], ["a", 39.3], [-76.5, 39.4]], "position 1"),
        ([[39.3, -176.6], [39.4, -76.5], [39.3, 95.0]], "off the globe"),
        ([[-76.6, float("nan")], [-76.5, 39.3], [-76.5, 39.4]], "not finite"),
        ("POLYGON((...))", "list of"),
    ],
)
def test_a_disruption_polygon_that_is_not_a_polygon_is_a_clear_error(
    polygon: Any, message: str
) -> None:
    with pytest.raises(InvalidValue, match=message) as err:
        Area.from_geojson(polygon)
    assert err.value.field == "polygon"


def test_a_bad_polygon_posts_nothing() -> None:
    w = build(shared=True)
    with pytest.raises(InvalidValue):
        post_disruption(
            uow=w.uow,
            tracking=w.tracking,
            kind="closure",
            polygon=[[0, 0]],
            travel=TRAVEL,
            positions={},
            now=T0,
        )
    assert w.tracking.disruptions() == []


def test_a_slowdown_needs_a_factor_above_one() -> None:
    w = build(shared=True)
    with pytest.raises(InvalidValue, match="factor"):
        post_disruption(
            uow=w.uow,
            tracking=w.tracking,
            kind="slowdown",
            polygon=CLOSURE,
            factor=0.5,
            travel=TRAVEL,
            positions={},
            now=T0,
        )
    with pytest.raises(InvalidValue, match="kind"):
        post_disruption(
            uow=w.uow,
            tracking=w.tracking,
            kind="meteor",
            polygon=CLOSURE,
            travel=TRAVEL,
            positions={},
            now=T0,
        )


def test_an_open_ring_is_closed_and_contains_its_inside() -> None:
    area = Area.from_geojson([[-76.6, 39.3], [-76.5, 39.3], [-76.5, 39.4], [-76.6, 39.4]])
    assert area.contains_point(GeoPoint(39.35, -76.55))
    assert not area.contains_point(GeoPoint(39.45, -76.55))


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=12), inner, max_size=3)
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(
    raw=json_values | st.lists(st.lists(st.floats(-200, 200), min_size=2, max_size=3), max_size=8)
)
def test_any_json_is_either_a_polygon_or_a_clear_polygon_error(raw: Any) -> None:
    try:
        area = Area.from_geojson(raw)
    except InvalidValue as err:
        assert err.field == "polygon" and err.reason
    else:
        assert len(area.ring) >= 3 and abs(area.signed_area()) > 0


def test_routes_routing_cannot_replan_are_still_retimed_alone() -> None:
    w = build(stops=3, shared=True)  # no vans stored: the VRP cannot be built
    report = post_disruption(
        uow=w.uow,
        tracking=w.tracking,
        kind="closure",
        polygon=CLOSURE,
        travel=TRAVEL,
        positions={"V0": point(0)},
        now=T0,
    )
    assert report.replanner == "two_opt" and report.replanned_routes == ["R0"]
