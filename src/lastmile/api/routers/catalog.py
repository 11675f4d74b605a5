"""Warehouses, SKUs and the fleet."""

from __future__ import annotations

from fastapi import APIRouter

from lastmile.api.deps import Limit, Offset, Operations, Staff, StaffOrWarehouse, UowDep
from lastmile.api.errors import ERROR_RESPONSES
from lastmile.api.schemas.catalog import (
    SkuCreate,
    SkuRead,
    VehicleCreate,
    VehicleRead,
    WarehouseCreate,
    WarehouseRead,
)
from lastmile.api.schemas.common import PageOut
from lastmile.services import catalog

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)


@router.post("/warehouses", status_code=201, tags=["warehouses"])
def create_warehouse(body: WarehouseCreate, _: Staff, uow: UowDep) -> WarehouseRead:
    """Add a warehouse."""
    return WarehouseRead.of(catalog.add_warehouse(uow=uow, warehouse=body.to_domain()))


@router.get("/warehouses", tags=["warehouses"])
def list_warehouses(
    _: Operations, uow: UowDep, limit: Limit = 50, offset: Offset = 0
) -> PageOut[WarehouseRead]:
    """List warehouses."""
    page = catalog.list_warehouses(uow=uow, limit=limit, offset=offset)
    return PageOut[WarehouseRead].of(page, WarehouseRead.of)


@router.get("/warehouses/{warehouse_id}", tags=["warehouses"])
def get_warehouse(warehouse_id: str, _: Operations, uow: UowDep) -> WarehouseRead:
    """Show one warehouse."""
    return WarehouseRead.of(catalog.get_warehouse(uow=uow, warehouse_id=warehouse_id))


@router.post("/skus", status_code=201, tags=["skus"])
def create_sku(body: SkuCreate, _: StaffOrWarehouse, uow: UowDep) -> SkuRead:
    """Add a SKU."""
    return SkuRead.of(catalog.add_sku(uow=uow, sku=body.to_domain()))


@router.get("/skus", tags=["skus"])
def list_skus(
    _: Operations,
    uow: UowDep,
    category: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[SkuRead]:
    """List SKUs, optionally of one category."""
    page = catalog.list_skus(uow=uow, category=category, limit=limit, offset=offset)
    return PageOut[SkuRead].of(page, SkuRead.of)


@router.get("/skus/{sku_id}", tags=["skus"])
def get_sku(sku_id: str, _: Operations, uow: UowDep) -> SkuRead:
    """Show one SKU."""
    return SkuRead.of(catalog.get_sku(uow=uow, sku_id=sku_id))


@router.post("/vehicles", status_code=201, tags=["fleet"])
def create_vehicle(body: VehicleCreate, _: Staff, uow: UowDep) -> VehicleRead:
    """Add a van to the fleet."""
    return VehicleRead.of(catalog.add_vehicle(uow=uow, vehicle=body.to_domain()))


@router.get("/vehicles", tags=["fleet"])
def list_vehicles(
    _: Staff, uow: UowDep, depot_id: str | None = None, limit: Limit = 50, offset: Offset = 0
) -> PageOut[VehicleRead]:
    """List vans, optionally of one depot."""
    page = catalog.list_vehicles(uow=uow, depot_id=depot_id, limit=limit, offset=offset)
    return PageOut[VehicleRead].of(page, VehicleRead.of)


@router.get("/vehicles/{vehicle_id}", tags=["fleet"])
def get_vehicle(vehicle_id: str, _: Staff, uow: UowDep) -> VehicleRead:
    """Show one van."""
    return VehicleRead.of(catalog.get_vehicle(uow=uow, vehicle_id=vehicle_id))
