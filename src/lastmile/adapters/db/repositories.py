"""SQLAlchemy repositories: the storage side of ``lastmile.services.unit_of_work``."""

from __future__ import annotations

import builtins
import functools
import weakref
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    CompoundSelect,
    FromClause,
    Insert,
    Select,
    String,
    Table,
    any_,
    bindparam,
    func,
    insert,
    literal,
    null,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, make_transient_to_detached

from lastmile.adapters.db import tables as t
from lastmile.domain import (
    DomainEvent,
    MovementKind,
    Order,
    OrderStatus,
    Route,
    Shipment,
    Sku,
    StockLevel,
    StockMovement,
    Vehicle,
    Warehouse,
)
from lastmile.services.unit_of_work import IdempotencyRecord, PriorIntake

E = TypeVar("E")

# SKU ids known to be stored, per engine. Rows of ``skus`` are only ever added (no code
# path deletes one, and order lines reference them), so a hit needs no query; a miss
# still asks the database.
_KNOWN_SKUS: weakref.WeakKeyDictionary[Engine | Connection, set[str]] = weakref.WeakKeyDictionary()
# Set on a session that added SKUs: what it reads back may still be rolled back.
_ADDS_SKUS = "lastmile.adds_skus"


def _page(
    session: Session,
    entity: type[E],
    table: FromClause,
    where: Sequence[ColumnElement[bool]],
    order_by: Sequence[ColumnElement[Any]],
    *,
    limit: int,
    offset: int,
) -> tuple[list[E], int]:
    """Count the matching rows, then load only the ``limit`` rows of the page."""
    total = session.scalar(select(func.count()).select_from(table).where(*where)) or 0
    if offset >= total:
        return [], total
    stmt = select(entity).where(*where).order_by(*order_by).limit(limit).offset(offset)
    return list(session.scalars(stmt)), total


class SqlWarehouseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, warehouse: Warehouse) -> None:
        self.session.add(warehouse)

    def get(self, warehouse_id: str) -> Warehouse | None:
        return self.session.get(Warehouse, warehouse_id)

    def list(self) -> list[Warehouse]:
        stmt = select(Warehouse).order_by(t.warehouses.c.warehouse_id)
        return list(self.session.scalars(stmt))

    def page(self, *, limit: int, offset: int) -> tuple[builtins.list[Warehouse], int]:
        c = t.warehouses.c
        return _page(
            self.session, Warehouse, t.warehouses, [], [c.warehouse_id], limit=limit, offset=offset
        )


class SqlSkuRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, sku: Sku) -> None:
        self.session.info[_ADDS_SKUS] = True
        self.session.add(sku)

    def get(self, sku_id: str) -> Sku | None:
        return self.session.get(Sku, sku_id)

    def list(self) -> list[Sku]:
        return list(self.session.scalars(select(Sku).order_by(t.skus.c.sku_id)))

    def page(
        self, *, category: str | None = None, limit: int, offset: int
    ) -> tuple[builtins.list[Sku], int]:
        c = t.skus.c
        where = [] if category is None else [c.category == category]
        return _page(self.session, Sku, t.skus, where, [c.sku_id], limit=limit, offset=offset)

    def existing_ids(self, sku_ids: Sequence[str]) -> set[str]:
        known = _KNOWN_SKUS.setdefault(self.session.get_bind(), set())
        asked = set(sku_ids)
        wanted = sorted(asked - known)
        found: set[str] = asked - set(wanted)
        if not wanted:
            return found
        from_db = self._query_ids(wanted)
        if not self.session.info.get(_ADDS_SKUS):
            known.update(from_db)
        return found | from_db

    def _query_ids(self, wanted: Sequence[str]) -> set[str]:
        found: set[str] = set()
        # Chunked so a large import stays under the bound-parameter limits of both engines.
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            found.update(
                self.session.scalars(select(t.skus.c.sku_id).where(t.skus.c.sku_id.in_(chunk)))
            )
        return found


class SqlStockRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, level: StockLevel) -> None:
        self.session.add(level)

    def get(self, sku_id: str, warehouse_id: str, *, for_update: bool = False) -> StockLevel | None:
        c = t.stock_levels.c
        stmt = select(StockLevel).where(c.sku_id == sku_id, c.warehouse_id == warehouse_id)
        if for_update:
            # PostgreSQL: a row lock, so competing reservations queue instead of conflicting.
            # SQLite ignores it; its writers are already serialised by BEGIN IMMEDIATE.
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).one_or_none()

    def list(
        self, *, warehouse_id: str | None = None, sku_ids: Sequence[str] | None = None
    ) -> list[StockLevel]:
        c = t.stock_levels.c
        stmt = select(StockLevel).order_by(c.sku_id, c.warehouse_id)
        if warehouse_id is not None:
            stmt = stmt.where(c.warehouse_id == warehouse_id)
        if sku_ids is not None:
            stmt = stmt.where(c.sku_id.in_(list(sku_ids)))
        return list(self.session.scalars(stmt))

    def movements(self, sku_id: str, warehouse_id: str) -> builtins.list[StockMovement]:
        c = t.stock_movements.c
        rows = self.session.execute(
            select(c.sku_id, c.warehouse_id, c.kind, c.quantity, c.at, c.reference)
            .where(c.sku_id == sku_id, c.warehouse_id == warehouse_id)
            .order_by(c.movement_id)
        )
        return [
            StockMovement(
                r.sku_id, r.warehouse_id, MovementKind(r.kind), r.quantity, r.at, r.reference
            )
            for r in rows
        ]

    def page(
        self,
        *,
        warehouse_id: str | None = None,
        sku_id: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[builtins.list[StockLevel], int]:
        c = t.stock_levels.c
        where = []
        if warehouse_id is not None:
            where.append(c.warehouse_id == warehouse_id)
        if sku_id is not None:
            where.append(c.sku_id == sku_id)
        return _page(
            self.session,
            StockLevel,
            t.stock_levels,
            where,
            [c.warehouse_id, c.sku_id],
            limit=limit,
            offset=offset,
        )

    def movement_page(
        self, sku_id: str, warehouse_id: str, *, limit: int, offset: int
    ) -> tuple[builtins.list[StockMovement], int]:
        c = t.stock_movements.c
        where = (c.sku_id == sku_id, c.warehouse_id == warehouse_id)
        total = (
            self.session.scalar(select(func.count()).select_from(t.stock_movements).where(*where))
            or 0
        )
        rows = self.session.execute(
            select(c.sku_id, c.warehouse_id, c.kind, c.quantity, c.at, c.reference)
            .where(*where)
            .order_by(c.movement_id)
            .limit(limit)
            .offset(offset)
        )
        return [
            StockMovement(
                r.sku_id, r.warehouse_id, MovementKind(r.kind), r.quantity, r.at, r.reference
            )
            for r in rows
        ], total

    def write_ledger(self, movements: Sequence[StockMovement]) -> None:
        """Append movements to the ledger (called by the unit of work on commit)."""
        if not movements:
            return
        self.session.execute(
            insert(t.stock_movements),
            [
                {
                    "sku_id": m.sku_id,
                    "warehouse_id": m.warehouse_id,
                    "kind": m.kind,
                    "quantity": m.quantity,
                    "at": m.at,
                    "reference": m.reference,
                }
                for m in movements
            ],
        )


class SqlOrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, order: Order) -> None:
        self.session.add(order)

    def insert_new(self, order: Order, record: IdempotencyRecord | None) -> None:
        self.insert_batch([order], [] if record is None else [record])

    def insert_batch(self, orders: Sequence[Order], records: Sequence[IdempotencyRecord]) -> None:
        # Core INSERTs on the session's connection, the group's rows together: a flush of a
        # new object graph costs several times more CPU than the statements themselves,
        # and a statement per order costs a round trip each on PostgreSQL.
        conn = self.session.connection()
        writes = [
            (t.orders, [_order_row(order) for order in orders]),
            (t.order_lines, _line_rows(orders)),
            (t.events, _event_rows([event for order in orders for event in order.events])),
            (t.idempotency_keys, [_record_row(r) for r in records]),
        ]
        writes = [(table, rows) for table, rows in writes if rows]
        # One executemany per table: compiled once, pipelined by psycopg. A single
        # statement for the group (INSERTs in a WITH, one round trip) had a new text for
        # every group shape, and compiling it cost the server more than the round trips.
        for table, rows in writes:
            conn.execute(_insert(table), rows)
        for order in orders:
            order.events.clear()
            # Leave the objects as a flush would (keys and positions set, detached), so a
            # caller that adds the order to a later transaction updates it rather than
            # inserting it again.
            for i, line in enumerate(order.lines):
                mapped: Any = line  # order_id and position are mapped columns, not domain fields
                mapped.order_id = order.order_id
                mapped.position = i
                make_transient_to_detached(line)
            make_transient_to_detached(order)

    def find_prior(self, client_id: str, external_id: str, key: str | None) -> PriorIntake:
        params = {"client_id": client_id, "external_id": external_id, "key": key}
        row = self.session.connection().execute(_prior_statement(key is not None), params).one()
        order_id, request_hash, response, created_at = row
        record = None
        if key is not None and request_hash is not None:
            record = IdempotencyRecord(client_id, key, request_hash, dict(response), created_at)
        return PriorIntake(record, order_id)

    def find_priors(self, asks: Sequence[tuple[str, str, str | None]]) -> list[PriorIntake]:
        if len(asks) == 1:
            # One request (no load): the single cached statement beats two IN look-ups.
            return [self.find_prior(*asks[0])]
        conn = self.session.connection()
        externals: dict[str, set[str]] = {}
        keys: dict[str, set[str]] = {}
        for client, external, key in asks:
            externals.setdefault(client, set()).add(external)
            if key is not None:
                keys.setdefault(client, set()).add(key)
        order_ids: dict[tuple[str, str], str] = {}
        records: dict[tuple[str, str], IdempotencyRecord] = {}
        for client in externals:
            # Both look-ups in one statement: one round trip to PostgreSQL.
            ids, client_keys = sorted(externals[client]), sorted(keys.get(client, ()))
            for start in range(0, max(len(ids), len(client_keys)), _CHUNK):
                params = {
                    "client_id": client,
                    "externals": ids[start : start + _CHUNK],
                    "keys": client_keys[start : start + _CHUNK],
                }
                statement = _priors_statement(conn.dialect.name == "postgresql")
                for kind, ref, order_id, request_hash, response, at in conn.execute(
                    statement, params
                ):
                    if kind == "o":
                        order_ids[(client, ref)] = order_id
                    else:
                        records[(client, ref)] = IdempotencyRecord(
                            client, ref, request_hash, dict(response), at
                        )
        return [
            PriorIntake(
                None if key is None else records.get((client, key)),
                order_ids.get((client, external)),
            )
            for client, external, key in asks
        ]

    def get(self, order_id: str) -> Order | None:
        return self.session.get(Order, order_id)

    def get_by_external_id(self, client_id: str, external_id: str) -> Order | None:
        c = t.orders.c
        stmt = select(Order).where(c.client_id == client_id, c.external_id == external_id)
        return self.session.scalars(stmt).one_or_none()

    def get_by_external_ids(self, client_id: str, external_ids: Sequence[str]) -> dict[str, Order]:
        c = t.orders.c
        wanted = sorted(set(external_ids))
        found: dict[str, Order] = {}
        for i in range(0, len(wanted), 500):
            stmt = select(Order).where(
                c.client_id == client_id, c.external_id.in_(wanted[i : i + 500])
            )
            found.update((o.external_id, o) for o in self.session.scalars(stmt))
        return found

    def list(self, *, status: OrderStatus | None = None, limit: int | None = None) -> list[Order]:
        c = t.orders.c
        stmt = select(Order).order_by(c.placed_at, c.order_id)
        if status is not None:
            stmt = stmt.where(c.status == status)
        if limit is not None:
            stmt = stmt.limit(limit)
        return list(self.session.scalars(stmt))

    def page(
        self,
        *,
        status: OrderStatus | None = None,
        customer_id: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[builtins.list[Order], int]:
        c = t.orders.c
        where = []
        if status is not None:
            where.append(c.status == status)
        if customer_id is not None:
            where.append(c.customer_id == customer_id)
        newest_first = [c.placed_at.desc(), c.order_id.desc()]
        return _page(self.session, Order, t.orders, where, newest_first, limit=limit, offset=offset)


@functools.cache
def _prior_statement(with_key: bool) -> Select[Any]:
    """Build once the look-up of an order request's key record and external id."""
    # Built on first use and reused: constructing and cache-keying a SELECT costs more CPU
    # than running this one (one round trip, primary or unique key look-ups only).
    o, k = t.orders.c, t.idempotency_keys.c
    client: Any = bindparam("client_id")
    by_external = select(o.order_id).where(
        o.client_id == client, o.external_id == bindparam("external_id")
    )
    columns: list[Any] = [by_external.scalar_subquery()]
    for column in (k.request_hash, k.response, k.created_at):
        if with_key:
            of_key = select(column).where(k.client_id == client, k.key == bindparam("key"))
            columns.append(of_key.scalar_subquery())
        else:
            columns.append(null())
    return select(*columns)


class SqlIdempotencyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, client_id: str, key: str) -> IdempotencyRecord | None:
        c = t.idempotency_keys.c
        row = (
            self.session.connection()
            .execute(select(t.idempotency_keys).where(c.client_id == client_id, c.key == key))
            .one_or_none()
        )
        if row is None:
            return None
        return IdempotencyRecord(
            row.client_id, row.key, row.request_hash, dict(row.response), row.created_at
        )

    def add(self, record: IdempotencyRecord) -> None:
        _insert_idempotency(self.session.connection(), record)


def _insert_idempotency(conn: Connection, record: IdempotencyRecord) -> None:
    conn.execute(_insert(t.idempotency_keys), _record_row(record))


def _record_row(record: IdempotencyRecord) -> dict[str, Any]:
    return {
        "client_id": record.client_id,
        "key": record.key,
        "request_hash": record.request_hash,
        "response": record.response,
        "created_at": record.created_at,
    }


def _line_rows(orders: Sequence[Order]) -> list[dict[str, Any]]:
    return [
        {"order_id": o.order_id, "sku_id": line.sku_id, "position": i, "quantity": line.quantity}
        for o in orders
        for i, line in enumerate(o.lines)
    ]


def _order_row(order: Order) -> dict[str, Any]:
    window = order.window
    return {
        "order_id": order.order_id,
        "client_id": order.client_id,
        "external_id": order.external_id,
        "customer_id": order.customer_id,
        "address": order.address,
        "option": order.option,
        "window_start": window.start if window else None,
        "window_end": window.end if window else None,
        "placed_at": order.placed_at,
        "status": order.status,
        "status_reason": order.status_reason,
    }


# Ids per look-up statement (bound parameters stay well under SQLite's limit).
_CHUNK = 200


@functools.cache
def _priors_statement(arrays: bool) -> CompoundSelect[Any]:
    """Build once the look-up of a client's orders by external id and its stored keys.

    ``arrays``: the id lists go as one array parameter each (PostgreSQL's ``= ANY``), so
    the statement's text is the same for every group size and is prepared once.
    """
    # One client and lists of ids, not row values: SQLite answers "(a, b) IN (VALUES ...)"
    # by scanning the whole table, and "a = ? AND b IN (...)" from the unique index.
    o, k = t.orders.c, t.idempotency_keys.c
    client: Any = bindparam("client_id")

    def among(column: Any, name: str) -> ColumnElement[bool]:
        if arrays:
            matches: ColumnElement[bool] = column == any_(bindparam(name, type_=ARRAY(String)))
        else:
            matches = column.in_(bindparam(name, expanding=True))
        return matches

    by_external = select(
        literal("o"),
        o.external_id,
        o.order_id,
        type_coerce(null(), k.request_hash.type),
        type_coerce(null(), k.response.type),
        type_coerce(null(), k.created_at.type),
    ).where(o.client_id == client, among(o.external_id, "externals"))
    by_key = select(
        literal("k"),
        k.key,
        type_coerce(null(), o.order_id.type),
        k.request_hash,
        k.response,
        k.created_at,
    ).where(k.client_id == client, among(k.key, "keys"))
    return union_all(by_external, by_key)


class SqlShipmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, shipment: Shipment) -> None:
        self.session.add(shipment)

    def get(self, shipment_id: str) -> Shipment | None:
        return self.session.get(Shipment, shipment_id)

    def list(
        self, *, warehouse_id: str | None = None, delivery_date: str | None = None
    ) -> list[Shipment]:
        c = t.shipments.c
        stmt = select(Shipment).order_by(c.shipment_id)
        if warehouse_id is not None:
            stmt = stmt.where(c.warehouse_id == warehouse_id)
        if delivery_date is not None:
            stmt = stmt.where(c.delivery_date == delivery_date)
        return list(self.session.scalars(stmt))

    def page(
        self,
        *,
        warehouse_id: str | None = None,
        delivery_date: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[builtins.list[Shipment], int]:
        c = t.shipments.c
        where = []
        if warehouse_id is not None:
            where.append(c.warehouse_id == warehouse_id)
        if delivery_date is not None:
            where.append(c.delivery_date == delivery_date)
        return _page(
            self.session, Shipment, t.shipments, where, [c.shipment_id], limit=limit, offset=offset
        )


class SqlVehicleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, vehicle: Vehicle) -> None:
        self.session.add(vehicle)

    def get(self, vehicle_id: str) -> Vehicle | None:
        return self.session.get(Vehicle, vehicle_id)

    def list(self, *, depot_id: str | None = None) -> list[Vehicle]:
        c = t.vehicles.c
        stmt = select(Vehicle).order_by(c.vehicle_id)
        if depot_id is not None:
            stmt = stmt.where(c.depot_id == depot_id)
        return list(self.session.scalars(stmt))

    def page(
        self, *, depot_id: str | None = None, limit: int, offset: int
    ) -> tuple[builtins.list[Vehicle], int]:
        c = t.vehicles.c
        where = [] if depot_id is None else [c.depot_id == depot_id]
        return _page(
            self.session, Vehicle, t.vehicles, where, [c.vehicle_id], limit=limit, offset=offset
        )


class SqlRouteRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, route: Route) -> None:
        self.session.add(route)

    def get(self, route_id: str) -> Route | None:
        return self.session.get(Route, route_id)

    def list(self, *, vehicle_id: str | None = None, driver_id: str | None = None) -> list[Route]:
        stmt = select(Route).where(*self._filters(vehicle_id, driver_id))
        return list(self.session.scalars(stmt.order_by(t.routes.c.route_id)))

    def page(
        self,
        *,
        vehicle_id: str | None = None,
        driver_id: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[builtins.list[Route], int]:
        where = self._filters(vehicle_id, driver_id)
        order = [t.routes.c.route_id]
        return _page(self.session, Route, t.routes, where, order, limit=limit, offset=offset)

    @staticmethod
    def _filters(
        vehicle_id: str | None, driver_id: str | None
    ) -> builtins.list[ColumnElement[bool]]:
        c = t.routes.c
        where: builtins.list[ColumnElement[bool]] = []
        if vehicle_id is not None:
            where.append(c.vehicle_id == vehicle_id)
        if driver_id is not None:
            where.append(c.driver_id == driver_id)
        return where

    def delete(self, route_id: str) -> None:
        route = self.get(route_id)
        if route is not None:
            self.session.delete(route)


class SqlOutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, event: DomainEvent) -> None:
        self.add_many([event])

    def add_many(self, events: Sequence[DomainEvent]) -> None:
        """Store events in the order given (called by the unit of work on commit)."""
        if not events:
            return
        self.session.execute(insert(t.events), _event_rows(events))

    def unrelayed(self, *, limit: int = 100) -> list[DomainEvent]:
        c = t.events.c
        rows = self.session.execute(
            select(c.event_id, c.kind, c.aggregate_id, c.data, c.at)
            .where(c.relayed_at.is_(None))
            .order_by(c.seq)
            .limit(limit)
        )
        return [_event(r._mapping) for r in rows]

    def mark_relayed(self, event_ids: Sequence[str], at: datetime) -> None:
        if not event_ids:
            return
        c = t.events.c
        self.session.execute(
            update(t.events)
            .where(c.event_id.in_(list(event_ids)), c.relayed_at.is_(None))
            .values(relayed_at=at)
        )


def _event_rows(events: Sequence[DomainEvent]) -> list[dict[str, Any]]:
    return [
        {
            "event_id": e.event_id,
            "kind": e.kind,
            "aggregate_id": e.aggregate_id,
            "data": e.data,
            "at": e.at,
            "relayed_at": None,
        }
        for e in events
    ]


@functools.cache
def _insert(table: Table) -> Insert:
    """Build once a plain INSERT into ``table`` (the intake path runs it for every order)."""
    return insert(table)


def _event(row: Any) -> DomainEvent:
    return DomainEvent(
        kind=row["kind"],
        aggregate_id=row["aggregate_id"],
        data=dict(row["data"]),
        at=row["at"],
        event_id=row["event_id"],
    )
