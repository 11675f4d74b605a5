"""The FastAPI application factory: nothing is built at import time."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from lastmile.adapters.webhooks import InMemoryWebhookStore, WebhookStore
from lastmile.api.errors import install_error_handlers
from lastmile.api.intake_group import IntakeGroups, Outcomes
from lastmile.api.limits import BodySizeLimit
from lastmile.api.live import LiveHub
from lastmile.config import Settings, get_settings
from lastmile.geo.travel import TravelTimeSource
from lastmile.routing.solution import Solver
from lastmile.services import catalog
from lastmile.services.auth import AuthService, AuthStore
from lastmile.services.auth_memory import InMemoryAuthStore
from lastmile.services.intake import (
    GeocodeFn,
    geocode_requests,
    needs_geocoding,
    place_orders,
)
from lastmile.services.orders import OrderRequest, create_orders
from lastmile.services.promise import PromiseDesk, in_a_thread
from lastmile.services.unit_of_work import UnitOfWork
from lastmile.tracking.store import InMemoryTrackingRepository, TrackingRepository

if TYPE_CHECKING:
    from lastmile.adapters.db.loop_writes import LoopWriter
    from lastmile.geo.geocoder import Geocoder

HERE = Path(__file__).resolve().parent
logger = logging.getLogger(__name__)


@dataclass
class ApiContext:
    """What the routers need, wired once per app (the app's composition root)."""

    settings: Settings
    uow_factory: Callable[[], UnitOfWork]
    auth: AuthService
    live: LiveHub
    templates: Jinja2Templates
    geocode: GeocodeFn | None = None
    travel_source: TravelTimeSource | None = None
    tracking_factory: Callable[[UnitOfWork], TrackingRepository] | None = None
    webhooks: WebhookStore | None = None
    # uow -> the geocoder learning from confirmed deliveries in that transaction.
    learner: Callable[[UnitOfWork], Geocoder] | None = None
    # Units of work for reads only (snapshots, caches); ``uow_factory`` when None.
    read_uow_factory: Callable[[], UnitOfWork] | None = None
    # Opens the writer of intake's groups on the serving loop (the app's lifespan); while
    # none is open there, groups are written from a worker thread.
    open_loop_writer: Callable[[], LoopWriter] | None = None
    loop_writer: LoopWriter | None = None
    cache: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _weights_refresh: threading.Lock = field(default_factory=threading.Lock)
    _weights_store: threading.Lock = field(default_factory=threading.Lock)

    def travel(self) -> TravelTimeSource:
        """The road network's travel times (with live conditions), built on first use."""
        if self.travel_source is None:
            with self._lock:
                if self.travel_source is None:
                    from lastmile.geo.defaults import road_travel_times

                    self.travel_source = road_travel_times(self.settings.osm_path)
        return self.travel_source

    def tracking(self, uow: UnitOfWork) -> TrackingRepository:
        """The tracking store (evidence, PINs, tokens) joined to ``uow``'s transaction."""
        if self.tracking_factory is None:
            with self._lock:
                if self.tracking_factory is None:
                    shared = InMemoryTrackingRepository()
                    self.tracking_factory = lambda _uow: shared
        return self.tracking_factory(uow)

    def promise_desk(self) -> PromiseDesk:
        """The warm promise engine shared by requests.

        Its snapshot is refreshed in the background every 30 s, and rebuilt at once after
        a plan or a disruption.
        """
        desk = self.cache.get("promise_desk")
        if desk is None:
            with self._lock:
                desk = self.cache.get("promise_desk")
                if desk is None:
                    # Disruptions are read from the same store the disruptions router
                    # writes to, so a posted closure reaches the quotes.
                    desk = self.cache["promise_desk"] = PromiseDesk(
                        self.reader(), tracking=self.tracking, in_background=in_a_thread
                    )
        result: PromiseDesk = desk
        return result

    def intake_groups(self) -> IntakeGroups:
        """This process's order-intake writer (see ``lastmile.api.intake_group``)."""
        groups = self.cache.get("intake_groups")
        if groups is None:
            groups = self.cache["intake_groups"] = IntakeGroups(self._write_group)
        result: IntakeGroups = groups
        return result

    async def _write_group(self, requests: Sequence[OrderRequest]) -> Outcomes:
        geocode, on_loop = self.geocode, self.loop_writer
        if on_loop is None or not on_loop.serves_running_loop():
            return await anyio.to_thread.run_sync(self._place_orders, requests)
        placed = requests
        if geocode is not None and needs_geocoding(requests):
            # The geocoder may read learned doors from the database: not on the loop.
            placed = await anyio.to_thread.run_sync(geocode_requests, requests, geocode)
        return await on_loop(lambda uow: create_orders(uow=cast(UnitOfWork, uow), requests=placed))

    def _place_orders(self, requests: Sequence[OrderRequest]) -> Outcomes:
        return place_orders(uow=self.uow_factory(), requests=requests, geocode=self.geocode)

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[None]:
        """While the app serves: intake's group writes run on the serving event loop."""
        if self.open_loop_writer is not None:
            self.loop_writer = self.open_loop_writer()
        try:
            yield
        finally:
            writer, self.loop_writer = self.loop_writer, None
            if writer is not None:
                await writer.aclose()

    def reader(self) -> Callable[[], UnitOfWork]:
        """Return the factory of read-only units of work (the writing one without)."""
        return self.read_uow_factory or self.uow_factory

    def webhook_store(self) -> WebhookStore:
        """Where subscriptions and deliveries live (in memory without a database)."""
        if self.webhooks is None:
            with self._lock:
                if self.webhooks is None:
                    self.webhooks = InMemoryWebhookStore()
        return self.webhooks

    def start_relay(self) -> threading.Event:
        """Relay the outbox to webhooks and live views in a daemon thread; set to stop."""
        import httpx

        from lastmile.adapters.relay import OutboxRelay
        from lastmile.adapters.webhooks import WebhookDispatcher

        relay = OutboxRelay(
            self.uow_factory,
            WebhookDispatcher(self.webhook_store(), httpx.Client(timeout=5.0)),
            self.live,
        )
        stop = threading.Event()
        threading.Thread(target=relay.run, args=(stop,), daemon=True, name="relay").start()
        return stop

    def cached_sku_weights(self, max_age_s: float = 30.0) -> dict[str, float] | None:
        """SKU weights by id as last read; None before the first read or when too old.

        Past ``max_age_s`` they still answer while a background thread reads them again:
        a promise query must not wait for the database because the clock moved on. Past
        twice that (the background read failed or lags) the caller reads.
        """
        cached = self.cache.get("sku_weights")
        if cached is None:
            return None
        age = time.monotonic() - cached[0]
        if age > 2 * max_age_s:
            return None
        # Its own lock, taken without waiting: the event loop calls this.
        if age > max_age_s and self._weights_refresh.acquire(blocking=False):
            try:
                in_a_thread(self._refresh_sku_weights)
            except Exception:
                self._weights_refresh.release()
                logger.exception("could not start re-reading SKU weights")
        result: dict[str, float] = cached[1]
        return result

    def _refresh_sku_weights(self) -> None:
        try:
            self.sku_weights(0.0)
        except Exception:
            logger.exception("re-reading SKU weights failed; a later query retries")
        finally:
            self._weights_refresh.release()

    def sku_weights(self, max_age_s: float = 30.0) -> dict[str, float]:
        """SKU weights by id, re-read at most every ``max_age_s`` (or when a SKU is new)."""
        cached = self.cache.get("sku_weights")
        now = time.monotonic()
        if cached is None or now - cached[0] > max_age_s:
            weights = catalog.sku_weights(uow=self.reader()())
            with self._weights_store:
                # Not over a read that began later and ended first.
                latest = self.cache.get("sku_weights")
                if latest is None or latest[0] <= now:
                    self.cache["sku_weights"] = (now, weights)
            cached = (now, weights)
        result: dict[str, float] = cached[1]
        return result

    def solver(self) -> Solver:
        """A fresh solver of the configured backend (``LASTMILE_SOLVER``)."""
        from lastmile.routing.backends import make_solver

        return make_solver(self.settings.solver)


def create_app(
    settings: Settings | None = None,
    uow_factory: Callable[[], UnitOfWork] | None = None,
    *,
    auth_store: AuthStore | None = None,
    geocode: GeocodeFn | None = None,
    travel: TravelTimeSource | None = None,
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
    travel
        Travel times for planning; the road network of ``settings.osm_path`` (loaded on
        first use) when omitted.
    """
    settings = settings or get_settings()
    tracking_factory = None
    webhooks: WebhookStore | None = None
    learner = None
    read_uow_factory = None
    open_loop_writer = None
    if uow_factory is None:
        from lastmile.api.wiring import database_wiring, delivery_learner, offline_geocoder

        wired = database_wiring(settings)
        uow_factory, tracking_factory, webhooks = (
            wired.uow_factory,
            wired.tracking_factory,
            wired.webhooks,
        )
        read_uow_factory = wired.read_uow_factory
        open_loop_writer = wired.open_loop_writer
        auth_store = auth_store or wired.auth_store
        if geocode is None:
            # An injected geocode function knows nothing of learned doors: learn only
            # when intake reads what is learned.
            geocode = offline_geocoder(settings, wired.engine)
            learner = delivery_learner(settings)
    store = auth_store if auth_store is not None else InMemoryAuthStore()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with app.state.ctx.serving():
            yield

    app = FastAPI(
        lifespan=lifespan,
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
        travel_source=travel,
        tracking_factory=tracking_factory,
        webhooks=webhooks,
        learner=learner,
        read_uow_factory=read_uow_factory,
        open_loop_writer=open_loop_writer,
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
