"""Database wiring for the app when no unit-of-work factory is injected."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lastmile.adapters.webhooks import WebhookStore
from lastmile.config import Settings
from lastmile.domain import Geocode
from lastmile.services.auth import AuthStore
from lastmile.services.intake import GeocodeFn
from lastmile.services.unit_of_work import UnitOfWork
from lastmile.tracking.store import TrackingRepository

if TYPE_CHECKING:
    from lastmile.adapters.db.loop_writes import LoopWriter
    from lastmile.geo.corrections import CorrectionStore
    from lastmile.geo.geocoder import Geocoder


@dataclass(frozen=True)
class DatabaseWiring:
    """Everything the app keeps in the application database."""

    uow_factory: Callable[[], UnitOfWork]
    auth_store: AuthStore
    tracking_factory: Callable[[UnitOfWork], TrackingRepository]
    webhooks: WebhookStore
    engine: Engine | None = None
    # Units of work that only read (promise snapshots, caches): on SQLite they never
    # wait for the write lock that order intake holds.
    read_uow_factory: Callable[[], UnitOfWork] | None = None
    # Opens the writer of order intake's groups on the running event loop (the app's
    # lifespan; ``adapters.db.loop_writes``).
    open_loop_writer: Callable[[], LoopWriter] | None = None


def database_wiring(settings: Settings) -> DatabaseWiring:
    """Return the unit-of-work factory and the stores on ``settings.database_url``."""
    from lastmile.adapters.db.auth_store import SqlAuthStore
    from lastmile.adapters.db.engine import read_only
    from lastmile.adapters.db.loop_writes import LoopWriter
    from lastmile.adapters.db.mapping import load_all_tables
    from lastmile.adapters.db.uow import SqlAlchemyUnitOfWork, make_session_factory
    from lastmile.bootstrap import make_engine, make_uow_factory

    load_all_tables()
    engine = make_engine(settings.database_url)
    sql_factory = make_uow_factory(engine)
    read_sessions = make_session_factory(read_only(engine))

    def uow_factory() -> UnitOfWork:
        # mypy does not accept the SQL repositories as the protocol's (minor signature
        # differences in the storage module); they are used through the protocol only.
        return cast(UnitOfWork, sql_factory())

    def read_uow_factory() -> UnitOfWork:
        return cast(UnitOfWork, SqlAlchemyUnitOfWork(read_sessions, read_only=True))

    def tracking_factory(uow: UnitOfWork) -> TrackingRepository:
        from lastmile.adapters.tracking_store import SqlTrackingRepository

        # Joined to the unit of work's open session, so its writes commit with the change.
        return SqlTrackingRepository(lambda: cast(SqlAlchemyUnitOfWork, uow).session)

    from lastmile.adapters.webhook_store import SqlWebhookStore

    return DatabaseWiring(
        uow_factory,
        SqlAuthStore(engine),
        tracking_factory,
        SqlWebhookStore(engine),
        engine,
        read_uow_factory,
        lambda: LoopWriter(engine),
    )


def _shared_geocoder(settings: Settings) -> Callable[[], Geocoder]:
    """Return the offline geocoder of ``settings.osm_path``, built on first call."""
    lock = threading.Lock()
    built: list[Geocoder] = []

    def get() -> Geocoder:
        if not built:
            with lock:
                if not built:
                    from lastmile.geo.defaults import geocoder

                    built.append(geocoder(settings.osm_path))
        return built[0]

    return get


def _on_store(base: Geocoder, store: CorrectionStore) -> Geocoder:
    # A geocoder is only its gazetteer and settings: one per call on another store is cheap.
    from lastmile.geo.geocoder import Geocoder

    return Geocoder(base.gazetteer, review_threshold=base.review_threshold, corrections=store)


def offline_geocoder(settings: Settings, engine: Engine | None = None) -> GeocodeFn:
    """Return address -> position on the offline geocoder, built on first use.

    With ``engine``, positions learned from confirmed deliveries (``geocode_corrections``)
    come first, so the next order to a delivered address goes to its door.
    """
    shared = _shared_geocoder(settings)
    reader = None
    if engine is not None:
        from lastmile.adapters.db.engine import read_only

        # Runs before intake's transaction: a read must not queue for the write lock.
        reader = read_only(engine)

    def geocode(raw: str) -> Geocode | None:
        if reader is None:
            return shared().geocode(raw).geocode
        from lastmile.adapters.correction_store import SqlCorrectionStore

        with Session(reader) as session:
            store = SqlCorrectionStore(lambda: session, for_update=False)
            return _on_store(shared(), store).geocode(raw).geocode

    return geocode


def delivery_learner(settings: Settings) -> Callable[[UnitOfWork], Geocoder]:
    """Return uow -> the offline geocoder learning into that unit of work's transaction."""
    shared = _shared_geocoder(settings)

    def learner(uow: UnitOfWork) -> Geocoder:
        from lastmile.adapters.correction_store import SqlCorrectionStore
        from lastmile.adapters.db.uow import SqlAlchemyUnitOfWork

        store = SqlCorrectionStore(lambda: cast(SqlAlchemyUnitOfWork, uow).session)
        return _on_store(shared(), store)

    return learner
