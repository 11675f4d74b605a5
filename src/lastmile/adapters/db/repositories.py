"""SQLAlchemy repositories: the storage side of ``lastmile.services.unit_of_work`` (orders and
idempotency keys, with the intake fast path, are in ``order_repository``)."""

from __future__ import annotations

import builtins
import functools
import weakref
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Insert,
    Table,
    case,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from lastmile.adapters.db import tables as t
from lastmile.domain import (
    OPEN_STOPS,
    DomainEvent,
    MovementKind,
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
from lastmile.services.unit_of_work import RouteSummary, StopRow

E = TypeVar("E")


def in_chunks(ids: Iterable[str], size: int = 500) -> Iterator[list[str]]:
    """The distinct ``ids``, sorted, in lists short enough for one ``IN``."""
    wanted = sorted(set(ids))
    for i in range(0, len(wanted), size):
        yield wanted[i : i + size]


# SKU ids known to be stored, per engine. Rows of ``skus`` are only ever added (no code
# path deletes one, and order lines reference them), so a hit needs no query; a miss
# still asks the database.
_KNOWN_SKUS: weakref.WeakKeyDictionary[Engine | Connection, set[str]] = weakref.WeakKeyDictionary()
# Set on a session that added SKUs: what it reads back may still be rolled back.
_ADDS_SKUS = "lastmile.adds_skus"


def page_of(
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
        return page_of(
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
        return page_of(self.session, Sku, t.skus, where, [c.sku_id], limit=limit, offset=offset)

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
        return page_of(
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


class SqlShipmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, shipment: Shipment) -> None:
        self.session.add(shipment)

    def get(self, shipment_id: str) -> Shipment | None:
        return self.session.get(Shipment, shipment_id)

    def windows(self, shipment_ids: Sequence[str]) -> dict[str, TimeWindow]:
        c = t.shipments.c
        found: dict[str, TimeWindow] = {}
        for chunk in in_chunks(shipment_ids):
            stmt = select(c.shipment_id, c.window_start, c.window_end).where(
                c.shipment_id.in_(chunk), c.window_start.is_not(None)
            )
            found.update(
                (sid, TimeWindow(start, end)) for sid, start, end in self.session.execute(stmt)
            )
        return found

    def get_many(self, shipment_ids: Sequence[str]) -> dict[str, Shipment]:
        c = t.shipments.c
        found: dict[str, Shipment] = {}
        for chunk in in_chunks(shipment_ids):
            stmt = select(Shipment).where(c.shipment_id.in_(chunk))
            found.update((s.shipment_id, s) for s in self.session.scalars(stmt))
        return found

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
        return page_of(
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
        return page_of(
            self.session, Vehicle, t.vehicles, where, [c.vehicle_id], limit=limit, offset=offset
        )


class SqlRouteRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, route: Route) -> None:
        self.session.add(route)

    def get(self, route_id: str) -> Route | None:
        return self.session.get(Route, route_id)

    def list(
        self,
        *,
        vehicle_id: str | None = None,
        driver_id: str | None = None,
        open_only: bool = False,
        since: datetime | None = None,
    ) -> list[Route]:
        where = self._filters(vehicle_id, driver_id)
        c, s = t.routes.c, t.stops.c
        if open_only or since is not None:
            # Decided on the stops table, before any route and its stops are loaded.
            stops_wanted: list[ColumnElement[bool]] = []
            if open_only:
                stops_wanted.append(s.status.in_(sorted(OPEN_STOPS)))
            if since is not None:
                stops_wanted.append(s.arrival >= since)
            no_stops = ~exists().where(s.route_id == c.route_id)
            for condition in stops_wanted:
                where.append(or_(c.route_id.in_(select(s.route_id).where(condition)), no_stops))
        stmt = select(Route).where(*where)
        return list(self.session.scalars(stmt.order_by(c.route_id)))

    def summaries(self) -> builtins.list[RouteSummary]:
        c, s = t.routes.c, t.stops.c

        def counted(status: StopStatus) -> Any:
            return func.coalesce(func.sum(case((s.status == status, 1), else_=0)), 0)

        figures = (c.route_id, c.vehicle_id, c.distance_m, c.cost, c.co2_kg)
        stmt = (
            select(
                *figures,
                func.count(s.stop_id),
                counted(StopStatus.DELIVERED),
                counted(StopStatus.FAILED),
            )
            .select_from(t.routes.outerjoin(t.stops, s.route_id == c.route_id))
            .group_by(*figures)
            .order_by(c.route_id)
        )
        return [RouteSummary(*row) for row in self.session.execute(stmt)]

    def carrying(self, shipment_ids: Collection[str]) -> builtins.list[Route]:
        s = t.stops.c
        ids = self._shipment_ids_of_stops()
        found: set[str] = set()
        for chunk in in_chunks(shipment_ids):
            stmt = select(s.route_id).select_from(t.stops).join(ids, true())
            found.update(self.session.scalars(stmt.where(ids.c.value.in_(chunk)).distinct()))
        if not found:
            return []
        routes = select(Route).where(t.routes.c.route_id.in_(sorted(found)))
        return sorted(self.session.scalars(routes), key=lambda r: r.route_id)

    def _shipment_ids_of_stops(self) -> Any:
        """The shipment ids of each stop, one row each (the column keeps a JSON list)."""
        unnest = (
            func.json_each
            if self.session.get_bind().dialect.name == "sqlite"
            else func.json_array_elements_text
        )
        return unnest(t.stops.c.shipment_ids).table_valued("value")

    def delivered_on_time(self) -> tuple[int, int]:
        s, sh = t.stops.c, t.shipments.c
        ids = self._shipment_ids_of_stops()
        late = (
            exists()
            .select_from(ids.join(t.shipments, sh.shipment_id == ids.c.value))
            .where(
                sh.window_start.is_not(None),
                or_(s.arrival < sh.window_start, s.arrival > sh.window_end),
            )
        )
        stmt = select(func.count(), func.coalesce(func.sum(case((late, 0), else_=1)), 0)).where(
            s.status == StopStatus.DELIVERED
        )
        delivered, on_time = self.session.execute(stmt).one()
        return int(delivered), int(on_time)

    def stop_rows(self, statuses: Collection[StopStatus]) -> builtins.list[StopRow]:
        c, s = t.routes.c, t.stops.c
        stmt = (
            select(s.route_id, c.vehicle_id, s.arrival, s.shipment_ids)
            .join_from(t.stops, t.routes, s.route_id == c.route_id)
            .where(s.status.in_(sorted(statuses)))
            .order_by(s.route_id, s.position)
        )
        return [
            StopRow(route_id, vehicle_id, arrival, tuple(ids))
            for route_id, vehicle_id, arrival, ids in self.session.execute(stmt)
        ]

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
        return page_of(self.session, Route, t.routes, where, order, limit=limit, offset=offset)

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
        self.session.execute(insert(t.events), event_rows(events))

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


def event_rows(events: Sequence[DomainEvent]) -> list[dict[str, Any]]:
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
def cached_insert(table: Table) -> Insert:
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
