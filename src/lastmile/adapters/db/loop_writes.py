"""Write transactions run on the event loop's own thread.

A worker thread doing many short database calls shares the interpreter lock with the
event loop: each call that waits (a PostgreSQL round trip, a SQLite write) gives the lock
up, and taking it back waits for the loop to let go, up to the interpreter's 5 ms switch
interval when the loop is busy parsing requests. Under load, order intake's group commit
took 4 to 5 times longer written from a worker thread than on the loop thread (a group of
8 orders on SQLite: about 42 ms against 11 ms, one server process).

- SQLite: the write lock is awaited without blocking the loop (``WriterLock.take_ahead``),
  then the transaction runs to its end on the loop thread. A SQLite write is about a
  millisecond of CPU per order, the same work a thread would have done.
- PostgreSQL: the transaction runs in a greenlet over psycopg's asyncio connection
  (SQLAlchemy's asyncio extension): waiting for the server hands the loop back.

Either way the use case is the same synchronous code on a ``SqlAlchemyUnitOfWork``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import Session

from lastmile.adapters.db.engine import make_async_engine, writer_lock
from lastmile.adapters.db.mapping import renumber_positions
from lastmile.adapters.db.uow import SqlAlchemyUnitOfWork, make_session_factory

T = TypeVar("T")


class _LoopSession(Session):
    """The synchronous face of an asyncio session; it renumbers positions on flush as the
    sessions of ``make_session_factory`` do."""


event.listen(_LoopSession, "before_flush", renumber_positions)


class LoopWriter:
    """Runs write transactions on one event loop, the one it was opened on.

    Open it on the serving loop (the app's lifespan) and close it there: a PostgreSQL
    writer keeps a small pool of asyncio connections (two per server process), which
    belong to that loop.
    """

    def __init__(self, engine: Engine) -> None:
        self._loop = asyncio.get_running_loop()
        self._lock = writer_lock(engine)
        self._async_engine: AsyncEngine | None = None
        if engine.dialect.name == "sqlite":
            if self._lock is None:
                raise ValueError("a SQLite engine not made by make_engine has no write lock")
            self._sessions = make_session_factory(engine)
        else:
            self._async_engine = make_async_engine(engine.url.render_as_string(hide_password=False))
            self._async_sessions = async_sessionmaker(
                self._async_engine,
                expire_on_commit=False,
                autoflush=True,
                sync_session_class=_LoopSession,
            )

    def serves_running_loop(self) -> bool:
        """Whether the running event loop is the one this writer was opened on."""
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    async def __call__(self, work: Callable[[SqlAlchemyUnitOfWork], T]) -> T:
        """Run ``work`` with a fresh unit of work; its transactions run on this loop.

        On PostgreSQL ``work`` runs again when its pooled connection turns out dead, so it
        must be safe to repeat (order intake is: it is idempotent).
        """
        if not self.serves_running_loop():
            raise RuntimeError("a LoopWriter runs on the event loop it was opened on")
        if self._async_engine is None:
            assert self._lock is not None
            await self._lock.take_ahead()
            try:
                return work(SqlAlchemyUnitOfWork(self._sessions))
            finally:
                self._lock.drop_ahead()
        for attempt in range(2):
            try:
                async with self._async_sessions() as session:
                    return await session.run_sync(
                        lambda sync: work(SqlAlchemyUnitOfWork(lambda: sync))
                    )
            except DBAPIError as error:
                # A pooled connection the server closed (restart, idle timeout) is found
                # dead on first use and dropped from the pool: write again on a fresh one.
                if attempt or not error.connection_invalidated:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def aclose(self) -> None:
        """Close the asyncio connections (PostgreSQL); the writer is not used after."""
        if self._async_engine is not None:
            await self._async_engine.dispose()
