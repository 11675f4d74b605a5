"""The API on a real database (SQLite file and PostgreSQL): credentials, idempotent intake,
and hostile text stored exactly as sent."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lastmile.adapters.db.mapping import load_all_tables
from lastmile.adapters.db.migrate import current_revisions, head_revisions
from lastmile.api.app import create_app
from lastmile.bootstrap import make_engine
from lastmile.config import Settings
from lastmile.services.auth import Role

with warnings.catch_warnings():
    from starlette.exceptions import StarletteDeprecationWarning

    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

HOSTILE = [
    "Robert'); DROP TABLE orders; --",
    "<script>alert(document.cookie)</script>",
    '" OR "1"="1',
    "<img src=x onerror=alert(1)> & 'quotes' \\ backslash",
    "x'; UPDATE api_keys SET role='admin'; --",
]


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'api.db'}"
    url: str = request.getfixturevalue("postgres_server").create_database(
        f"api_{tmp_path.name[-20:].replace('-', '_')}"
    )
    return url


@pytest.fixture
def client(database_url: str) -> Iterator[tuple[Any, dict[str, str], Any]]:
    load_all_tables()
    engine = make_engine(database_url, migrate=True)
    assert set(head_revisions()) <= set(current_revisions(engine))
    app = create_app(Settings(database_url=database_url), geocode=lambda _raw: None)
    key = app.state.ctx.auth.create_key(name="admin", role=Role.ADMIN).secret
    with TestClient(app) as c:
        yield c, {"Authorization": f"Bearer {key}"}, app
    # Close pooled connections now: PostgreSQL's would otherwise warn when collected.
    app.state.ctx.auth.store.engine.dispose()
    engine.dispose()


def test_migrations_create_the_credential_tables_and_keys_live_there(client: Any) -> None:
    c, admin, app = client
    issued = app.state.ctx.auth.create_key(name="shop", role=Role.INTEGRATOR)
    assert c.get("/api/v1/auth/me", headers={"X-API-Key": issued.secret}).json()["role"] == (
        "integrator"
    )
    listed = c.get("/api/v1/auth/keys", headers=admin).json()
    assert {k["name"] for k in listed} == {"admin", "shop"}
    assert issued.secret not in str(listed)


def test_revoked_key_is_refused_on_the_database(client: Any) -> None:
    c, admin, app = client
    issued = app.state.ctx.auth.create_key(name="gone", role=Role.DISPATCHER)
    c.post(f"/api/v1/auth/keys/{issued.record.key_id}/revoke", headers=admin)
    assert c.get("/api/v1/auth/me", headers={"X-API-Key": issued.secret}).status_code == 401


def test_same_idempotency_key_and_body_creates_one_order(client: Any) -> None:
    c, admin, app = client
    # Served with its lifespan: intake's groups are written on the serving loop.
    assert app.state.ctx.loop_writer is not None
    c.post(
        "/api/v1/skus",
        headers=admin,
        json={
            "sku_id": "S1",
            "name": "Mug",
            "length_cm": 10,
            "width_cm": 10,
            "height_cm": 10,
            "weight_kg": 0.4,
        },
    )
    body = {
        "external_id": "E-1",
        "customer_id": "C-1",
        "address": "1 Main St",
        "lat": 39.29,
        "lon": -76.6,
        "lines": [{"sku_id": "S1", "quantity": 2}],
    }
    h = {**admin, "Idempotency-Key": "idem-1"}
    first = c.post("/api/v1/orders", json=body, headers=h)
    again = c.post("/api/v1/orders", json=body, headers=h)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["order_id"] == again.json()["order_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = c.post("/api/v1/orders", json={**body, "customer_id": "C-2"}, headers=h)
    assert other.status_code == 409
    assert c.get("/api/v1/orders", headers=admin).json()["total"] == 1


def test_hostile_text_in_every_free_text_field_is_stored_as_sent(client: Any) -> None:
    c, admin, app = client
    for n, text in enumerate(HOSTILE):
        r = c.post(
            "/api/v1/warehouses",
            headers=admin,
            json={"warehouse_id": f"W{n}", "name": text, "lat": 39.3, "lon": -76.6},
        )
        assert r.status_code == 201, r.text
        r = c.post(
            "/api/v1/skus",
            headers=admin,
            json={
                "sku_id": f"S{n}",
                "name": text,
                "category": text,
                "length_cm": 1,
                "width_cm": 1,
                "height_cm": 1,
                "weight_kg": 1,
            },
        )
        assert r.status_code == 201, r.text
        r = c.post(
            "/api/v1/orders",
            headers=admin,
            json={
                "external_id": text,
                "customer_id": text[:64],
                "address": text,
                "lines": [{"sku_id": f"S{n}", "quantity": 1}],
            },
        )
        assert r.status_code == 201, r.text
        order = c.get(f"/api/v1/orders/{r.json()['order_id']}", headers=admin).json()
        assert (order["external_id"], order["customer_id"], order["address"]) == (
            text,
            text[:64],
            text,
        )
        assert c.get(f"/api/v1/warehouses/W{n}", headers=admin).json()["name"] == text
        sku = c.get(f"/api/v1/skus/S{n}", headers=admin).json()
        assert (sku["name"], sku["category"]) == (text, text)
        app.state.ctx.auth.create_user(
            username=f"u{n}{text}"[:64], password="long password", role=Role.DISPATCHER
        )
    # Nothing was executed: every table is intact and keys kept their roles.
    assert c.get("/api/v1/orders?limit=500", headers=admin).json()["total"] == len(HOSTILE)
    assert {k["role"] for k in c.get("/api/v1/auth/keys", headers=admin).json()} == {"admin"}
    names = {u["username"] for u in c.get("/api/v1/auth/users", headers=admin).json()}
    assert len(names) == len(HOSTILE)
    # The exception board (unplaced addresses) returns the text as data, for textContent.
    board = c.get("/api/v1/orders/board", headers=admin).json()
    assert any(HOSTILE[1] in x["detail"] for x in board["exceptions"])
