"""tracking: webhooks and deliveries, evidence chains, delivery PINs and attempts, disruptions

Revision ID: 0800_tracking
Revises: 0001_core
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lastmile.adapters.db.types

revision: str = "0800_tracking"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "disruptions",
    "delivery_attempts",
    "pin_codes",
    "evidence_heads",
    "evidence_records",
    "webhook_deliveries",
    "webhook_subscriptions",
)


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("subscription_id", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", lastmile.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("subscription_id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column(
            "delivery_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("subscription_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", lastmile.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column(
            "delivered_at", lastmile.adapters.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.PrimaryKeyConstraint("delivery_id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("subscription_id", "event_id", name="uq_webhook_deliveries_sub_event"),
    )
    op.create_table(
        "evidence_records",
        sa.Column("route_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("route_id", "seq", name=op.f("pk_evidence_records")),
    )
    op.create_table(
        "evidence_heads",
        sa.Column("route_id", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("route_id", name=op.f("pk_evidence_heads")),
    )
    op.create_table(
        "pin_codes",
        sa.Column("shipment_id", sa.String(length=64), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column(
            "last_attempt_at", lastmile.adapters.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("shipment_id", name=op.f("pk_pin_codes")),
    )
    op.create_table(
        "delivery_attempts",
        sa.Column(
            "attempt_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("shipment_id", sa.String(length=64), nullable=False),
        sa.Column("route_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("at", lastmile.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_delivery_attempts")),
    )
    op.create_table(
        "disruptions",
        sa.Column("disruption_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("polygon", sa.JSON(), nullable=False),
        sa.Column("factor", sa.Float(), nullable=False),
        sa.Column(
            "starts_at", lastmile.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("ends_at", lastmile.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("disruption_id", name=op.f("pk_disruptions")),
    )
    op.create_index(
        "ix_webhook_deliveries_due",
        "webhook_deliveries",
        ["status", "next_attempt_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_delivery_attempts_shipment_id"), "delivery_attempts", ["shipment_id"], unique=False
    )


def downgrade() -> None:
    # Dropping a table drops its indexes with it.
    for name in TABLES:
        op.drop_table(name)
