"""One router per capability; ``ROUTERS`` is what ``create_app`` mounts."""

from __future__ import annotations

from fastapi import APIRouter

from lastmile.api.routers import auth, catalog, live, pages, routes

ROUTERS: list[APIRouter] = [
    pages.router,
    auth.router,
    catalog.router,
    routes.router,
    live.router,
]
