"""The reads the dashboard is built on, on SQLite and PostgreSQL: counted by the database,
loaded by status or by id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, event

from lastmile.bootstrap import make_uow_factory
from lastmile.domain import (
    Address,
    DeliveryOption,
    Dimensions,
    GeoPoint,
    Order,
    OrderLine,
    OrderStatus,
    Shipment,
    Sku,
    TimeWindow,
    Warehouse,
)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
WALK = {
    OrderStatus.CREATED: [],
    OrderStatus.VALIDATED: [OrderStatus.VALIDATED],
    OrderStatus.BACKORDERED: [OrderStatus.VALIDATED, OrderStatus.BACKORDERED],
    OrderStatus.CANCELLED: [OrderStatus.CANCELLED],
}


def _stored(engine: Engine) -> None:
    uow = make_uow_factory(engine)()
    with uow:
        uow.warehouses.add(Warehouse("W1", "Canton", GeoPoint(39.28, -76.57)))
        uow.skus.add(Sku("S1", "Kettle", Dimensions(20, 18, 25), 1.2))
        n = 0
        for status, how_many in (
            (OrderStatus.CREATED, 3),
            (OrderStatus.VALIDATED, 1),
            (OrderStatus.BACKORDERED, 2),
            (OrderStatus.CANCELLED, 4),
        ):
            for _ in range(how_many):
                n += 1
                order = Order(
                    f"O{n}",
                    f"ext-{n}",
                    "c1",
                    Address(f"{n} Main St"),
                    [OrderLine("S1", 1)],
                    placed_at=T0 - timedelta(minutes=n),
                )
                for step in WALK[status]:
                    order.transition(step)
                uow.orders.add(order)
        for sid in ("SH1", "SH2", "SH3"):
            window = TimeWindow(T0, T0 + timedelta(hours=2)) if sid != "SH2" else None
            uow.shipments.add(
                Shipment(sid, "W1", Address("1 Main St"), ["O1"], DeliveryOption.SLOT, "d", window)
            )
        uow.commit()


def test_orders_are_counted_by_status(engine: Engine) -> None:
    _stored(engine)
    with make_uow_factory(engine)() as uow:
        assert uow.orders.count_by_status() == {
            OrderStatus.CREATED: 3,
            OrderStatus.VALIDATED: 1,
            OrderStatus.BACKORDERED: 2,
            OrderStatus.CANCELLED: 4,
        }


def test_orders_are_listed_in_any_of_several_statuses_oldest_first(engine: Engine) -> None:
    _stored(engine)
    with make_uow_factory(engine)() as uow:
        open_orders = uow.orders.list(status=(OrderStatus.CREATED, OrderStatus.BACKORDERED))
        assert [o.order_id for o in open_orders] == ["O6", "O5", "O3", "O2", "O1"]
        assert [o.order_id for o in uow.orders.list(status=OrderStatus.VALIDATED)] == ["O4"]
        assert uow.orders.list(status=()) == []


def test_shipments_are_read_by_id_in_one_statement(engine: Engine) -> None:
    _stored(engine)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with make_uow_factory(engine)() as uow:
        found = uow.shipments.get_many(["SH3", "SH1", "SH1", "SH-unknown"])
    assert sorted(found) == ["SH1", "SH3"]
    assert all(s.shipment_id == sid for sid, s in found.items())
    assert sum("FROM shipments" in s for s in statements) == 1


def test_shipment_windows_are_read_by_id(engine: Engine) -> None:
    _stored(engine)
    with make_uow_factory(engine)() as uow:
        windows = uow.shipments.windows(["SH1", "SH2", "SH3", "SH-unknown"])
    assert windows == {
        "SH1": TimeWindow(T0, T0 + timedelta(hours=2)),
        "SH3": TimeWindow(T0, T0 + timedelta(hours=2)),
    }


def test_orders_are_read_by_id(engine: Engine) -> None:
    _stored(engine)
    with make_uow_factory(engine)() as uow:
        found = uow.orders.get_many(["O3", "O1", "O1", "O-unknown"])
        assert {oid: o.external_id for oid, o in found.items()} == {"O1": "ext-1", "O3": "ext-3"}
        assert [line.sku_id for line in found["O1"].lines] == ["S1"]
