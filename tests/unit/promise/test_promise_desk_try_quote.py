"""The desk's non-waiting quote, used on the API's event loop."""

from __future__ import annotations

from datetime import timedelta

from lastmile.domain import DeliveryOption
from lastmile.services.promise import PromiseDesk

from .builders import at, cart
from .test_promise_service import stored_world


def test_try_quote_declines_until_a_snapshot_is_built() -> None:
    uow = stored_world()
    desk = PromiseDesk(lambda: uow, max_age=timedelta(minutes=1))
    assert desk.try_quote(cart(), now=at(10)) is None
    desk.quote(cart(), now=at(10))
    result = desk.try_quote(cart(), now=at(10) + timedelta(seconds=30))
    assert result is not None
    assert result.offers(DeliveryOption.SAME_DAY)


def test_try_quote_declines_a_stale_snapshot_instead_of_reading_the_database() -> None:
    uow = stored_world()
    desk = PromiseDesk(lambda: uow, max_age=timedelta(seconds=10))
    desk.quote(cart(), now=at(10))
    assert desk.try_quote(cart(), now=at(10, 1)) is None


def test_try_quote_declines_while_another_thread_holds_the_desk() -> None:
    uow = stored_world()
    desk = PromiseDesk(lambda: uow, max_age=timedelta(minutes=1))
    desk.quote(cart(), now=at(10))
    with desk._lock:
        assert desk.try_quote(cart(), now=at(10)) is None
