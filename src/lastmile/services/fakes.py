"""In-memory repositories and unit of work for unit tests of every area.

``FakeUnitOfWork`` behaves like the real one where use cases can tell the difference:
changes become visible to the next transaction only after ``commit()``, leaving the
``with`` block without committing discards them, pending stock movements go to the ledger
and aggregate events to the outbox on commit, and unique keys (external order id per
client, idempotency key per client) are enforced.

    uow = FakeUnitOfWork()
    receive(uow=uow, sku_id="S1", warehouse_id="W1", quantity=5)
    assert uow.committed
"""

from __future__ import annotations

import builtins
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar

from lastmile.domain import (
    OPEN_STOPS,
    DomainEvent,
    Order,
    OrderStatus,
    Route,
    Shipment,
    Sku,
    StockLevel,
    StockMovement,
    StopStatus,
    TimeWindow,
    Vehicle,
    Warehouse,
)
from lastmile.services.unit_of_work import (
    DuplicateKey,
    IdempotencyRecord,
    PriorIntake,
    RouteSummary,
    StopRow,
    status_set,
)

T = TypeVar("T")


def clone(value: T) -> T:
    """Return a deep copy of domain state, rebuilt through the constructors.

    ``copy.deepcopy`` cannot copy objects of classes SQLAlchemy has mapped (their
    instrumentation state holds weak references), and the mapping may be active in the
    same process as the fakes, e.g. when unit and integration tests run together.
    """
    return _clone(value)  # type: ignore[no-any-return]


def _clone(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        if value.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            return value  # immutable values can be shared
        return type(value)(
            **{f.name: _clone(getattr(value, f.name)) for f in fields(value) if f.init}
        )
    if isinstance(value, list):
        return [_clone(v) for v in value]
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_clone(v) for v in value)
    if isinstance(value, set):
        return {_clone(v) for v in value}
    return value


def _cut(items: Sequence[T], *, limit: int, offset: int) -> tuple[list[T], int]:
    """Return the page a SQL ``LIMIT``/``OFFSET`` would, and how many items matched."""
    return list(items[offset : offset + limit]), len(items)


@dataclass
class FakeStore:
    """Everything one fake database holds; copied at the start of each transaction."""

    warehouses: dict[str, Warehouse] = field(default_factory=dict)
    skus: dict[str, Sku] = field(default_factory=dict)
    stock: dict[tuple[str, str], StockLevel] = field(default_factory=dict)
    ledger: list[StockMovement] = field(default_factory=list)
    orders: dict[str, Order] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    shipments: dict[str, Shipment] = field(default_factory=dict)
    vehicles: dict[str, Vehicle] = field(default_factory=dict)
    routes: dict[str, Route] = field(default_factory=dict)
    events: list[DomainEvent] = field(default_factory=list)
    relayed: dict[str, datetime] = field(default_factory=dict)


class FakeWarehouseRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, warehouse: Warehouse) -> None:
        if warehouse.warehouse_id in self._store.warehouses:
            raise DuplicateKey(f"warehouse {warehouse.warehouse_id!r} already exists")
        self._store.warehouses[warehouse.warehouse_id] = warehouse

    def get(self, warehouse_id: str) -> Warehouse | None:
        return self._store.warehouses.get(warehouse_id)

    def list(self) -> list[Warehouse]:
        return sorted(self._store.warehouses.values(), key=lambda w: w.warehouse_id)

    def page(self, *, limit: int, offset: int) -> tuple[builtins.list[Warehouse], int]:
        return _cut(self.list(), limit=limit, offset=offset)


class FakeSkuRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, sku: Sku) -> None:
        if sku.sku_id in self._store.skus:
            raise DuplicateKey(f"sku {sku.sku_id!r} already exists")
        self._store.skus[sku.sku_id] = sku

    def get(self, sku_id: str) -> Sku | None:
        return self._store.skus.get(sku_id)

    def list(self) -> list[Sku]:
        return sorted(self._store.skus.values(), key=lambda s: s.sku_id)

    def existing_ids(self, sku_ids: Sequence[str]) -> set[str]:
        return {s for s in sku_ids if s in self._store.skus}

    def page(
        self, *, category: str | None = None, limit: int, offset: int
    ) -> tuple[builtins.list[Sku], int]:
        found = [s for s in self.list() if category is None or s.category == category]
        return _cut(found, limit=limit, offset=offset)


class FakeStockRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, level: StockLevel) -> None:
        key = (level.sku_id, level.warehouse_id)
        if key in self._store.stock:
            raise DuplicateKey(f"stock level {key} already exists")
        self._store.stock[key] = level

    def get(self, sku_id: str, warehouse_id: str, *, for_update: bool = False) -> StockLevel | None:
        return self._store.stock.get((sku_id, warehouse_id))

    def list(
        self, *, warehouse_id: str | None = None, sku_ids: Sequence[str] | None = None
    ) -> list[StockLevel]:
        wanted = set(sku_ids) if sku_ids is not None else None
        return [
            level
            for key, level in sorted(self._store.stock.items())
            if (warehouse_id is None or level.warehouse_id == warehouse_id)
            and (wanted is None or level.sku_id in wanted)
        ]

    def movements(self, sku_id: str, warehouse_id: str) -> builtins.list[StockMovement]:
        return [
            m for m in self._store.ledger if (m.sku_id, m.warehouse_id) == (sku_id, warehouse_id)
        ]

    def page(
        self,
        *,
        warehouse_id: str | None = None,
        sku_id: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[builtins.list[StockLevel], int]:
        found = self.list(warehouse_id=warehouse_id, sku_ids=None if sku_id is None else [sku_id])
        found.sort(key=lambda s: (s.warehouse_id, s.sku_id))
        return _cut(found, limit=limit, offset=offset)

    def movement_page(
        self, sku_id: str, warehouse_id: str, *, limit: int, offset: int
    ) -> tuple[builtins.list[StockMovement], int]:
        return _cut(self.movements(sku_id, warehouse_id), limit=limit, offset=offset)


class FakeOrderRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, order: Order) -> None:
        if order.order_id in self._store.orders:
            raise DuplicateKey(f"order {order.order_id!r} already exists")
        if self.get_by_external_id(order.client_id, order.external_id) is not None:
            raise DuplicateKey(
                f"external order id {order.external_id!r} already used by client "
                f"{order.client_id!r}"
            )
        self._store.orders[order.order_id] = order

    def insert_batch(self, orders: Sequence[Order], records: Sequence[IdempotencyRecord]) -> None:
        for order in orders:
            self.add(order)
            # Like the SQL fast path: the events are in the outbox from here on.
            self._store.events.extend(order.events)
            order.events.clear()
        for record in records:
            if (record.client_id, record.key) in self._store.idempotency:
                raise DuplicateKey(f"idempotency key {record.key!r} already stored")
            self._store.idempotency[(record.client_id, record.key)] = record

    def find_priors(self, asks: Sequence[tuple[str, str, str | None]]) -> list[PriorIntake]:
        priors = []
        for client_id, external_id, key in asks:
            record = None if key is None else self._store.idempotency.get((client_id, key))
            existing = self.get_by_external_id(client_id, external_id)
            priors.append(PriorIntake(record, None if existing is None else existing.order_id))
        return priors

    def get(self, order_id: str) -> Order | None:
        return self._store.orders.get(order_id)

    def get_by_external_id(self, client_id: str, external_id: str) -> Order | None:
        for order in self._store.orders.values():
            if (order.client_id, order.external_id) == (client_id, external_id):
                return order
        return None

    def get_many(self, order_ids: Sequence[str]) -> dict[str, Order]:
        known = self._store.orders
        return {oid: known[oid] for oid in order_ids if oid in known}

    def get_by_external_ids(self, client_id: str, external_ids: Sequence[str]) -> dict[str, Order]:
        wanted = set(external_ids)
        return {
            o.external_id: o
            for o in self._store.orders.values()
            if o.client_id == client_id and o.external_id in wanted
        }

    def list(
        self,
        *,
        status: OrderStatus | Collection[OrderStatus] | None = None,
        limit: int | None = None,
    ) -> list[Order]:
        wanted = status_set(status)
        found = [o for o in self._store.orders.values() if wanted is None or o.status in wanted]
        found.sort(key=lambda o: (o.placed_at, o.order_id))
        return found[:limit] if limit is not None else found

    def count_by_status(self) -> dict[OrderStatus, int]:
        return dict(Counter(o.status for o in self._store.orders.values()))

    def page(
        self,
        *,
        status: OrderStatus | None = None,
        customer_id: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[builtins.list[Order], int]:
        found = [
            o
            for o in self.list(status=status)
            if customer_id is None or o.customer_id == customer_id
        ]
        found.reverse()  # newest first
        return _cut(found, limit=limit, offset=offset)


class FakeIdempotencyRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def get(self, client_id: str, key: str) -> IdempotencyRecord | None:
        return self._store.idempotency.get((client_id, key))

    def add(self, record: IdempotencyRecord) -> None:
        if (record.client_id, record.key) in self._store.idempotency:
            raise DuplicateKey(f"idempotency key {record.key!r} already stored")
        self._store.idempotency[(record.client_id, record.key)] = record


class FakeShipmentRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, shipment: Shipment) -> None:
        if shipment.shipment_id in self._store.shipments:
            raise DuplicateKey(f"shipment {shipment.shipment_id!r} already exists")
        self._store.shipments[shipment.shipment_id] = shipment

    def get(self, shipment_id: str) -> Shipment | None:
        return self._store.shipments.get(shipment_id)

    def get_many(self, shipment_ids: Sequence[str]) -> dict[str, Shipment]:
        known = self._store.shipments
        return {sid: known[sid] for sid in shipment_ids if sid in known}

    def windows(self, shipment_ids: Sequence[str]) -> dict[str, TimeWindow]:
        return {
            sid: shipment.window
            for sid, shipment in self.get_many(shipment_ids).items()
            if shipment.window is not None
        }

    def list(
        self, *, warehouse_id: str | None = None, delivery_date: str | None = None
    ) -> list[Shipment]:
        return [
            s
            for _, s in sorted(self._store.shipments.items())
            if (warehouse_id is None or s.warehouse_id == warehouse_id)
            and (delivery_date is None or s.delivery_date == delivery_date)
        ]

    def page(
        self,
        *,
        warehouse_id: str | None = None,
        delivery_date: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[builtins.list[Shipment], int]:
        found = self.list(warehouse_id=warehouse_id, delivery_date=delivery_date)
        return _cut(found, limit=limit, offset=offset)


class FakeVehicleRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, vehicle: Vehicle) -> None:
        if vehicle.vehicle_id in self._store.vehicles:
            raise DuplicateKey(f"vehicle {vehicle.vehicle_id!r} already exists")
        self._store.vehicles[vehicle.vehicle_id] = vehicle

    def get(self, vehicle_id: str) -> Vehicle | None:
        return self._store.vehicles.get(vehicle_id)

    def list(self, *, depot_id: str | None = None) -> list[Vehicle]:
        return [
            v
            for _, v in sorted(self._store.vehicles.items())
            if depot_id is None or v.depot_id == depot_id
        ]

    def page(
        self, *, depot_id: str | None = None, limit: int, offset: int
    ) -> tuple[builtins.list[Vehicle], int]:
        return _cut(self.list(depot_id=depot_id), limit=limit, offset=offset)


class FakeRouteRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, route: Route) -> None:
        if route.route_id in self._store.routes:
            raise DuplicateKey(f"route {route.route_id!r} already exists")
        self._store.routes[route.route_id] = route

    def get(self, route_id: str) -> Route | None:
        return self._store.routes.get(route_id)

    def list(
        self,
        *,
        vehicle_id: str | None = None,
        driver_id: str | None = None,
        open_only: bool = False,
        since: datetime | None = None,
    ) -> list[Route]:
        return [
            r
            for _, r in sorted(self._store.routes.items())
            if (vehicle_id is None or r.vehicle_id == vehicle_id)
            and (driver_id is None or r.driver_id == driver_id)
            and (not open_only or not r.stops or any(s.status in OPEN_STOPS for s in r.stops))
            and (since is None or not r.stops or any(s.arrival >= since for s in r.stops))
        ]

    def carrying(self, shipment_ids: Collection[str]) -> builtins.list[Route]:
        wanted = set(shipment_ids)
        return [
            route
            for _, route in sorted(self._store.routes.items())
            if any(not wanted.isdisjoint(stop.shipment_ids) for stop in route.stops)
        ]

    def summaries(self) -> builtins.list[RouteSummary]:
        return [
            RouteSummary(
                r.route_id,
                r.vehicle_id,
                r.distance_m,
                r.cost,
                r.co2_kg,
                len(r.stops),
                sum(s.status is StopStatus.DELIVERED for s in r.stops),
                sum(s.status is StopStatus.FAILED for s in r.stops),
            )
            for _, r in sorted(self._store.routes.items())
        ]

    def delivered_on_time(self) -> tuple[int, int]:
        shipments = self._store.shipments
        delivered = [
            s
            for r in self._store.routes.values()
            for s in r.stops
            if s.status is StopStatus.DELIVERED
        ]
        on_time = sum(
            all(
                w.start <= stop.arrival <= w.end
                for sid in stop.shipment_ids
                if sid in shipments and (w := shipments[sid].window) is not None
            )
            for stop in delivered
        )
        return len(delivered), on_time

    def stop_rows(self, statuses: Collection[StopStatus]) -> builtins.list[StopRow]:
        return [
            StopRow(r.route_id, r.vehicle_id, s.arrival, tuple(s.shipment_ids))
            for _, r in sorted(self._store.routes.items())
            for s in r.stops
            if s.status in statuses
        ]

    def page(
        self,
        *,
        vehicle_id: str | None = None,
        driver_id: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[builtins.list[Route], int]:
        found = self.list(vehicle_id=vehicle_id, driver_id=driver_id)
        return _cut(found, limit=limit, offset=offset)

    def delete(self, route_id: str) -> None:
        self._store.routes.pop(route_id, None)


class FakeOutboxRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, event: DomainEvent) -> None:
        self._store.events.append(event)

    def unrelayed(self, *, limit: int = 100) -> list[DomainEvent]:
        pending = [e for e in self._store.events if e.event_id not in self._store.relayed]
        return pending[:limit]

    def mark_relayed(self, event_ids: Sequence[str], at: datetime) -> None:
        for event_id in event_ids:
            self._store.relayed.setdefault(event_id, at)


class FakeUnitOfWork:
    """An in-memory unit of work with commit / rollback semantics.

    Each ``with`` block works on a deep copy of the committed store; ``commit()`` makes the
    copy the committed state. ``commits`` counts successful commits, ``committed`` tells
    whether the last transaction committed.
    """

    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store if store is not None else FakeStore()
        self.commits = 0
        self.committed = False
        self._in_transaction = False
        self._open(clone(self.store))

    def _open(self, working: FakeStore) -> None:
        self._working = working
        self.warehouses = FakeWarehouseRepository(working)
        self.skus = FakeSkuRepository(working)
        self.stock = FakeStockRepository(working)
        self.orders = FakeOrderRepository(working)
        self.idempotency = FakeIdempotencyRepository(working)
        self.shipments = FakeShipmentRepository(working)
        self.vehicles = FakeVehicleRepository(working)
        self.routes = FakeRouteRepository(working)
        self.outbox = FakeOutboxRepository(working)

    def __enter__(self) -> Self:
        # Same rule as the SQLAlchemy unit of work, so a nesting bug shows up in unit tests.
        if self._in_transaction:
            raise RuntimeError("the unit of work is already open; nest a new one instead")
        self._in_transaction = True
        self.committed = False
        self._open(clone(self.store))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._in_transaction = False
        self.rollback()

    def commit(self) -> None:
        working = self._working
        for level in working.stock.values():
            working.ledger.extend(level.pending)
            level.pending.clear()
        for order in working.orders.values():
            working.events.extend(order.events)
            order.events.clear()
        self.store = working
        self.commits += 1
        self.committed = True
        # Keep working on a private copy so later edits need another commit.
        self._open(clone(self.store))

    def rollback(self) -> None:
        self._open(clone(self.store))
