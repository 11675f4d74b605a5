"""The unit-of-work and repository interfaces every use case depends on.

Use cases are functions ``fn(*, uow, ...)``: they open a transaction with ``with uow:``,
read and change aggregates through the repositories below, and call ``uow.commit()``.
Leaving the ``with`` block without committing rolls everything back. Two implementations
exist: ``lastmile.adapters.db.uow.SqlAlchemyUnitOfWork`` (SQLite / PostgreSQL) and
``lastmile.services.fakes.FakeUnitOfWork`` (in memory, for unit tests).

On commit the unit of work also appends, in the same transaction:

- every ``StockLevel.pending`` movement to the stock ledger, and
- every ``events`` entry of the aggregates it saw (orders; anything added with
  ``uow.outbox.add``) to the transactional outbox,

so a change and the facts it produced are stored together or not at all.
"""

from __future__ import annotations

import builtins
import random
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from lastmile.domain import (
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

T = TypeVar("T")


class ConcurrencyConflict(Exception):
    """A concurrent writer touched the same rows; the whole transaction may be retried."""


class DuplicateKey(ConcurrencyConflict):
    """A row with the same unique key was stored by someone else first."""


@dataclass(frozen=True)
class IdempotencyRecord:
    """The first answer given to a request sent with an Idempotency-Key.

    ``request_hash`` fingerprints the request body so a reused key with another body is
    detected; ``response`` is the JSON-serialisable result handed back on every replay.
    """

    client_id: str
    key: str
    request_hash: str
    response: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class PriorIntake:
    """What the store already holds for an incoming order request (one look-up).

    ``record`` is the Idempotency-Key's record when the key was seen before; ``order_id`` is
    the order that already carries the request's external id, if any.
    """

    record: IdempotencyRecord | None
    order_id: str | None


@dataclass(frozen=True)
class RouteSummary:
    """A route's figures and how many of its stops are in each outcome, without its stops."""

    route_id: str
    vehicle_id: str
    distance_m: float
    cost: float
    co2_kg: float
    stops: int
    delivered: int
    failed: int


@dataclass(frozen=True)
class StopRow:
    """A stop as a plain row: its route's ids, when it is (or was) made, what goes there."""

    route_id: str
    vehicle_id: str
    arrival: datetime
    shipment_ids: tuple[str, ...]


class WarehouseRepository(Protocol):
    def add(self, warehouse: Warehouse) -> None: ...
    def get(self, warehouse_id: str) -> Warehouse | None: ...
    def list(self) -> list[Warehouse]: ...

    def page(self, *, limit: int, offset: int) -> tuple[builtins.list[Warehouse], int]:
        """Return ``limit`` warehouses from ``offset`` by id, and how many there are."""
        ...


class SkuRepository(Protocol):
    def add(self, sku: Sku) -> None: ...
    def get(self, sku_id: str) -> Sku | None: ...
    def list(self) -> list[Sku]: ...
    def existing_ids(self, sku_ids: Sequence[str]) -> set[str]: ...

    def page(
        self, *, category: str | None = None, limit: int, offset: int
    ) -> tuple[builtins.list[Sku], int]:
        """Return one page of SKUs by id (of one category if given) and how many match."""
        ...


class StockRepository(Protocol):
    def add(self, level: StockLevel) -> None: ...

    def get(self, sku_id: str, warehouse_id: str, *, for_update: bool = False) -> StockLevel | None:
        """Return the level; ``for_update`` locks the row until commit where supported."""
        ...

    def list(
        self, *, warehouse_id: str | None = None, sku_ids: Sequence[str] | None = None
    ) -> list[StockLevel]: ...

    def movements(self, sku_id: str, warehouse_id: str) -> builtins.list[StockMovement]:
        """Return the stored ledger of one SKU at one warehouse, oldest first."""
        ...

    def page(
        self,
        *,
        warehouse_id: str | None = None,
        sku_id: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[builtins.list[StockLevel], int]:
        """Return one page of levels by (warehouse, SKU) and how many match the filters."""
        ...

    def movement_page(
        self, sku_id: str, warehouse_id: str, *, limit: int, offset: int
    ) -> tuple[builtins.list[StockMovement], int]:
        """Return one page of a ledger, oldest first, and how long the ledger is."""
        ...


def status_set(
    status: OrderStatus | Collection[OrderStatus] | None,
) -> frozenset[OrderStatus] | None:
    """The statuses a ``status`` filter asks for; None for all."""
    if status is None:
        return None
    if isinstance(status, OrderStatus):  # a str, so a Collection too
        return frozenset((status,))
    return frozenset(status)


class OrderRepository(Protocol):
    def add(self, order: Order) -> None: ...

    def insert_batch(self, orders: Sequence[Order], records: Sequence[IdempotencyRecord]) -> None:
        """Store brand-new orders with their lines and pending events, and ``records``
        (keys of new or earlier orders): a few statements for all of them.

        The intake fast path: the orders are written in the current transaction (their
        events go to the outbox now and are cleared from them) and are not tracked for
        later changes; a duplicate order id, external id or key raises as ``add`` would.
        """
        ...

    def find_priors(self, asks: Sequence[tuple[str, str, str | None]]) -> list[PriorIntake]:
        """For each ``(client_id, external_id, key)``: the stored key record and the order
        already holding ``external_id``, if any, looked up together."""
        ...

    def get(self, order_id: str) -> Order | None: ...
    def get_by_external_id(self, client_id: str, external_id: str) -> Order | None: ...

    def get_many(self, order_ids: Sequence[str]) -> dict[str, Order]:
        """The stored orders among ``order_ids``, by id (unknown ids left out)."""
        ...

    def get_by_external_ids(self, client_id: str, external_ids: Sequence[str]) -> dict[str, Order]:
        """Return the stored orders among ``external_ids``, keyed by external id."""
        ...

    def list(
        self,
        *,
        status: OrderStatus | Collection[OrderStatus] | None = None,
        limit: int | None = None,
    ) -> list[Order]:
        """Orders in ``status`` (one or any of several), oldest placed first."""
        ...

    def count_by_status(self) -> dict[OrderStatus, int]:
        """How many orders are in each status (statuses without any are left out)."""
        ...

    def page(
        self,
        *,
        status: OrderStatus | None = None,
        customer_id: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[builtins.list[Order], int]:
        """Return one page of orders, newest first, and how many match the filters."""
        ...


class IdempotencyRepository(Protocol):
    def get(self, client_id: str, key: str) -> IdempotencyRecord | None: ...
    def add(self, record: IdempotencyRecord) -> None: ...


class ShipmentRepository(Protocol):
    def add(self, shipment: Shipment) -> None: ...
    def get(self, shipment_id: str) -> Shipment | None: ...

    def get_many(self, shipment_ids: Sequence[str]) -> dict[str, Shipment]:
        """The stored shipments among ``shipment_ids``, by id (unknown ids left out)."""
        ...

    def windows(self, shipment_ids: Sequence[str]) -> dict[str, TimeWindow]:
        """The delivery windows of ``shipment_ids``, by id (those without one left out)."""
        ...

    def list(
        self, *, warehouse_id: str | None = None, delivery_date: str | None = None
    ) -> list[Shipment]: ...

    def page(
        self,
        *,
        warehouse_id: str | None = None,
        delivery_date: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[builtins.list[Shipment], int]:
        """Return one page of shipments by id and how many match the filters."""
        ...


class VehicleRepository(Protocol):
    def add(self, vehicle: Vehicle) -> None: ...
    def get(self, vehicle_id: str) -> Vehicle | None: ...
    def list(self, *, depot_id: str | None = None) -> list[Vehicle]: ...

    def page(
        self, *, depot_id: str | None = None, limit: int, offset: int
    ) -> tuple[builtins.list[Vehicle], int]:
        """Return one page of vans by id and how many match the filter."""
        ...


class RouteRepository(Protocol):
    def add(self, route: Route) -> None: ...
    def get(self, route_id: str) -> Route | None: ...
    def list(
        self,
        *,
        vehicle_id: str | None = None,
        driver_id: str | None = None,
        open_only: bool = False,
        since: datetime | None = None,
    ) -> list[Route]:
        """Routes by id, filtered in storage so that history is not loaded.

        ``open_only``: routes with a stop still to visit (planned or arrived); ``since``:
        routes with a stop arriving at or after it. Routes without stops (a van's trip
        with nothing on it yet) pass both.
        """
        ...

    def carrying(self, shipment_ids: Collection[str]) -> builtins.list[Route]:
        """The routes (by id) one of whose stops carries any of ``shipment_ids``."""
        ...

    def summaries(self) -> builtins.list[RouteSummary]:
        """Every route's figures and stop counts, by route id, counted in storage."""
        ...

    def stop_rows(self, statuses: Collection[StopStatus]) -> builtins.list[StopRow]:
        """Every stop in one of ``statuses``, by route id and position, as plain rows."""
        ...

    def delivered_on_time(self) -> tuple[int, int]:
        """How many stops were delivered, and how many of them arrived inside the window of
        every shipment handed over there (shipments without a window set no limit)."""
        ...

    def delete(self, route_id: str) -> None: ...

    def page(
        self,
        *,
        vehicle_id: str | None = None,
        driver_id: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[builtins.list[Route], int]:
        """Return one page of routes by id and how many match the filters."""
        ...


class OutboxRepository(Protocol):
    """The transactional outbox: events stored with the change, relayed later."""

    def add(self, event: DomainEvent) -> None: ...

    def unrelayed(self, *, limit: int = 100) -> list[DomainEvent]:
        """Return events not yet relayed, oldest first."""
        ...

    def mark_relayed(self, event_ids: Sequence[str], at: datetime) -> None: ...


class UnitOfWork(Protocol):
    """One transaction over every repository; commit explicitly, roll back otherwise."""

    # Read-only properties, so implementations may hold more specific repository types.
    @property
    def warehouses(self) -> WarehouseRepository: ...
    @property
    def skus(self) -> SkuRepository: ...
    @property
    def stock(self) -> StockRepository: ...
    @property
    def orders(self) -> OrderRepository: ...
    @property
    def idempotency(self) -> IdempotencyRepository: ...
    @property
    def shipments(self) -> ShipmentRepository: ...
    @property
    def vehicles(self) -> VehicleRepository: ...
    @property
    def routes(self) -> RouteRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Store every change, ledger movement and event of this transaction at once."""
        ...

    def rollback(self) -> None: ...


def retry_on_conflict(
    fn: Callable[[], T],
    *,
    attempts: int = 20,
    base_delay_s: float = 0.002,
    max_delay_s: float = 0.2,
) -> T:
    """Run ``fn`` again while it fails with ``ConcurrencyConflict``.

    ``fn`` must be a whole transaction (``with uow: ...; uow.commit()``) so a retry starts
    from fresh data. The delay grows exponentially with jitter so that competing writers
    spread out instead of colliding again in lock-step.

    Raises
    ------
    ConcurrencyConflict
        When the last attempt still conflicts.
    """
    if attempts < 1:
        raise ValueError(f"attempts = {attempts} < 1 not understood.")
    for attempt in range(attempts):
        try:
            return fn()
        except ConcurrencyConflict:
            if attempt == attempts - 1:
                raise
            delay = min(max_delay_s, base_delay_s * 2**attempt)
            time.sleep(random.uniform(0, delay))
    raise AssertionError("unreachable")  # pragma: no cover
