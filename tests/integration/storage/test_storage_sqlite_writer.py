"""SQLite writers queue on the engine's writer lock; readers never wait for it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from lastmile.adapters.db.engine import read_only
from lastmile.adapters.db.sqlite_writer import WriterLock
from lastmile.adapters.db.uow import SqlAlchemyUnitOfWork, make_session_factory
from lastmile.bootstrap import make_engine
from lastmile.domain import Dimensions, Sku


def _writes(engine: Engine, value: int, hold_s: float, log: list[str]) -> None:
    with engine.begin() as conn:
        log.append(f"begin {value}")
        conn.execute(text("INSERT INTO probe VALUES (:v)"), {"v": value})
        time.sleep(hold_s)
        log.append(f"commit {value}")


@pytest.fixture
def probe_engine(sqlite_engine: Engine) -> Engine:
    with sqlite_engine.begin() as conn:
        conn.execute(text("CREATE TABLE probe (v INTEGER)"))
    return sqlite_engine


def test_concurrent_writers_take_turns_and_all_commit(probe_engine: Engine) -> None:
    log: list[str] = []
    threads = [
        threading.Thread(target=_writes, args=(probe_engine, n, 0.05, log)) for n in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each transaction ran alone: every begin is followed by its own commit.
    for i in range(0, len(log), 2):
        assert log[i].split()[1] == log[i + 1].split()[1]
    with probe_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM probe")).scalar() == 4


def test_a_read_only_transaction_does_not_wait_for_a_writer(probe_engine: Engine) -> None:
    log: list[str] = []
    writer = threading.Thread(target=_writes, args=(probe_engine, 1, 0.5, log))
    writer.start()
    while not log:
        time.sleep(0.005)
    started = time.monotonic()
    with read_only(probe_engine).connect() as conn:
        seen = conn.execute(text("SELECT count(*) FROM probe")).scalar()
    waited = time.monotonic() - started
    writer.join()
    assert seen == 0  # the writer had not committed yet
    assert waited < 0.25


def test_a_writer_of_another_engine_waits_on_the_file_lock(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'two.db'}"
    first, second = make_engine(url), make_engine(url)
    with first.begin() as conn:
        conn.execute(text("CREATE TABLE probe (v INTEGER)"))
    log: list[str] = []
    holder = threading.Thread(target=_writes, args=(first, 1, 0.3, log))
    holder.start()
    while not log:
        time.sleep(0.005)
    _writes(second, 2, 0.0, log)
    holder.join()
    assert log == ["begin 1", "commit 1", "begin 2", "commit 2"]
    first.dispose()
    second.dispose()


def test_a_writer_lock_held_too_long_ends_in_database_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "held.db"
    holder = WriterLock(path, timeout_s=5)
    waiter = WriterLock(path, timeout_s=0.1)
    holder.acquire()
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            waiter.acquire()
    finally:
        holder.release()
    waiter.acquire()
    waiter.release()


def test_a_rolled_back_transaction_frees_the_writer_lock(probe_engine: Engine) -> None:
    with pytest.raises(RuntimeError), probe_engine.begin() as conn:
        conn.execute(text("INSERT INTO probe VALUES (1)"))
        raise RuntimeError("boom")
    done = threading.Event()
    threading.Thread(target=lambda: (_writes(probe_engine, 2, 0.0, []), done.set())).start()
    assert done.wait(5)


def test_a_read_only_unit_of_work_refuses_to_commit(sqlite_engine: Engine) -> None:
    uow = SqlAlchemyUnitOfWork(make_session_factory(read_only(sqlite_engine)), read_only=True)
    with uow:
        assert uow.skus.get("nothing") is None
        uow.skus.add(Sku("S1", "mug", Dimensions(10, 10, 10), 0.4))
        with pytest.raises(RuntimeError, match="read-only"):
            uow.commit()
