"""An in-memory ``AuthStore``, for tests and database-free runs."""

from __future__ import annotations

from lastmile.services.auth import ApiKeyRecord, SessionRecord, UserRecord


class InMemoryAuthStore:
    """A dict-backed AuthStore for tests and database-free runs."""

    def __init__(self) -> None:
        self.keys: dict[str, ApiKeyRecord] = {}
        self.users: dict[str, UserRecord] = {}
        self.sessions: dict[str, SessionRecord] = {}

    def add_key(self, record: ApiKeyRecord) -> None:
        self.keys[record.key_id] = record

    def key_by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        return next((k for k in self.keys.values() if k.key_hash == key_hash), None)

    def key_by_id(self, key_id: str) -> ApiKeyRecord | None:
        return self.keys.get(key_id)

    def list_keys(self) -> list[ApiKeyRecord]:
        return sorted(self.keys.values(), key=lambda k: k.created_at)

    def save_key(self, record: ApiKeyRecord) -> None:
        self.keys[record.key_id] = record

    def add_user(self, record: UserRecord) -> None:
        self.users[record.user_id] = record

    def user_by_name(self, username: str) -> UserRecord | None:
        return next((u for u in self.users.values() if u.username == username), None)

    def user_by_id(self, user_id: str) -> UserRecord | None:
        return self.users.get(user_id)

    def list_users(self) -> list[UserRecord]:
        return sorted(self.users.values(), key=lambda u: u.username)

    def add_session(self, record: SessionRecord) -> None:
        self.sessions[record.token_hash] = record

    def session_by_hash(self, token_hash: str) -> SessionRecord | None:
        return self.sessions.get(token_hash)

    def delete_session(self, token_hash: str) -> None:
        self.sessions.pop(token_hash, None)
