"""Server-rendered pages: sign-in, the dispatcher's dashboard, the driver's phone page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lastmile.api.app import ApiContext
from lastmile.api.security import ALL_ROLES, SESSION_COOKIE, Allow, Public
from lastmile.services.auth import Principal, Role, Unauthenticated

router = APIRouter(include_in_schema=False)

HOME_BY_ROLE = {
    Role.ADMIN: "/dashboard",
    Role.DISPATCHER: "/dashboard",
    Role.WAREHOUSE: "/dashboard",
    Role.INTEGRATOR: "/docs",
    Role.DRIVER: "/driver",
}
DASHBOARD_ROLES = (Role.ADMIN, Role.DISPATCHER, Role.WAREHOUSE)


def _ctx(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ctx
    return ctx


def _safe_next(next_url: str) -> str:
    # Only same-site paths: an open redirect after login is a phishing aid.
    if next_url.startswith("/") and not next_url.startswith("//") and "\\" not in next_url:
        return next_url
    return ""


def _cookie_is_secure(request: Request) -> bool:
    # Browsers accept Secure cookies over plain http only on loopback; elsewhere a
    # Secure cookie over http would silently break sign-in, so https decides there.
    host = request.url.hostname or ""
    return request.url.scheme == "https" or host in ("localhost", "127.0.0.1", "::1")


@router.get("/", response_class=RedirectResponse)
def home(principal: Annotated[Principal | None, Depends(Public())]) -> RedirectResponse:
    """Send the caller to their page, or to sign in."""
    target = HOME_BY_ROLE[principal.role] if principal else "/login"
    return RedirectResponse(target, status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    _: Annotated[Principal | None, Depends(Public())],
    next: str = "",
) -> Response:
    """Show the sign-in form."""
    return _ctx(request).templates.TemplateResponse(
        request, "login.html", {"next_url": _safe_next(next), "error": None, "principal": None}
    )


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    _: Annotated[Principal | None, Depends(Public())],
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Check the password, set the session cookie and go to the caller's page."""
    ctx = _ctx(request)
    try:
        token, session, user = ctx.auth.login(username=username, password=password)
    except Unauthenticated:
        return ctx.templates.TemplateResponse(
            request,
            "login.html",
            {
                "next_url": _safe_next(next),
                "error": "Wrong username or password.",
                "principal": None,
            },
            status_code=401,
        )
    target = _safe_next(next) or HOME_BY_ROLE[user.role]
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int((session.expires_at - session.created_at).total_seconds()),
        httponly=True,
        secure=_cookie_is_secure(request),
        samesite="lax",
        path="/",
    )
    return response


@router.post("/logout", response_class=RedirectResponse)
def logout(
    request: Request, _: Annotated[Principal, Depends(Allow(*ALL_ROLES))]
) -> RedirectResponse:
    """End the session."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        _ctx(request).auth.logout(token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request, principal: Annotated[Principal, Depends(Allow(*DASHBOARD_ROLES))]
) -> Response:
    """The dispatcher's dashboard."""
    return _ctx(request).templates.TemplateResponse(
        request,
        "dashboard.html",
        {"principal": principal, "csrf_token": principal.csrf_token},
    )


@router.get("/driver", response_class=HTMLResponse)
def driver_page(
    request: Request, principal: Annotated[Principal, Depends(Allow(Role.DRIVER))]
) -> Response:
    """The driver's page: today's stops."""
    return _ctx(request).templates.TemplateResponse(
        request, "driver.html", {"principal": principal, "csrf_token": principal.csrf_token}
    )
