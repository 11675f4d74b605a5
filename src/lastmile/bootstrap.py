"""Composition root: builds the engine and the unit-of-work factory. Nothing at import time."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from lastmile.adapters.db.engine import make_engine as _make_engine
from lastmile.adapters.db.mapping import start_mappers
from lastmile.adapters.db.migrate import upgrade
from lastmile.adapters.db.uow import SqlAlchemyUnitOfWork, make_session_factory
from lastmile.config import get_settings

UowFactory = Callable[[], SqlAlchemyUnitOfWork]


def make_engine(url: str | None = None, *, migrate: bool = False) -> Engine:
    """Return an engine for ``url`` (default: ``LASTMILE_DATABASE_URL``).

    Parameters
    ----------
    url
        A SQLAlchemy URL: ``sqlite:///path.db`` or ``postgresql+psycopg://...``.
    migrate
        Upgrade the schema to the newest revision of every area first.
    """
    # Mapping first: domain objects built from here on can be stored.
    start_mappers()
    engine = _make_engine(url or get_settings().database_url)
    if migrate:
        upgrade(engine)
    return engine


def make_uow_factory(engine: Engine | None = None) -> UowFactory:
    """Return a factory of units of work on ``engine`` (default: one for the settings' URL).

    Each call of the factory gives a fresh unit of work, one per thread or request.
    """
    start_mappers()
    session_factory = make_session_factory(engine if engine is not None else make_engine())

    def factory() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(session_factory)

    return factory
