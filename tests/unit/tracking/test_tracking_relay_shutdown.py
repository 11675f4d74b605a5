"""The relay thread stops promptly and loses nothing it was asked to deliver."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

import httpx
import pytest

from lastmile.adapters.relay import OutboxRelay
from lastmile.adapters.webhooks import (
    DeliveryStatus,
    InMemoryWebhookStore,
    Subscription,
    WebhookDispatcher,
)
from lastmile.domain import DomainEvent
from lastmile.services.fakes import FakeUnitOfWork

SECRET = "s3cret-for-tests"
EVENTS = 40


class SlowDeadEndpoint:
    """Answers 503 after ``delay_s``, as a receiver timing out would; counts the calls."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.calls = 0
        self.first_call = threading.Event()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        self.first_call.set()
        time.sleep(self.delay_s)
        return httpx.Response(503)


class Receiver:
    def __init__(self) -> None:
        self.accepted: Counter[str] = Counter()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.accepted[request.headers["X-Lastmile-Event-Id"]] += 1
        return httpx.Response(200)


def _relay(
    uow: FakeUnitOfWork,
    hooks: InMemoryWebhookStore,
    handler: Callable[[httpx.Request], httpx.Response],
) -> OutboxRelay:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return OutboxRelay(lambda: uow, WebhookDispatcher(hooks, client))


def _world() -> tuple[FakeUnitOfWork, InMemoryWebhookStore, list[str]]:
    hooks = InMemoryWebhookStore()
    hooks.add_subscription(Subscription("sub1", "https://shop.example/hooks", SECRET))
    uow = FakeUnitOfWork()
    events = [DomainEvent("order.sourced", f"o{i}", {"i": i}) for i in range(EVENTS)]
    with uow:
        for event in events:
            uow.outbox.add(event)
        uow.commit()
    return uow, hooks, [e.event_id for e in events]


def _run_in_thread(relay: OutboxRelay, stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=relay.run, args=(stop,), kwargs={"interval_s": 60.0})
    thread.start()
    return thread


def test_stopping_mid_round_waits_for_one_delivery_not_the_whole_round() -> None:
    uow, hooks, _ = _world()
    dead = SlowDeadEndpoint(delay_s=0.05)  # a whole round would take 40 x 0.05 = 2 s
    stop = threading.Event()
    thread = _run_in_thread(_relay(uow, hooks, dead), stop)
    assert dead.first_call.wait(5)

    started = time.monotonic()
    stop.set()
    thread.join(timeout=5)

    assert not thread.is_alive()
    assert time.monotonic() - started < 0.5
    assert dead.calls < EVENTS // 2


def test_deliveries_a_stopped_round_left_are_sent_exactly_once_after_a_restart() -> None:
    uow, hooks, event_ids = _world()
    dead = SlowDeadEndpoint(delay_s=0.02)
    stop = threading.Event()
    thread = _run_in_thread(_relay(uow, hooks, dead), stop)
    assert dead.first_call.wait(5)
    stop.set()
    thread.join(timeout=5)
    untouched = [d for d in hooks.all() if d.attempts == 0]
    assert untouched and all(d.status is DeliveryStatus.PENDING for d in untouched)

    receiver = Receiver()
    restarted = _relay(uow, hooks, receiver)
    restarted.relay_once()

    # The attempted ones back off before their retry; everything left untouched goes now.
    assert set(receiver.accepted) == {d.event_id for d in untouched}
    assert set(receiver.accepted.values()) == {1}
    assert len(hooks.all()) == len(event_ids)


@pytest.mark.parametrize("events", [0, EVENTS])
def test_an_idle_relay_stops_at_once_instead_of_finishing_its_interval(events: int) -> None:
    uow, hooks, _ = _world()
    if events == 0:
        _relay(uow, hooks, Receiver()).drain()
    relay = _relay(uow, hooks, Receiver())
    stop = threading.Event()
    thread = _run_in_thread(relay, stop)
    time.sleep(0.1)

    started = time.monotonic()
    stop.set()
    thread.join(timeout=5)

    assert not thread.is_alive() and time.monotonic() - started < 0.5


def test_a_failing_round_is_retried_and_does_not_end_the_relay_thread() -> None:
    uow, hooks, event_ids = _world()
    receiver = Receiver()
    relay = _relay(uow, hooks, receiver)
    opened = {"n": 0}

    def flaky_factory() -> FakeUnitOfWork:
        opened["n"] += 1
        if opened["n"] == 1:
            raise RuntimeError("database is locked")
        return uow

    relay.uow_factory = flaky_factory
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), kwargs={"interval_s": 0.01})
    thread.start()
    deadline = time.monotonic() + 5
    while len(receiver.accepted) < EVENTS and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(timeout=5)

    assert set(receiver.accepted) == set(event_ids)
