"""The SQL ``AuthStore``: credentials kept in the application database.

Each call is its own short transaction on the engine; authentication runs on every request
and must not hold a connection open between requests.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.engine import RowMapping

from lastmile.adapters.db.engine import read_only
from lastmile.adapters.db.tables_auth import api_keys, sessions, users
from lastmile.services.auth import ApiKeyRecord, Role, SessionRecord, UserRecord


def _key(row: RowMapping) -> ApiKeyRecord:
    return ApiKeyRecord(
        key_id=row["key_id"],
        name=row["name"],
        role=Role(row["role"]),
        key_hash=row["key_hash"],
        created_at=row["created_at"],
        driver_id=row["driver_id"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
    )


def _user(row: RowMapping) -> UserRecord:
    return UserRecord(
        user_id=row["user_id"],
        username=row["username"],
        password_hash=row["password_hash"],
        role=Role(row["role"]),
        driver_id=row["driver_id"],
        active=bool(row["active"]),
    )


def _key_values(record: ApiKeyRecord) -> dict[str, Any]:
    return {
        "key_id": record.key_id,
        "name": record.name,
        "role": record.role.value,
        "key_hash": record.key_hash,
        "driver_id": record.driver_id,
        "created_at": record.created_at,
        "expires_at": record.expires_at,
        "revoked_at": record.revoked_at,
    }


class SqlAuthStore:
    """AuthStore on a SQLAlchemy engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Look-ups run on every request: as read transactions they never queue behind
        # order intake for SQLite's write lock.
        self._reader = read_only(engine)

    def add_key(self, record: ApiKeyRecord) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(api_keys).values(**_key_values(record)))

    def key_by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        with self._reader.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_hash == key_hash))
            found = row.mappings().first()
        return _key(found) if found else None

    def key_by_id(self, key_id: str) -> ApiKeyRecord | None:
        with self._reader.connect() as conn:
            found = (
                conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().first()
            )
        return _key(found) if found else None

    def list_keys(self) -> list[ApiKeyRecord]:
        with self._reader.connect() as conn:
            rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at)).mappings()
            return [_key(r) for r in rows]

    def save_key(self, record: ApiKeyRecord) -> None:
        values = _key_values(record)
        with self.engine.begin() as conn:
            conn.execute(
                update(api_keys).where(api_keys.c.key_id == record.key_id).values(**values)
            )

    def add_user(self, record: UserRecord) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(users).values(
                    user_id=record.user_id,
                    username=record.username,
                    password_hash=record.password_hash,
                    role=record.role.value,
                    driver_id=record.driver_id,
                    active=record.active,
                )
            )

    def user_by_name(self, username: str) -> UserRecord | None:
        with self._reader.connect() as conn:
            found = (
                conn.execute(select(users).where(users.c.username == username)).mappings().first()
            )
        return _user(found) if found else None

    def user_by_id(self, user_id: str) -> UserRecord | None:
        with self._reader.connect() as conn:
            found = conn.execute(select(users).where(users.c.user_id == user_id)).mappings().first()
        return _user(found) if found else None

    def list_users(self) -> list[UserRecord]:
        with self._reader.connect() as conn:
            return [
                _user(r) for r in conn.execute(select(users).order_by(users.c.username)).mappings()
            ]

    def add_session(self, record: SessionRecord) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(sessions).values(
                    token_hash=record.token_hash,
                    user_id=record.user_id,
                    csrf_token=record.csrf_token,
                    created_at=record.created_at,
                    expires_at=record.expires_at,
                )
            )

    def session_by_hash(self, token_hash: str) -> SessionRecord | None:
        with self._reader.connect() as conn:
            row = (
                conn.execute(select(sessions).where(sessions.c.token_hash == token_hash))
                .mappings()
                .first()
            )
        if row is None:
            return None
        return SessionRecord(
            token_hash=row["token_hash"],
            user_id=row["user_id"],
            csrf_token=row["csrf_token"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
        )

    def delete_session(self, token_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash))
