"""One-time delivery PINs: stored as a salted hash, rate-limited, locked after 5 failures."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class PinOutcome(StrEnum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    TOO_SOON = "too_soon"
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class PinPolicy:
    """``max_failures`` wrong PINs lock the shipment; after a failure the next try waits
    ``base_wait * 2**(failures - 1)`` so guessing even the allowed attempts takes time."""

    digits: int = 6
    max_failures: int = 5
    base_wait: timedelta = timedelta(seconds=2)

    def __post_init__(self) -> None:
        if not 4 <= self.digits <= 10:
            raise ValueError(f"digits {self.digits} outside [4, 10] not understood.")
        if self.max_failures < 1:
            raise ValueError(f"max_failures {self.max_failures} < 1 not understood.")


@dataclass(frozen=True, slots=True)
class PinState:
    """What is stored for a shipment's PIN: never the PIN itself."""

    shipment_id: str
    salt: str
    digest: str
    failures: int = 0
    last_attempt_at: datetime | None = None
    locked: bool = False


def _digest(salt: str, pin: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), 20_000).hex()


def issue_pin(shipment_id: str, policy: PinPolicy | None = None) -> tuple[str, PinState]:
    """Return a fresh random PIN (to send to the customer) and the state to store."""
    policy = policy or PinPolicy()
    pin = "".join(secrets.choice("0123456789") for _ in range(policy.digits))
    salt = secrets.token_hex(16)
    return pin, PinState(shipment_id, salt, _digest(salt, pin))


def check_pin(
    state: PinState, attempt: str, *, now: datetime, policy: PinPolicy | None = None
) -> tuple[PinOutcome, PinState]:
    """Check one attempt; return the outcome and the state to store.

    A locked PIN and an attempt that comes too soon after a failure are refused without
    looking at the PIN, so they tell a guesser nothing.
    """
    policy = policy or PinPolicy()
    if state.locked:
        return PinOutcome.LOCKED, state
    if state.failures and state.last_attempt_at is not None:
        wait = policy.base_wait * 2 ** (state.failures - 1)
        if now < state.last_attempt_at + wait:
            return PinOutcome.TOO_SOON, state
    if hmac.compare_digest(_digest(state.salt, attempt.strip()), state.digest):
        return PinOutcome.ACCEPTED, replace(state, last_attempt_at=now)
    failures = state.failures + 1
    locked = failures >= policy.max_failures
    new = replace(state, failures=failures, last_attempt_at=now, locked=locked)
    return (PinOutcome.LOCKED if locked else PinOutcome.WRONG), new
