"""Authentication and roles: API keys, users with passwords, browser sessions.

Secrets are never stored: an API key or session token is kept as the SHA-256 of a
high-entropy random string (a fast hash is enough when the input has 256 bits of entropy),
a password as a salted scrypt hash (slow, since people choose guessable passwords).

Use cases take an ``AuthStore`` (the SQL one lives in ``adapters/db/auth_store.py``; the
in-memory one in ``services/auth_memory.py`` is for tests and runs without a database)
and a clock, so expiry is testable without sleeping.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from lastmile.domain.errors import Conflict, InvalidValue, NotFound

__all__ = [
    "ApiKeyRecord",
    "AuthService",
    "AuthStore",
    "IssuedKey",
    "Principal",
    "Role",
    "SessionRecord",
    "Unauthenticated",
    "UserRecord",
    "hash_password",
    "hash_secret",
    "verify_password",
]

KEY_PREFIX = "lm_"
SESSION_TTL = timedelta(hours=12)


class Role(StrEnum):
    ADMIN = "admin"
    DISPATCHER = "dispatcher"
    WAREHOUSE = "warehouse"
    DRIVER = "driver"
    INTEGRATOR = "integrator"


class Unauthenticated(Exception):
    """No valid credential: missing, unknown, expired or revoked (the reason is logged)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: their role and, for a driver, which driver they are."""

    subject: str
    role: Role
    driver_id: str | None = None
    via: str = "key"
    csrf_token: str | None = None


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    key_id: str
    name: str
    role: Role
    key_hash: str
    created_at: datetime
    driver_id: str | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def usable_at(self, now: datetime) -> str | None:
        """Return why the key cannot be used at ``now``, or None when it can."""
        if self.revoked_at is not None and self.revoked_at <= now:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return None


@dataclass(frozen=True, slots=True)
class UserRecord:
    user_id: str
    username: str
    password_hash: str
    role: Role
    driver_id: str | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class SessionRecord:
    token_hash: str
    user_id: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A freshly created key: the only moment its secret is visible."""

    record: ApiKeyRecord
    secret: str


class AuthStore(Protocol):
    """Where keys, users and sessions are kept."""

    def add_key(self, record: ApiKeyRecord) -> None: ...
    def key_by_hash(self, key_hash: str) -> ApiKeyRecord | None: ...
    def key_by_id(self, key_id: str) -> ApiKeyRecord | None: ...
    def list_keys(self) -> list[ApiKeyRecord]: ...
    def save_key(self, record: ApiKeyRecord) -> None: ...
    def add_user(self, record: UserRecord) -> None: ...
    def user_by_name(self, username: str) -> UserRecord | None: ...
    def user_by_id(self, user_id: str) -> UserRecord | None: ...
    def list_users(self) -> list[UserRecord]: ...
    def add_session(self, record: SessionRecord) -> None: ...
    def session_by_hash(self, token_hash: str) -> SessionRecord | None: ...
    def delete_session(self, token_hash: str) -> None: ...


def hash_secret(secret: str) -> str:
    """Return the hex SHA-256 of a high-entropy secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """Return a salted scrypt hash of ``password`` in a self-describing string."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Tell whether ``password`` matches ``stored``, in constant time."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p)
        )
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes even for timezone-aware columns; we store UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class AuthService:
    """Issues and checks credentials.

    Successful key look-ups are cached for ``cache_s`` seconds so a busy integrator does
    not cost one database read per request; revoking through this service drops the cache
    at once, and another process's revocation takes effect within ``cache_s``.
    """

    def __init__(
        self,
        store: AuthStore,
        *,
        clock: Callable[[], datetime] = _now,
        cache_s: float = 2.0,
        session_ttl: timedelta = SESSION_TTL,
    ) -> None:
        self.store = store
        self.clock = clock
        self.cache_s = cache_s
        self.session_ttl = session_ttl
        self._cache: dict[str, tuple[float, ApiKeyRecord]] = {}
        self._lock = threading.Lock()

    # -- API keys -------------------------------------------------------------------
    def create_key(
        self,
        *,
        name: str,
        role: Role,
        driver_id: str | None = None,
        expires_at: datetime | None = None,
    ) -> IssuedKey:
        """Create a key; the secret is returned once and only its hash is stored."""
        if not name.strip():
            raise InvalidValue("name", "is empty")
        if role is Role.DRIVER and not driver_id:
            raise InvalidValue("driver_id", "a driver key must name its driver")
        if role is not Role.DRIVER and driver_id:
            raise InvalidValue("driver_id", f"only a driver key names a driver, not a {role}")
        now = self.clock()
        if expires_at is not None and _aware(expires_at) <= now:
            raise InvalidValue("expires_at", "is in the past")
        key_id = secrets.token_hex(8)
        secret = f"{KEY_PREFIX}{secrets.token_urlsafe(32)}"
        record = ApiKeyRecord(
            key_id=key_id,
            name=name.strip(),
            role=role,
            key_hash=hash_secret(secret),
            created_at=now,
            driver_id=driver_id,
            expires_at=_aware(expires_at) if expires_at else None,
        )
        self.store.add_key(record)
        return IssuedKey(record, secret)

    def revoke_key(self, key_id: str) -> ApiKeyRecord:
        """Revoke a key from now on."""
        record = self.store.key_by_id(key_id)
        if record is None:
            raise NotFound("api key", key_id)
        if record.revoked_at is not None:
            return record
        record = replace(record, revoked_at=self.clock())
        self.store.save_key(record)
        with self._lock:
            self._cache.pop(record.key_hash, None)
        return record

    def list_keys(self) -> list[ApiKeyRecord]:
        return self.store.list_keys()

    def cached_key(self, secret: str) -> Principal | None:
        """Return the principal of a recently checked key from memory, or None (no I/O)."""
        if not secret.startswith(KEY_PREFIX):
            return None
        with self._lock:
            cached = self._cache.get(hash_secret(secret))
        if cached is None or time.monotonic() - cached[0] >= self.cache_s:
            return None
        try:
            return self._principal(cached[1])
        except Unauthenticated:
            return None

    def _principal(self, record: ApiKeyRecord) -> Principal:
        record_now = replace(
            record,
            expires_at=_aware(record.expires_at) if record.expires_at else None,
            revoked_at=_aware(record.revoked_at) if record.revoked_at else None,
        )
        why = record_now.usable_at(self.clock())
        if why is not None:
            raise Unauthenticated(f"key {why}")
        return Principal(
            subject=f"key:{record.key_id}", role=record.role, driver_id=record.driver_id
        )

    def authenticate_key(self, secret: str) -> Principal:
        """Return the principal of a key, or raise Unauthenticated saying why."""
        if not secret.startswith(KEY_PREFIX):
            raise Unauthenticated("malformed key")
        key_hash = hash_secret(secret)
        mono = time.monotonic()
        with self._lock:
            cached = self._cache.get(key_hash)
        if cached is not None and mono - cached[0] < self.cache_s:
            record = cached[1]
        else:
            found = self.store.key_by_hash(key_hash)
            if found is None:
                raise Unauthenticated("unknown key")
            record = found
            with self._lock:
                self._cache[key_hash] = (mono, record)
        return self._principal(record)

    # -- users and sessions ---------------------------------------------------------
    def create_user(
        self, *, username: str, password: str, role: Role, driver_id: str | None = None
    ) -> UserRecord:
        """Create a login; usernames are unique."""
        username = username.strip()
        if not username:
            raise InvalidValue("username", "is empty")
        if len(password) < 8:
            raise InvalidValue("password", "must be at least 8 characters")
        if role is Role.DRIVER and not driver_id:
            raise InvalidValue("driver_id", "a driver login must name its driver")
        if self.store.user_by_name(username) is not None:
            raise Conflict(f"username {username!r} is taken")
        record = UserRecord(
            user_id=secrets.token_hex(8),
            username=username,
            password_hash=hash_password(password),
            role=role,
            driver_id=driver_id if role is Role.DRIVER else None,
        )
        self.store.add_user(record)
        return record

    def login(self, *, username: str, password: str) -> tuple[str, SessionRecord, UserRecord]:
        """Check a password and open a session; returns the cookie value once."""
        user = self.store.user_by_name(username.strip())
        # Hash even for an unknown user so timing does not reveal which usernames exist.
        stored = user.password_hash if user else hash_password("not-a-user-password")
        if not verify_password(password, stored) or user is None or not user.active:
            raise Unauthenticated("wrong username or password")
        token = secrets.token_urlsafe(32)
        now = self.clock()
        session = SessionRecord(
            token_hash=hash_secret(token),
            user_id=user.user_id,
            csrf_token=secrets.token_urlsafe(24),
            created_at=now,
            expires_at=now + self.session_ttl,
        )
        self.store.add_session(session)
        return token, session, user

    def authenticate_session(self, token: str) -> Principal:
        """Return the principal of a session cookie, or raise Unauthenticated."""
        session = self.store.session_by_hash(hash_secret(token))
        if session is None:
            raise Unauthenticated("unknown session")
        if _aware(session.expires_at) <= self.clock():
            self.store.delete_session(session.token_hash)
            raise Unauthenticated("session expired")
        user = self.store.user_by_id(session.user_id)
        if user is None or not user.active:
            raise Unauthenticated("user disabled")
        return Principal(
            subject=f"user:{user.username}",
            role=user.role,
            driver_id=user.driver_id,
            via="session",
            csrf_token=session.csrf_token,
        )

    def logout(self, token: str) -> None:
        """End a session."""
        self.store.delete_session(hash_secret(token))

    def ensure_admin_key(self) -> IssuedKey | None:
        """Create the first admin key when no key exists yet; None when one does."""
        if self.store.list_keys():
            return None
        return self.create_key(name="first admin key", role=Role.ADMIN)
