"""Order intake that a retried request can never duplicate.

A client sends its own order id (``external_id``, unique per client) and, usually, an
``Idempotency-Key``. The first request creates the order and stores the key with a
fingerprint of the body; a repeat of the same request returns the first order and creates
nothing; the same key (or the same external id) with a different body is a ``Conflict``.
Two identical requests racing each other are settled by the database's unique keys: the
loser retries and finds the winner's order.

Intake is the API's hottest write, so a group of orders (one, or what the API collected
meanwhile) costs one look-up of keys and external ids (``orders.find_priors``), a SKU check
the repository may answer from memory, and plain INSERTs of the orders, their lines,
events and keys (``orders.insert_batch``), not an ORM flush of a new object graph.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lastmile.domain import (
    Address,
    Conflict,
    DeliveryOption,
    DomainError,
    DomainEvent,
    InvalidValue,
    NotFound,
    Order,
    OrderLine,
    TimeWindow,
)
from lastmile.services.unit_of_work import (
    ConcurrencyConflict,
    IdempotencyRecord,
    PriorIntake,
    UnitOfWork,
    retry_on_conflict,
)

__all__ = [
    "CreateOrder",
    "OrderReceipt",
    "OrderRequest",
    "create_order",
    "create_orders",
    "get_order",
    "new_order_id",
]


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
    _check_key(idempotency_key)
    fingerprint = request_fingerprint(command)
    new_id = order_id or new_order_id()

    def attempt() -> OrderReceipt:
        # Built before the transaction: on SQLite it holds the one writer lock, so only
        # database work belongs inside. Fresh objects per attempt: a stored order is
        # handed back detached and cannot be written twice.
        order = _new_order_or_error(command, new_id, now)
        with uow:
            (outcome,) = _write_in(
                uow, [(OrderRequest(command, idempotency_key), fingerprint, order)], now
            )
        if isinstance(outcome, DomainError):
            raise outcome
        return outcome

    return retry_on_conflict(attempt, attempts=5)


@dataclass(frozen=True)
class OrderRequest:
    """One client request in a group handed to ``create_orders``."""

    command: CreateOrder
    idempotency_key: str | None = None


def create_orders(
    *, uow: UnitOfWork, requests: Sequence[OrderRequest], now: datetime | None = None
) -> list[OrderReceipt | DomainError]:
    """Create a group of orders in one transaction, each answered as ``create_order`` would.

    A group commit: under load the API collects the requests that arrive while the previous
    group is being written, so the writer lock, BEGIN and COMMIT are paid once per group
    instead of once per order. Requests are taken in order, so a repeat inside the group is
    a replay of the earlier one. A request whose answer is a domain error (Conflict,
    InvalidValue, NotFound) writes nothing and does not disturb the others. When the
    database reports a race with another writer, the whole group is rolled back and every
    request is created on its own by ``create_order`` (with its retries), so no answer
    differs from the one-by-one path.

    Returns
    -------
    list[OrderReceipt | DomainError]
        The receipt or the error of each request, in the order given.
    """
    outcomes: list[OrderReceipt | DomainError | None] = [None] * len(requests)
    prepared: list[tuple[int, OrderRequest, str, Order | InvalidValue]] = []
    for i, request in enumerate(requests):
        try:
            _check_key(request.idempotency_key)
        except InvalidValue as error:
            outcomes[i] = error
            continue
        fingerprint = request_fingerprint(request.command)
        order = _new_order_or_error(request.command, new_order_id(), now)
        prepared.append((i, request, fingerprint, order))
    try:
        with uow:
            written = _write_in(uow, [(r, f, o) for _, r, f, o in prepared], now)
        for (i, _, _, _), outcome in zip(prepared, written, strict=True):
            outcomes[i] = outcome
    except ConcurrencyConflict:
        for i, request, _, order in prepared:
            try:
                outcomes[i] = create_order(
                    uow=uow,
                    command=request.command,
                    idempotency_key=request.idempotency_key,
                    order_id=order.order_id if isinstance(order, Order) else None,
                    now=now,
                )
            except (Conflict, InvalidValue, NotFound) as error:
                outcomes[i] = error
    answered = [outcome for outcome in outcomes if outcome is not None]
    if len(answered) != len(requests):  # pragma: no cover - every branch above answers
        raise AssertionError("a request in the group was left unanswered")
    return answered


def _check_key(idempotency_key: str | None) -> None:
    if idempotency_key is not None and not 1 <= len(idempotency_key.strip()) <= 200:
        raise InvalidValue("Idempotency-Key", "must be 1 to 200 characters")


def _new_order_or_error(
    command: CreateOrder, order_id: str, now: datetime | None
) -> Order | InvalidValue:
    try:
        return _new_order(command, order_id, now)
    except InvalidValue as error:
        # Raised only after the replay and SKU checks, which answer first.
        return error


def _write_in(
    uow: UnitOfWork,
    items: Sequence[tuple[OrderRequest, str, Order | InvalidValue]],
    now: datetime | None,
) -> list[OrderReceipt | DomainError]:
    """Answer ``(request, fingerprint, new order)`` items in the open ``uow``, write what
    they create in one go and commit it; each answer as the requests one by one would get.
    """
    priors = uow.orders.find_priors(
        [(r.command.client_id, r.command.external_id, r.idempotency_key) for r, _, _ in items]
    )
    known = uow.skus.existing_ids([line.sku_id for r, _, _ in items for line in r.command.lines])
    writes = _Writes()
    outcomes: list[OrderReceipt | DomainError] = []
    for (request, fingerprint, order), prior in zip(items, priors, strict=True):
        try:
            outcomes.append(_answer(uow, request, fingerprint, order, prior, known, writes, now))
        except (Conflict, InvalidValue, NotFound) as error:
            outcomes.append(error)
    if writes:
        uow.orders.insert_batch(writes.orders, writes.records)
        uow.commit()
    return outcomes


@dataclass
class _Writes:
    """What a group has written so far (nothing is stored until the group's end).

    A later request in the same group sees these as if they were stored already: a repeat
    of an earlier key or external id is a replay of the order created before it.
    """

    orders: list[Order] = field(default_factory=list)
    records: list[IdempotencyRecord] = field(default_factory=list)
    by_id: dict[str, Order] = field(default_factory=dict)
    by_external: dict[tuple[str, str], Order] = field(default_factory=dict)
    by_key: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.orders or self.records)

    def add_order(self, order: Order) -> None:
        self.orders.append(order)
        self.by_id[order.order_id] = order
        self.by_external[(order.client_id, order.external_id)] = order

    def add_record(self, record: IdempotencyRecord) -> None:
        self.records.append(record)
        self.by_key[(record.client_id, record.key)] = record


def _answer(
    uow: UnitOfWork,
    request: OrderRequest,
    fingerprint: str,
    order: Order | InvalidValue,
    prior: PriorIntake,
    known_skus: set[str],
    writes: _Writes,
    now: datetime | None,
) -> OrderReceipt:
    """Answer one request from what was stored before (``prior``) and what its group wrote.

    Every domain error is raised before this request adds anything to ``writes``.
    """
    command, key = request.command, request.idempotency_key
    client = command.client_id
    record = prior.record
    if key is not None:
        record = writes.by_key.get((client, key), record)
    if record is not None:
        if record.request_hash != fingerprint:
            raise Conflict(
                f"Idempotency-Key {key!r} was already used with a different request body"
            )
        order_id = str(record.response["order_id"])
        replayed = writes.by_id.get(order_id) or uow.orders.get(order_id)
        if replayed is None:
            raise NotFound("order", order_id)
        return OrderReceipt(replayed, created=False)
    existing = writes.by_external.get((client, command.external_id))
    if existing is None and prior.order_id is not None:
        existing = uow.orders.get(prior.order_id)
        if existing is None:
            # Deleted between the look-up and now: cannot happen inside one transaction.
            raise NotFound("order", prior.order_id)
    if existing is not None:
        if _order_fingerprint(existing) != fingerprint:
            raise Conflict(
                f"external order id {command.external_id!r} of client {client!r} "
                "already exists with a different body"
            )
        if key is not None:
            # A second key for the same request is remembered for its own replays.
            writes.add_record(_record(command, key, fingerprint, existing, now))
        return OrderReceipt(existing, created=False)
    for i, line in enumerate(command.lines):
        if line.sku_id not in known_skus:
            raise InvalidValue(f"lines[{i}].sku_id", f"unknown sku {line.sku_id!r}")
    if isinstance(order, InvalidValue):
        raise order
    writes.add_order(order)
    if key is not None:
        writes.add_record(_record(command, key, fingerprint, order, now))
    return OrderReceipt(order, created=True)


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


def get_order(*, uow: UnitOfWork, order_id: str) -> Order:
    """Return the order ``order_id`` or raise NotFound."""
    with uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise NotFound("order", order_id)
        return order
