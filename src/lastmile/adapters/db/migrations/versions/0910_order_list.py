"""orders: an index for the order list, paged newest first in the database

Revision ID: 0910_order_list
Revises: 0001_core
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0910_order_list"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_orders_placed", "orders", ["placed_at", "order_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_orders_placed", table_name="orders")
