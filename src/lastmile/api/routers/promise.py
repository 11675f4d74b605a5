"""Delivery promise: the options really possible now for a cart and an address."""

from __future__ import annotations

from fastapi import APIRouter

from lastmile.api.deps import CtxDep, Intake, UowDep
from lastmile.api.errors import ERROR_RESPONSES
from lastmile.api.schemas.promise import PromiseQuery, PromiseRead
from lastmile.domain import Address, Geocode, GeocodeMethod, GeoPoint, OrderLine
from lastmile.services.promise import cart_for

router = APIRouter(prefix="/api/v1", tags=["promise"], responses=ERROR_RESPONSES)


@router.post("/promise")
def promise(body: PromiseQuery, _: Intake, uow: UowDep, ctx: CtxDep) -> PromiseRead:
    """Same-day, next-day and slot options with ETA window and price, or why not."""
    if body.lat is not None and body.lon is not None:
        geocode: Geocode | None = Geocode(GeoPoint(body.lat, body.lon), 1.0, GeocodeMethod.PROVIDED)
    else:
        geocode = ctx.geocode(body.address) if ctx.geocode else None
    cart = cart_for(
        uow=uow,
        lines=[OrderLine(x.sku_id, x.quantity) for x in body.lines],
        address=Address(body.address, geocode=geocode),
    )
    return PromiseRead.of(ctx.promise_desk().quote(cart))
