"""The SQLAlchemy unit of work: one session, one transaction, ledger and outbox included."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from lastmile.adapters.db.mapping import renumber_all, renumber_positions, start_mappers
from lastmile.adapters.db.order_repository import SqlIdempotencyRepository, SqlOrderRepository
from lastmile.adapters.db.repositories import (
    SqlOutboxRepository,
    SqlRouteRepository,
    SqlShipmentRepository,
    SqlSkuRepository,
    SqlStockRepository,
    SqlVehicleRepository,
    SqlWarehouseRepository,
)
from lastmile.domain import DomainEvent, StockLevel, StockMovement
from lastmile.services.unit_of_work import ConcurrencyConflict, DuplicateKey

# SQLSTATEs PostgreSQL uses for "try the transaction again".
_PG_RETRYABLE = {"40001", "40P01", "55P03"}
_PG_UNIQUE = "23505"
_SQLITE_UNIQUE = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}


def translate_error(error: BaseException) -> ConcurrencyConflict | None:
    """Return the retryable conflict ``error`` stands for, or None if it is not one."""
    if isinstance(error, StaleDataError):
        return ConcurrencyConflict(f"a concurrent writer changed the row first: {error}")
    if not isinstance(error, DBAPIError):
        return None
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(error, IntegrityError):
        name = getattr(orig, "sqlite_errorname", None)
        if sqlstate == _PG_UNIQUE or name in _SQLITE_UNIQUE:
            return DuplicateKey(f"unique key already stored: {orig}")
        return None
    if isinstance(error, OperationalError):
        message = str(orig).lower()
        if sqlstate in _PG_RETRYABLE or "database is locked" in message or "busy" in message:
            return ConcurrencyConflict(f"transaction lost a race and can be retried: {orig}")
    return None


class SqlAlchemyUnitOfWork:
    """A unit of work over a SQLAlchemy session (see ``lastmile.services.unit_of_work``).

    One instance serves one thread; use it again for the next transaction. A ``read_only``
    one (on a ``read_only`` engine) refuses to commit. ``session`` is
    open inside ``with`` for repositories of other areas (``tables_<area>`` modules),
    which subclasses can attach in ``_open_repositories``.
    """

    def __init__(self, session_factory: Callable[[], Session], *, read_only: bool = False) -> None:
        start_mappers()
        self._session_factory = session_factory
        self._session: Session | None = None
        self.read_only = read_only

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open; use it in a `with` block")
        return self._session

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("the unit of work is already open; nest a new one instead")
        self._session = self._session_factory()
        self._open_repositories(self._session)
        return self

    def _open_repositories(self, session: Session) -> None:
        self.warehouses = SqlWarehouseRepository(session)
        self.skus = SqlSkuRepository(session)
        self.stock = SqlStockRepository(session)
        self.orders = SqlOrderRepository(session)
        self.idempotency = SqlIdempotencyRepository(session)
        self.shipments = SqlShipmentRepository(session)
        self.vehicles = SqlVehicleRepository(session)
        self.routes = SqlRouteRepository(session)
        self.outbox = SqlOutboxRepository(session)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            # Detach first so the rollback does not expire what a use case hands back;
            # those objects are plain domain values from here on.
            session.expunge_all()
            session.rollback()
        finally:
            session.close()
        if exc is not None:
            conflict = translate_error(exc)
            if conflict is not None:
                raise conflict from exc

    def commit(self) -> None:
        """Write pending ledger movements and aggregate events, then commit everything."""
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        session = self.session
        try:
            # In-place reorders (list.sort) leave nothing dirty, so no flush would see them.
            renumber_all(session)
            movements, events, emitters = self._collect(session)
            self.stock.write_ledger(movements)
            self.outbox.add_many(events)
            session.commit()
        except Exception as error:
            session.rollback()
            conflict = translate_error(error)
            if conflict is not None:
                raise conflict from error
            raise
        for obj in emitters:
            if isinstance(obj, StockLevel):
                obj.pending.clear()
            else:
                obj.events.clear()

    def rollback(self) -> None:
        self.session.rollback()

    @staticmethod
    def _collect(session: Session) -> tuple[list[StockMovement], list[DomainEvent], list[Any]]:
        movements: list[StockMovement] = []
        events: list[DomainEvent] = []
        emitters: list[Any] = []
        for obj in [*session.identity_map.values(), *session.new]:
            if isinstance(obj, StockLevel):
                if obj.pending:
                    movements.extend(obj.pending)
                    emitters.append(obj)
            elif isinstance(getattr(obj, "events", None), list) and obj.events:
                events.extend(obj.events)
                emitters.append(obj)
        events.sort(key=lambda e: e.at)
        return movements, events, emitters


def make_session_factory(engine: Any) -> sessionmaker[Session]:
    """Return the session factory every unit of work of ``engine`` uses."""
    # Objects stay usable after commit: use cases hand them back to callers.
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
    event.listen(factory, "before_flush", renumber_positions)
    return factory
