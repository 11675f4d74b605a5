"""Schemas of routes, stops, shipments and the dashboard's read models."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from lastmile.api.schemas.common import Strict, WindowOut
from lastmile.domain import DeliveryOption, ProofMethod, Route, Shipment, StopStatus
from lastmile.services.dashboard import Kpis, OrderBoard


class StopRead(BaseModel):
    stop_id: str
    sequence: int
    lat: float
    lon: float
    shipment_ids: list[str]
    arrival: datetime
    departure: datetime
    waiting_s: float
    load_kg: float
    status: StopStatus
    address: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    proof_method: ProofMethod | None = None


class RouteRead(BaseModel):
    route_id: str
    vehicle_id: str
    depot_id: str
    driver_id: str
    distance_m: float
    duration_s: float
    cost: float
    co2_kg: float
    stops: list[StopRead]

    @classmethod
    def of(cls, route: Route, shipments: dict[str, Shipment] | None = None) -> RouteRead:
        shipments = shipments or {}
        stops = []
        for i, s in enumerate(route.stops):
            first = next((shipments[x] for x in s.shipment_ids if x in shipments), None)
            stops.append(
                StopRead(
                    stop_id=s.stop_id,
                    sequence=i + 1,
                    lat=s.location.lat,
                    lon=s.location.lon,
                    shipment_ids=list(s.shipment_ids),
                    arrival=s.arrival,
                    departure=s.departure,
                    waiting_s=s.waiting_s,
                    load_kg=s.load_kg,
                    status=s.status,
                    address=first.address.raw if first else None,
                    window_start=first.window.start if first and first.window else None,
                    window_end=first.window.end if first and first.window else None,
                    proof_method=first.proof_method if first else None,
                )
            )
        return cls(
            route_id=route.route_id,
            vehicle_id=route.vehicle_id,
            depot_id=route.depot_id,
            driver_id=route.driver_id,
            distance_m=route.distance_m,
            duration_s=route.duration_s,
            cost=route.cost,
            co2_kg=route.co2_kg,
            stops=stops,
        )


class ShipmentRead(BaseModel):
    shipment_id: str
    warehouse_id: str
    address: str
    lat: float | None
    lon: float | None
    order_ids: list[str]
    option: DeliveryOption
    delivery_date: str
    window: WindowOut | None
    parcels: int
    weight_kg: float
    proof_method: ProofMethod

    @classmethod
    def of(cls, s: Shipment) -> ShipmentRead:
        point = s.address.point
        return cls(
            shipment_id=s.shipment_id,
            warehouse_id=s.warehouse_id,
            address=s.address.raw,
            lat=point.lat if point else None,
            lon=point.lon if point else None,
            order_ids=list(s.order_ids),
            option=s.option,
            delivery_date=s.delivery_date,
            window=WindowOut(start=s.window.start, end=s.window.end) if s.window else None,
            parcels=len(s.parcels),
            weight_kg=s.weight_kg,
            proof_method=s.proof_method,
        )


class DepartRead(BaseModel):
    route_id: str
    orders_out_for_delivery: list[str]


class PositionIn(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)


class PositionRead(BaseModel):
    vehicle_id: str
    route_id: str
    lat: float
    lon: float


class BoardExceptionRead(BaseModel):
    kind: str
    order_id: str
    order_external_id: str
    detail: str


class OrderBoardRead(BaseModel):
    counts: dict[str, int]
    exceptions: list[BoardExceptionRead]

    @classmethod
    def of(cls, board: OrderBoard) -> OrderBoardRead:
        return cls(
            counts=board.counts,
            exceptions=[
                BoardExceptionRead(
                    kind=x.kind,
                    order_id=x.order_id,
                    order_external_id=x.order_external_id,
                    detail=x.detail,
                )
                for x in board.exceptions
            ],
        )


class RouteKpiRead(BaseModel):
    route_id: str
    vehicle_id: str
    stops: int
    delivered: int
    distance_km: float


class KpisRead(BaseModel):
    orders_total: int
    orders_by_status: dict[str, int]
    delivered: int
    failed_attempts: int
    on_time_rate: float
    routes: int
    distance_km: float
    cost: float
    co2_kg: float
    stops_by_route: list[RouteKpiRead]

    @classmethod
    def of(cls, k: Kpis) -> KpisRead:
        return cls(
            orders_total=k.orders_total,
            orders_by_status=k.orders_by_status,
            delivered=k.delivered,
            failed_attempts=k.failed_attempts,
            on_time_rate=k.on_time_rate,
            routes=k.routes,
            distance_km=k.distance_km,
            cost=k.cost,
            co2_kg=k.co2_kg,
            stops_by_route=[
                RouteKpiRead(
                    route_id=r.route_id,
                    vehicle_id=r.vehicle_id,
                    stops=r.stops,
                    delivered=r.delivered,
                    distance_km=r.distance_km,
                )
                for r in k.stops_by_route
            ],
        )
