"""API keys and users: admin only; ``/me`` for anyone signed in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from lastmile.api.errors import ERROR_RESPONSES
from lastmile.api.schemas.auth import (
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyRead,
    PrincipalRead,
    UserCreate,
    UserRead,
)
from lastmile.api.security import ALL_ROLES, Allow
from lastmile.services.auth import AuthService, Principal, Role

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=ERROR_RESPONSES)

AdminDep = Annotated[Principal, Depends(Allow(Role.ADMIN))]
AnyoneDep = Annotated[Principal, Depends(Allow(*ALL_ROLES))]


def _auth(request: Request) -> AuthService:
    service: AuthService = request.app.state.ctx.auth
    return service


AuthDep = Annotated[AuthService, Depends(_auth)]


@router.post("/keys", status_code=201, response_model=ApiKeyIssued)
def create_key(body: ApiKeyCreate, _: AdminDep, auth: AuthDep) -> ApiKeyIssued:
    """Create an API key; its secret is in this response and nowhere else."""
    issued = auth.create_key(
        name=body.name, role=body.role, driver_id=body.driver_id, expires_at=body.expires_at
    )
    return ApiKeyIssued(**ApiKeyRead.of(issued.record).model_dump(), secret=issued.secret)


@router.get("/keys", response_model=list[ApiKeyRead])
def list_keys(_: AdminDep, auth: AuthDep) -> list[ApiKeyRead]:
    """List keys (never their secrets)."""
    return [ApiKeyRead.of(k) for k in auth.list_keys()]


@router.post("/keys/{key_id}/revoke", response_model=ApiKeyRead)
def revoke_key(key_id: str, _: AdminDep, auth: AuthDep) -> ApiKeyRead:
    """Revoke a key from now on."""
    return ApiKeyRead.of(auth.revoke_key(key_id))


@router.post("/users", status_code=201, response_model=UserRead)
def create_user(body: UserCreate, _: AdminDep, auth: AuthDep) -> UserRead:
    """Create a browser login."""
    return UserRead.of(
        auth.create_user(
            username=body.username,
            password=body.password,
            role=body.role,
            driver_id=body.driver_id,
        )
    )


@router.get("/users", response_model=list[UserRead])
def list_users(_: AdminDep, auth: AuthDep) -> list[UserRead]:
    """List logins."""
    return [UserRead.of(u) for u in auth.store.list_users()]


@router.get("/me", response_model=PrincipalRead)
async def me(principal: AnyoneDep) -> PrincipalRead:
    """Say who the caller is."""
    # Async: no I/O here, and a sync endpoint would cost a trip to the thread pool.
    return PrincipalRead(
        subject=principal.subject, role=principal.role, driver_id=principal.driver_id
    )
