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

# Matching walks the routers in order, so the hot paths (promise, order intake) come
# early; their paths overlap no router moved behind them.
ROUTERS: list[APIRouter] = [
    pages.router,
    auth.router,
    promise.router,
    # Before orders: /orders/board must not be read as an order id.
    live.router,
    orders.router,
    catalog.router,
    routes.router,
    stock.router,
    plans.router,
    fulfillment.router,
    inventory.router,
    delivery.router,
    disruptions.router,
    tracking.router,
    webhooks.router,
]
