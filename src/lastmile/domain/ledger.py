"""The stock ledger: an append-only list of movements per SKU and warehouse.

On-hand, reserved and available are derived from the movements, never stored on their
own; ``StockLevel`` is the running sum kept as the aggregate that enforces the rules
(available never negative) and carries a version for optimistic concurrency.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from lastmile.domain.errors import InvalidValue, OutOfStock


class MovementKind(StrEnum):
    RECEIPT = "receipt"
    RESERVATION = "reservation"
    RELEASE = "release"
    PICK = "pick"
    ADJUSTMENT = "adjustment"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"


@dataclass(frozen=True, slots=True)
class StockMovement:
    """One line of the ledger. ``quantity`` is positive except for adjustments."""

    sku_id: str
    warehouse_id: str
    kind: MovementKind
    quantity: int
    at: datetime
    reference: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.quantity, int) or isinstance(self.quantity, bool):
            raise InvalidValue("quantity", f"must be an integer, got {self.quantity!r}")
        if self.kind is MovementKind.ADJUSTMENT:
            if self.quantity == 0:
                raise InvalidValue("quantity", "an adjustment of 0 changes nothing")
        elif self.quantity <= 0:
            raise InvalidValue("quantity", f"must be > 0 for a {self.kind}, got {self.quantity}")

    @property
    def on_hand_delta(self) -> int:
        match self.kind:
            case MovementKind.RECEIPT | MovementKind.TRANSFER_IN:
                return self.quantity
            case MovementKind.PICK | MovementKind.TRANSFER_OUT:
                return -self.quantity
            case MovementKind.ADJUSTMENT:
                return self.quantity
            case _:
                return 0

    @property
    def reserved_delta(self) -> int:
        match self.kind:
            case MovementKind.RESERVATION:
                return self.quantity
            case MovementKind.RELEASE | MovementKind.PICK:
                return -self.quantity
            case _:
                return 0


# Mapped by the storage adapter, which needs __dict__: no slots.
@dataclass
class StockLevel:
    """Stock of one SKU at one warehouse, with the movements not yet persisted.

    Every method appends one movement and updates the running sums, or raises and
    changes nothing.
    """

    sku_id: str
    warehouse_id: str
    on_hand: int = 0
    reserved: int = 0
    version: int = 0
    pending: list[StockMovement] = field(default_factory=list)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @classmethod
    def replay(
        cls, sku_id: str, warehouse_id: str, movements: Iterable[StockMovement]
    ) -> StockLevel:
        """Rebuild the level from its ledger, checking every rule on the way."""
        level = cls(sku_id, warehouse_id)
        for movement in movements:
            level.apply(movement)
        level.pending.clear()
        return level

    def apply(self, movement: StockMovement) -> StockMovement:
        """Apply one movement after checking it keeps the stock consistent."""
        if (movement.sku_id, movement.warehouse_id) != (self.sku_id, self.warehouse_id):
            raise InvalidValue(
                "movement",
                f"belongs to {movement.sku_id}@{movement.warehouse_id}, "
                f"not {self.sku_id}@{self.warehouse_id}",
            )
        new_on_hand = self.on_hand + movement.on_hand_delta
        new_reserved = self.reserved + movement.reserved_delta
        if movement.kind is MovementKind.RELEASE and movement.quantity > self.reserved:
            raise InvalidValue(
                "quantity", f"release of {movement.quantity} exceeds reserved {self.reserved}"
            )
        if movement.kind is MovementKind.PICK and movement.quantity > self.reserved:
            raise InvalidValue(
                "quantity",
                f"pick of {movement.quantity} exceeds reserved {self.reserved}; "
                "reserve before picking",
            )
        if new_on_hand - new_reserved < 0 or new_on_hand < 0:
            raise OutOfStock(self.sku_id, self.warehouse_id, abs(movement.quantity), self.available)
        self.on_hand, self.reserved = new_on_hand, new_reserved
        self.version += 1
        self.pending.append(movement)
        return movement

    def _move(
        self, kind: MovementKind, quantity: int, reference: str, at: datetime | None
    ) -> StockMovement:
        return self.apply(
            StockMovement(
                self.sku_id, self.warehouse_id, kind, quantity, at or datetime.now(UTC), reference
            )
        )

    def receive(
        self, quantity: int, *, reference: str = "", at: datetime | None = None
    ) -> StockMovement:
        """Book goods in."""
        return self._move(MovementKind.RECEIPT, quantity, reference, at)

    def reserve(
        self, quantity: int, *, reference: str = "", at: datetime | None = None
    ) -> StockMovement:
        """Hold available stock for an order; raises OutOfStock if there is not enough."""
        return self._move(MovementKind.RESERVATION, quantity, reference, at)

    def release(
        self, quantity: int, *, reference: str = "", at: datetime | None = None
    ) -> StockMovement:
        """Give a reservation back to available stock."""
        return self._move(MovementKind.RELEASE, quantity, reference, at)

    def pick(
        self, quantity: int, *, reference: str = "", at: datetime | None = None
    ) -> StockMovement:
        """Take reserved stock off the shelf."""
        return self._move(MovementKind.PICK, quantity, reference, at)

    def adjust(
        self, delta: int, *, reference: str = "", at: datetime | None = None
    ) -> StockMovement:
        """Correct on-hand after a count; cannot drop below what is reserved."""
        return self._move(MovementKind.ADJUSTMENT, delta, reference, at)

    def transfer_out(
        self, quantity: int, *, reference: str = "", at: datetime | None = None
    ) -> StockMovement:
        """Send available stock to another warehouse."""
        return self._move(MovementKind.TRANSFER_OUT, quantity, reference, at)

    def transfer_in(
        self, quantity: int, *, reference: str = "", at: datetime | None = None
    ) -> StockMovement:
        """Receive stock sent by another warehouse."""
        return self._move(MovementKind.TRANSFER_IN, quantity, reference, at)
