"""Webhook subscriptions for integrators; events arrive signed (HMAC-SHA256)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from lastmile.api.deps import CtxDep, Integration
from lastmile.api.errors import ERROR_RESPONSES
from lastmile.api.schemas.common import Strict
from lastmile.services import webhook_admin

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], responses=ERROR_RESPONSES)


class WebhookCreate(Strict):
    url: str = Field(min_length=8, max_length=500, pattern=r"^https?://")
    kinds: list[str] = Field(default_factory=lambda: ["*"], min_length=1, max_length=50)
    secret: str | None = Field(default=None, min_length=16, max_length=200)


class WebhookRead(BaseModel):
    subscription_id: str
    url: str
    kinds: list[str]
    active: bool


class WebhookIssued(WebhookRead):
    secret: str = Field(description="signing secret; shown once")


class DeadLetterRead(BaseModel):
    subscription_id: str
    event_id: str
    kind: str
    attempts: int
    last_error: str
    next_attempt_at: datetime


@router.post("", status_code=201)
def create_webhook(body: WebhookCreate, _: Integration, ctx: CtxDep) -> WebhookIssued:
    """Subscribe an endpoint to event kinds (``order.``, ``stop.delivered``, ``*``...)."""
    s = webhook_admin.subscribe(
        store=ctx.webhook_store(), url=body.url, kinds=body.kinds, secret=body.secret
    )
    return WebhookIssued(
        subscription_id=s.subscription_id,
        url=s.url,
        kinds=sorted(s.kinds),
        active=s.active,
        secret=s.secret,
    )


@router.get("")
def list_webhooks(_: Integration, ctx: CtxDep) -> list[WebhookRead]:
    """List subscriptions (secrets are not shown again)."""
    return [
        WebhookRead(
            subscription_id=s.subscription_id, url=s.url, kinds=sorted(s.kinds), active=s.active
        )
        for s in webhook_admin.subscriptions(store=ctx.webhook_store())
    ]


@router.get("/dead-letters")
def dead_letters(_: Integration, ctx: CtxDep) -> list[DeadLetterRead]:
    """Deliveries that exhausted their retries."""
    return [
        DeadLetterRead(
            subscription_id=d.subscription_id,
            event_id=d.event_id,
            kind=d.kind,
            attempts=d.attempts,
            last_error=d.last_error,
            next_attempt_at=d.next_attempt_at,
        )
        for d in webhook_admin.dead_letters(store=ctx.webhook_store())
    ]
