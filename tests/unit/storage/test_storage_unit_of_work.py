"""Retry on conflict, error translation, and the fake unit of work's rules."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from lastmile.adapters.db.uow import translate_error
from lastmile.services.fakes import FakeUnitOfWork
from lastmile.services.unit_of_work import ConcurrencyConflict, DuplicateKey, retry_on_conflict


def test_retry_runs_the_transaction_again_until_it_stops_conflicting() -> None:
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConcurrencyConflict("lost a race")
        return "done"

    assert retry_on_conflict(flaky, base_delay_s=0) == "done"
    assert len(calls) == 3


def test_retry_gives_up_after_the_last_attempt_and_never_retries_other_errors() -> None:
    def always() -> None:
        raise ConcurrencyConflict("again")

    with pytest.raises(ConcurrencyConflict):
        retry_on_conflict(always, attempts=2, base_delay_s=0)
    calls = []

    def broken() -> None:
        calls.append(1)
        raise ValueError("a bug, not a race")

    with pytest.raises(ValueError):
        retry_on_conflict(broken, base_delay_s=0)
    assert len(calls) == 1


def test_database_races_become_retryable_conflicts_and_other_errors_do_not() -> None:
    locked = OperationalError("UPDATE", {}, sqlite3.OperationalError("database is locked"))
    unique = sqlite3.IntegrityError("UNIQUE constraint failed: orders.order_id")
    unique.sqlite_errorname = "SQLITE_CONSTRAINT_UNIQUE"
    check = sqlite3.IntegrityError("CHECK constraint failed")
    check.sqlite_errorname = "SQLITE_CONSTRAINT_CHECK"

    assert type(translate_error(StaleDataError("version"))) is ConcurrencyConflict
    assert type(translate_error(locked)) is ConcurrencyConflict
    assert type(translate_error(IntegrityError("INSERT", {}, unique))) is DuplicateKey
    assert translate_error(IntegrityError("INSERT", {}, check)) is None
    assert translate_error(ValueError("x")) is None


def test_the_fake_unit_of_work_cannot_be_nested() -> None:
    uow = FakeUnitOfWork()
    with uow, pytest.raises(RuntimeError, match="already open"), uow:
        pass
    with uow:
        pass
