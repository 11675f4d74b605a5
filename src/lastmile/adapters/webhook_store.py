"""The SQL ``WebhookStore``: subscriptions and deliveries in ``tables_tracking``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from lastmile.adapters.db.tables_tracking import webhook_deliveries as wd
from lastmile.adapters.db.tables_tracking import webhook_subscriptions as ws
from lastmile.adapters.webhooks import Delivery, DeliveryStatus, Subscription


class SqlWebhookStore:
    """Each call is its own short transaction, so a crash loses at most one attempt's outcome."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def subscriptions(self) -> list[Subscription]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(ws).order_by(ws.c.subscription_id)).mappings().all()
        return [
            Subscription(
                r["subscription_id"],
                r["url"],
                r["secret"],
                frozenset(r["kinds"]),
                bool(r["active"]),
            )
            for r in rows
        ]

    def add_subscription(self, subscription: Subscription) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(ws).values(
                    subscription_id=subscription.subscription_id,
                    url=subscription.url,
                    secret=subscription.secret,
                    kinds=sorted(subscription.kinds),
                    active=subscription.active,
                    created_at=datetime.now().astimezone(),
                )
            )

    def enqueue(self, deliveries: Sequence[Delivery]) -> int:
        try:
            return self._enqueue(deliveries)
        except IntegrityError:
            # Another relay queued some of them between our read and our insert; the
            # second pass sees them and adds only the rest.
            return self._enqueue(deliveries)

    def _enqueue(self, deliveries: Sequence[Delivery]) -> int:
        if not deliveries:
            return 0
        added = 0
        with self.engine.begin() as conn:
            existing = {
                (row[0], row[1])
                for row in conn.execute(
                    select(wd.c.subscription_id, wd.c.event_id).where(
                        wd.c.event_id.in_({d.event_id for d in deliveries})
                    )
                )
            }
            for d in deliveries:
                if (d.subscription_id, d.event_id) in existing:
                    continue
                conn.execute(insert(wd).values(_row(d)))
                added += 1
        return added

    def due(self, now: datetime, *, limit: int = 100) -> list[Delivery]:
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(wd)
                    .where(wd.c.status == DeliveryStatus.PENDING.value, wd.c.next_attempt_at <= now)
                    .order_by(wd.c.delivery_id)
                    .limit(limit)
                )
                .mappings()
                .all()
            )
        return [_delivery(r) for r in rows]

    def save(self, delivery: Delivery) -> None:
        values = _row(delivery)
        with self.engine.begin() as conn:
            conn.execute(
                update(wd)
                .where(
                    wd.c.subscription_id == delivery.subscription_id,
                    wd.c.event_id == delivery.event_id,
                )
                .values(values)
            )

    def dead_letters(self) -> list[Delivery]:
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(wd)
                    .where(wd.c.status == DeliveryStatus.DEAD.value)
                    .order_by(wd.c.delivery_id)
                )
                .mappings()
                .all()
            )
        return [_delivery(r) for r in rows]

    def all(self) -> list[Delivery]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(wd).order_by(wd.c.delivery_id)).mappings().all()
        return [_delivery(r) for r in rows]


def _row(d: Delivery) -> dict[str, object]:
    return {
        "subscription_id": d.subscription_id,
        "event_id": d.event_id,
        "kind": d.kind,
        "body": d.body,
        "status": d.status.value,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at,
        "last_error": d.last_error,
        "delivered_at": d.delivered_at,
    }


def _delivery(r: object) -> Delivery:
    m = dict(r)  # type: ignore[call-overload]
    return Delivery(
        m["subscription_id"],
        m["event_id"],
        m["kind"],
        m["body"],
        DeliveryStatus(m["status"]),
        m["attempts"],
        m["next_attempt_at"],
        m["last_error"],
        m["delivered_at"],
    )
