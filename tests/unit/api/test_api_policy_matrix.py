"""Every endpoint x every role: exactly who the endpoint's policy names gets in.

The matrix is built from the app's own routes, so an endpoint added without a policy
fails ``test_every_endpoint_declares_exactly_one_policy``, and one whose policy lets the
wrong role in fails the matrix.
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from lastmile.api.app import create_app
from lastmile.api.routers import ROUTERS
from lastmile.api.security import Policy
from lastmile.config import Settings
from lastmile.services.auth import Role
from lastmile.services.fakes import FakeUnitOfWork
from tests.unit.api.conftest import TestClient, bearer, make_keys, seeded_uow

# Endpoints that stream until the client leaves: opened over raw ASGI, then left.
STREAMING = {"/api/v1/live"}


def _policies(dependant: Dependant) -> list[Policy]:
    found = [dependant.call] if isinstance(dependant.call, Policy) else []
    for sub in dependant.dependencies:
        found.extend(_policies(sub))
    return found


def _routes() -> list[tuple[str, str, Policy | None, int]]:
    # FastAPI includes routers lazily, so the app's routes are read from the routers it
    # mounts; create_app mounts exactly ROUTERS.
    create_app(Settings(database_url="sqlite://"), uow_factory=FakeUnitOfWork)
    rows = []
    for route in [r for router in ROUTERS for r in router.routes]:
        if not isinstance(route, APIRoute):
            continue
        policies = _policies(route.dependant)
        for method in sorted(route.methods):
            rows.append((method, route.path, policies[0] if policies else None, len(policies)))
    return rows


ROUTES = _routes()
ROLES: list[Role | None] = [*Role, None]


def test_every_endpoint_declares_exactly_one_policy() -> None:
    missing = [f"{m} {p}" for m, p, _, n in ROUTES if n != 1]
    assert not missing, f"endpoints without exactly one policy: {missing}"


def test_the_matrix_covers_a_real_number_of_endpoints() -> None:
    assert len(ROUTES) >= 15


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "unknown-id", path)


@pytest.fixture(scope="module")
def matrix() -> Any:
    """One app for the whole matrix: every request sends an empty body, so none changes
    state; the road layer is a stub, since unit tests read no files."""
    uow = seeded_uow()
    app = create_app(Settings(database_url="sqlite://"), uow_factory=lambda: uow)
    app.state.ctx.cache["roads"] = {"type": "FeatureCollection", "features": []}
    with TestClient(app) as client:
        yield client, make_keys(app)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
@pytest.mark.parametrize(
    ("method", "path", "policy"),
    [(m, p, pol) for m, p, pol, _ in ROUTES],
    ids=[f"{m} {p}" for m, p, _, _ in ROUTES],
)
def test_role_gets_in_exactly_when_the_policy_names_it(
    matrix: Any, method: str, path: str, policy: Policy, role: Role | None
) -> None:
    client, keys = matrix
    allowed = policy.public or (role is not None and role in policy.roles)
    headers = bearer(keys[role.value]) if role is not None else {}
    if path in STREAMING:
        # Its own loop on its own thread: a test run may already have a loop on this one.
        with ThreadPoolExecutor(1) as pool:
            opened = pool.submit(asyncio.run, _open_and_leave(client.app, path, headers))
            status, content_type = opened.result(timeout=20)
        if allowed:
            assert (status, content_type.split(";")[0]) == (200, "text/event-stream")
            # Leaving unsubscribed the stream: nothing is left publishing into it.
            assert client.app.state.ctx.live.subscriber_count == 0
        else:
            assert status == (401 if role is None else 403)
        return
    headers["accept"] = "application/json"
    kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    response = client.request(method, _fill(path), **kwargs)
    assert response.status_code < 500, response.text
    if allowed:
        assert response.status_code not in (401, 403), response.text
    elif role is None:
        assert response.status_code == 401, response.text
    else:
        assert response.status_code == 403, response.text


async def _open_and_leave(app: Any, path: str, headers: dict[str, str]) -> tuple[int, str]:
    """GET ``path`` over raw ASGI, leave after the first chunk; return status and type.

    The test client waits for a response to end, which a live stream never does; here the
    client disconnects once the stream has started, as a browser closing the tab would.
    """
    started: dict[str, Any] = {}
    first_chunk = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await first_chunk.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started["status"] = message["status"]
            started["headers"] = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            first_chunk.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("testclient", 50000),
        "server": ("testserver", 80),
    }
    await asyncio.wait_for(app(scope, receive, send), timeout=10)
    return int(started["status"]), str(started["headers"].get("content-type", ""))
