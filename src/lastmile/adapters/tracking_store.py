"""The SQL ``TrackingRepository``, on the session of a unit of work."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from lastmile.adapters.db import tables_tracking as tt
from lastmile.adapters.db.tables import shipments
from lastmile.tracking.disruptions import Area, Disruption, DisruptionKind
from lastmile.tracking.evidence import ChainHead, EvidenceRecord
from lastmile.tracking.pin import PinState
from lastmile.tracking.store import Attempt


class SqlTrackingRepository:
    """Reads and writes through ``session()``, the unit of work's open session.

    Pass ``lambda: uow.session`` so every write joins the use case's transaction. A PIN
    and a chain head are read ``FOR UPDATE`` (PostgreSQL; SQLite serialises writers
    anyway), so two attempts at once cannot both count as the first failure, and two
    confirmations on one route cannot fork its chain.
    """

    def __init__(self, session: Callable[[], Session]) -> None:
        self._session = session

    @property
    def s(self) -> Session:
        return self._session()

    def evidence_head(self, route_id: str) -> ChainHead | None:
        h = tt.evidence_heads.c
        row = self.s.execute(
            select(h.count, h.hash).where(h.route_id == route_id).with_for_update()
        ).first()
        return ChainHead(route_id, int(row[0]), str(row[1])) if row else None

    def evidence(self, route_id: str) -> list[EvidenceRecord]:
        e = tt.evidence_records.c
        rows = self.s.execute(
            select(e.seq, e.body, e.prev_hash, e.hash).where(e.route_id == route_id).order_by(e.seq)
        ).all()
        return [EvidenceRecord(route_id, int(r[0]), dict(r[1]), str(r[2]), str(r[3])) for r in rows]

    def evidence_routes(self) -> list[str]:
        e, h = tt.evidence_records.c, tt.evidence_heads.c
        ids = set(self.s.execute(select(e.route_id).distinct()).scalars())
        ids |= set(self.s.execute(select(h.route_id)).scalars())
        return sorted(ids)

    def add_evidence(self, record: EvidenceRecord, head: ChainHead) -> None:
        self.s.execute(
            insert(tt.evidence_records).values(
                route_id=record.route_id,
                seq=record.seq,
                body=dict(record.body),
                prev_hash=record.prev_hash,
                hash=record.hash,
            )
        )
        h = tt.evidence_heads.c
        done = self.s.execute(
            update(tt.evidence_heads)
            .where(h.route_id == head.route_id, h.count == head.count - 1)
            .values(count=head.count, hash=head.hash)
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            # First record of the route; a concurrent writer would violate the primary key.
            self.s.execute(
                insert(tt.evidence_heads).values(
                    route_id=head.route_id, count=head.count, hash=head.hash
                )
            )

    def pin(self, shipment_id: str) -> PinState | None:
        p = tt.pin_codes.c
        row = self.s.execute(
            select(tt.pin_codes).where(p.shipment_id == shipment_id).with_for_update()
        ).first()
        if row is None:
            return None
        m = row._mapping
        return PinState(
            m["shipment_id"],
            m["salt"],
            m["digest"],
            m["failures"],
            m["last_attempt_at"],
            bool(m["locked"]),
        )

    def save_pin(self, state: PinState) -> None:
        p = tt.pin_codes.c
        values = {
            "salt": state.salt,
            "digest": state.digest,
            "failures": state.failures,
            "last_attempt_at": state.last_attempt_at,
            "locked": state.locked,
        }
        # Update in place: a delete-and-insert would let a reader waiting on the row lock
        # find it gone and take the PIN for never issued.
        done = self.s.execute(
            update(tt.pin_codes).where(p.shipment_id == state.shipment_id).values(**values)
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            self.s.execute(insert(tt.pin_codes).values(shipment_id=state.shipment_id, **values))

    def attempts(self, shipment_id: str) -> list[Attempt]:
        a = tt.delivery_attempts.c
        rows = self.s.execute(
            select(a.shipment_id, a.route_id, a.reason, a.at)
            .where(a.shipment_id == shipment_id)
            .order_by(a.attempt_id)
        ).all()
        return [Attempt(r[0], r[1], r[2], r[3]) for r in rows]

    def add_attempt(self, attempt: Attempt) -> None:
        self.s.execute(
            insert(tt.delivery_attempts).values(
                shipment_id=attempt.shipment_id,
                route_id=attempt.route_id,
                reason=attempt.reason,
                at=attempt.at,
            )
        )

    def shipment_for_token(self, token: str) -> str | None:
        c = shipments.c
        row = self.s.execute(select(c.shipment_id).where(c.tracking_token == token)).first()
        return str(row[0]) if row else None

    def register_token(self, token: str, shipment_id: str) -> None:
        """Nothing to do: the token is a column of the shipment, written with it."""

    def add_disruption(self, disruption: Disruption) -> None:
        self.s.execute(
            insert(tt.disruptions).values(
                disruption_id=disruption.disruption_id,
                kind=disruption.kind.value,
                polygon=disruption.area.to_geojson(),
                factor=disruption.factor if math.isfinite(disruption.factor) else -1.0,
                starts_at=disruption.starts_at,
                ends_at=disruption.ends_at,
                note=disruption.note,
            )
        )

    def disruptions(self) -> list[Disruption]:
        rows = self.s.execute(select(tt.disruptions)).all()
        return [_disruption(r._mapping) for r in rows]


def _disruption(m: Any) -> Disruption:
    # A closure's infinite factor is stored as -1: JSON and some databases have no inf.
    factor = math.inf if m["factor"] < 0 else float(m["factor"])
    start: datetime = m["starts_at"]
    return Disruption(
        m["disruption_id"],
        DisruptionKind(m["kind"]),
        Area.from_geojson(m["polygon"]),
        factor,
        start,
        m["ends_at"],
        m["note"],
    )
