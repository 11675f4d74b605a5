"""Tables of delivery promise, tracking and proof of delivery, on the core ``metadata``.

- ``webhook_subscriptions`` / ``webhook_deliveries``: who wants which events, and one row
  per (subscription, event) with its attempts; ``status = 'dead'`` is the dead-letter list.
- ``evidence_records`` / ``evidence_heads``: proof-of-delivery records hash-chained per
  route, and the last hash and count of each chain (so deleting the newest is detected).
- ``pin_codes``: one-time delivery PINs (salted hash only) with their failed attempts.
- ``delivery_attempts``: failed delivery attempts with their reason code.
- ``disruptions``: road closures, slowdown areas and weather posted by operations.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from lastmile.adapters.db.tables import ID, metadata
from lastmile.adapters.db.types import UTCDateTime

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("subscription_id", String(ID), primary_key=True),
    Column("url", String(2000), nullable=False),
    Column("secret", String(200), nullable=False),
    # Event kinds or prefixes ("order.", "*") this endpoint receives.
    Column("kinds", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column(
        "delivery_id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("subscription_id", String(ID), nullable=False),
    Column("event_id", String(ID), nullable=False),
    Column("kind", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", String(500), nullable=False),
    Column("delivered_at", UTCDateTime, nullable=True),
    # One delivery per endpoint and event, however often the relay re-reads the outbox.
    UniqueConstraint("subscription_id", "event_id", name="uq_webhook_deliveries_sub_event"),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
)

evidence_records = Table(
    "evidence_records",
    metadata,
    Column("route_id", String(ID), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("body", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

evidence_heads = Table(
    "evidence_heads",
    metadata,
    Column("route_id", String(ID), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

pin_codes = Table(
    "pin_codes",
    metadata,
    Column("shipment_id", String(ID), primary_key=True),
    Column("salt", String(64), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("last_attempt_at", UTCDateTime, nullable=True),
    Column("locked", Boolean, nullable=False),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column(
        "attempt_id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("shipment_id", String(ID), nullable=False, index=True),
    Column("route_id", String(ID), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

disruptions = Table(
    "disruptions",
    metadata,
    Column("disruption_id", String(ID), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("polygon", JSON, nullable=False),
    Column("factor", Float, nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=True),
    Column("note", String(500), nullable=False),
)
