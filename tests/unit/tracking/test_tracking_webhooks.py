from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from lastmile.adapters.relay import OutboxRelay
from lastmile.adapters.webhooks import (
    DeliveryStatus,
    InMemoryWebhookStore,
    RetryPolicy,
    Subscription,
    WebhookDispatcher,
)
from lastmile.domain import DomainEvent
from lastmile.services.fakes import FakeUnitOfWork
from lastmile.tracking.signing import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
    verify,
)

SECRET = "s3cret-for-tests"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class FlakyReceiver:
    """Fails the first ``failures`` requests, then keeps the first copy of each event id."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self.accepted: Counter[str] = Counter()
        self.bad_signatures = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        ts = int(request.headers[TIMESTAMP_HEADER])
        if not verify(SECRET, ts, request.content, request.headers[SIGNATURE_HEADER], now=ts):
            self.bad_signatures += 1
            return httpx.Response(401)
        if self.calls <= self.failures:
            return httpx.Response(503)
        event_id = request.headers[EVENT_ID_HEADER]
        assert json.loads(request.content)["event_id"] == event_id
        self.accepted[event_id] += 1
        return httpx.Response(200)


def setup(
    failures: int, policy: RetryPolicy | None = None
) -> tuple[OutboxRelay, FlakyReceiver, Clock, InMemoryWebhookStore, FakeUnitOfWork]:
    receiver = FlakyReceiver(failures)
    clock = Clock()
    hooks = InMemoryWebhookStore()
    hooks.add_subscription(Subscription("sub1", "https://shop.example/hooks", SECRET))
    client = httpx.Client(transport=httpx.MockTransport(receiver))
    dispatcher = WebhookDispatcher(hooks, client, policy or RetryPolicy(), clock)
    uow = FakeUnitOfWork()
    relay = OutboxRelay(lambda: uow, dispatcher)
    return relay, receiver, clock, hooks, uow


def commit_events(uow: FakeUnitOfWork, n: int) -> list[str]:
    events = [DomainEvent("order.sourced", f"o{i}", {"i": i}) for i in range(n)]
    with uow:
        for event in events:
            uow.outbox.add(event)
        uow.commit()
    return [e.event_id for e in events]


def test_a_receiver_failing_the_first_3_times_gets_every_event_exactly_once() -> None:
    relay, receiver, clock, hooks, store = setup(failures=3)
    ids = commit_events(store, 5)
    relay.relay_once()
    for _ in range(10):
        clock.now += timedelta(hours=1)
        relay.relay_once()
    assert set(receiver.accepted) == set(ids)
    assert all(count == 1 for count in receiver.accepted.values())
    assert receiver.bad_signatures == 0
    assert all(d.status is DeliveryStatus.DELIVERED for d in hooks.all())


def test_retries_wait_longer_each_time() -> None:
    relay, _receiver, clock, hooks, store = setup(failures=100)
    commit_events(store, 1)
    start = clock.now
    relay.relay_once()
    waits = []
    for _ in range(4):
        (delivery,) = hooks.all()
        waits.append(delivery.next_attempt_at - start)
        clock.now = delivery.next_attempt_at
        relay.relay_once()
    gaps = [b - a for a, b in zip([timedelta(0), *waits], waits, strict=False)]
    assert gaps == sorted(gaps) and gaps[-1] > gaps[0]


def test_a_delivery_that_keeps_failing_ends_in_the_dead_letter_list() -> None:
    relay, receiver, clock, hooks, store = setup(failures=100, policy=RetryPolicy(max_attempts=4))
    commit_events(store, 2)
    for _ in range(6):
        relay.relay_once()
        clock.now += timedelta(days=1)
    assert len(hooks.dead_letters()) == 2
    assert all(d.attempts == 4 and d.last_error == "HTTP 503" for d in hooks.dead_letters())
    assert receiver.calls == 8


def test_relaying_the_same_outbox_twice_queues_each_event_once() -> None:
    relay, _receiver, _clock, _hooks, store = setup(failures=0)
    commit_events(store, 3)
    events = store.outbox.unrelayed()
    assert relay.dispatcher.fan_out(events) == 3
    assert relay.dispatcher.fan_out(events) == 0


def test_relayed_events_reach_the_live_views() -> None:
    published: list[tuple[str, dict[str, object]]] = []

    class Live:
        def publish(self, kind: str, data: dict[str, object]) -> None:
            published.append((kind, data))

    relay, *_, store = setup(failures=0)
    relay.live = Live()
    ids = commit_events(store, 2)
    relay.drain()
    assert [d["event_id"] for _, d in published] == ids
    assert relay.drain() == 0


def test_a_subscription_receives_only_the_kinds_it_asked_for() -> None:
    sub = Subscription(
        "s", "https://x.example", SECRET, frozenset({"shipment.", "order.delivered"})
    )
    assert sub.wants("shipment.eta_changed") and sub.wants("order.delivered")
    assert not sub.wants("order.sourced")


def test_a_signature_made_with_another_secret_or_body_does_not_verify() -> None:
    sig = sign(SECRET, 100, b"{}")
    assert verify(SECRET, 100, b"{}", sig, now=100)
    assert not verify("other", 100, b"{}", sig, now=100)
    assert not verify(SECRET, 100, b'{"a":1}', sig, now=100)
    assert not verify(SECRET, 100, b"{}", sig, now=100 + 3600)


def test_a_webhook_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="not an http"):
        Subscription("s", "ftp://x", SECRET)
