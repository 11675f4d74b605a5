"""Webhook signatures: HMAC-SHA256 over the timestamp and the exact body sent.

A receiver recomputes ``sha256=HMAC(secret, f"{timestamp}.{body}")`` and compares in
constant time; the timestamp inside the MAC stops a captured request being replayed
later (receivers reject timestamps older than a tolerance).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-Lastmile-Signature"
TIMESTAMP_HEADER = "X-Lastmile-Timestamp"
EVENT_ID_HEADER = "X-Lastmile-Event-Id"
EVENT_KIND_HEADER = "X-Lastmile-Event-Kind"
DEFAULT_TOLERANCE_S = 300


def new_secret() -> str:
    """Return a fresh 256-bit webhook secret."""
    return secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the signature header value for ``body`` sent at ``timestamp`` (epoch s)."""
    if not secret:
        raise ValueError("an empty webhook secret is not understood.")
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(
    secret: str,
    timestamp: int,
    body: bytes,
    signature: str,
    *,
    now: int,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> bool:
    """Tell whether ``signature`` is ours for this body and the timestamp is fresh."""
    if abs(now - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)
