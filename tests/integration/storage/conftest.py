"""Databases for the storage integration tests: a fresh SQLite file or PostgreSQL database."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from lastmile.adapters.db.local_postgres import LocalPostgres
from lastmile.bootstrap import make_engine

_names = itertools.count()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'lastmile.db'}", migrate=True)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine(postgres_server: LocalPostgres) -> Iterator[Engine]:
    url = postgres_server.create_database(f"storage_{next(_names)}")
    engine = make_engine(url, migrate=True)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """The same test on SQLite and on a real PostgreSQL server."""
    name = "sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]
