"""Domain errors: every rule the domain enforces fails with one of these."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error raised by a domain rule."""


class InvalidValue(DomainError, ValueError):
    """A value breaks a domain rule; names the field and the reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class IllegalTransition(DomainError):
    """A status change the state machine does not allow."""

    def __init__(self, entity: str, current: str, target: str) -> None:
        super().__init__(f"{entity} cannot go from {current!r} to {target!r}")
        self.entity = entity
        self.current = current
        self.target = target


class OutOfStock(DomainError):
    """Not enough available stock for a reservation, pick or transfer."""

    def __init__(self, sku_id: str, warehouse_id: str, requested: int, available: int) -> None:
        super().__init__(
            f"sku {sku_id!r} at warehouse {warehouse_id!r}: requested {requested}, "
            f"available {available}"
        )
        self.sku_id = sku_id
        self.warehouse_id = warehouse_id
        self.requested = requested
        self.available = available


class NotFound(DomainError):
    """An entity looked up by id does not exist."""

    def __init__(self, entity: str, entity_id: str) -> None:
        super().__init__(f"{entity} {entity_id!r} not found")
        self.entity = entity
        self.entity_id = entity_id


class Conflict(DomainError):
    """A request conflicts with what is already stored (e.g. an idempotency key reused)."""
