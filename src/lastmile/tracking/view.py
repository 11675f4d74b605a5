"""What a customer sees behind a tracking link: their parcel only.

The token is the only key (>= 128 bits of randomness, so links cannot be guessed or
enumerated). The view is built from one shipment and, for counting, the order of stops
of its route; it carries no name, address, position or time of any other stop.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from lastmile.domain.route import Route, StopStatus
from lastmile.domain.shipment import Shipment
from lastmile.domain.time_window import TimeWindow

TOKEN_BYTES = 24  # 192 bits


def new_tracking_token() -> str:
    """Return a fresh unguessable tracking token (192 random bits, URL-safe)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def looks_like_token(token: str) -> bool:
    """Tell whether a string could be one of our tokens (cheap pre-check before a lookup)."""
    return 22 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)


@dataclass(frozen=True, slots=True)
class TrackingView:
    """The customer's view of one shipment."""

    status: str
    delivery_date: str
    eta: TimeWindow | None
    stops_before: int | None
    proof_method: str
    updated_at: datetime


def _half_width(stops_before: int) -> timedelta:
    # The further away in the route, the more the day can still shift: widen the window.
    return timedelta(minutes=min(60, max(10, 5 * stops_before)))


def build_view(
    shipment: Shipment, route: Route | None, *, now: datetime, failed_status: str = "attempt_failed"
) -> TrackingView:
    """Return the view of ``shipment`` on ``route`` (None before it is routed).

    The ETA follows the van: when the next stop it has not reached is already overdue,
    every later stop moves by that lateness.
    """
    base = TrackingView(
        "processing",
        shipment.delivery_date,
        shipment.window,
        None,
        shipment.proof_method.value,
        now,
    )
    if route is None:
        return base
    index = next(
        (i for i, s in enumerate(route.stops) if shipment.shipment_id in s.shipment_ids), None
    )
    if index is None:
        return base
    stop = route.stops[index]
    if stop.status is StopStatus.DELIVERED:
        return TrackingView(
            "delivered", shipment.delivery_date, None, 0, shipment.proof_method.value, now
        )
    if stop.status in (StopStatus.FAILED, StopStatus.SKIPPED):
        return TrackingView(
            failed_status, shipment.delivery_date, None, None, shipment.proof_method.value, now
        )
    before = [
        s for s in route.stops[:index] if s.status in (StopStatus.PLANNED, StopStatus.ARRIVED)
    ]
    started = any(s.status is not StopStatus.PLANNED for s in route.stops)
    lateness = timedelta(0)
    if before and before[0].arrival < now:
        lateness = now - before[0].arrival
    elif not before and stop.arrival < now:
        lateness = now - stop.arrival
    eta = stop.arrival + lateness
    half = _half_width(len(before))
    status = "out_for_delivery" if started or now >= route.stops[0].arrival else "scheduled"
    if started and not before:
        status = "next_stop"
    return TrackingView(
        status,
        shipment.delivery_date,
        TimeWindow(eta - half, eta + half),
        len(before),
        shipment.proof_method.value,
        now,
    )
