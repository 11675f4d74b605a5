"""A disruption posted against a road network closes its edges, not straight lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lastmile.domain import GeoPoint, Route, Stop
from lastmile.geo.network import RoadNetwork
from lastmile.geo.road import RoadTravelTimes
from lastmile.services.disruptions import post_disruption
from lastmile.services.fakes import FakeUnitOfWork
from lastmile.tracking.replan import TwoOptReplanner
from lastmile.tracking.store import InMemoryTrackingRepository
from tests.unit.geo.geo_fakes import LAT0, LON0, STEP, grid_extract
from tests.unit.tracking.world import SharedStateUnitOfWork

T0 = datetime(2026, 11, 30, 14, tzinfo=UTC)


def node(r: int, c: int) -> GeoPoint:
    return GeoPoint(LAT0 + r * STEP, LON0 + c * STEP)


def test_a_closure_on_the_road_network_closes_its_edges_and_delays_the_route() -> None:
    travel = RoadTravelTimes(RoadNetwork(grid_extract()))
    start, target = node(0, 0), node(0, 4)
    before = travel.matrix([start, target], depart_at=T0).durations_s[0, 1]
    uow = SharedStateUnitOfWork(FakeUnitOfWork().store)
    with uow:
        uow.routes.add(
            Route(
                "R1",
                "V1",
                "W1",
                [Stop("s1", target, ["sh1"], T0 + timedelta(minutes=5), T0 + timedelta(minutes=8))],
            )
        )
        uow.commit()
    # Close the middle of row 0 (between columns 1.5 and 2.5); the van must go round.
    lon_w, lon_e = LON0 + 1.5 * STEP, LON0 + 2.5 * STEP
    lat_s, lat_n = LAT0 - 0.3 * STEP, LAT0 + 0.3 * STEP
    ring = [[lon_w, lat_s], [lon_e, lat_s], [lon_e, lat_n], [lon_w, lat_n]]
    report = post_disruption(
        uow=uow,
        tracking=InMemoryTrackingRepository(),
        kind="closure",
        polygon=ring,
        travel=travel,
        positions={"V1": start},
        now=T0,
        replanner=TwoOptReplanner(),
    )
    assert travel.conditions.events, "the closure reached the road network's conditions"
    after = travel.matrix([start, target], depart_at=T0).durations_s[0, 1]
    assert after > before
    assert report.replanned_routes == ["R1"]
    with uow:
        arrival = uow.routes.get("R1").stops[0].arrival  # type: ignore[union-attr]
    assert arrival == T0 + timedelta(seconds=float(after))
