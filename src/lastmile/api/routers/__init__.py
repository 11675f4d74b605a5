"""One router per capability; ``ROUTERS`` is what ``create_app`` mounts."""

from __future__ import annotations

from fastapi import APIRouter

from lastmile.api.routers import (
    auth,
    catalog,
    delivery,
    disruptions,
    fulfillment,
    inventory,
    live,
    orders,
    pages,
    plans,
    promise,
    routes,
    stock,
    tracking,
    webhooks,
)

ROUTERS: list[APIRouter] = [
    pages.router,
    auth.router,
    catalog.router,
    routes.router,
    # Before orders: /orders/board must not be read as an order id.
    live.router,
    orders.router,
    stock.router,
    plans.router,
    promise.router,
    fulfillment.router,
    inventory.router,
    delivery.router,
    disruptions.router,
    tracking.router,
    webhooks.router,
]
