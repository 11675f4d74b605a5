"""Outbound webhooks: signed POSTs, retried with exponential backoff, then dead-lettered.

Delivery is at-least-once: a POST that succeeded just before the process died is sent
again, with the same ``X-Lastmile-Event-Id``, and the receiver keeps the first. Our side
never sends an event again once a 2xx answer has been recorded for it.

``httpx.Client`` is injected, so tests pass one built on ``httpx.MockTransport``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

import httpx

from lastmile.domain.events import DomainEvent
from lastmile.tracking.signing import (
    EVENT_ID_HEADER,
    EVENT_KIND_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class Subscription:
    """An endpoint and the event kinds it wants: exact kinds, prefixes ending in '.', or '*'."""

    subscription_id: str
    url: str
    secret: str
    kinds: frozenset[str] = frozenset({"*"})
    active: bool = True

    def __post_init__(self) -> None:
        if not self.url.startswith(("https://", "http://")):
            raise ValueError(f"webhook url {self.url!r} is not an http(s) url.")
        if not self.secret:
            raise ValueError("a webhook needs a secret.")

    def wants(self, kind: str) -> bool:
        """Tell whether an event of this kind goes to this endpoint."""
        return self.active and any(
            k == "*" or k == kind or (k.endswith(".") and kind.startswith(k)) for k in self.kinds
        )


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event on its way to one endpoint."""

    subscription_id: str
    event_id: str
    kind: str
    body: str
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    last_error: str = ""
    delivered_at: datetime | None = None


def event_body(event: DomainEvent) -> str:
    """Return the JSON body sent for an event (stable key order, so signatures are stable)."""
    return json.dumps(
        {
            "event_id": event.event_id,
            "kind": event.kind,
            "aggregate_id": event.aggregate_id,
            "at": event.at.isoformat(),
            "data": event.data,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff ``base * factor**(attempt-1)`` capped at ``cap``; dead after N."""

    max_attempts: int = 8
    base: timedelta = timedelta(seconds=5)
    factor: float = 2.0
    cap: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts {self.max_attempts} < 1 not understood.")
        if self.factor < 1:
            raise ValueError(f"factor {self.factor} < 1 not understood.")

    def delay(self, attempts: int) -> timedelta:
        """Return the wait after the ``attempts``-th failure."""
        seconds = self.base.total_seconds() * self.factor ** max(attempts - 1, 0)
        return min(timedelta(seconds=seconds), self.cap)


class WebhookStore(Protocol):
    """Where subscriptions and deliveries live (memory in tests, SQL in production)."""

    def subscriptions(self) -> list[Subscription]: ...

    def add_subscription(self, subscription: Subscription) -> None: ...

    def enqueue(self, deliveries: Sequence[Delivery]) -> int:
        """Store new deliveries, skipping (subscription, event) pairs already stored."""
        ...

    def due(self, now: datetime, *, limit: int = 100) -> list[Delivery]:
        """Return pending deliveries whose next attempt is due, oldest first."""
        ...

    def save(self, delivery: Delivery) -> None:
        """Store the outcome of an attempt."""
        ...

    def dead_letters(self) -> list[Delivery]: ...

    def all(self) -> list[Delivery]: ...


class InMemoryWebhookStore:
    """A ``WebhookStore`` in a dict, for unit tests and the demo."""

    def __init__(self) -> None:
        self._subs: dict[str, Subscription] = {}
        self._deliveries: dict[tuple[str, str], Delivery] = {}

    def subscriptions(self) -> list[Subscription]:
        return list(self._subs.values())

    def add_subscription(self, subscription: Subscription) -> None:
        self._subs[subscription.subscription_id] = subscription

    def enqueue(self, deliveries: Sequence[Delivery]) -> int:
        added = 0
        for d in deliveries:
            key = (d.subscription_id, d.event_id)
            if key not in self._deliveries:
                self._deliveries[key] = d
                added += 1
        return added

    def due(self, now: datetime, *, limit: int = 100) -> list[Delivery]:
        due = [
            d
            for d in self._deliveries.values()
            if d.status is DeliveryStatus.PENDING and d.next_attempt_at <= now
        ]
        return due[:limit]

    def save(self, delivery: Delivery) -> None:
        self._deliveries[(delivery.subscription_id, delivery.event_id)] = delivery

    def dead_letters(self) -> list[Delivery]:
        return [d for d in self._deliveries.values() if d.status is DeliveryStatus.DEAD]

    def all(self) -> list[Delivery]:
        return list(self._deliveries.values())


@dataclass(frozen=True, slots=True)
class DispatchReport:
    """What one dispatch round did."""

    delivered: int = 0
    retried: int = 0
    dead: int = 0


class WebhookDispatcher:
    """Sends due deliveries, records each outcome, and schedules retries.

    Parameters
    ----------
    store
        Subscriptions and deliveries.
    client
        The HTTP client; inject one on ``httpx.MockTransport`` in tests.
    policy
        Backoff and the number of attempts before a delivery is dead-lettered.
    clock
        Returns the current time; for signatures and scheduling.
    """

    def __init__(
        self,
        store: WebhookStore,
        client: httpx.Client,
        policy: RetryPolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.client = client
        self.policy = policy or RetryPolicy()
        self.clock = clock

    def fan_out(self, events: Sequence[DomainEvent]) -> int:
        """Queue each event for every subscription that wants it; return how many were new."""
        subs = self.store.subscriptions()
        now = self.clock()
        return self.store.enqueue(
            [
                Delivery(s.subscription_id, e.event_id, e.kind, event_body(e), next_attempt_at=now)
                for e in events
                for s in subs
                if s.wants(e.kind)
            ]
        )

    def run_due(self, *, limit: int = 100, stop: threading.Event | None = None) -> DispatchReport:
        """Attempt every due delivery once, or until ``stop`` is set.

        The ones not attempted when ``stop`` is set are left pending and due, untouched.
        """
        subs = {s.subscription_id: s for s in self.store.subscriptions()}
        delivered = retried = dead = 0
        for delivery in self.store.due(self.clock(), limit=limit):
            if stop is not None and stop.is_set():
                break
            sub = subs.get(delivery.subscription_id)
            error = "subscription removed" if sub is None else self._post(sub, delivery)
            now = self.clock()
            attempts = delivery.attempts + 1
            if error is None:
                self.store.save(
                    replace(
                        delivery,
                        status=DeliveryStatus.DELIVERED,
                        attempts=attempts,
                        delivered_at=now,
                        last_error="",
                    )
                )
                delivered += 1
            elif attempts >= self.policy.max_attempts or sub is None:
                self.store.save(
                    replace(
                        delivery,
                        status=DeliveryStatus.DEAD,
                        attempts=attempts,
                        last_error=error[:500],
                    )
                )
                dead += 1
            else:
                self.store.save(
                    replace(
                        delivery,
                        attempts=attempts,
                        last_error=error[:500],
                        next_attempt_at=now + self.policy.delay(attempts),
                    )
                )
                retried += 1
        return DispatchReport(delivered, retried, dead)

    def _post(self, sub: Subscription, delivery: Delivery) -> str | None:
        body = delivery.body.encode()
        timestamp = int(self.clock().timestamp())
        headers = {
            "Content-Type": "application/json",
            EVENT_ID_HEADER: delivery.event_id,
            EVENT_KIND_HEADER: delivery.kind,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(sub.secret, timestamp, body),
        }
        try:
            response = self.client.post(sub.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"

    def requeue_dead(self) -> int:
        """Give every dead letter a fresh set of attempts (after the receiver is fixed)."""
        dead = self.store.dead_letters()
        for d in dead:
            self.store.save(
                replace(d, status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=self.clock())
            )
        return len(dead)
