"""Routes are filtered in the database (open stops, a day), and found by a shipment they
carry, without loading the history: on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event

from lastmile.bootstrap import make_uow_factory
from lastmile.domain import (
    OPEN_STOPS,
    Address,
    DeliveryOption,
    GeoPoint,
    Route,
    Shipment,
    Stop,
    StopStatus,
    TimeWindow,
    Warehouse,
)
from lastmile.services import dashboard
from lastmile.services.fakes import FakeUnitOfWork

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
        ("S_1", "R-late"),
        ("S%", "R-late"),
        ("S3", "R-today"),
        ("Sé", "R-today"),
        ("S", None),
        ("S-unknown", None),
    ],
)
def test_the_route_carrying_a_shipment(
    engine: Engine, shipment_id: str, route_id: str | None
) -> None:
    _store(engine)
    with make_uow_factory(engine)() as uow:
        assert _ids(uow.routes.carrying([shipment_id])) == ([route_id] if route_id else [])


def test_finding_the_route_of_a_shipment_loads_no_other_route(engine: Engine) -> None:
    _store(engine)
    loaded: list[str] = []

    def record(route: Route, _context: object) -> None:
        loaded.append(route.route_id)

    event.listen(Route, "load", record)
    try:
        with make_uow_factory(engine)() as uow:
            uow.routes.carrying(["S3"])
    finally:
        event.remove(Route, "load", record)
    assert loaded == ["R-today"]


def test_route_summaries_count_stops_in_the_database(engine: Engine) -> None:
    _store(engine)
    with make_uow_factory(engine)() as uow:
        summaries = uow.routes.summaries()
    assert [(s.route_id, s.stops, s.delivered, s.failed) for s in summaries] == [
        ("R-empty", 0, 0, 0),
        ("R-late", 2, 0, 1),
        ("R-old", 1, 1, 0),
        ("R-today", 2, 1, 0),
    ]
    assert all(isinstance(s.stops, int) and s.vehicle_id.startswith("V") for s in summaries)


def test_stops_are_read_as_rows_by_status(engine: Engine) -> None:
    _store(engine)
    with make_uow_factory(engine)() as uow:
        delivered = uow.routes.stop_rows({StopStatus.DELIVERED})
        still_to_make = uow.routes.stop_rows(OPEN_STOPS)
    assert [(d.route_id, d.vehicle_id, d.arrival, d.shipment_ids) for d in delivered] == [
        ("R-old", "V1", T0 - timedelta(days=2), ("S1",)),
        ("R-today", "V3", T0, ("S2",)),
    ]
    assert [d.shipment_ids for d in still_to_make] == [("S%",), ("Sé", "S3")]


def _shipments() -> list[Shipment]:
    """The shipments of ``_store``'s stops: some delivered inside their window, some not."""
    out = []
    for n, sid in enumerate(["S1", "S2", "S10", "S_1", "S%", "S3", "Sé"]):
        start = {"S1": T0 - timedelta(days=2), "S2": T0 + timedelta(hours=1)}.get(
            sid, T0 + timedelta(hours=n - 3)
        )
        out.append(
            Shipment(
                sid,
                "W1",
                Address("1 Main St"),
                [f"O-{n}"],
                DeliveryOption.SLOT,
                "d",
                TimeWindow(start, start + timedelta(hours=2)),
            )
        )
    return out


def test_the_kpi_panel_and_board_on_the_database_equal_those_in_memory(engine: Engine) -> None:
    _store(engine)
    fake = FakeUnitOfWork()
    with make_uow_factory(engine)() as uow, fake:
        uow.warehouses.add(Warehouse("W1", "Canton", GeoPoint(39.28, -76.57)))
        for shipment in _shipments():
            uow.shipments.add(shipment)
            fake.shipments.add(shipment)
        for route in uow.routes.list():
            fake.routes.add(route)
        uow.commit()
        fake.commit()
    stored = dashboard.kpis(uow=make_uow_factory(engine)())
    assert stored == dashboard.kpis(uow=fake)
    assert (stored.on_time_rate, stored.failed_attempts, stored.routes) == (0.5, 1, 4)
    now = T0 + timedelta(days=1)  # every open stop's window has closed
    board = dashboard.order_board(uow=make_uow_factory(engine)(), review_threshold=0.6, now=now)
    assert board == dashboard.order_board(uow=fake, review_threshold=0.6, now=now)
    assert {x.order_id for x in board.exceptions} == {"O-4", "O-5", "O-6"}


def test_punctuality_is_counted_in_the_database(engine: Engine) -> None:
    window = TimeWindow(T0, T0 + timedelta(hours=1))
    cases = {  # stop: (arrival, shipments handed over)
        "at the window's end": (T0 + timedelta(hours=1), ["W"]),
        "a second late for one of two": (T0 + timedelta(hours=1, seconds=1), ["W", "W2"]),
        "no window, unknown shipment": (T0 - timedelta(days=1), ["NW", "gone"]),
        "before the window opens": (T0 - timedelta(minutes=1), ["W3"]),
    }
    with make_uow_factory(engine)() as uow:
        uow.warehouses.add(Warehouse("W1", "Canton", GeoPoint(39.28, -76.57)))
        for sid, w in (("W", window), ("NW", None), ("W3", window)):
            uow.shipments.add(
                Shipment(sid, "W1", Address("1 Main St"), ["O"], DeliveryOption.SLOT, "d", w)
            )
        late = TimeWindow(T0 - timedelta(hours=2), T0 + timedelta(hours=1))
        uow.shipments.add(
            Shipment("W2", "W1", Address("2 Main St"), ["O"], DeliveryOption.SLOT, "d", late)
        )
        stops = [
            Stop(name, GeoPoint(39.3, -76.6), ids, at, at, status=StopStatus.DELIVERED)
            for name, (at, ids) in cases.items()
        ]
        stops.append(Stop("open", GeoPoint(39.3, -76.6), ["W"], T0, T0))
        uow.routes.add(Route("R", "V", "W1", stops))
        uow.commit()
    with make_uow_factory(engine)() as uow:
        assert uow.routes.delivered_on_time() == (4, 2)


def test_the_routes_carrying_several_shipments(engine: Engine) -> None:
    _store(engine)
    with make_uow_factory(engine)() as uow:
        assert _ids(uow.routes.carrying({"S1", "Sé", "S_1", "S-unknown"})) == [
            "R-late",
            "R-old",
            "R-today",
        ]
        assert uow.routes.carrying([]) == []
