"""Where tracking keeps its records: the interface, and an in-memory version for tests.

The SQL version (``lastmile.adapters.tracking_store``) works on the unit of work's own
session, so evidence, PIN attempts and stop outcomes commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from lastmile.tracking.disruptions import Disruption
from lastmile.tracking.evidence import ChainHead, EvidenceRecord
from lastmile.tracking.pin import PinState


@dataclass(frozen=True, slots=True)
class Attempt:
    """One failed delivery attempt of a shipment."""

    shipment_id: str
    route_id: str
    reason: str
    at: datetime


class TrackingRepository(Protocol):
    """Evidence chains, PINs, failed attempts, token lookups and disruptions."""

    def evidence_head(self, route_id: str) -> ChainHead | None: ...

    def evidence(self, route_id: str) -> list[EvidenceRecord]: ...

    def evidence_routes(self) -> list[str]: ...

    def add_evidence(self, record: EvidenceRecord, head: ChainHead) -> None: ...

    def pin(self, shipment_id: str) -> PinState | None: ...

    def save_pin(self, state: PinState) -> None: ...

    def attempts(self, shipment_id: str) -> list[Attempt]: ...

    def add_attempt(self, attempt: Attempt) -> None: ...

    def shipment_for_token(self, token: str) -> str | None: ...

    def register_token(self, token: str, shipment_id: str) -> None:
        """Make a new token findable (the SQL store reads the shipments table instead)."""
        ...

    def add_disruption(self, disruption: Disruption) -> None: ...

    def disruptions(self) -> list[Disruption]: ...


@dataclass
class InMemoryTrackingRepository:
    """A ``TrackingRepository`` in dicts; ``tokens`` maps tracking tokens to shipment ids."""

    heads: dict[str, ChainHead] = field(default_factory=dict)
    records: dict[str, list[EvidenceRecord]] = field(default_factory=dict)
    pins: dict[str, PinState] = field(default_factory=dict)
    failed: list[Attempt] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    posted: list[Disruption] = field(default_factory=list)

    def evidence_head(self, route_id: str) -> ChainHead | None:
        return self.heads.get(route_id)

    def evidence(self, route_id: str) -> list[EvidenceRecord]:
        return list(self.records.get(route_id, []))

    def evidence_routes(self) -> list[str]:
        return sorted(set(self.records) | set(self.heads))

    def add_evidence(self, record: EvidenceRecord, head: ChainHead) -> None:
        self.records.setdefault(record.route_id, []).append(record)
        self.heads[record.route_id] = head

    def pin(self, shipment_id: str) -> PinState | None:
        return self.pins.get(shipment_id)

    def save_pin(self, state: PinState) -> None:
        self.pins[state.shipment_id] = state

    def attempts(self, shipment_id: str) -> list[Attempt]:
        return [a for a in self.failed if a.shipment_id == shipment_id]

    def add_attempt(self, attempt: Attempt) -> None:
        self.failed.append(attempt)

    def shipment_for_token(self, token: str) -> str | None:
        return self.tokens.get(token)

    def register_token(self, token: str, shipment_id: str) -> None:
        self.tokens[token] = shipment_id

    def add_disruption(self, disruption: Disruption) -> None:
        self.posted.append(disruption)

    def disruptions(self) -> list[Disruption]:
        return list(self.posted)
