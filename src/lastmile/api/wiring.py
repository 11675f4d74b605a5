"""Database wiring for the app when no unit-of-work factory is injected."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from lastmile.config import Settings
from lastmile.domain import Geocode
from lastmile.services.auth import AuthStore
from lastmile.services.intake import GeocodeFn
from lastmile.services.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from lastmile.geo.geocoder import Geocoder


def database_wiring(settings: Settings) -> tuple[Callable[[], UnitOfWork], AuthStore]:
    """Return a unit-of-work factory and a credential store on ``settings.database_url``."""
    from lastmile.adapters.db.auth_store import SqlAuthStore
    from lastmile.adapters.db.mapping import load_all_tables
    from lastmile.bootstrap import make_engine, make_uow_factory

    load_all_tables()
    engine = make_engine(settings.database_url)
    sql_factory = make_uow_factory(engine)

    def uow_factory() -> UnitOfWork:
        # The SQL repositories return lists where the protocol names Sequence-typed
        # parameters; they are the same in use, which mypy's structural check misses.
        return cast(UnitOfWork, sql_factory())

    return uow_factory, SqlAuthStore(engine)


def offline_geocoder(settings: Settings) -> GeocodeFn:
    """Return address -> position on the offline geocoder, built on first use."""
    lock = threading.Lock()
    built: list[Geocoder] = []

    def geocode(raw: str) -> Geocode | None:
        if not built:
            with lock:
                if not built:
                    from lastmile.geo.defaults import geocoder

                    built.append(geocoder(settings.osm_path))
        return built[0].geocode(raw).geocode

    return geocode
