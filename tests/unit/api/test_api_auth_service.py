"""The credential service on its in-memory store: hashing, expiry, revocation, sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.domain import Conflict, InvalidValue
from lastmile.services.auth import (
    AuthService,
    Role,
    Unauthenticated,
    hash_password,
    verify_password,
)
from lastmile.services.auth_memory import InMemoryAuthStore

T0 = datetime(2026, 11, 30, 9, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def service() -> tuple[AuthService, Clock]:
    clock = Clock()
    return AuthService(InMemoryAuthStore(), clock=clock, cache_s=0), clock


def test_a_key_authenticates_as_its_role_and_driver() -> None:
    auth, _ = service()
    issued = auth.create_key(name="van 7", role=Role.DRIVER, driver_id="VAN-7")
    who = auth.authenticate_key(issued.secret)
    assert (who.role, who.driver_id) == (Role.DRIVER, "VAN-7")


def test_a_key_stops_working_when_it_expires() -> None:
    auth, clock = service()
    issued = auth.create_key(name="k", role=Role.INTEGRATOR, expires_at=T0 + timedelta(days=1))
    auth.authenticate_key(issued.secret)
    clock.now = T0 + timedelta(days=1)
    with pytest.raises(Unauthenticated, match="expired"):
        auth.authenticate_key(issued.secret)


def test_a_revoked_key_is_refused_even_from_the_cache() -> None:
    auth = AuthService(InMemoryAuthStore(), cache_s=3600)
    issued = auth.create_key(name="k", role=Role.ADMIN)
    auth.authenticate_key(issued.secret)
    auth.revoke_key(issued.record.key_id)
    with pytest.raises(Unauthenticated, match="revoked"):
        auth.authenticate_key(issued.secret)


def test_a_driver_key_must_name_its_driver_and_others_must_not() -> None:
    auth, _ = service()
    with pytest.raises(InvalidValue):
        auth.create_key(name="k", role=Role.DRIVER)
    with pytest.raises(InvalidValue):
        auth.create_key(name="k", role=Role.ADMIN, driver_id="VAN-1")


def test_a_key_cannot_be_born_expired() -> None:
    auth, _ = service()
    with pytest.raises(InvalidValue, match="past"):
        auth.create_key(name="k", role=Role.ADMIN, expires_at=T0 - timedelta(seconds=1))


def test_sessions_expire_and_logout_ends_them() -> None:
    auth, clock = service()
    auth.create_user(username="ann", password="a long password", role=Role.DISPATCHER)
    token, session, _ = auth.login(username="ann", password="a long password")
    assert auth.authenticate_session(token).csrf_token == session.csrf_token
    auth.logout(token)
    with pytest.raises(Unauthenticated):
        auth.authenticate_session(token)
    token, _, _ = auth.login(username="ann", password="a long password")
    clock.now = T0 + timedelta(hours=13)
    with pytest.raises(Unauthenticated, match="expired"):
        auth.authenticate_session(token)


def test_usernames_are_unique_and_passwords_not_trivial() -> None:
    auth, _ = service()
    auth.create_user(username="ann", password="a long password", role=Role.ADMIN)
    with pytest.raises(Conflict):
        auth.create_user(username="ann", password="another long one", role=Role.ADMIN)
    with pytest.raises(InvalidValue, match="8 characters"):
        auth.create_user(username="bob", password="short", role=Role.ADMIN)


def test_first_admin_key_is_created_once() -> None:
    auth, _ = service()
    assert auth.ensure_admin_key() is not None
    assert auth.ensure_admin_key() is None


@settings(max_examples=3, deadline=None)
@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_a_password_verifies_only_against_its_own_hash(a: str, b: str) -> None:
    stored = hash_password(a)
    assert verify_password(a, stored)
    assert verify_password(b, stored) == (a == b)
