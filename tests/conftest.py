"""Fixtures shared by every test layer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from lastmile.adapters.db.local_postgres import LocalPostgres

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LASTMILE_SHARED", ROOT.parent / "shared"))
IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared data folder beside the project (benchmarks and real data)."""
    if not SHARED.is_dir():
        if IN_CI:
            pytest.fail(f"shared data folder {SHARED} is missing in CI")
        pytest.skip(f"shared data folder {SHARED} is not present")
    return SHARED


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[LocalPostgres]:
    """A real PostgreSQL server for the whole session (Debian's package, Unix socket)."""
    from lastmile.adapters.db.local_postgres import LocalPostgres, PostgresUnavailable

    try:
        server = LocalPostgres.start()
    except PostgresUnavailable as error:
        if IN_CI:
            pytest.fail(f"PostgreSQL must run in CI: {error}")
        pytest.skip(f"PostgreSQL unavailable here: {error}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: LocalPostgres) -> str:
    """URL of an empty database on the session's PostgreSQL server."""
    return postgres_server.create_database("lastmile_test")


def pytest_sessionstart(session: pytest.Session) -> None:
    # Map the domain classes before any test builds an object: an instance created before
    # mapping cannot be stored later, which would make results depend on test order.
    from lastmile.adapters.db.mapping import start_mappers

    start_mappers()
