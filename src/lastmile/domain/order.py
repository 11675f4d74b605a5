"""Customer orders and their lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from lastmile.domain.address import Address
from lastmile.domain.errors import InvalidValue
from lastmile.domain.events import DomainEvent
from lastmile.domain.status import OrderStatus, check_transition
from lastmile.domain.time_window import TimeWindow


class DeliveryOption(StrEnum):
    SAME_DAY = "same_day"
    NEXT_DAY = "next_day"
    SLOT = "slot"


# Mapped by the storage adapter (it needs __dict__ and settable attributes),
# so not frozen/slotted; unsafe_hash keeps the hash the frozen class had.
@dataclass(unsafe_hash=True)
class OrderLine:
    """A quantity of one SKU on an order."""

    sku_id: str
    quantity: int

    def __post_init__(self) -> None:
        if not self.sku_id or not self.sku_id.strip():
            raise InvalidValue("sku_id", "is empty")
        if not isinstance(self.quantity, int) or isinstance(self.quantity, bool):
            raise InvalidValue("quantity", f"must be an integer, got {self.quantity!r}")
        if self.quantity <= 0:
            raise InvalidValue("quantity", f"must be > 0, got {self.quantity}")


# Mapped by the storage adapter, which needs __dict__: no slots.
@dataclass
class Order:
    """A customer order: what, to where, by when; moves through the status machine.

    ``external_id`` is the client's own order id and is unique per client.
    """

    order_id: str
    external_id: str
    customer_id: str
    address: Address
    lines: list[OrderLine]
    option: DeliveryOption = DeliveryOption.NEXT_DAY
    window: TimeWindow | None = None
    placed_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    status: OrderStatus = OrderStatus.CREATED
    status_reason: str = ""
    events: list[DomainEvent] = field(default_factory=list)
    # The retailer or 3PL customer that sent the order: external ids are unique per client.
    client_id: str = "default"

    def __post_init__(self) -> None:
        if not self.lines:
            raise InvalidValue("lines", "an order needs at least one line")
        seen: set[str] = set()
        for line in self.lines:
            if line.sku_id in seen:
                raise InvalidValue("lines", f"sku {line.sku_id!r} appears twice")
            seen.add(line.sku_id)
        if self.option is DeliveryOption.SLOT and self.window is None:
            raise InvalidValue("window", "a slot delivery needs a time window")

    @property
    def total_units(self) -> int:
        return sum(line.quantity for line in self.lines)

    def transition(
        self, target: OrderStatus, *, reason: str = "", at: datetime | None = None
    ) -> DomainEvent:
        """Move to ``target`` or raise IllegalTransition naming both states."""
        check_transition(self.status, target)
        previous = self.status
        self.status = target
        self.status_reason = reason
        event = DomainEvent(
            kind=f"order.{target.value}",
            aggregate_id=self.order_id,
            data={"from": previous.value, "to": target.value, "reason": reason},
            at=at or datetime.now(UTC),
        )
        self.events.append(event)
        return event
