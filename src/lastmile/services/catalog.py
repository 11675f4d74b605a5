"""Master data and read models the API serves: warehouses, SKUs, vans, orders, routes.

Writes are whole transactions that commit; reads return domain objects (the API maps
them to its schemas). Lists are filtered, ordered and cut into pages by the repositories
(in SQL: ``WHERE``, ``ORDER BY``, ``LIMIT``/``OFFSET`` and a ``COUNT`` for the total), so a
page costs the same however long the table; the limits are clamped here so every list
answers the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from lastmile.domain import (
    OPEN_STOPS,
    Order,
    OrderStatus,
    Route,
    Shipment,
    Sku,
    StockLevel,
    StockMovement,
    Vehicle,
    Warehouse,
)
from lastmile.domain.errors import Conflict, NotFound
from lastmile.services.unit_of_work import UnitOfWork

T = TypeVar("T")

MAX_LIMIT = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and how many items match in all."""

    items: list[T]
    total: int
    limit: int
    offset: int


def clamp(*, limit: int, offset: int) -> tuple[int, int]:
    """Return ``limit`` within 1..MAX_LIMIT and ``offset`` at least 0."""
    return max(1, min(limit, MAX_LIMIT)), max(0, offset)


def paginate(items: Sequence[T], *, limit: int, offset: int) -> Page[T]:
    """Cut one page out of ``items`` (already filtered and ordered)."""
    limit, offset = clamp(limit=limit, offset=offset)
    return Page(list(items[offset : offset + limit]), len(items), limit, offset)


# -- warehouses, SKUs, vans -----------------------------------------------------------
def add_warehouse(*, uow: UnitOfWork, warehouse: Warehouse) -> Warehouse:
    """Store a new warehouse; an existing id is a conflict."""
    with uow:
        if uow.warehouses.get(warehouse.warehouse_id) is not None:
            raise Conflict(f"warehouse {warehouse.warehouse_id!r} already exists")
        uow.warehouses.add(warehouse)
        uow.commit()
    return warehouse


def get_warehouse(*, uow: UnitOfWork, warehouse_id: str) -> Warehouse:
    """Return one warehouse or raise NotFound."""
    with uow:
        found = uow.warehouses.get(warehouse_id)
    if found is None:
        raise NotFound("warehouse", warehouse_id)
    return found


def list_warehouses(*, uow: UnitOfWork, limit: int = 50, offset: int = 0) -> Page[Warehouse]:
    """List warehouses by id."""
    limit, offset = clamp(limit=limit, offset=offset)
    with uow:
        items, total = uow.warehouses.page(limit=limit, offset=offset)
    return Page(items, total, limit, offset)


def add_sku(*, uow: UnitOfWork, sku: Sku) -> Sku:
    """Store a new SKU; an existing id is a conflict."""
    with uow:
        if uow.skus.get(sku.sku_id) is not None:
            raise Conflict(f"sku {sku.sku_id!r} already exists")
        uow.skus.add(sku)
        uow.commit()
    return sku


def get_sku(*, uow: UnitOfWork, sku_id: str) -> Sku:
    """Return one SKU or raise NotFound."""
    with uow:
        found = uow.skus.get(sku_id)
    if found is None:
        raise NotFound("sku", sku_id)
    return found


def list_skus(
    *, uow: UnitOfWork, category: str | None = None, limit: int = 50, offset: int = 0
) -> Page[Sku]:
    """List SKUs by id, optionally of one category."""
    limit, offset = clamp(limit=limit, offset=offset)
    with uow:
        items, total = uow.skus.page(category=category, limit=limit, offset=offset)
    return Page(items, total, limit, offset)


def add_vehicle(*, uow: UnitOfWork, vehicle: Vehicle) -> Vehicle:
    """Store a new van; its depot must be a known warehouse."""
    with uow:
        if uow.warehouses.get(vehicle.depot_id) is None:
            raise NotFound("warehouse", vehicle.depot_id)
        if uow.vehicles.get(vehicle.vehicle_id) is not None:
            raise Conflict(f"vehicle {vehicle.vehicle_id!r} already exists")
        uow.vehicles.add(vehicle)
        uow.commit()
    return vehicle


def get_vehicle(*, uow: UnitOfWork, vehicle_id: str) -> Vehicle:
    """Return one van or raise NotFound."""
    with uow:
        found = uow.vehicles.get(vehicle_id)
    if found is None:
        raise NotFound("vehicle", vehicle_id)
    return found


def list_vehicles(
    *, uow: UnitOfWork, depot_id: str | None = None, limit: int = 50, offset: int = 0
) -> Page[Vehicle]:
    """List vans by id, optionally of one depot."""
    limit, offset = clamp(limit=limit, offset=offset)
    with uow:
        items, total = uow.vehicles.page(depot_id=depot_id, limit=limit, offset=offset)
    return Page(items, total, limit, offset)


# -- stock -------------------------------------------------------------------------------
def list_stock(
    *,
    uow: UnitOfWork,
    warehouse_id: str | None = None,
    sku_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[StockLevel]:
    """List stock levels by warehouse then SKU, filtered by warehouse and/or SKU."""
    limit, offset = clamp(limit=limit, offset=offset)
    with uow:
        items, total = uow.stock.page(
            warehouse_id=warehouse_id, sku_id=sku_id, limit=limit, offset=offset
        )
    return Page(items, total, limit, offset)


def stock_ledger(
    *, uow: UnitOfWork, sku_id: str, warehouse_id: str, limit: int = 50, offset: int = 0
) -> Page[StockMovement]:
    """Return the ledger of one SKU at one warehouse, oldest first."""
    limit, offset = clamp(limit=limit, offset=offset)
    with uow:
        if uow.stock.get(sku_id, warehouse_id) is None:
            raise NotFound("stock level", f"{sku_id}@{warehouse_id}")
        items, total = uow.stock.movement_page(sku_id, warehouse_id, limit=limit, offset=offset)
    return Page(items, total, limit, offset)


# -- orders, shipments, routes -------------------------------------------------------
def get_order(*, uow: UnitOfWork, order_id: str) -> Order:
    """Return one order or raise NotFound."""
    with uow:
        found = uow.orders.get(order_id)
    if found is None:
        raise NotFound("order", order_id)
    return found


def list_orders(
    *,
    uow: UnitOfWork,
    status: OrderStatus | None = None,
    customer_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Order]:
    """List orders, newest first, filtered by status and/or customer."""
    limit, offset = clamp(limit=limit, offset=offset)
    with uow:
        items, total = uow.orders.page(
            status=status, customer_id=customer_id, limit=limit, offset=offset
        )
    return Page(items, total, limit, offset)


def get_shipment(*, uow: UnitOfWork, shipment_id: str) -> Shipment:
    """Return one shipment or raise NotFound."""
    with uow:
        found = uow.shipments.get(shipment_id)
    if found is None:
        raise NotFound("shipment", shipment_id)
    return found


def list_shipments(
    *,
    uow: UnitOfWork,
    warehouse_id: str | None = None,
    delivery_date: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Shipment]:
    """List shipments by id, filtered by warehouse and/or delivery date."""
    limit, offset = clamp(limit=limit, offset=offset)
    with uow:
        items, total = uow.shipments.page(
            warehouse_id=warehouse_id, delivery_date=delivery_date, limit=limit, offset=offset
        )
    return Page(items, total, limit, offset)


def get_route(*, uow: UnitOfWork, route_id: str) -> Route:
    """Return one route or raise NotFound."""
    with uow:
        found = uow.routes.get(route_id)
    if found is None:
        raise NotFound("route", route_id)
    return found


def list_routes(
    *,
    uow: UnitOfWork,
    vehicle_id: str | None = None,
    driver_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Route]:
    """List routes by id, filtered by van and/or driver."""
    limit, offset = clamp(limit=limit, offset=offset)
    with uow:
        items, total = uow.routes.page(
            vehicle_id=vehicle_id, driver_id=driver_id, limit=limit, offset=offset
        )
    return Page(items, total, limit, offset)


def route_of_driver(*, uow: UnitOfWork, driver_id: str) -> Route:
    """Return the driver's route (the one with stops still to visit first)."""
    with uow:
        live = [
            r
            for r in uow.routes.list(driver_id=driver_id, open_only=True)
            if any(s.status in OPEN_STOPS for s in r.stops)
        ]
        # The driver's finished days are read only when nothing is left to do.
        mine = live or uow.routes.list(driver_id=driver_id)
    if not mine:
        raise NotFound("route for driver", driver_id)
    return mine[0]


def shipments_by_id(*, uow: UnitOfWork, shipment_ids: Sequence[str]) -> dict[str, Shipment]:
    """Return the named shipments that exist, by id."""
    with uow:
        return uow.shipments.get_many(shipment_ids)


def sku_weights(*, uow: UnitOfWork) -> dict[str, float]:
    """Return every SKU's unit weight in kg, by id (for pricing carts without a query)."""
    with uow:
        return {s.sku_id: s.weight_kg for s in uow.skus.list()}
