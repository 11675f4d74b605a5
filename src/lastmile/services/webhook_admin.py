"""Use cases of webhook subscriptions: subscribe an endpoint, list them, see dead letters."""

from __future__ import annotations

import secrets

from lastmile.adapters.webhooks import Delivery, Subscription, WebhookStore
from lastmile.domain import InvalidValue


def subscribe(
    *, store: WebhookStore, url: str, kinds: list[str], secret: str | None = None
) -> Subscription:
    """Register an endpoint for event kinds; a signing secret is generated when none is given.

    Bodies are signed with HMAC-SHA256 under the secret (see ``adapters.webhooks``).
    """
    if not url.startswith(("https://", "http://")):
        raise InvalidValue("url", "must be an http(s) URL")
    if not kinds:
        raise InvalidValue("kinds", "name at least one event kind, a prefix ending in '.', or '*'")
    subscription = Subscription(
        subscription_id=f"wh_{secrets.token_hex(6)}",
        url=url,
        secret=secret or secrets.token_urlsafe(32),
        kinds=frozenset(kinds),
    )
    store.add_subscription(subscription)
    return subscription


def subscriptions(*, store: WebhookStore) -> list[Subscription]:
    """List every subscription."""
    return store.subscriptions()


def dead_letters(*, store: WebhookStore) -> list[Delivery]:
    """List deliveries that gave up after their last retry."""
    return store.dead_letters()
