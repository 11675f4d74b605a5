"""The dashboard's read models on the in-memory unit of work."""

from __future__ import annotations

from datetime import UTC, datetime

from lastmile.domain import Address, Geocode, GeocodeMethod, GeoPoint, Order, OrderLine, OrderStatus
from lastmile.services.catalog import paginate
from lastmile.services.dashboard import kpis, order_board
from tests.unit.api.conftest import seeded_uow


def _order(uow: object, oid: str, confidence: float, status: OrderStatus) -> None:
    order = Order(
        oid,
        f"ext-{oid}",
        "c1",
        Address(
            "9 Nowhere Ln",
            geocode=Geocode(GeoPoint(39.3, -76.6), confidence, GeocodeMethod.ZIP_CENTROID),
        ),
        [OrderLine("SKU1", 1)],
    )
    if status is OrderStatus.BACKORDERED:
        order.transition(OrderStatus.VALIDATED)
        order.transition(OrderStatus.BACKORDERED, reason="SKU1: no stock within reach")
    with uow:  # type: ignore[attr-defined]
        uow.orders.add(order)  # type: ignore[attr-defined]
        uow.commit()  # type: ignore[attr-defined]


def test_board_flags_low_confidence_addresses_and_unsourceable_orders() -> None:
    uow = seeded_uow()
    _order(uow, "O-low", 0.2, OrderStatus.CREATED)
    _order(uow, "O-ok", 0.95, OrderStatus.CREATED)
    _order(uow, "O-back", 0.95, OrderStatus.BACKORDERED)
    board = order_board(uow=uow, review_threshold=0.6, now=datetime(2026, 11, 30, tzinfo=UTC))
    kinds = {(x.kind, x.order_id) for x in board.exceptions}
    assert ("low_confidence_address", "O-low") in kinds
    assert ("unsourceable", "O-back") in kinds
    assert not any(oid == "O-ok" for _, oid in kinds)
    assert board.counts == {"backordered": 1, "created": 2}


def test_kpis_sum_the_stored_routes() -> None:
    k = kpis(uow=seeded_uow())
    assert k.routes == 2
    assert k.distance_km == 10.0
    assert k.on_time_rate == 1.0
    assert [r.stops for r in k.stops_by_route] == [1, 1]


def test_pages_are_bounded_and_count_everything() -> None:
    page = paginate(list(range(10)), limit=3, offset=9)
    assert (page.items, page.total) == ([9], 10)
    assert paginate(list(range(10)), limit=10_000, offset=0).limit == 500
