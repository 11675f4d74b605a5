"""Fulfillment warehouses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from lastmile.domain.errors import InvalidValue
from lastmile.domain.geo import GeoPoint


# Mapped by the storage adapter (it needs __dict__ and settable attributes),
# so not frozen/slotted; unsafe_hash keeps the hash the frozen class had.
@dataclass(unsafe_hash=True)
class Warehouse:
    """A fulfillment warehouse: where it is, when orders must arrive to ship, how fast it picks.

    ``same_day_cutoff`` is the latest local time an order can be accepted for same-day
    delivery; ``next_day_cutoff`` likewise for next day. ``location`` may be missing for a
    warehouse imported without coordinates: such a warehouse cannot be sourced from.
    """

    warehouse_id: str
    name: str
    location: GeoPoint | None
    same_day_cutoff: time = time(12, 0)
    next_day_cutoff: time = time(22, 0)
    pick_capacity_per_hour: int = 500
    handling_cost: float = 0.0

    def __post_init__(self) -> None:
        if not self.warehouse_id or not self.warehouse_id.strip():
            raise InvalidValue("warehouse_id", "is empty")
        if self.pick_capacity_per_hour <= 0:
            raise InvalidValue(
                "pick_capacity_per_hour", f"must be > 0, got {self.pick_capacity_per_hour}"
            )
        if self.handling_cost < 0:
            raise InvalidValue("handling_cost", f"must be >= 0, got {self.handling_cost}")
