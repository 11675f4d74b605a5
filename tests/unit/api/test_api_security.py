"""Who is refused: other drivers' routes, order lists, expired and revoked keys, big bodies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI

from lastmile.services.auth import Role
from tests.unit.api.conftest import bearer


def test_driver_key_cannot_read_another_drivers_route(client: Any, keys: dict[str, str]) -> None:
    assert client.get("/api/v1/routes/R1", headers=bearer(keys["driver"])).status_code == 200
    r = client.get("/api/v1/routes/R2", headers=bearer(keys["driver"]))
    assert r.status_code == 403
    assert "R2" not in r.text and "D2" not in r.text


def test_driver_key_cannot_list_orders_routes_or_shipments(
    client: Any, keys: dict[str, str]
) -> None:
    for path in ("/api/v1/orders", "/api/v1/routes", "/api/v1/shipments", "/api/v1/orders/board"):
        assert client.get(path, headers=bearer(keys["driver"])).status_code == 403, path


def test_driver_cannot_act_on_another_drivers_stop(client: Any, keys: dict[str, str]) -> None:
    body = {
        "method": "photo",
        "device_id": "phone",
        "gps": {"lat": 39.3, "lon": -76.6},
        "photo_sha256": "0" * 64,
    }
    r = client.post(
        "/api/v1/routes/R2/stops/R2-1/deliver", json=body, headers=bearer(keys["driver"])
    )
    assert r.status_code == 403
    fail = {"reason": "nobody_home", "device_id": "phone", "gps": {"lat": 39.3, "lon": -76.6}}
    r = client.post("/api/v1/routes/R2/stops/R2-1/fail", json=fail, headers=bearer(keys["driver"]))
    assert r.status_code == 403


def test_expired_key_is_refused(app: FastAPI, client: Any) -> None:
    auth = app.state.ctx.auth
    key = auth.create_key(
        name="short", role=Role.ADMIN, expires_at=datetime.now(UTC) + timedelta(hours=1)
    ).secret
    assert client.get("/api/v1/warehouses", headers=bearer(key)).status_code == 200
    auth.clock = lambda: datetime.now(UTC) + timedelta(hours=2)
    r = client.get("/api/v1/warehouses", headers=bearer(key))
    assert r.status_code == 401
    assert r.json() == {"detail": "not authenticated"}


def test_revoked_key_is_refused_at_once(client: Any, keys: dict[str, str], app: FastAPI) -> None:
    integrator = app.state.ctx.auth.create_key(name="shop", role=Role.INTEGRATOR)
    headers = bearer(integrator.secret)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    r = client.post(
        f"/api/v1/auth/keys/{integrator.record.key_id}/revoke", headers=bearer(keys["admin"])
    )
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_unknown_and_malformed_keys_are_refused(client: Any) -> None:
    for key in ("lm_" + "x" * 43, "not-a-key", ""):
        assert client.get("/api/v1/warehouses", headers=bearer(key)).status_code == 401


def test_keys_are_stored_only_as_hashes(app: FastAPI) -> None:
    issued = app.state.ctx.auth.create_key(name="k", role=Role.ADMIN)
    stored = app.state.ctx.auth.store.key_by_id(issued.record.key_id)
    assert issued.secret not in repr(stored)
    assert len(stored.key_hash) == 64


def test_body_over_the_limit_is_refused_with_413(client: Any, keys: dict[str, str]) -> None:
    big = {"warehouse_id": "W9", "name": "x" * 20_000}
    r = client.post("/api/v1/warehouses", json=big, headers=bearer(keys["admin"]))
    assert r.status_code == 413


def test_chunked_body_over_the_limit_is_refused_with_413(client: Any, keys: dict[str, str]) -> None:
    def chunks() -> Any:
        for _ in range(30):
            yield b"x" * 1000

    headers = {**bearer(keys["admin"]), "content-type": "application/json"}
    r = client.post("/api/v1/warehouses", content=chunks(), headers=headers)
    assert r.status_code == 413


def test_cookie_session_needs_the_csrf_token_to_change_anything(app: FastAPI, client: Any) -> None:
    app.state.ctx.auth.create_user(username="disp", password="long enough pw", role=Role.DISPATCHER)
    r = client.post(
        "/login", data={"username": "disp", "password": "long enough pw"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"
    body = {"warehouse_id": "W7", "name": "New"}
    assert client.post("/api/v1/warehouses", json=body).status_code == 403
    page = client.get("/dashboard")
    token = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    r = client.post("/api/v1/warehouses", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201


def test_wrong_password_does_not_sign_in(app: FastAPI, client: Any) -> None:
    app.state.ctx.auth.create_user(username="disp", password="long enough pw", role=Role.DISPATCHER)
    r = client.post(
        "/login", data={"username": "disp", "password": "wrong password"}, follow_redirects=False
    )
    assert r.status_code == 401
    assert "lastmile_session" not in r.cookies


def test_login_redirect_stays_on_this_site(app: FastAPI, client: Any) -> None:
    app.state.ctx.auth.create_user(username="disp", password="long enough pw", role=Role.DISPATCHER)
    r = client.post(
        "/login",
        data={"username": "disp", "password": "long enough pw", "next": "//evil.example/phish"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/dashboard"


def test_html_in_text_fields_is_stored_as_text_and_escaped_on_pages(
    client: Any, keys: dict[str, str], app: FastAPI
) -> None:
    evil = "<script>alert('x')</script>' OR 1=1; --"
    h = bearer(keys["admin"])
    assert (
        client.post(
            "/api/v1/warehouses", json={"warehouse_id": "W5", "name": evil}, headers=h
        ).status_code
        == 201
    )
    assert client.get("/api/v1/warehouses/W5", headers=h).json()["name"] == evil
    app.state.ctx.auth.create_user(
        username=evil[:60], password="long enough pw", role=Role.DISPATCHER
    )
    r = client.post("/login", data={"username": evil[:60], "password": "long enough pw"})
    page = client.get("/dashboard").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    assert r.status_code == 200
