"""The order status machine."""

from __future__ import annotations

from enum import StrEnum

from lastmile.domain.errors import IllegalTransition


class OrderStatus(StrEnum):
    CREATED = "created"
    VALIDATED = "validated"
    BACKORDERED = "backordered"
    SOURCED = "sourced"
    PICKED = "picked"
    PACKED = "packed"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    FAILED_ATTEMPT = "failed_attempt"
    REDELIVERY = "redelivery"
    RETURNED = "returned"
    CANCELLED = "cancelled"


S = OrderStatus

# Cancellation is allowed from every state before the parcel leaves on a van.
_CANCELLABLE = {S.CREATED, S.VALIDATED, S.BACKORDERED, S.SOURCED, S.PICKED, S.PACKED, S.REDELIVERY}

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.CREATED: frozenset({S.VALIDATED}),
    S.VALIDATED: frozenset({S.SOURCED, S.BACKORDERED}),
    S.BACKORDERED: frozenset({S.SOURCED}),
    S.SOURCED: frozenset({S.PICKED}),
    S.PICKED: frozenset({S.PACKED}),
    S.PACKED: frozenset({S.OUT_FOR_DELIVERY}),
    S.OUT_FOR_DELIVERY: frozenset({S.DELIVERED, S.FAILED_ATTEMPT}),
    S.FAILED_ATTEMPT: frozenset({S.REDELIVERY, S.RETURNED}),
    # A redelivery goes back out on a later route.
    S.REDELIVERY: frozenset({S.OUT_FOR_DELIVERY}),
    S.DELIVERED: frozenset(),
    S.RETURNED: frozenset(),
    S.CANCELLED: frozenset(),
}
TRANSITIONS = {
    state: targets | ({S.CANCELLED} if state in _CANCELLABLE else frozenset())
    for state, targets in TRANSITIONS.items()
}

TERMINAL = frozenset(s for s, t in TRANSITIONS.items() if not t)


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    """Tell whether the machine allows ``current -> target``."""
    return target in TRANSITIONS[current]


def check_transition(current: OrderStatus, target: OrderStatus, entity: str = "order") -> None:
    """Raise IllegalTransition, naming both states, unless ``current -> target`` is allowed."""
    if not can_transition(current, target):
        raise IllegalTransition(entity, current.value, target.value)
