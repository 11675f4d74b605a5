"""Lists are cut into pages by the database: LIMIT/OFFSET and a COUNT, never every row.

The same listings run on the in-memory fake and on SQLite must answer alike, so unit tests
on the fake keep telling the truth about the API.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from lastmile.adapters.db.mapping import load_all_tables
from lastmile.api.app import create_app
from lastmile.bootstrap import make_engine, make_uow_factory
from lastmile.config import Settings
from lastmile.domain import Address, Dimensions, Order, OrderLine, OrderStatus, Sku
from lastmile.services import catalog
from lastmile.services.auth import Role
from lastmile.services.fakes import FakeUnitOfWork
from lastmile.services.unit_of_work import UnitOfWork

with warnings.catch_warnings():
    from starlette.exceptions import StarletteDeprecationWarning

    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

ROWS = 5_000
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _sku(i: int) -> Sku:
    return Sku(
        f"S{i:05d}", f"item {i}", Dimensions(10, 10, 10), 0.5, 9.9, ("odd", "even")[i % 2 == 0]
    )


def _order(i: int) -> Order:
    # Every 7th order shares its minute with the next, so ties fall back to the order id.
    return Order(
        f"O{i:05d}",
        f"ext-{i}",
        f"c{i % 3}",
        Address(f"{i} Main St, Baltimore, MD 21201"),
        [OrderLine("S00000", 1)],
        placed_at=T0 + timedelta(minutes=i - (i % 7 == 0)),
        status=(OrderStatus.CREATED, OrderStatus.VALIDATED)[i % 2],
    )


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    load_all_tables()
    engine = make_engine(f"sqlite:///{tmp_path / 'pages.db'}", migrate=True)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The same listing on SQLite and on a real PostgreSQL server."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'pages.db'}"
    else:
        server = request.getfixturevalue("postgres_server")
        url = server.create_database(f"pages_{tmp_path.name[-20:].replace('-', '_')}")
    load_all_tables()
    engine = make_engine(url, migrate=True)
    yield engine
    engine.dispose()


def _seed(uow: UnitOfWork, *, skus: int, orders: int) -> None:
    with uow:
        for i in range(skus):
            uow.skus.add(_sku(i))
        for i in range(orders):
            uow.orders.add(_order(i))
        uow.commit()


def test_page_3_of_5000_skus_through_the_api_has_the_right_items_and_total(
    sqlite_engine: Engine,
) -> None:
    url = str(sqlite_engine.url)
    _seed(make_uow_factory(sqlite_engine)(), skus=ROWS, orders=0)
    app = create_app(Settings(database_url=url), geocode=lambda _raw: None)
    key = app.state.ctx.auth.create_key(name="admin", role=Role.ADMIN).secret
    admin = {"Authorization": f"Bearer {key}"}
    with TestClient(app) as client:
        page = client.get("/api/v1/skus?limit=50&offset=100", headers=admin).json()
        even = client.get("/api/v1/skus?category=even&limit=50&offset=100", headers=admin).json()
        past = client.get("/api/v1/skus?limit=50&offset=5000", headers=admin).json()
    app.state.ctx.auth.store.engine.dispose()

    assert (page["total"], page["limit"], page["offset"]) == (ROWS, 50, 100)
    assert [s["sku_id"] for s in page["items"]] == [f"S{i:05d}" for i in range(100, 150)]
    assert even["total"] == ROWS // 2
    assert [s["sku_id"] for s in even["items"]] == [f"S{i:05d}" for i in range(200, 300, 2)]
    assert (past["items"], past["total"]) == ([], ROWS)


def test_a_page_loads_only_its_rows_with_limit_and_offset_in_the_sql(engine: Engine) -> None:
    factory = make_uow_factory(engine)
    _seed(factory(), skus=ROWS, orders=0)
    statements: list[str] = []
    loaded: list[Sku] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    def load(target: Sku, _context: Any) -> None:
        loaded.append(target)

    event.listen(engine, "before_cursor_execute", seen)
    event.listen(Sku, "load", load)
    try:
        with factory() as uow:
            items, total = uow.skus.page(limit=50, offset=100)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
        event.remove(Sku, "load", load)

    assert total == ROWS and len(items) == 50
    assert len(loaded) == 50
    selects = [s for s in statements if "FROM skus" in s]
    assert any("count(*)" in s.lower() for s in selects)
    rows_query = next(s for s in selects if "count(*)" not in s.lower())
    assert "LIMIT" in rows_query and "OFFSET" in rows_query and "ORDER BY" in rows_query


ListCall = Callable[[UnitOfWork], catalog.Page[Any]]
LISTINGS: dict[str, ListCall] = {
    "orders newest first": lambda uow: catalog.list_orders(uow=uow, limit=25, offset=30),
    "orders of one status and customer": lambda uow: catalog.list_orders(
        uow=uow, status=OrderStatus.VALIDATED, customer_id="c1", limit=10, offset=5
    ),
    "skus of one category": lambda uow: catalog.list_skus(
        uow=uow, category="odd", limit=7, offset=3
    ),
    "limit clamped to 500": lambda uow: catalog.list_skus(uow=uow, limit=10_000, offset=-4),
}


@pytest.mark.parametrize("name", LISTINGS)
def test_the_database_and_the_fake_answer_a_listing_alike(engine: Engine, name: str) -> None:
    sql, fake = make_uow_factory(engine)(), FakeUnitOfWork()
    for uow in (sql, fake):
        _seed(uow, skus=600, orders=200)
    on_sql, on_fake = LISTINGS[name](sql), LISTINGS[name](fake)

    def ids(page: catalog.Page[Any]) -> list[str]:
        return [getattr(i, "order_id", None) or i.sku_id for i in page.items]

    assert (on_sql.total, on_sql.limit, on_sql.offset) == (
        on_fake.total,
        on_fake.limit,
        on_fake.offset,
    )
    assert ids(on_sql) == ids(on_fake) and on_sql.items
