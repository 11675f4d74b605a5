"""Domain errors become HTTP responses here, and only here.

InvalidValue -> 422 with the field and the reason (the same shape FastAPI uses for its own
validation errors), NotFound -> 404, Conflict / IllegalTransition / OutOfStock and a
concurrency conflict that outlived its retries -> 409, Unauthenticated -> 401, Forbidden
and a stop not on the driver's route -> 403, rejected proof (wrong PIN) -> 422. A bare
ValueError raised by a capability on bad input is a 422 as well: a client's bad input must
never surface as a 500.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from lastmile.domain.errors import (
    Conflict,
    DomainError,
    IllegalTransition,
    InvalidValue,
    NotFound,
    OutOfStock,
)
from lastmile.services.auth import Unauthenticated
from lastmile.services.unit_of_work import ConcurrencyConflict
from lastmile.tracking.pod import NotOnRoute, ProofRejected

log = logging.getLogger(__name__)


class Forbidden(Exception):
    """The caller is known but their role or scope does not allow this."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(BaseModel):
    detail: list[ErrorItem]


class ErrorOut(BaseModel):
    detail: str


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut, "description": "missing, unknown, expired or revoked credential"},
    403: {"model": ErrorOut, "description": "role or scope does not allow this"},
    404: {"model": ErrorOut, "description": "not found"},
    409: {"model": ErrorOut, "description": "conflict with stored state"},
    413: {"model": ErrorOut, "description": "request body too large"},
    422: {"model": ValidationErrorOut, "description": "invalid input: field and reason"},
}


def _invalid(field: str, reason: str) -> JSONResponse:
    body = {"detail": [{"loc": ["body", field], "msg": reason, "type": "value_error"}]}
    return JSONResponse(body, status_code=422)


def domain_error_response(exc: Exception) -> JSONResponse:
    """Return the HTTP response for a domain or auth error."""
    match exc:
        case InvalidValue():
            return _invalid(exc.field, exc.reason)
        case NotFound():
            return JSONResponse({"detail": str(exc)}, status_code=404)
        case Conflict() | IllegalTransition() | OutOfStock():
            return JSONResponse({"detail": str(exc)}, status_code=409)
        case Unauthenticated():
            return JSONResponse(
                {"detail": "not authenticated"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        case Forbidden():
            return JSONResponse({"detail": exc.reason}, status_code=403)
        case NotOnRoute():
            return JSONResponse({"detail": str(exc)}, status_code=403)
        case ProofRejected():
            return _invalid("proof", str(exc))
        case DomainError():
            return JSONResponse({"detail": str(exc)}, status_code=409)
        case ConcurrencyConflict():
            return JSONResponse(
                {"detail": f"a concurrent change won; retry the request ({exc})"},
                status_code=409,
            )
        case ValueError():
            return _invalid("request", str(exc) or "invalid value")
    raise exc


def _is_page(request: Request) -> bool:
    """Tell whether a browser asked for a page (sent to sign in) rather than JSON."""
    return (
        request.method == "GET"
        and not request.url.path.startswith(("/api/", "/openapi", "/docs"))
        and "text/html" in request.headers.get("accept", "")
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the one mapping from errors to responses on ``app``."""

    async def handle(request: Request, exc: Exception) -> Response:
        if isinstance(exc, Unauthenticated):
            # The reason (expired, revoked...) goes to the log, not to the caller.
            log.info("refused %s %s: %s", request.method, request.url.path, exc.reason)
            if _is_page(request):
                return RedirectResponse(f"/login?next={quote(request.url.path)}", 303)
        return domain_error_response(exc)

    for exc_type in (DomainError, Unauthenticated, Forbidden, ConcurrencyConflict, ValueError):
        app.add_exception_handler(exc_type, handle)
