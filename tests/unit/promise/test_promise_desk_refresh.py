"""The desk refreshes an old snapshot in the background and keeps quoting meanwhile."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from lastmile.promise import PromiseOption
from lastmile.services.fakes import FakeUnitOfWork
from lastmile.services.promise import PromiseDesk, in_a_thread

from .builders import at, cart
from .test_promise_service import stored_world

MAX_AGE = timedelta(seconds=30)


class Deferred:
    """Collects background work so a test decides when it runs."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []

    def __call__(self, work: Callable[[], None]) -> None:
        self.pending.append(work)

    def run(self) -> None:
        work, self.pending = self.pending, []
        for job in work:
            job()


def reserve_last_unit(uow: FakeUnitOfWork) -> None:
    with uow:
        uow.stock.get("SKU1", "W1").reserve(1)  # type: ignore[union-attr]
        uow.commit()


def desk_on(uow: FakeUnitOfWork, later: Deferred) -> PromiseDesk:
    desk = PromiseDesk(lambda: uow, max_age=MAX_AGE, in_background=later)
    assert desk.quote(cart(), now=at(10)).options
    return desk


def test_an_old_snapshot_answers_while_one_refresh_reads_the_new_one() -> None:
    uow, later = stored_world(units=1), Deferred()
    desk = desk_on(uow, later)
    reserve_last_unit(uow)
    old = at(10) + MAX_AGE + timedelta(seconds=1)
    # Past max_age: the queries answer at once from the snapshot, without a read.
    assert desk.try_quote(cart(), now=old) is not None
    assert desk.quote(cart(), now=old).options
    assert len(later.pending) == 1, "one refresh in flight, however many queries"
    later.run()
    assert not desk.quote(cart(), now=old).options, "the refresh saw the reservation"
    assert not later.pending


def test_no_refresh_while_the_snapshot_is_young() -> None:
    uow, later = stored_world(), Deferred()
    desk = desk_on(uow, later)
    desk.quote(cart(), now=at(10) + MAX_AGE)
    assert not later.pending


def test_a_snapshot_twice_max_age_old_is_rebuilt_before_quoting() -> None:
    uow, later = stored_world(units=1), Deferred()
    desk = desk_on(uow, later)
    reserve_last_unit(uow)
    too_old = at(10) + 2 * MAX_AGE + timedelta(seconds=1)
    assert desk.try_quote(cart(), now=too_old) is None, "would wait for the database"
    assert not desk.quote(cart(), now=too_old).options


def test_a_refresh_that_began_before_invalidate_is_dropped() -> None:
    uow, later = stored_world(units=1), Deferred()
    desk = desk_on(uow, later)
    old = at(10) + MAX_AGE + timedelta(seconds=1)
    desk.quote(cart(), now=old)  # the refresh is scheduled...
    reserve_last_unit(uow)
    desk.invalidate()  # ...the plan changes...
    assert not desk.quote(cart(), now=old).options  # ...and the next query rebuilt at once
    with uow:
        uow.stock.get("SKU1", "W1").release(1)  # type: ignore[union-attr]
        uow.commit()
    later.run()  # reads now, but began before invalidate: not bound
    assert not desk.quote(cart(), now=old).options


def held_parcels(desk: PromiseDesk) -> float:
    assert desk._engine is not None
    return sum(float(plan.held_parcels.sum()) for plan in desk._engine.plans.values())


class Reading:
    """The desk's unit-of-work factory: runs ``during`` whenever the desk reads."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow
        self.during: Callable[[], object] = lambda: None

    def __call__(self) -> FakeUnitOfWork:
        self.during()
        return self.uow


def refresh_due() -> tuple[PromiseDesk, Deferred, Reading, PromiseOption]:
    """A desk on one unit whose snapshot, quoted at 10:00, is old: a refresh is pending."""
    reading, later = Reading(stored_world(units=1)), Deferred()
    desk = PromiseDesk(reading, max_age=MAX_AGE, in_background=later)
    option = next(o for o in desk.quote(cart(), now=at(10)).options if o.route_id)
    return desk, later, reading, option


def test_a_hold_placed_while_the_refresh_reads_keeps_its_stock_and_route_room() -> None:
    desk, later, reading, option = refresh_due()
    old = at(10) + MAX_AGE + timedelta(seconds=1)
    desk.quote(cart(), now=old)
    reading.during = lambda: desk.hold(cart(), option, now=old)
    later.run()
    reading.during = lambda: None
    assert held_parcels(desk) == 1, "the new snapshot's route room is held"
    assert not desk.quote(cart(), now=old).options, "and so is the unit"


def test_a_hold_given_back_while_the_refresh_reads_frees_the_route_room() -> None:
    desk, later, reading, option = refresh_due()
    hold = desk.hold(cart(), option, now=at(10))
    old = at(10) + MAX_AGE + timedelta(seconds=1)
    desk.quote(cart(), now=old)
    reading.during = lambda: desk.release(hold.hold_id)
    later.run()
    assert held_parcels(desk) == 0
    assert desk.quote(cart(), now=old).options


def test_a_refresh_may_run_at_once_in_the_caller() -> None:
    """The desk starts a refresh only after letting go of its lock: no deadlock."""
    uow = stored_world(units=1)
    desk = PromiseDesk(lambda: uow, max_age=MAX_AGE, in_background=lambda work: work())
    desk.quote(cart(), now=at(10))
    reserve_last_unit(uow)
    old = at(10) + MAX_AGE + timedelta(seconds=1)
    assert desk.quote(cart(), now=old).options, "answered from the old snapshot"
    assert not desk.quote(cart(), now=old).options, "then refreshed"


def test_a_refresh_that_cannot_start_leaves_the_quote_and_the_next_one_tries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    uow, later = stored_world(), Deferred()
    starts = {"fail": True}

    def background(work: Callable[[], None]) -> None:
        if starts["fail"]:
            raise RuntimeError("can't start new thread")
        later(work)

    desk = PromiseDesk(lambda: uow, max_age=MAX_AGE, in_background=background)
    desk.quote(cart(), now=at(10))
    old = at(10) + MAX_AGE + timedelta(seconds=1)
    assert desk.quote(cart(), now=old).options
    assert "could not start" in caplog.text
    starts["fail"] = False
    desk.quote(cart(), now=old)
    assert len(later.pending) == 1


def test_a_failed_refresh_is_logged_and_tried_again(caplog: pytest.LogCaptureFixture) -> None:
    uow, later = stored_world(), Deferred()
    fail = {"left": 0}

    def factory() -> FakeUnitOfWork:
        if fail["left"]:
            fail["left"] -= 1
            raise OSError("database restarting")
        return uow

    desk = PromiseDesk(factory, max_age=MAX_AGE, in_background=later)
    desk.quote(cart(), now=at(10))
    old = at(10) + MAX_AGE + timedelta(seconds=1)
    desk.quote(cart(), now=old)
    fail["left"] = 1
    later.run()
    assert "refresh failed" in caplog.text
    assert desk.quote(cart(), now=old).options, "the old snapshot still answers"
    assert len(later.pending) == 1, "the next query schedules another refresh"
    later.run()
    desk.quote(cart(), now=old)
    assert not later.pending, "the refresh succeeded: the snapshot is young again"


def test_in_a_thread_refreshes_in_a_thread() -> None:
    uow = stored_world(units=1)
    desk = PromiseDesk(lambda: uow, max_age=MAX_AGE, in_background=in_a_thread)
    desk.quote(cart(), now=at(10))
    reserve_last_unit(uow)
    old = at(10) + MAX_AGE + timedelta(seconds=1)
    assert desk.quote(cart(), now=old).options
    for _ in range(500):
        if not desk.quote(cart(), now=old).options:
            break
        time.sleep(0.01)
    assert not desk.quote(cart(), now=old).options


def test_without_a_background_an_old_snapshot_is_rebuilt_before_quoting() -> None:
    """On a simulated clock a thread's timing must not change the answers."""
    uow = stored_world(units=1)
    desk = PromiseDesk(lambda: uow, max_age=MAX_AGE)
    desk.quote(cart(), now=at(10))
    reserve_last_unit(uow)
    old = at(10) + MAX_AGE + timedelta(seconds=1)
    assert desk.try_quote(cart(), now=old) is None
    assert not desk.quote(cart(), now=old).options
