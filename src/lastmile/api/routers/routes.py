"""Routes and stops; a driver sees and acts only on their own route."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter

from lastmile.api.deps import CtxDep, DriverOnly, Fleet, Limit, Offset, Staff, UowDep
from lastmile.api.errors import ERROR_RESPONSES
from lastmile.api.schemas.common import PageOut
from lastmile.api.schemas.routes import (
    DepartRead,
    PositionIn,
    PositionRead,
    RouteRead,
    ShipmentRead,
)
from lastmile.api.security import check_driver_scope
from lastmile.domain import Route
from lastmile.services import catalog
from lastmile.services.dispatch import depart_route

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)


def _with_shipments(uow: UowDep, route: Route) -> RouteRead:
    ids = [sid for stop in route.stops for sid in stop.shipment_ids]
    return RouteRead.of(route, catalog.shipments_by_id(uow=uow, shipment_ids=ids))


@router.get("/routes", tags=["routes"])
def list_routes(
    _: Staff,
    uow: UowDep,
    vehicle_id: str | None = None,
    driver_id: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[RouteRead]:
    """List planned routes with their stops."""
    page = catalog.list_routes(
        uow=uow, vehicle_id=vehicle_id, driver_id=driver_id, limit=limit, offset=offset
    )
    return PageOut[RouteRead].of(page, RouteRead.of)


@router.get("/routes/{route_id}", tags=["routes"])
def get_route(route_id: str, principal: Fleet, uow: UowDep) -> RouteRead:
    """Show one route; a driver only their own."""
    route = catalog.get_route(uow=uow, route_id=route_id)
    check_driver_scope(principal, route.driver_id)
    return _with_shipments(uow, route)


@router.post("/routes/{route_id}/depart", tags=["routes"])
def depart(route_id: str, principal: Fleet, uow: UowDep, ctx: CtxDep) -> DepartRead:
    """The van leaves the depot: the route's packed orders go out for delivery."""
    route = catalog.get_route(uow=uow, route_id=route_id)
    check_driver_scope(principal, route.driver_id)
    moved = depart_route(uow=uow, route_id=route_id, at=datetime.now(UTC))
    ctx.live.publish("route.departed", {"route_id": route_id, "vehicle_id": route.vehicle_id})
    return DepartRead(route_id=route_id, orders_out_for_delivery=moved)


@router.get("/drivers/me/route", tags=["routes"])
def my_route(principal: DriverOnly, uow: UowDep) -> RouteRead:
    """The calling driver's route for today, stops in order."""
    route = catalog.route_of_driver(uow=uow, driver_id=principal.driver_id or "")
    return _with_shipments(uow, route)


@router.post("/drivers/me/position", tags=["routes"])
def report_position(
    body: PositionIn, principal: DriverOnly, uow: UowDep, ctx: CtxDep
) -> PositionRead:
    """Report the van's position; the dashboard's map moves it live."""
    route = catalog.route_of_driver(uow=uow, driver_id=principal.driver_id or "")
    ctx.live.publish(
        "van.position",
        {
            "vehicle_id": route.vehicle_id,
            "route_id": route.route_id,
            "lat": body.lat,
            "lon": body.lon,
            "accuracy_m": body.accuracy_m,
        },
    )
    return PositionRead(
        vehicle_id=route.vehicle_id, route_id=route.route_id, lat=body.lat, lon=body.lon
    )


@router.get("/shipments", tags=["shipments"])
def list_shipments(
    _: Staff,
    uow: UowDep,
    warehouse_id: str | None = None,
    delivery_date: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[ShipmentRead]:
    """List shipments, filtered by warehouse and delivery date."""
    page = catalog.list_shipments(
        uow=uow,
        warehouse_id=warehouse_id,
        delivery_date=delivery_date,
        limit=limit,
        offset=offset,
    )
    return PageOut[ShipmentRead].of(page, ShipmentRead.of)


@router.get("/shipments/{shipment_id}", tags=["shipments"])
def get_shipment(shipment_id: str, _: Staff, uow: UowDep) -> ShipmentRead:
    """Show one shipment."""
    return ShipmentRead.of(catalog.get_shipment(uow=uow, shipment_id=shipment_id))
