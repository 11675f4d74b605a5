"""Run the Alembic migrations shipped inside the package (``lastmile db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """Return an Alembic configuration for ``url`` without any alembic.ini on disk."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation would choke on a "%" in a password.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "heads") -> list[str]:
    """Upgrade the database of ``engine`` to ``revision``; return the revisions now current.

    The default ``heads`` applies every area's branch, so areas may add revisions that
    each start from the core one.
    """
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return current_revisions(engine)


def current_revisions(engine: Engine) -> list[str]:
    """Return the revisions the database is at (empty when never migrated)."""
    with engine.connect() as connection:
        return sorted(MigrationContext.configure(connection).get_current_heads())


def head_revisions() -> list[str]:
    """Return the newest revision of every branch shipped with the package."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return sorted(script.get_heads())
