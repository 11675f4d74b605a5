"""The FastAPI application factory: nothing is built at import time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from lastmile.api.errors import install_error_handlers
from lastmile.api.limits import BodySizeLimit
from lastmile.api.live import LiveHub
from lastmile.config import Settings, get_settings
from lastmile.services.auth import AuthService, AuthStore, InMemoryAuthStore
from lastmile.services.intake import GeocodeFn
from lastmile.services.unit_of_work import UnitOfWork

HERE = Path(__file__).resolve().parent


@dataclass
class ApiContext:
    """What the routers need, wired once per app (the app's composition root)."""

    settings: Settings
    uow_factory: Callable[[], UnitOfWork]
    auth: AuthService
    live: LiveHub
    templates: Jinja2Templates
    geocode: GeocodeFn | None = None
    cache: dict[str, Any] = field(default_factory=dict)


def create_app(
    settings: Settings | None = None,
    uow_factory: Callable[[], UnitOfWork] | None = None,
    *,
    auth_store: AuthStore | None = None,
    geocode: GeocodeFn | None = None,
) -> FastAPI:
    """Build the API, dashboard, driver and tracking pages.

    Parameters
    ----------
    settings
        Runtime settings; ``get_settings()`` when omitted.
    uow_factory
        Makes a unit of work per request. When omitted, an engine is built from
        ``settings.database_url`` and keys, users and sessions are kept in its database.
    auth_store
        Where credentials live; in memory when a ``uow_factory`` is given without one
        (tests on fakes), in the database otherwise.
    geocode
        Places an order's address. When omitted: the offline geocoder of
        ``settings.osm_path`` (loaded on first use) with a database, none on fakes.
    """
    settings = settings or get_settings()
    if uow_factory is None:
        from lastmile.api.wiring import database_wiring, offline_geocoder

        uow_factory, db_auth_store = database_wiring(settings)
        auth_store = auth_store or db_auth_store
        geocode = geocode or offline_geocoder(settings)
    store = auth_store if auth_store is not None else InMemoryAuthStore()

    app = FastAPI(
        title="lastmile",
        version="0.1.0",
        summary="Fulfillment and last-mile delivery: stock, orders, plans, proof of delivery.",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.ctx = ApiContext(
        settings=settings,
        uow_factory=uow_factory,
        auth=AuthService(store),
        live=LiveHub(),
        templates=Jinja2Templates(directory=HERE / "templates"),
        geocode=geocode,
    )
    install_error_handlers(app)
    # The road layer is ~400 kB of JSON; compressed it is a quarter of that.
    app.add_middleware(GZipMiddleware, minimum_size=4096)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    from lastmile.api.routers import ROUTERS

    for router in ROUTERS:
        app.include_router(router)
    return app
