"""Use cases that find routes read them by what they need, with the same answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lastmile.domain import Conflict, GeoPoint, NotFound, Route, Stop, StopStatus
from lastmile.services.catalog import route_of_driver
from lastmile.services.dispatch import _replaceable
from lastmile.services.fakes import FakeUnitOfWork

T0 = datetime(2026, 11, 30, 9, tzinfo=UTC)


def route(rid: str, *stops: tuple[str, StopStatus], driver: str = "D1") -> Route:
    made = [
        Stop(f"{rid}-{sid}", GeoPoint(39.3, -76.6), [sid], T0, T0, status=status)
        for sid, status in stops
    ]
    return Route(rid, f"V-{rid}", "W1", made, driver_id=driver)


def stored(*routes: Route) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        for r in routes:
            uow.routes.add(r)
        uow.commit()
    return uow


def test_a_driver_gets_the_first_route_with_stops_to_make() -> None:
    uow = stored(
        route("R0"),
        route("R1", ("S1", StopStatus.DELIVERED)),
        route("R2", ("S2", StopStatus.DELIVERED), ("S3", StopStatus.ARRIVED)),
        route("R3", ("S4", StopStatus.PLANNED)),
        route("R4", ("S5", StopStatus.PLANNED), driver="D2"),
    )
    assert route_of_driver(uow=uow, driver_id="D1").route_id == "R2"


def test_with_nothing_left_to_do_a_driver_gets_the_first_route() -> None:
    uow = stored(route("R1", ("S1", StopStatus.DELIVERED)), route("R0"))
    assert route_of_driver(uow=uow, driver_id="D1").route_id == "R0"
    with pytest.raises(NotFound):
        route_of_driver(uow=uow, driver_id="D9")


def test_replanning_replaces_the_routes_carrying_the_shipments() -> None:
    uow = stored(
        route("R-a", ("S1", StopStatus.PLANNED), ("S2", StopStatus.PLANNED)),
        route("R-b", ("S9", StopStatus.PLANNED)),
        route("R-c", ("S3", StopStatus.PLANNED)),
    )
    with uow:
        assert [r.route_id for r in _replaceable(uow, {"S2", "S3"})] == ["R-a", "R-c"]
        assert _replaceable(uow, {"S-new"}) == []


def test_replanning_refuses_routes_under_way() -> None:
    uow = stored(route("R-a", ("S1", StopStatus.DELIVERED), ("S2", StopStatus.PLANNED)))
    with uow, pytest.raises(Conflict, match="R-a are under way"):
        _replaceable(uow, {"S2"})
