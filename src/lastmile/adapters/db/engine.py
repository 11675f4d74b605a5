"""Engines for SQLite (the embedded default) and PostgreSQL, tuned for concurrent writers."""

from __future__ import annotations

import json
import weakref
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from lastmile.adapters.db.sqlite_writer import WriterLock, WriterLockedConnection

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Connections kept open per engine (per server process). Requests beyond the default 5
# each opened and closed a connection of their own, with its set-up statements, on
# every burst; the thread pool runs up to 40 requests at once.
POOL_SIZE = 20
POOL_OVERFLOW = 20
# Execution option marking a read-only transaction (see ``read_only``).
READ_ONLY = "lastmile_read_only"
# The write lock of each SQLite engine, for writers that wait for it on the event loop.
_WRITERS: weakref.WeakKeyDictionary[Engine, WriterLock] = weakref.WeakKeyDictionary()


def _json_default(value: Any) -> Any:
    # Event payloads and other JSON columns may carry dates, enums and sets.
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _json_dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default)


def _sqlite_file(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def read_only(engine: Engine) -> Engine:
    """Return ``engine`` for read-only transactions (same pool, same connections).

    On SQLite they open with a plain ``BEGIN``: a WAL reader never waits for the writer
    and never takes the write lock. Writing in such a transaction is a programming error
    (SQLite may refuse it as busy).
    """
    return engine.execution_options(**{READ_ONLY: True})


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Return an engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``).

    SQLite runs in WAL mode with a busy timeout, foreign keys on, and every transaction
    not marked read-only (``read_only``) opened with ``BEGIN IMMEDIATE``: writers queue
    for the single write lock instead of failing when a read snapshot goes stale. They
    queue on a ``WriterLock`` (a thread lock plus an advisory file lock shared by the
    processes on the file) rather than in SQLite's busy handler, which sleeps up to
    100 ms between tries and left the server idle while writers waited.

    Durability: ``synchronous=NORMAL`` in WAL mode. A committed transaction survives a
    crash of the process (it is in the WAL file when ``commit`` returns); a power loss or
    OS crash may lose the last transactions before the next checkpoint, but never
    corrupts the database. This is the documented trade-off for the embedded default;
    PostgreSQL (production) keeps ``synchronous_commit=on``.

    PostgreSQL uses the driver defaults (READ COMMITTED) with row locks taken by the
    repositories.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url,
            echo=echo,
            pool_pre_ping=True,
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
            json_serializer=_json_dumps,
        )
    path = _sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    writer = WriterLock(path, timeout_s=SQLITE_BUSY_TIMEOUT_MS / 1000)
    # A file database pools its connections; an in-memory one keeps its own pool.
    pool = {} if path is None else {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
    engine = create_engine(
        url,
        echo=echo,
        **pool,
        connect_args={
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
            "factory": WriterLockedConnection,
        },
        json_serializer=_json_dumps,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module so "begin" below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if path is not None:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        dbapi_connection.writer = writer

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
            return
        dbapi = connection.connection.dbapi_connection
        dbapi.take_writer_lock()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi.release_writer_lock()
            raise

    _WRITERS[engine] = writer
    return engine


def writer_lock(engine: Engine) -> WriterLock | None:
    """The write lock of a SQLite engine made by ``make_engine`` (None for PostgreSQL)."""
    return _WRITERS.get(engine)


def make_async_engine(url: str, *, pool_size: int = 2) -> AsyncEngine:
    """Return an asyncio engine for a PostgreSQL ``url`` (psycopg's asyncio connection).

    For transactions run on the event loop (``lastmile.adapters.db.loop_writes``), with
    the same JSON encoding as ``make_engine``. No ping on checkout: on a busy loop every
    round trip waits for a turn of the loop, so the writer retries a group whose
    connection turned out dead instead (``LoopWriter``).
    """
    if make_url(url).get_backend_name() == "sqlite":
        raise ValueError("SQLite has no asyncio driver here; write on the loop thread instead")
    return create_async_engine(
        url,
        pool_pre_ping=False,
        pool_size=pool_size,
        max_overflow=POOL_OVERFLOW,
        json_serializer=_json_dumps,
    )
