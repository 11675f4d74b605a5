"""Every table of lastmile's core, on one ``MetaData`` that other areas extend.

Adding tables from another area
-------------------------------
Put them in ``lastmile/adapters/db/tables_<area>.py`` on this module's ``metadata``::

    from lastmile.adapters.db.tables import metadata

    webhooks = Table("webhooks", metadata, Column("webhook_id", String(64), primary_key=True), ...)

``mapping.load_all_tables()`` imports every ``tables_*`` module of this package, so
Alembic and ``metadata.create_all`` see it. Then add an Alembic revision in
``lastmile/adapters/db/migrations/versions/`` whose ``down_revision`` is ``"0001_core"``
(or your area's previous revision). ``lastmile db upgrade`` upgrades to every head, so
areas do not need to chain their revisions after each other. The integration test
``test_migrations_create_exactly_the_tables_the_code_declares`` fails until the
revision matches the tables.

Naming: plural table names, ``<entity>_id`` string primary keys, timestamps through
``UTCDateTime`` (always timezone-aware UTC), JSON for small nested values.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    Interval,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.ext.mutable import MutableList

from lastmile.adapters.db.types import AddressJSON, ParcelItems, StringList, StringSet, UTCDateTime
from lastmile.domain import (
    DeliveryOption,
    MovementKind,
    OrderStatus,
    ProofMethod,
    StopStatus,
)

# Explicit constraint names keep migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

ID = 64

# References between aggregates are checked at commit, not per statement: the ORM does
# not order inserts of unrelated aggregates, and one transaction may add both sides.
_ACROSS: dict[str, Any] = {"deferrable": True, "initially": "DEFERRED"}


def str_enum(enum_cls: type[StrEnum]) -> Enum:
    """Return a portable VARCHAR column type that loads as ``enum_cls`` members."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )


warehouses = Table(
    "warehouses",
    metadata,
    Column("warehouse_id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("same_day_cutoff", Time, nullable=False),
    Column("next_day_cutoff", Time, nullable=False),
    Column("pick_capacity_per_hour", Integer, nullable=False),
    Column("handling_cost", Float, nullable=False),
)

skus = Table(
    "skus",
    metadata,
    Column("sku_id", String(ID), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("length_cm", Float, nullable=False),
    Column("width_cm", Float, nullable=False),
    Column("height_cm", Float, nullable=False),
    Column("weight_kg", Float, nullable=False),
    Column("unit_value", Float, nullable=False),
    Column("category", String(100), nullable=False),
)

stock_levels = Table(
    "stock_levels",
    metadata,
    Column("sku_id", String(ID), ForeignKey("skus.sku_id", **_ACROSS), primary_key=True),
    Column(
        "warehouse_id",
        String(ID),
        ForeignKey("warehouses.warehouse_id", **_ACROSS),
        primary_key=True,
    ),
    Column("on_hand", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    # Optimistic concurrency: every UPDATE checks the version it read.
    Column("version", Integer, nullable=False),
    CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    CheckConstraint("on_hand >= reserved", name="available_not_negative"),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    Column(
        "movement_id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("sku_id", String(ID), nullable=False),
    Column("warehouse_id", String(ID), nullable=False),
    Column("kind", str_enum(MovementKind), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("reference", String(200), nullable=False),
    Index("ix_stock_movements_sku_warehouse", "sku_id", "warehouse_id", "movement_id"),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", String(ID), primary_key=True),
    Column("client_id", String(ID), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("address", AddressJSON, nullable=False),
    Column("option", str_enum(DeliveryOption), nullable=False),
    Column("window_start", UTCDateTime, nullable=True),
    Column("window_end", UTCDateTime, nullable=True),
    Column("placed_at", UTCDateTime, nullable=False),
    Column("status", str_enum(OrderStatus), nullable=False),
    Column("status_reason", Text, nullable=False),
    UniqueConstraint("client_id", "external_id", name="uq_orders_client_external"),
    Index("ix_orders_status", "status"),
    # The order list pages newest first; this index serves its ORDER BY and LIMIT.
    Index("ix_orders_placed", "placed_at", "order_id"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column(
        "order_id", String(ID), ForeignKey("orders.order_id", ondelete="CASCADE"), primary_key=True
    ),
    Column("sku_id", String(ID), ForeignKey("skus.sku_id", **_ACROSS), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("quantity", Integer, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("client_id", String(ID), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

shipments = Table(
    "shipments",
    metadata,
    Column("shipment_id", String(ID), primary_key=True),
    Column(
        "warehouse_id", String(ID), ForeignKey("warehouses.warehouse_id", **_ACROSS), nullable=False
    ),
    Column("address", AddressJSON, nullable=False),
    Column("order_ids", MutableList.as_mutable(StringList()), nullable=False),
    Column("option", str_enum(DeliveryOption), nullable=False),
    Column("delivery_date", String(10), nullable=False),
    Column("window_start", UTCDateTime, nullable=True),
    Column("window_end", UTCDateTime, nullable=True),
    Column("proof_method", str_enum(ProofMethod), nullable=False),
    Column("tracking_token", String(200), nullable=False),
    Index("ix_shipments_date_warehouse", "delivery_date", "warehouse_id"),
)

parcels = Table(
    "parcels",
    metadata,
    Column(
        "shipment_id",
        String(ID),
        ForeignKey("shipments.shipment_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("parcel_id", String(ID), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("box_code", String(64), nullable=False),
    Column("items", ParcelItems, nullable=False),
    Column("weight_kg", Float, nullable=False),
    Column("volume_l", Float, nullable=False),
    Column("value", Float, nullable=False),
)

vehicles = Table(
    "vehicles",
    metadata,
    Column("vehicle_id", String(ID), primary_key=True),
    Column("depot_id", String(ID), nullable=False),
    Column("capacity_weight_kg", Float, nullable=False),
    Column("capacity_volume_l", Float, nullable=False),
    Column("capacity_parcels", Integer, nullable=False),
    Column("shift_start", UTCDateTime, nullable=False),
    Column("shift_end", UTCDateTime, nullable=False),
    Column("break_earliest", UTCDateTime, nullable=True),
    Column("break_latest", UTCDateTime, nullable=True),
    Column("break_duration", Interval, nullable=False),
    Column("cost_per_km", Float, nullable=False),
    Column("cost_per_hour", Float, nullable=False),
    Column("fixed_cost", Float, nullable=False),
    Column("co2_g_per_km", Float, nullable=False),
    Column("skills", StringSet, nullable=False),
    Column("end_depot_id", String(ID), nullable=True),
    Column("max_distance_km", Float, nullable=True),
)

routes = Table(
    "routes",
    metadata,
    Column("route_id", String(ID), primary_key=True),
    Column("vehicle_id", String(ID), nullable=False),
    Column("depot_id", String(ID), nullable=False),
    Column("distance_m", Float, nullable=False),
    Column("duration_s", Float, nullable=False),
    Column("cost", Float, nullable=False),
    Column("co2_kg", Float, nullable=False),
    Column("driver_id", String(ID), nullable=False),
    Index("ix_routes_vehicle", "vehicle_id"),
)

stops = Table(
    "stops",
    metadata,
    Column(
        "route_id", String(ID), ForeignKey("routes.route_id", ondelete="CASCADE"), primary_key=True
    ),
    Column("stop_id", String(ID), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("shipment_ids", MutableList.as_mutable(StringList()), nullable=False),
    Column("arrival", UTCDateTime, nullable=False),
    Column("departure", UTCDateTime, nullable=False),
    Column("waiting_s", Float, nullable=False),
    Column("load_kg", Float, nullable=False),
    Column("cost", Float, nullable=False),
    Column("status", str_enum(StopStatus), nullable=False),
)

# The transactional outbox: written with the change that produced the event, relayed later.
events = Table(
    "events",
    metadata,
    # seq orders events as they were stored; event_id is the id consumers deduplicate on.
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("event_id", String(ID), nullable=False, unique=True),
    Column("kind", String(100), nullable=False),
    Column("aggregate_id", String(ID), nullable=False),
    Column("data", JSON, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("relayed_at", UTCDateTime, nullable=True),
    Index("ix_events_unrelayed", "relayed_at", "seq"),
    Index("ix_events_aggregate", "aggregate_id"),
)
