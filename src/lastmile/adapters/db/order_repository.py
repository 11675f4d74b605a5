"""The order and idempotency-key repositories, with order intake's fast path.

Intake is the API's hottest write: a group of orders is looked up in one statement
(``find_priors``) and written with one executemany per table (``insert_batch``), as plain
Core statements built once, not an ORM flush of a new object graph.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    any_,
    bindparam,
    func,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, make_transient_to_detached

from lastmile.adapters.db import tables as t
from lastmile.adapters.db.repositories import cached_insert, event_rows, in_chunks, page_of
from lastmile.domain import Order, OrderStatus
from lastmile.services.unit_of_work import IdempotencyRecord, PriorIntake, status_set


class SqlOrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, order: Order) -> None:
        self.session.add(order)

    def insert_batch(self, orders: Sequence[Order], records: Sequence[IdempotencyRecord]) -> None:
        # Core INSERTs on the session's connection, the group's rows together: a flush of a
        # new object graph costs several times more CPU than the statements themselves,
        # and a statement per order costs a round trip each on PostgreSQL.
        conn = self.session.connection()
        writes = [
            (t.orders, [_order_row(order) for order in orders]),
            (t.order_lines, _line_rows(orders)),
            (t.events, event_rows([event for order in orders for event in order.events])),
            (t.idempotency_keys, [_record_row(r) for r in records]),
        ]
        writes = [(table, rows) for table, rows in writes if rows]
        # One executemany per table: compiled once, pipelined by psycopg. A single
        # statement for the group (INSERTs in a WITH, one round trip) had a new text for
        # every group shape, and compiling it cost the server more than the round trips.
        for table, rows in writes:
            conn.execute(cached_insert(table), rows)
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

    def _find_prior(self, client_id: str, external_id: str, key: str | None) -> PriorIntake:
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
            return [self._find_prior(*asks[0])]
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
        found: dict[str, Order] = {}
        for chunk in in_chunks(external_ids):
            stmt = select(Order).where(c.client_id == client_id, c.external_id.in_(chunk))
            found.update((o.external_id, o) for o in self.session.scalars(stmt))
        return found

    def get_many(self, order_ids: Sequence[str]) -> dict[str, Order]:
        found: dict[str, Order] = {}
        for chunk in in_chunks(order_ids):
            stmt = select(Order).where(t.orders.c.order_id.in_(chunk))
            found.update((o.order_id, o) for o in self.session.scalars(stmt))
        return found

    def list(
        self,
        *,
        status: OrderStatus | Collection[OrderStatus] | None = None,
        limit: int | None = None,
    ) -> list[Order]:
        c = t.orders.c
        stmt = select(Order).order_by(c.placed_at, c.order_id)
        wanted = status_set(status)
        if wanted is not None:
            stmt = stmt.where(c.status.in_(sorted(wanted)))
        if limit is not None:
            stmt = stmt.limit(limit)
        return list(self.session.scalars(stmt))

    def count_by_status(self) -> dict[OrderStatus, int]:
        c = t.orders.c
        rows = self.session.execute(select(c.status, func.count()).group_by(c.status))
        return {OrderStatus(status): n for status, n in rows}

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
        return page_of(
            self.session, Order, t.orders, where, newest_first, limit=limit, offset=offset
        )


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
    conn.execute(cached_insert(t.idempotency_keys), _record_row(record))


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
