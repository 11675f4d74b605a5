"""Schemas of warehouses, SKUs, vans and stock."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from lastmile.api.schemas.common import Id, Strict
from lastmile.domain import (
    Capacity,
    Dimensions,
    GeoPoint,
    MovementKind,
    Shift,
    Sku,
    StockLevel,
    StockMovement,
    Vehicle,
    Warehouse,
)


class WarehouseCreate(Strict):
    warehouse_id: Id
    name: str = Field(min_length=1, max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    same_day_cutoff: time = Field(default=time(12, 0), description="local time, no offset")
    next_day_cutoff: time = Field(default=time(22, 0), description="local time, no offset")
    pick_capacity_per_hour: int = Field(default=500, gt=0, le=1_000_000)
    handling_cost: float = Field(default=0.0, ge=0, le=1e6)

    @field_validator("same_day_cutoff", "next_day_cutoff")
    @classmethod
    def _local(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("must be a local time without a UTC offset, e.g. 12:00")
        return value

    def to_domain(self) -> Warehouse:
        location = (
            GeoPoint(self.lat, self.lon) if self.lat is not None and self.lon is not None else None
        )
        return Warehouse(
            warehouse_id=self.warehouse_id,
            name=self.name,
            location=location,
            same_day_cutoff=self.same_day_cutoff,
            next_day_cutoff=self.next_day_cutoff,
            pick_capacity_per_hour=self.pick_capacity_per_hour,
            handling_cost=self.handling_cost,
        )


# Local wall-clock times: JSON Schema's "time" format would demand a UTC offset.
LocalTime = Annotated[str, Field(pattern=r"^\d{2}:\d{2}:\d{2}$", examples=["12:00:00"])]


class WarehouseRead(BaseModel):
    warehouse_id: str
    name: str
    lat: float | None
    lon: float | None
    same_day_cutoff: LocalTime
    next_day_cutoff: LocalTime
    pick_capacity_per_hour: int
    handling_cost: float

    @classmethod
    def of(cls, w: Warehouse) -> WarehouseRead:
        return cls(
            warehouse_id=w.warehouse_id,
            name=w.name,
            lat=w.location.lat if w.location else None,
            lon=w.location.lon if w.location else None,
            same_day_cutoff=w.same_day_cutoff.strftime("%H:%M:%S"),
            next_day_cutoff=w.next_day_cutoff.strftime("%H:%M:%S"),
            pick_capacity_per_hour=w.pick_capacity_per_hour,
            handling_cost=w.handling_cost,
        )


class SkuCreate(Strict):
    sku_id: Id
    name: str = Field(min_length=1, max_length=300)
    length_cm: float = Field(gt=0, le=10_000)
    width_cm: float = Field(gt=0, le=10_000)
    height_cm: float = Field(gt=0, le=10_000)
    weight_kg: float = Field(gt=0, le=100_000)
    unit_value: float = Field(default=0.0, ge=0, le=1e9)
    category: str = Field(default="general", min_length=1, max_length=100)

    def to_domain(self) -> Sku:
        return Sku(
            sku_id=self.sku_id,
            name=self.name,
            dimensions=Dimensions(self.length_cm, self.width_cm, self.height_cm),
            weight_kg=self.weight_kg,
            unit_value=self.unit_value,
            category=self.category,
        )


class SkuRead(BaseModel):
    sku_id: str
    name: str
    length_cm: float
    width_cm: float
    height_cm: float
    weight_kg: float
    unit_value: float
    category: str

    @classmethod
    def of(cls, s: Sku) -> SkuRead:
        d = s.dimensions
        return cls(
            sku_id=s.sku_id,
            name=s.name,
            length_cm=d.length_cm,
            width_cm=d.width_cm,
            height_cm=d.height_cm,
            weight_kg=s.weight_kg,
            unit_value=s.unit_value,
            category=s.category,
        )


class VehicleCreate(Strict):
    vehicle_id: Id
    depot_id: Id
    capacity_weight_kg: float = Field(gt=0, le=100_000)
    capacity_volume_l: float = Field(gt=0, le=1_000_000)
    capacity_parcels: int = Field(gt=0, le=100_000)
    shift_start: datetime
    shift_end: datetime
    break_earliest: datetime | None = None
    break_latest: datetime | None = None
    break_minutes: float = Field(default=0, ge=0, le=600)
    cost_per_km: float = Field(default=0.35, ge=0, le=1e4)
    cost_per_hour: float = Field(default=25.0, ge=0, le=1e5)
    fixed_cost: float = Field(default=50.0, ge=0, le=1e6)
    co2_g_per_km: float = Field(default=180.0, ge=0, le=1e5)
    skills: list[str] = Field(default_factory=list, max_length=20)
    end_depot_id: Id | None = None
    max_distance_km: float | None = Field(default=None, gt=0, le=10_000)

    def to_domain(self) -> Vehicle:
        return Vehicle(
            vehicle_id=self.vehicle_id,
            depot_id=self.depot_id,
            capacity=Capacity(
                self.capacity_weight_kg, self.capacity_volume_l, self.capacity_parcels
            ),
            shift=Shift(
                self.shift_start,
                self.shift_end,
                self.break_earliest,
                self.break_latest,
                timedelta(minutes=self.break_minutes),
            ),
            cost_per_km=self.cost_per_km,
            cost_per_hour=self.cost_per_hour,
            fixed_cost=self.fixed_cost,
            co2_g_per_km=self.co2_g_per_km,
            skills=frozenset(self.skills),
            end_depot_id=self.end_depot_id,
            max_distance_km=self.max_distance_km,
        )


class VehicleRead(BaseModel):
    vehicle_id: str
    depot_id: str
    capacity_weight_kg: float
    capacity_volume_l: float
    capacity_parcels: int
    shift_start: datetime
    shift_end: datetime
    cost_per_km: float
    cost_per_hour: float
    fixed_cost: float
    co2_g_per_km: float
    skills: list[str]

    @classmethod
    def of(cls, v: Vehicle) -> VehicleRead:
        return cls(
            vehicle_id=v.vehicle_id,
            depot_id=v.depot_id,
            capacity_weight_kg=v.capacity.weight_kg,
            capacity_volume_l=v.capacity.volume_l,
            capacity_parcels=v.capacity.parcels,
            shift_start=v.shift.start,
            shift_end=v.shift.end,
            cost_per_km=v.cost_per_km,
            cost_per_hour=v.cost_per_hour,
            fixed_cost=v.fixed_cost,
            co2_g_per_km=v.co2_g_per_km,
            skills=sorted(v.skills),
        )


class StockRead(BaseModel):
    sku_id: str
    warehouse_id: str
    on_hand: int
    reserved: int
    available: int
    version: int

    @classmethod
    def of(cls, s: StockLevel) -> StockRead:
        return cls(
            sku_id=s.sku_id,
            warehouse_id=s.warehouse_id,
            on_hand=s.on_hand,
            reserved=s.reserved,
            available=s.available,
            version=s.version,
        )


class MovementRead(BaseModel):
    sku_id: str
    warehouse_id: str
    kind: MovementKind
    quantity: int
    at: datetime
    reference: str

    @classmethod
    def of(cls, m: StockMovement) -> MovementRead:
        return cls(
            sku_id=m.sku_id,
            warehouse_id=m.warehouse_id,
            kind=m.kind,
            quantity=m.quantity,
            at=m.at,
            reference=m.reference,
        )


class StockMove(Strict):
    """A stock movement requested through the API."""

    kind: MovementKind
    quantity: int = Field(ge=-1_000_000, le=1_000_000)
    reference: str = Field(default="", max_length=200)
    to_warehouse_id: Id | None = Field(default=None, description="destination of a transfer_out")
