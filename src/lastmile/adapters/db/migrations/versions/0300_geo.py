"""geo: positions learned from confirmed deliveries

Revision ID: 0300_geo
Revises: 0001_core
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lastmile.adapters.db.types

revision: str = "0300_geo"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "geocode_corrections",
        sa.Column("building_key", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at", lastmile.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "deliveries >= 1", name=op.f("ck_geocode_corrections_deliveries_positive")
        ),
        sa.PrimaryKeyConstraint("building_key", name=op.f("pk_geocode_corrections")),
    )


def downgrade() -> None:
    op.drop_table("geocode_corrections")
