"""Schemas of orders."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from lastmile.api.schemas.common import Id, Strict, WindowIn, WindowOut
from lastmile.domain import (
    Address,
    DeliveryOption,
    Geocode,
    GeocodeMethod,
    GeoPoint,
    Order,
    OrderLine,
    OrderStatus,
    TimeWindow,
)
from lastmile.services.orders import CreateOrder


class OrderLineIn(Strict):
    sku_id: Id
    quantity: int = Field(gt=0, le=10_000)


class OrderCreate(Strict):
    external_id: str = Field(min_length=1, max_length=200, description="the client's order id")
    customer_id: str = Field(min_length=1, max_length=64)
    address: str = Field(min_length=1, max_length=500, description="postal address as typed")
    lat: float | None = Field(default=None, ge=-90, le=90, description="if already known")
    lon: float | None = Field(default=None, ge=-180, le=180)
    lines: list[OrderLineIn] = Field(min_length=1, max_length=200)
    option: DeliveryOption = DeliveryOption.NEXT_DAY
    window: WindowIn | None = None

    def to_command(self, client_id: str) -> CreateOrder:
        geocode = (
            Geocode(GeoPoint(self.lat, self.lon), 1.0, GeocodeMethod.PROVIDED)
            if self.lat is not None and self.lon is not None
            else None
        )
        return CreateOrder(
            external_id=self.external_id,
            customer_id=self.customer_id,
            address=Address(self.address, geocode=geocode),
            lines=tuple(OrderLine(line.sku_id, line.quantity) for line in self.lines),
            option=self.option,
            window=TimeWindow(self.window.start, self.window.end) if self.window else None,
            client_id=client_id,
        )


class OrderLineRead(BaseModel):
    sku_id: str
    quantity: int


class OrderRead(BaseModel):
    order_id: str
    external_id: str
    customer_id: str
    address: str
    lat: float | None
    lon: float | None
    geocode_confidence: float
    geocode_method: str
    lines: list[OrderLineRead]
    option: DeliveryOption
    window: WindowOut | None
    placed_at: datetime
    status: OrderStatus
    status_reason: str

    @classmethod
    def of(cls, o: Order) -> OrderRead:
        point = o.address.point
        return cls(
            order_id=o.order_id,
            external_id=o.external_id,
            customer_id=o.customer_id,
            address=o.address.raw,
            lat=point.lat if point else None,
            lon=point.lon if point else None,
            geocode_confidence=o.address.confidence,
            geocode_method=o.address.geocode.method.value if o.address.geocode else "none",
            lines=[OrderLineRead(sku_id=x.sku_id, quantity=x.quantity) for x in o.lines],
            option=o.option,
            window=WindowOut(start=o.window.start, end=o.window.end) if o.window else None,
            placed_at=o.placed_at,
            status=o.status,
            status_reason=o.status_reason,
        )
