"""Database wiring for the app when no unit-of-work factory is injected."""

from __future__ import annotations

from collections.abc import Callable

from lastmile.config import Settings
from lastmile.services.auth import AuthStore
from lastmile.services.unit_of_work import UnitOfWork


def database_wiring(settings: Settings) -> tuple[Callable[[], UnitOfWork], AuthStore]:
    """Return a unit-of-work factory and a credential store on ``settings.database_url``."""
    from lastmile.adapters.db.auth_store import SqlAuthStore
    from lastmile.adapters.db.engine import make_engine
    from lastmile.adapters.db.mapping import load_all_tables
    from lastmile.adapters.db.uow import SqlAlchemyUnitOfWork, make_session_factory

    load_all_tables()
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)

    def uow_factory() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(sessions)

    return uow_factory, SqlAuthStore(engine)
