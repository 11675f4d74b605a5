"""Order intake that a retried request can never duplicate.

A client sends its own order id (``external_id``, unique per client) and, usually, an
``Idempotency-Key``. The first request creates the order and stores the key with a
fingerprint of the body; a repeat of the same request returns the first order and creates
nothing; the same key (or the same external id) with a different body is a ``Conflict``.
Two identical requests racing each other are settled by the database's unique keys: the
loser retries and finds the winner's order.

Intake is the API's hottest write, so a brand-new order costs one look-up (key and external
id together, ``orders.find_prior``), a SKU check the repository may answer from memory, and
plain INSERTs of the order, its lines, its event and its key (``orders.insert_new``), not
an ORM flush of a new object graph.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lastmile.domain import (
    Address,
    Conflict,
    DeliveryOption,
    DomainEvent,
    InvalidValue,
    NotFound,
    Order,
    OrderLine,
    TimeWindow,
)
from lastmile.services.unit_of_work import IdempotencyRecord, UnitOfWork, retry_on_conflict

__all__ = ["CreateOrder", "OrderReceipt", "create_order", "get_order", "new_order_id"]


@dataclass(frozen=True)
class CreateOrder:
    """What a client asks for when it places an order."""

    external_id: str
    customer_id: str
    address: Address
    lines: tuple[OrderLine, ...]
    option: DeliveryOption = DeliveryOption.NEXT_DAY
    window: TimeWindow | None = None
    client_id: str = "default"
    placed_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.external_id or not self.external_id.strip():
            raise InvalidValue("external_id", "is empty")
        if len(self.external_id) > 200:
            raise InvalidValue("external_id", "is longer than 200 characters")
        if not self.customer_id or not self.customer_id.strip():
            raise InvalidValue("customer_id", "is empty")


@dataclass(frozen=True)
class OrderReceipt:
    """The order a request resolved to; ``created`` is False when it was a replay."""

    order: Order
    created: bool


def new_order_id() -> str:
    """Return a fresh order id."""
    return f"O-{uuid.uuid4().hex[:16].upper()}"


def _canonical(
    *,
    client_id: str,
    external_id: str,
    customer_id: str,
    address: Address,
    lines: Sequence[OrderLine],
    option: DeliveryOption,
    window: TimeWindow | None,
) -> dict[str, Any]:
    # What counts as "the same request": everything the client chose, nothing the server
    # adds (ids, timestamps), lines in a stable order.
    return {
        "client_id": client_id,
        "external_id": external_id,
        "customer_id": customer_id,
        "address": {"raw": address.raw.strip(), "parts": dict(sorted(address.parts.items()))},
        "lines": sorted([line.sku_id, line.quantity] for line in lines),
        "option": option.value,
        "window": [window.start.isoformat(), window.end.isoformat()] if window else None,
    }


def _hash(document: dict[str, Any]) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def request_fingerprint(command: CreateOrder) -> str:
    """Return the SHA-256 fingerprint of the request body ``command`` stands for."""
    return _hash(
        _canonical(
            client_id=command.client_id,
            external_id=command.external_id,
            customer_id=command.customer_id,
            address=command.address,
            lines=command.lines,
            option=command.option,
            window=command.window,
        )
    )


def _order_fingerprint(order: Order) -> str:
    return _hash(
        _canonical(
            client_id=order.client_id,
            external_id=order.external_id,
            customer_id=order.customer_id,
            address=order.address,
            lines=order.lines,
            option=order.option,
            window=order.window,
        )
    )


def create_order(
    *,
    uow: UnitOfWork,
    command: CreateOrder,
    idempotency_key: str | None = None,
    order_id: str | None = None,
    now: datetime | None = None,
) -> OrderReceipt:
    """Create an order once, however often the same request arrives.

    Parameters
    ----------
    uow
        The unit of work.
    command
        The client's request.
    idempotency_key
        The request's ``Idempotency-Key``; without one the external id alone protects
        against duplicates.
    order_id
        The id to give a new order (default: a fresh one).
    now
        The server clock, for ``placed_at`` when the client gave none.

    Returns
    -------
    OrderReceipt
        The order and whether this call created it.

    Raises
    ------
    Conflict
        The key or the external id was already used with a different body.
    InvalidValue
        A line names a SKU the catalog does not know.
    """
    if idempotency_key is not None and not 1 <= len(idempotency_key.strip()) <= 200:
        raise InvalidValue("Idempotency-Key", "must be 1 to 200 characters")
    fingerprint = request_fingerprint(command)
    new_id = order_id or new_order_id()

    def attempt() -> OrderReceipt:
        # Built before the transaction: on SQLite it holds the one writer lock, so only
        # database work belongs inside. Fresh objects per attempt: a stored order is
        # handed back detached and cannot be written twice.
        order: Order | InvalidValue
        try:
            order = _new_order(command, new_id, now)
        except InvalidValue as error:
            # Raised only after the replay and SKU checks, which answer first, as before.
            order = error
        with uow:
            replay = _replay(uow, command, idempotency_key, fingerprint)
            if replay is not None:
                receipt, remember = replay
                if remember and idempotency_key is not None:
                    _remember(uow, command, idempotency_key, fingerprint, receipt.order, now)
                    uow.commit()
                return receipt
            known = uow.skus.existing_ids([line.sku_id for line in command.lines])
            for i, line in enumerate(command.lines):
                if line.sku_id not in known:
                    raise InvalidValue(f"lines[{i}].sku_id", f"unknown sku {line.sku_id!r}")
            if isinstance(order, InvalidValue):
                raise order
            record = (
                None
                if idempotency_key is None
                else _record(command, idempotency_key, fingerprint, order, now)
            )
            uow.orders.insert_new(order, record)
            uow.commit()
            return OrderReceipt(order, created=True)

    return retry_on_conflict(attempt, attempts=5)


def _new_order(command: CreateOrder, order_id: str, now: datetime | None) -> Order:
    """Return the order ``command`` asks for, with its ``order.created`` event."""
    placed_at = command.placed_at or now or datetime.now(UTC)
    order = Order(
        order_id=order_id,
        external_id=command.external_id,
        customer_id=command.customer_id,
        address=command.address,
        # Fresh line objects: the stored ones become the order's, while the command may be
        # shared by retries and concurrent callers.
        lines=[OrderLine(line.sku_id, line.quantity) for line in command.lines],
        option=command.option,
        window=command.window,
        placed_at=placed_at,
        client_id=command.client_id,
    )
    order.events.append(
        DomainEvent(
            kind="order.created",
            aggregate_id=order.order_id,
            data={
                "external_id": order.external_id,
                "client_id": order.client_id,
                "units": order.total_units,
                "option": order.option.value,
            },
            at=placed_at,
        )
    )
    return order


def _replay(
    uow: UnitOfWork, command: CreateOrder, key: str | None, fingerprint: str
) -> tuple[OrderReceipt, bool] | None:
    """Return the earlier answer to this request and whether to store the key, if any."""
    prior = uow.orders.find_prior(command.client_id, command.external_id, key)
    record = prior.record
    if record is not None:
        if record.request_hash != fingerprint:
            raise Conflict(
                f"Idempotency-Key {key!r} was already used with a different request body"
            )
        order = uow.orders.get(str(record.response["order_id"]))
        if order is None:
            raise NotFound("order", str(record.response["order_id"]))
        return OrderReceipt(order, created=False), False
    if prior.order_id is None:
        return None
    existing = uow.orders.get(prior.order_id)
    if existing is None:
        # Deleted between the look-up and now: cannot happen inside one transaction.
        raise NotFound("order", prior.order_id)
    if _order_fingerprint(existing) != fingerprint:
        raise Conflict(
            f"external order id {command.external_id!r} of client {command.client_id!r} "
            "already exists with a different body"
        )
    return OrderReceipt(existing, created=False), True


def _record(
    command: CreateOrder, key: str, fingerprint: str, order: Order, now: datetime | None
) -> IdempotencyRecord:
    return IdempotencyRecord(
        client_id=command.client_id,
        key=key,
        request_hash=fingerprint,
        response={"order_id": order.order_id, "external_id": order.external_id},
        created_at=now or datetime.now(UTC),
    )


def _remember(
    uow: UnitOfWork,
    command: CreateOrder,
    key: str,
    fingerprint: str,
    order: Order,
    now: datetime | None,
) -> None:
    uow.idempotency.add(_record(command, key, fingerprint, order, now))


def get_order(*, uow: UnitOfWork, order_id: str) -> Order:
    """Return the order ``order_id`` or raise NotFound."""
    with uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise NotFound("order", order_id)
        return order
