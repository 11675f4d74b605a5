"""Every aggregate survives a round trip through the database unchanged."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import Engine, inspect

from lastmile.adapters.db.migrate import current_revisions, head_revisions
from lastmile.bootstrap import make_uow_factory
from lastmile.domain import (
    Address,
    Capacity,
    DeliveryOption,
    Dimensions,
    DomainEvent,
    Geocode,
    GeocodeMethod,
    GeoPoint,
    Order,
    OrderLine,
    OrderStatus,
    Parcel,
    ParcelItem,
    ProofMethod,
    Route,
    Shift,
    Shipment,
    Sku,
    Stop,
    TimeWindow,
    Vehicle,
    Warehouse,
)
from lastmile.services.orders import CreateOrder, create_order
from lastmile.services.unit_of_work import DuplicateKey

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
ADDRESS = Address(
    "1 E Pratt St Apt 4, Baltimore, MD 21202",
    {"house_number": "1", "street": "E Pratt St", "unit": "Apt 4", "zip": "21202"},
    Geocode(GeoPoint(39.2868, -76.6136), 0.93, GeocodeMethod.EXACT),
)


def _catalog() -> tuple[Warehouse, Sku]:
    return (
        Warehouse("W1", "Canton", GeoPoint(39.28, -76.57), time(11, 30), time(21, 0), 300, 1.5),
        Sku("S1", "Kettle", Dimensions(20, 18, 25), 1.2, 39.9, "kitchen"),
    )


def test_schema_is_at_every_head_after_upgrade(engine: Engine) -> None:
    assert current_revisions(engine) == head_revisions()
    tables = set(inspect(engine).get_table_names())
    assert {
        "warehouses",
        "stock_levels",
        "stock_movements",
        "orders",
        "order_lines",
        "idempotency_keys",
        "shipments",
        "parcels",
        "vehicles",
        "routes",
        "stops",
        "events",
    } <= tables


def test_every_aggregate_round_trips_unchanged(engine: Engine) -> None:
    warehouse, sku = _catalog()
    order = Order(
        "O1",
        "ext-1",
        "c1",
        ADDRESS,
        [OrderLine("S1", 2)],
        DeliveryOption.SLOT,
        TimeWindow(T0, T0 + timedelta(hours=2)),
        placed_at=T0,
        client_id="acme",
    )
    shipment = Shipment(
        "SH1",
        "W1",
        ADDRESS,
        ["O1"],
        DeliveryOption.SLOT,
        "2026-03-02",
        TimeWindow(T0, T0 + timedelta(hours=2)),
        [Parcel("P1", "M", (ParcelItem("S1", 2, "O1"),), 2.4, 9.0, 79.8)],
        ProofMethod.PIN,
        "tok",
    )
    vehicle = Vehicle(
        "V1",
        "W1",
        Capacity(700, 4000, 120),
        Shift(
            T0,
            T0 + timedelta(hours=9),
            T0 + timedelta(hours=4),
            T0 + timedelta(hours=5),
            timedelta(minutes=30),
        ),
        skills=frozenset({"fridge", "lift"}),
        max_distance_km=250.0,
    )
    route = Route(
        "R1",
        "V1",
        "W1",
        [
            Stop(
                "a",
                GeoPoint(39.29, -76.61),
                ["SH1"],
                T0 + timedelta(minutes=20),
                T0 + timedelta(minutes=24),
                30.0,
                2.4,
                3.1,
            ),
            Stop(
                "b",
                GeoPoint(39.30, -76.60),
                [],
                T0 + timedelta(minutes=40),
                T0 + timedelta(minutes=41),
            ),
        ],
        12_000.0,
        3_600.0,
        42.0,
        2.2,
        "d-1",
    )
    factory = make_uow_factory(engine)
    with factory() as uow:
        for add, obj in [
            (uow.warehouses.add, warehouse),
            (uow.skus.add, sku),
            (uow.orders.add, order),
            (uow.shipments.add, shipment),
            (uow.vehicles.add, vehicle),
            (uow.routes.add, route),
        ]:
            add(obj)  # type: ignore[operator]
        uow.commit()

    with factory() as uow:
        assert uow.warehouses.get("W1") == warehouse
        assert uow.skus.get("S1") == sku
        assert uow.orders.get("O1") == order
        assert uow.orders.get_by_external_id("acme", "ext-1") == order
        assert uow.shipments.get("SH1") == shipment
        assert uow.vehicles.get("V1") == vehicle
        assert uow.routes.get("R1") == route
        assert [s.stop_id for s in uow.routes.list(vehicle_id="V1")[0].stops] == ["a", "b"]


def test_warehouse_without_location_round_trips_as_none(engine: Engine) -> None:
    with make_uow_factory(engine)() as uow:
        uow.warehouses.add(Warehouse("W0", "Unplaced", None))
        uow.commit()
    with make_uow_factory(engine)() as uow:
        stored = uow.warehouses.get("W0")
    assert stored is not None and stored.location is None


def test_order_events_go_to_the_outbox_with_the_change_and_can_be_marked_relayed(
    engine: Engine,
) -> None:
    _, sku = _catalog()
    factory = make_uow_factory(engine)
    with factory() as uow:
        uow.skus.add(sku)
        order = Order("O1", "ext-1", "c1", ADDRESS, [OrderLine("S1", 1)], placed_at=T0)
        order.transition(OrderStatus.VALIDATED, at=T0)
        uow.orders.add(order)
        uow.commit()
    with factory() as uow:
        stored = uow.orders.get("O1")
        assert stored is not None and stored.events == []
        stored.transition(OrderStatus.CANCELLED, reason="customer", at=T0 + timedelta(hours=1))
        uow.commit()
    with factory() as uow:
        events = uow.outbox.unrelayed()
        assert [e.kind for e in events] == ["order.validated", "order.cancelled"]
        uow.outbox.mark_relayed([events[0].event_id], T0)
        uow.commit()
    with factory() as uow:
        assert [e.kind for e in uow.outbox.unrelayed()] == ["order.cancelled"]


def test_a_failed_transaction_leaves_neither_change_nor_event(engine: Engine) -> None:
    _, sku = _catalog()
    factory = make_uow_factory(engine)
    with factory() as uow:
        uow.skus.add(sku)
        uow.commit()
    with pytest.raises(DuplicateKey), factory() as uow:
        order = Order("O1", "ext-1", "c1", ADDRESS, [OrderLine("S1", 1)])
        order.transition(OrderStatus.VALIDATED)
        uow.orders.add(order)
        uow.skus.add(Sku("S1", "again", Dimensions(1, 1, 1), 1.0))
        uow.commit()
    with factory() as uow:
        assert uow.orders.get("O1") is None
        assert uow.outbox.unrelayed() == []


def test_racing_identical_requests_create_exactly_one_order(engine: Engine) -> None:
    _, sku = _catalog()
    factory = make_uow_factory(engine)
    with factory() as uow:
        uow.skus.add(sku)
        uow.commit()
    command = CreateOrder("ext-9", "c1", ADDRESS, (OrderLine("S1", 1),))
    start = threading.Barrier(8)

    def send(_: int) -> str:
        start.wait()
        return create_order(uow=factory(), command=command, idempotency_key="k-9").order.order_id

    with ThreadPoolExecutor(8) as pool:
        ids = set(pool.map(send, range(8)))

    assert len(ids) == 1
    with factory() as uow:
        assert len(uow.orders.list()) == 1
        assert [e.kind for e in uow.outbox.unrelayed()] == ["order.created"]


def test_migrations_create_exactly_the_tables_the_code_declares(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from lastmile.adapters.db.mapping import load_all_tables
    from lastmile.adapters.db.tables import metadata

    load_all_tables()
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []


def test_reordering_stops_in_any_way_is_saved(engine: Engine) -> None:
    factory = make_uow_factory(engine)
    stops = [Stop(f"s{i}", GeoPoint(39.29, -76.61), [], T0, T0) for i in range(4)]
    with factory() as uow:
        uow.routes.add(Route("R1", "V1", "W1", stops))
        uow.commit()

    def reorder(change: Callable[[Route], None]) -> list[str]:
        with factory() as uow:
            route = uow.routes.get("R1")
            assert route is not None
            change(route)
            uow.commit()
        with factory() as uow:
            stored = uow.routes.get("R1")
            assert stored is not None
            return [s.stop_id for s in stored.stops]

    def assign(r: Route) -> None:
        r.stops = [r.stops[i] for i in (0, 2, 1, 3)]

    assert reorder(assign) == ["s0", "s2", "s1", "s3"]
    assert reorder(lambda r: r.stops.insert(1, r.stops.pop(3))) == ["s0", "s3", "s2", "s1"]
    assert reorder(lambda r: r.stops.sort(key=lambda s: s.stop_id)) == ["s0", "s1", "s2", "s3"]
    assert reorder(lambda r: r.stops.pop(1) and None) == ["s0", "s2", "s3"]


def test_in_place_edits_of_id_lists_and_event_payloads_with_dates_are_saved(
    engine: Engine,
) -> None:
    factory = make_uow_factory(engine)
    with factory() as uow:
        uow.routes.add(Route("R1", "V1", "W1", [Stop("a", GeoPoint(39.2, -76.6), [], T0, T0)]))
        uow.commit()
    with factory() as uow:
        route = uow.routes.get("R1")
        assert route is not None
        route.stops[0].shipment_ids.append("SH9")
        uow.outbox.add(DomainEvent("route.changed", "R1", {"eta": T0, "kind": ProofMethod.PIN}))
        uow.commit()
    with factory() as uow:
        stored = uow.routes.get("R1")
        assert stored is not None and stored.stops[0].shipment_ids == ["SH9"]
        [event] = uow.outbox.unrelayed()
    assert event.data == {"eta": T0.isoformat(), "kind": "pin"}
