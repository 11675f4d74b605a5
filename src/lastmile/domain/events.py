"""Domain events: facts that happened, recorded for the outbox and live views."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def _event_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Something that happened to an aggregate.

    ``kind`` is dotted (``order.sourced``), ``aggregate_id`` names the thing it happened
    to, ``data`` is a JSON-serialisable payload.
    """

    kind: str
    aggregate_id: str
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    event_id: str = field(default_factory=_event_id)
