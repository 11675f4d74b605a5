"""Delivery promise: the options really possible now for a cart and an address."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from lastmile.api.deps import CtxDep, Intake
from lastmile.api.errors import ERROR_RESPONSES
from lastmile.api.schemas.promise import PromiseQuery, PromiseRead
from lastmile.domain import Address, Geocode, GeocodeMethod, GeoPoint, InvalidValue, OrderLine
from lastmile.promise.model import Cart

router = APIRouter(prefix="/api/v1", tags=["promise"], responses=ERROR_RESPONSES)


@router.post("/promise")
async def promise(body: PromiseQuery, _: Intake, ctx: CtxDep) -> PromiseRead:
    """Same-day, next-day and slot options with ETA window and price, or why not."""
    if body.lat is not None and body.lon is not None:
        geocode: Geocode | None = Geocode(GeoPoint(body.lat, body.lon), 1.0, GeocodeMethod.PROVIDED)
    else:
        geocode = await run_in_threadpool(ctx.geocode, body.address) if ctx.geocode else None
    lines = [OrderLine(x.sku_id, x.quantity) for x in body.lines]
    # Warm caches answer on the event loop; only a database read goes to the thread pool
    # (a hop there waits behind the intake threads for the interpreter lock).
    weights = ctx.cached_sku_weights()
    if weights is None:
        weights = await run_in_threadpool(ctx.sku_weights)
    if any(line.sku_id not in weights for line in lines):
        # A SKU added since the last read.
        weights = await run_in_threadpool(ctx.sku_weights, 0.0)
    for i, line in enumerate(lines):
        if line.sku_id not in weights:
            raise InvalidValue(f"lines[{i}].sku_id", f"unknown sku {line.sku_id!r}")
    # As services.promise.cart_for, from the cached catalogue: a promise query must not
    # wait for the database behind order intake.
    weight = sum(weights[line.sku_id] * line.quantity for line in lines)
    cart = Cart(tuple(lines), Address(body.address, geocode=geocode), weight_kg=max(weight, 0.001))
    # A quote is well under a millisecond of CPU on the warm snapshot; rebuilding the
    # snapshot reads the database, so only that goes to the pool.
    desk = ctx.promise_desk()
    result = desk.try_quote(cart)
    if result is None:
        result = await run_in_threadpool(desk.quote, cart)
    return PromiseRead.of(result)
