"""Who may call what: credentials from the request, and one policy per endpoint.

Every route declares exactly one policy as a dependency (``Allow(...)`` or ``Public()``);
the test matrix walks the app's routes and fails on a route without one. Credentials are
an API key (``Authorization: Bearer lm_...`` or ``X-API-Key``) or a browser session cookie;
a state-changing request made with a cookie must also echo the session's CSRF token in
``X-CSRF-Token``, since a cookie is sent by the browser whoever built the request.
"""

from __future__ import annotations

import hmac

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from lastmile.api.errors import Forbidden
from lastmile.services.auth import AuthService, Principal, Role, Unauthenticated

SESSION_COOKIE = "lastmile_session"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

ALL_ROLES = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.DISPATCHER})


def _auth(request: Request) -> AuthService:
    service: AuthService = request.app.state.ctx.auth
    return service


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-key")


async def resolve_principal(request: Request) -> Principal | None:
    """Return the caller: from memory for a recently seen key, else via the store.

    Async so the common case (an integrator's key checked a moment ago) costs no trip to
    the thread pool; anything that may read the database runs there.
    """
    key = _bearer(request)
    if key:
        cached = _auth(request).cached_key(key)
        if cached is not None:
            return cached
    return await run_in_threadpool(principal_from_request, request)


def principal_from_request(request: Request) -> Principal | None:
    """Return the caller, None when no credential was sent; raise on a bad one."""
    header = request.headers.get("authorization", "")
    key = request.headers.get("x-api-key")
    if header.lower().startswith("bearer "):
        key = header[7:].strip()
    if key:
        return _auth(request).authenticate_key(key)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    principal = _auth(request).authenticate_session(cookie)
    if request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
            raise Forbidden("missing or wrong CSRF token")
    return principal


class Policy:
    """Base of the endpoint policies; ``roles`` is who may call, empty for public."""

    roles: frozenset[Role] = frozenset()
    public: bool = False

    def describe(self) -> str:
        return "public" if self.public else ",".join(sorted(self.roles))


class Allow(Policy):
    """Only callers holding one of ``roles``."""

    def __init__(self, *roles: Role) -> None:
        if not roles:
            raise ValueError("Allow() needs at least one role")
        self.roles = frozenset(roles)

    async def __call__(self, request: Request) -> Principal:
        principal = await resolve_principal(request)
        if principal is None:
            raise Unauthenticated("no credential")
        if principal.role not in self.roles:
            raise Forbidden(f"role {principal.role} may not {request.method} this resource")
        request.state.principal = principal
        return principal


class Public(Policy):
    """Anyone; the caller is passed on when a valid credential was sent."""

    public = True

    async def __call__(self, request: Request) -> Principal | None:
        try:
            principal = await resolve_principal(request)
        except (Unauthenticated, Forbidden):
            principal = None
        request.state.principal = principal
        return principal


def check_driver_scope(principal: Principal, route_driver_id: str) -> None:
    """Refuse a driver acting on a route that is not theirs."""
    if principal.role is Role.DRIVER and principal.driver_id != route_driver_id:
        raise Forbidden("a driver may only see and act on their own route")
