"""Fan-out of live events (van positions, stop outcomes, plan changes) to browser streams.

Each server-sent-events connection subscribes a bounded queue; a slow browser loses the
oldest updates rather than holding memory or slowing the publisher, which is the right
trade for positions (only the latest one matters).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

QUEUE_SIZE = 256
KEEPALIVE_S = 15.0


@dataclass
class LiveHub:
    """Publish from any thread; subscribe from the event loop."""

    _subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[str]]] = field(
        default_factory=set
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)
    last_positions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        """Send one event to every subscriber; safe to call from worker threads."""
        payload = dict(data)
        payload.setdefault("at", datetime.now(UTC).isoformat())
        if kind == "van.position":
            self.last_positions[str(payload.get("vehicle_id"))] = payload
        message = f"event: {kind}\ndata: {json.dumps(payload, default=str)}\n\n"
        with self._lock:
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            try:
                loop.call_soon_threadsafe(_put_latest, queue, message)
            except RuntimeError:
                # The subscriber's loop has closed; it will be dropped on unsubscribe.
                continue

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    async def stream(self, *, keepalive_s: float = KEEPALIVE_S) -> AsyncIterator[str]:
        """Yield SSE messages until the client goes away; starts with known positions."""
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=QUEUE_SIZE)
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._subscribers.add(entry)
        try:
            yield "retry: 2000\n\n"
            for position in list(self.last_positions.values()):
                yield f"event: van.position\ndata: {json.dumps(position, default=str)}\n\n"
            while True:
                try:
                    yield await asyncio.wait_for(queue.get(), timeout=keepalive_s)
                except TimeoutError:
                    yield ": keepalive\n\n"
        finally:
            with self._lock:
                self._subscribers.discard(entry)


def _put_latest(queue: asyncio.Queue[str], message: str) -> None:
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(message)
