"""One SQLite writer at a time, queued in Python instead of in SQLite's busy handler.

SQLite allows one write transaction per database. A second ``BEGIN IMMEDIATE`` waits in
the busy handler, which sleeps 1, 2, 5, 10 ... up to 100 ms between tries: under a burst
of concurrent orders the API spent most of its time asleep there while the lock was
free. ``WriterLock`` makes writers wait on a thread lock (woken the moment it is freed)
and, across processes on the same file, on an advisory file lock beside the database.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: processes fall back to the busy handler
    fcntl = None  # type: ignore[assignment]

# Polling step while another process holds the file lock; a blocking flock cannot time
# out, and a stuck writer must end in "database is locked", not a hang.
_POLL_S = (0.00005, 0.0005)


def _locked(reason: str) -> OperationalError:
    # The shape SQLAlchemy gives a busy database, so callers retry it as a conflict.
    return OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError(reason))


class WriterLock:
    """The write lock of one SQLite database for the connections of one engine.

    Parameters
    ----------
    path
        The database file; None for an in-memory database (one process only).
    timeout_s
        Give up after waiting this long, as SQLite's busy timeout would.
    """

    def __init__(self, path: Path | None, *, timeout_s: float) -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout_s = {timeout_s} <= 0 not understood.")
        self.timeout_s = timeout_s
        self._thread_lock = threading.Lock()
        self._file = None if path is None or fcntl is None else Path(f"{path}.writer-lock")
        self._fd: int | None = None
        self._pid = 0
        # The thread that took the lock ahead of its next transaction (``take_ahead``).
        self._ahead: int | None = None

    def acquire(self) -> None:
        """Wait for the write lock; raise ``OperationalError`` ("database is locked").

        A lock this thread took ahead (``take_ahead``) is handed over at once.
        """
        if self._ahead == threading.get_ident():
            self._ahead = None
            return
        deadline = time.monotonic() + self.timeout_s
        if not self._thread_lock.acquire(timeout=self.timeout_s):
            raise _locked("database is locked (another thread kept writing)")
        try:
            if self._file is not None:
                self._lock_file(deadline)
        except BaseException:
            self._thread_lock.release()
            raise

    async def take_ahead(self) -> None:
        """Wait for the write lock without blocking the event loop, for this thread's next
        transaction (its ``acquire`` takes it over); ``drop_ahead`` afterwards.

        Raises
        ------
        OperationalError
            "database is locked": another writer kept it longer than ``timeout_s``.
        """
        deadline = time.monotonic() + self.timeout_s
        step = _POLL_S[0]
        while not self._try_acquire():
            if time.monotonic() >= deadline:
                raise _locked("database is locked (another writer kept writing)")
            await asyncio.sleep(step)
            step = min(step * 2, _POLL_S[1])
        self._ahead = threading.get_ident()

    def drop_ahead(self) -> None:
        """Give back a lock taken ahead that no transaction took over (no-op otherwise)."""
        if self._ahead == threading.get_ident():
            self._ahead = None
            self.release()

    def _try_acquire(self) -> bool:
        if not self._thread_lock.acquire(blocking=False):
            return False
        if self._file is None:
            return True
        assert fcntl is not None
        try:
            fcntl.flock(self._descriptor(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._thread_lock.release()
            return False
        except BaseException:
            self._thread_lock.release()
            raise
        return True

    def release(self) -> None:
        """Give the write lock back."""
        try:
            if self._fd is not None and fcntl is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def _descriptor(self) -> int:
        # One open file per process: a descriptor inherited through fork would share the
        # lock with the parent instead of competing for it.
        if self._fd is None or self._pid != os.getpid():
            assert self._file is not None
            self._fd = os.open(self._file, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def _lock_file(self, deadline: float) -> None:
        assert fcntl is not None
        fd = self._descriptor()
        step = _POLL_S[0]
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _locked("database is locked (another process kept writing)") from None
                time.sleep(step)
                step = min(step * 2, _POLL_S[1])


class WriterLockedConnection(sqlite3.Connection):
    """A sqlite3 connection that frees its engine's ``WriterLock`` when its transaction ends.

    The engine's ``begin`` listener takes the lock before ``BEGIN IMMEDIATE``; commit,
    rollback and close give it back after SQLite has let go of its own lock.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.writer: WriterLock | None = None
        self._holds_writer = False

    def take_writer_lock(self) -> None:
        """Wait for the engine's write lock (no-op without one or when already held)."""
        if self.writer is not None and not self._holds_writer:
            self.writer.acquire()
            self._holds_writer = True

    def release_writer_lock(self) -> None:
        """Free the write lock if this connection holds it."""
        if self._holds_writer and self.writer is not None:
            self._holds_writer = False
            self.writer.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release_writer_lock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_writer_lock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release_writer_lock()
