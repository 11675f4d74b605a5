from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from lastmile.adapters.db.tables import events
from lastmile.domain import GeoPoint, Route, StopStatus
from lastmile.geo.travel import HaversineTravelTimes
from lastmile.services.disruptions import disruptions_in_force, post_disruption

from .sql_world import T0, point, seed

TRAVEL = HaversineTravelTimes(warn=False)
CLOSURE = {
    "type": "Polygon",
    "coordinates": [
        [
            [-76.5955, 39.28],
            [-76.5945, 39.28],
            [-76.5945, 39.30],
            [-76.5955, 39.30],
            [-76.5955, 39.28],
        ]
    ],
}


def test_a_closure_replans_a_stored_route_and_persists_the_new_order_and_times(
    tmp_path: Path,
) -> None:
    engine, uow, tracking = seed(tmp_path, stops=4)
    with uow:
        route = uow.routes.get("R1")
        assert route is not None
        # The planned order zig-zags, so a re-plan has something to improve.
        route.stops = [route.stops[i] for i in (0, 2, 1, 3)]
        route.stops[0].mark(StopStatus.DELIVERED)
        uow.commit()
    report = post_disruption(
        uow=uow,
        tracking=tracking,
        kind="closure",
        polygon=CLOSURE,
        travel=TRAVEL,
        positions={"V1": point(0)},
        now=T0,
    )
    assert report.replanned_routes == ["R1"] and report.replanner == "routing"
    with uow:
        stored: Route | None = uow.routes.get("R1")
        assert stored is not None
        order = [s.stop_id for s in stored.stops]
        arrivals = [s.arrival for s in stored.stops[1:]]
    assert order[0] == "st0" and sorted(order[1:]) == ["st1", "st2", "st3"]
    assert order != ["st0", "st2", "st1", "st3"]  # the zig-zag is gone
    assert arrivals == sorted(arrivals)
    with engine.connect() as conn:
        kinds = set(conn.execute(select(events.c.kind)).scalars())
    assert {"disruption.posted", "route.reoptimized"} <= kinds
    in_force = disruptions_in_force(uow=uow, tracking=tracking, now=T0)
    assert in_force.factor_at(GeoPoint(39.29, -76.595)) == float("inf")


def test_routing_reoptimisation_replans_in_flight_routes_after_a_closure(tmp_path: Path) -> None:
    from lastmile.services.replan_fleet import RoutingReplanner
    from lastmile.tracking.eta import retime

    _engine, uow, tracking = seed(tmp_path, stops=4)
    with uow:
        route = uow.routes.get("R1")
        assert route is not None
        route.stops[0].mark(StopStatus.DELIVERED)
        uow.commit()
        baseline = retime(route, position=point(0), now=T0, travel=TRAVEL).route
    planned = {s.stop_id: s.arrival for s in baseline.stops}
    replanner = RoutingReplanner(uow=uow, seconds=0.3, seed=3)
    report = post_disruption(
        uow=uow,
        tracking=tracking,
        kind="closure",
        polygon=CLOSURE,
        travel=TRAVEL,
        positions={"V1": point(0)},
        now=T0,
        replanner=replanner,
    )
    assert report.replanned_routes == ["R1"] and not replanner.unserved
    with uow:
        stored = uow.routes.get("R1")
        assert stored is not None
        after = {s.stop_id: s.arrival for s in stored.stops}
        assert stored.stops[0].stop_id == "st0"  # the completed stop stays first
    assert sorted(after) == ["st0", "st1", "st2", "st3"]
    # The next stop lies beyond the closed street: the van reaches it later than before.
    # (Later stops are timed with routing's own service-time model, so only this leg is
    # comparable.)
    assert after["st1"] > planned["st1"]
