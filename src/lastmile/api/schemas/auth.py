"""API schemas of keys, users and the caller."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from lastmile.services.auth import ApiKeyRecord, Role, UserRecord


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    role: Role
    driver_id: str | None = Field(default=None, max_length=64)
    expires_at: datetime | None = None


class ApiKeyRead(BaseModel):
    key_id: str
    name: str
    role: Role
    driver_id: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, record: ApiKeyRecord) -> ApiKeyRead:
        return cls(
            key_id=record.key_id,
            name=record.name,
            role=record.role,
            driver_id=record.driver_id,
            created_at=record.created_at,
            expires_at=record.expires_at,
            revoked_at=record.revoked_at,
        )


class ApiKeyIssued(ApiKeyRead):
    secret: str = Field(description="shown once; only its SHA-256 is stored")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=8, max_length=200)
    role: Role
    driver_id: str | None = Field(default=None, max_length=64)


class UserRead(BaseModel):
    user_id: str
    username: str
    role: Role
    driver_id: str | None
    active: bool

    @classmethod
    def of(cls, record: UserRecord) -> UserRead:
        return cls(
            user_id=record.user_id,
            username=record.username,
            role=record.role,
            driver_id=record.driver_id,
            active=record.active,
        )


class PrincipalRead(BaseModel):
    subject: str
    role: Role
    driver_id: str | None
