"""Routes are filtered in the database (open stops, a day), and found by a shipment they
carry, without loading the history: on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event

from lastmile.bootstrap import make_uow_factory
from lastmile.domain import GeoPoint, Route, Stop, StopStatus

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _stop(stop_id: str, shipments: list[str], day: int, status: StopStatus) -> Stop:
    at = T0 + timedelta(days=day)
    return Stop(stop_id, GeoPoint(39.3, -76.6), shipments, at, at, status=status)


def _store(engine: Engine) -> None:
    routes = [
        # Finished two days ago.
        Route("R-old", "V1", "W1", [_stop("o1", ["S1"], -2, StopStatus.DELIVERED)]),
        # Yesterday, one stop failed, one still planned.
        Route(
            "R-late",
            "V2",
            "W1",
            [
                _stop("l1", ["S10", "S_1"], -1, StopStatus.FAILED),
                _stop("l2", ["S%"], -1, StopStatus.PLANNED),
            ],
        ),
        # Today, under way.
        Route(
            "R-today",
            "V3",
            "W1",
            [
                _stop("t1", ["S2"], 0, StopStatus.DELIVERED),
                _stop("t2", ["Sé", "S3"], 0, StopStatus.ARRIVED),
            ],
        ),
        # A van's trip with nothing on it yet.
        Route("R-empty", "V4", "W1", []),
    ]
    with make_uow_factory(engine)() as uow:
        for route in routes:
            uow.routes.add(route)
        uow.commit()


def _ids(routes: list[Route]) -> list[str]:
    return [r.route_id for r in routes]


def test_routes_with_open_stops_or_none(engine: Engine) -> None:
    _store(engine)
    with make_uow_factory(engine)() as uow:
        assert _ids(uow.routes.list(open_only=True)) == ["R-empty", "R-late", "R-today"]
        assert len(uow.routes.list()) == 4


def test_routes_with_a_stop_since_a_moment_or_none(engine: Engine) -> None:
    _store(engine)
    with make_uow_factory(engine)() as uow:
        assert _ids(uow.routes.list(since=T0)) == ["R-empty", "R-today"]
        assert _ids(uow.routes.list(since=T0 - timedelta(days=1))) == [
            "R-empty",
            "R-late",
            "R-today",
        ]
        both = uow.routes.list(since=T0 - timedelta(days=5), open_only=True, vehicle_id="V2")
        assert _ids(both) == ["R-late"]


@pytest.mark.parametrize(
    ("shipment_id", "route_id"),
    [
        ("S1", "R-old"),  # not R-late's "S10" or "S_1"
        ("S10", "R-late"),
        ("S_1", "R-late"),  # LIKE's wildcards are plain characters here
        ("S%", "R-late"),
        ("S3", "R-today"),
        ("Sé", "R-today"),
        ("S", None),
        ("S-unknown", None),
    ],
)
def test_the_route_carrying_a_shipment(engine: Engine, shipment_id: str, route_id: str) -> None:
    _store(engine)
    with make_uow_factory(engine)() as uow:
        route = uow.routes.carrying(shipment_id)
        assert (route.route_id if route else None) == route_id


def test_finding_the_route_of_a_shipment_loads_no_other_route(engine: Engine) -> None:
    _store(engine)
    loaded: list[str] = []

    def record(route: Route, _context: object) -> None:
        loaded.append(route.route_id)

    event.listen(Route, "load", record)
    try:
        with make_uow_factory(engine)() as uow:
            uow.routes.carrying("S3")
    finally:
        event.remove(Route, "load", record)
    assert loaded == ["R-today"]
