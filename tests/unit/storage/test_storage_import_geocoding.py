"""Imported orders without a position are placed by the geocoder intake uses."""

from __future__ import annotations

from typing import Any

from lastmile.domain import Geocode, GeocodeMethod, GeoPoint
from lastmile.services.fakes import FakeUnitOfWork
from lastmile.services.import_readers import Record
from lastmile.services.imports import import_records

F = "orders.csv"
DOOR = Geocode(GeoPoint(39.27, -76.52), 0.92, GeocodeMethod.DELIVERY_FIX)


class CountingGeocoder:
    """Places the addresses it knows, and remembers every address it was asked."""

    def __init__(self, known: dict[str, Geocode]) -> None:
        self.known = known
        self.asked: list[str] = []

    def __call__(self, raw: str) -> Geocode | None:
        self.asked.append(raw)
        return self.known.get(raw)


def _uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    sku = {"sku_id": "S1", "length_cm": 10, "width_cm": 10, "height_cm": 10, "weight_kg": 1}
    import_records(uow=uow, kind="skus", file="skus.csv", records=[Record(2, sku)])
    return uow


def _order(external_id: str, address: str, **more: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "customer_id": "c1",
        "address": address,
        "sku_id": "S1",
        "quantity": 1,
        **more,
    }


def _placed(uow: FakeUnitOfWork) -> dict[str, Geocode | None]:
    with uow:
        orders = uow.orders.list()
    return {o.external_id: o.address.geocode for o in orders}


def test_an_order_without_a_position_gets_the_geocoders_answer() -> None:
    uow, geocode = _uow(), CountingGeocoder({"1 Door St": DOOR})
    rows = [_order("A", "1 Door St"), _order("B", "9 Nowhere Rd")]
    import_records(
        uow=uow,
        kind="orders",
        file=F,
        records=[Record(i, r) for i, r in enumerate(rows, 2)],
        geocode=geocode,
    )
    assert _placed(uow) == {"A": DOOR, "B": None}


def test_a_position_given_in_the_file_is_kept_and_not_geocoded() -> None:
    uow, geocode = _uow(), CountingGeocoder({"1 Door St": DOOR})
    row = _order("A", "1 Door St", lat=39.3, lon=-76.6)
    import_records(uow=uow, kind="orders", file=F, records=[Record(2, row)], geocode=geocode)
    placed = _placed(uow)["A"]
    assert placed is not None and placed.method is GeocodeMethod.PROVIDED
    assert geocode.asked == []


def test_each_distinct_address_is_geocoded_once_however_many_orders_go_there() -> None:
    uow, geocode = _uow(), CountingGeocoder({"1 Door St": DOOR})
    rows = [_order(f"O{i}", "1 Door St") for i in range(5)] + [_order("X", "2 Other St")]
    import_records(
        uow=uow,
        kind="orders",
        file=F,
        records=[Record(i, r) for i, r in enumerate(rows, 2)],
        geocode=geocode,
    )
    assert sorted(geocode.asked) == ["1 Door St", "2 Other St"]
    assert list(_placed(uow).values()).count(DOOR) == 5


def test_without_a_geocoder_orders_without_a_position_stay_unplaced() -> None:
    uow = _uow()
    import_records(uow=uow, kind="orders", file=F, records=[Record(2, _order("A", "1 Door St"))])
    assert _placed(uow) == {"A": None}
