"""The outbox relay: moves committed events to webhooks and live views.

Events are written to the ``events`` table in the same transaction as the change they
describe. The relay reads the unrelayed ones, queues a webhook delivery per interested
endpoint (unique per endpoint and event), publishes them to the live views, and only
then marks them relayed. A crash at any point leaves them unrelayed, so the next relay
picks them up again; the unique delivery key keeps a re-read from sending twice.

Stopping is prompt: the worker loop sleeps on its stop event (setting it wakes the loop at
once) and the dispatcher checks it between deliveries, so a shutdown waits for at most
the one POST in flight, never a whole round of retries against a dead endpoint. What a
stopped round did not attempt stays pending in the webhook store for the next start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from lastmile.adapters.webhooks import DispatchReport, WebhookDispatcher
from lastmile.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class LivePublisher(Protocol):
    """Anything live views subscribe through (the API's ``LiveHub``)."""

    def publish(self, kind: str, data: dict[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class RelayReport:
    """What one relay round moved."""

    relayed: int
    queued: int
    dispatch: DispatchReport


class OutboxRelay:
    """Reads the outbox in batches and hands each event to webhooks and live views.

    Parameters
    ----------
    uow_factory
        Opens a unit of work on the database holding the outbox.
    dispatcher
        Queues and sends webhook deliveries.
    live
        Optional in-process publisher for server-sent events.
    batch
        How many events one round reads.
    """

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        dispatcher: WebhookDispatcher,
        live: LivePublisher | None = None,
        *,
        batch: int = 200,
    ) -> None:
        self.uow_factory = uow_factory
        self.dispatcher = dispatcher
        self.live = live
        self.batch = batch

    def relay_once(self, stop: threading.Event | None = None) -> RelayReport:
        """Relay one batch of events, then send whatever webhook deliveries are due.

        Once ``stop`` is set, no further delivery is attempted in this round. Nothing is
        lost: events are marked relayed only after their deliveries are stored, and the
        deliveries not attempted stay pending for the next round (at-least-once).
        """
        # Read, queue and mark in separate transactions: on SQLite the webhook store would
        # otherwise wait on the write lock the outbox transaction holds.
        with self.uow_factory() as uow:
            events = uow.outbox.unrelayed(limit=self.batch)
        queued = 0
        if events:
            queued = self.dispatcher.fan_out(events)
            if self.live is not None:
                for event in events:
                    self.live.publish(
                        event.kind,
                        {
                            "event_id": event.event_id,
                            "aggregate_id": event.aggregate_id,
                            "at": event.at.isoformat(),
                            **event.data,
                        },
                    )
            with self.uow_factory() as uow:
                uow.outbox.mark_relayed([e.event_id for e in events], datetime.now(UTC))
                uow.commit()
        return RelayReport(len(events), queued, self.dispatcher.run_due(stop=stop))

    def drain(self, *, max_rounds: int = 1000) -> int:
        """Relay until the outbox is empty; return how many events moved."""
        total = 0
        for _ in range(max_rounds):
            moved = self.relay_once().relayed
            total += moved
            if moved == 0:
                break
        return total

    def run(self, stop: threading.Event, *, interval_s: float = 1.0) -> None:
        """Relay every ``interval_s`` until ``stop`` is set (a worker thread's body).

        A full batch is followed at once by the next, so a backlog drains without waiting
        an interval per batch. A failing round (database locked, receiver store down) is
        logged and retried after the interval rather than ending the thread for good.
        """
        while not stop.is_set():
            try:
                report = self.relay_once(stop)
            except Exception:
                log.exception("outbox relay round failed; retrying in %.1f s", interval_s)
                stop.wait(interval_s)
                continue
            if report.relayed < self.batch:
                stop.wait(interval_s)
