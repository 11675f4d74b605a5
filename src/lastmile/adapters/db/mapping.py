"""Imperative mapping of the domain classes onto the tables (SQLAlchemy 2 ``registry``).

The domain stays free of SQLAlchemy: ``start_mappers()`` instruments its classes at run
time, once per process, from the composition root. Value objects are composites of
columns (GeoPoint, TimeWindow, Dimensions, Capacity, Shift) or JSON (Address).
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, composite, registry, relationship

from lastmile.adapters.db import tables as t
from lastmile.domain import (
    Capacity,
    Dimensions,
    GeoPoint,
    Order,
    OrderLine,
    Parcel,
    Route,
    Shift,
    Shipment,
    Sku,
    StockLevel,
    Stop,
    TimeWindow,
    Vehicle,
    Warehouse,
)

mapper_registry = registry(metadata=t.metadata)
_lock = threading.Lock()
_started = False


def _all_none(*values: Any) -> bool:
    return all(v is None for v in values)


def load_all_tables() -> None:
    """Import every ``tables_<area>`` module so the shared metadata knows all tables."""
    import importlib
    import pkgutil

    import lastmile.adapters.db as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("tables_"):
            importlib.import_module(f"{package.__name__}.{info.name}")


def _reset_transient_fields(*names_and_factories: tuple[str, type]) -> Any:
    # Loading bypasses __init__, so fields that are not columns (pending movements,
    # unsaved events) would be missing; give them their empty default.
    def on_load(target: Any, _context: Any) -> None:
        for name, factory in names_and_factories:
            target.__dict__[name] = factory()

    return on_load


# Ordered child collections and the attribute holding them.
_ORDERED = {Order: "lines", Shipment: "parcels", Route: "stops"}


def renumber_positions(session: Session, _context: Any = None, _instances: Any = None) -> None:
    """Store each child's index in its list as ``position`` (new and changed parents).

    Runs before every flush rather than on list events, so any way of reordering a list
    (assigning a new one, ``insert``) is saved; the unit of work also calls
    ``renumber_all`` at commit for in-place reorders that leave nothing dirty.
    """
    _renumber([*session.new, *session.dirty])


def renumber_all(session: Session) -> None:
    """Renumber every ordered collection the session holds."""
    _renumber([*session.identity_map.values(), *session.new])


def _renumber(objects: list[Any]) -> None:
    for obj in objects:
        attribute = _ORDERED.get(type(obj))
        if attribute is None:
            continue
        for index, child in enumerate(getattr(obj, attribute)):
            if getattr(child, "position", None) != index:
                child.position = index


def start_mappers() -> None:
    """Map the domain classes; safe to call many times and from many threads."""
    global _started
    with _lock:
        if _started:
            return
        load_all_tables()
        reg = mapper_registry
        reg.map_imperatively(
            Warehouse,
            t.warehouses,
            properties={
                "location": composite(
                    GeoPoint, t.warehouses.c.lat, t.warehouses.c.lon, return_none_on=_all_none
                ),
            },
        )
        reg.map_imperatively(
            Sku,
            t.skus,
            properties={
                "dimensions": composite(
                    Dimensions, t.skus.c.length_cm, t.skus.c.width_cm, t.skus.c.height_cm
                ),
            },
        )
        reg.map_imperatively(
            StockLevel,
            t.stock_levels,
            version_id_col=t.stock_levels.c.version,
            # The domain bumps ``version`` itself; the UPDATE still checks the old value.
            version_id_generator=False,
        )
        reg.map_imperatively(OrderLine, t.order_lines)
        reg.map_imperatively(
            Order,
            t.orders,
            properties={
                "lines": relationship(
                    OrderLine,
                    order_by=t.order_lines.c.position,
                    cascade="all, delete-orphan",
                    lazy="selectin",
                ),
                "window": composite(
                    TimeWindow,
                    t.orders.c.window_start,
                    t.orders.c.window_end,
                    return_none_on=_all_none,
                ),
            },
        )
        reg.map_imperatively(Parcel, t.parcels)
        reg.map_imperatively(
            Shipment,
            t.shipments,
            properties={
                "parcels": relationship(
                    Parcel,
                    order_by=t.parcels.c.position,
                    cascade="all, delete-orphan",
                    lazy="selectin",
                ),
                "window": composite(
                    TimeWindow,
                    t.shipments.c.window_start,
                    t.shipments.c.window_end,
                    return_none_on=_all_none,
                ),
            },
        )
        v = t.vehicles.c
        reg.map_imperatively(
            Vehicle,
            t.vehicles,
            properties={
                "capacity": composite(
                    Capacity, v.capacity_weight_kg, v.capacity_volume_l, v.capacity_parcels
                ),
                "shift": composite(
                    Shift,
                    v.shift_start,
                    v.shift_end,
                    v.break_earliest,
                    v.break_latest,
                    v.break_duration,
                ),
            },
        )
        reg.map_imperatively(
            Stop,
            t.stops,
            properties={"location": composite(GeoPoint, t.stops.c.lat, t.stops.c.lon)},
        )
        reg.map_imperatively(
            Route,
            t.routes,
            properties={
                "stops": relationship(
                    Stop,
                    order_by=t.stops.c.position,
                    cascade="all, delete-orphan",
                    lazy="selectin",
                ),
            },
        )
        event.listen(Order, "load", _reset_transient_fields(("events", list)))
        event.listen(StockLevel, "load", _reset_transient_fields(("pending", list)))
        _started = True
