"""Consolidation: orders to the same address on the same day become one shipment.

A shipment is one stop: one warehouse, one address (unit included), one delivery day, one
option and, for slots, one window. Two orders differing in any of these never merge.
Apartments of one building stay separate shipments but are counted as one stop.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from lastmile.domain import Address, DeliveryOption, Order, ParcelItem, Shipment

_PUNCT = re.compile(r"[^\w\s]")


def address_key(address: Address) -> str:
    """Return a key equal for two spellings of the same address, unit included."""
    parts = address.parts
    if parts.get("house_number") and parts.get("street"):
        fields = (
            parts["house_number"],
            parts["street"],
            parts.get("unit", ""),
            parts.get("zip", ""),
        )
        text = " ".join(f for f in fields if f)
    else:
        text = address.raw
    return " ".join(_PUNCT.sub(" ", text).upper().split())


def delivery_date(order: Order, now: datetime, tz: tzinfo) -> date:
    """Return the day the order is delivered on, read in ``tz``."""
    if order.option is DeliveryOption.SLOT and order.window is not None:
        return order.window.start.astimezone(tz).date()
    today = now.astimezone(tz).date()
    return today if order.option is DeliveryOption.SAME_DAY else today + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ShipmentKey:
    """Everything two orders must share to travel as one shipment."""

    warehouse_id: str
    address: str
    day: date
    option: DeliveryOption
    window: tuple[datetime, datetime] | None


@dataclass(frozen=True)
class PlannedShipment:
    """A shipment and the order lines it carries."""

    shipment: Shipment
    items: tuple[ParcelItem, ...]
    key: ShipmentKey


@dataclass(frozen=True)
class ConsolidationResult:
    """The shipments, and what consolidation saved against one shipment per order."""

    shipments: tuple[PlannedShipment, ...]
    unconsolidated: int
    stops: int

    @property
    def trips_saved(self) -> int:
        """Return deliveries saved: order-by-warehouse shipments minus actual shipments."""
        return self.unconsolidated - len(self.shipments)


def consolidate(
    orders: Sequence[tuple[Order, str, Sequence[ParcelItem]]],
    *,
    now: datetime,
    tz: tzinfo,
    new_id: Callable[[ShipmentKey, int], str] | None = None,
) -> ConsolidationResult:
    """Merge orders into shipments.

    Parameters
    ----------
    orders
        ``(order, warehouse_id, items)``: each order's lines at one warehouse (a split
        order appears once per warehouse).
    now, tz
        When the batch is planned and where delivery days are read.
    new_id
        Names a shipment from its key and rank; ``SHP-<warehouse>-<n>`` by default.

    Returns
    -------
    ConsolidationResult
        Shipments in first-seen order, with the counts to compare against.
    """
    groups: dict[ShipmentKey, list[tuple[Order, Sequence[ParcelItem]]]] = {}
    for order, warehouse_id, items in orders:
        window = (
            (order.window.start, order.window.end)
            if order.option is DeliveryOption.SLOT and order.window
            else None
        )
        key = ShipmentKey(
            warehouse_id,
            address_key(order.address),
            delivery_date(order, now, tz),
            order.option,
            window,
        )
        groups.setdefault(key, []).append((order, items))
    namer = new_id or (lambda k, n: f"SHP-{k.warehouse_id}-{n:05d}")
    planned = []
    for n, (key, members) in enumerate(groups.items()):
        first = members[0][0]
        planned.append(
            PlannedShipment(
                shipment=Shipment(
                    shipment_id=namer(key, n + 1),
                    warehouse_id=key.warehouse_id,
                    address=first.address,
                    order_ids=[o.order_id for o, _ in members],
                    option=key.option,
                    delivery_date=key.day.isoformat(),
                    window=first.window,
                ),
                items=tuple(item for _, items in members for item in items),
                key=key,
            )
        )
    stops = {
        (k.warehouse_id, p.shipment.address.building_key(), k.day, k.option, k.window)
        for p in planned
        for k in [p.key]
    }
    return ConsolidationResult(
        shipments=tuple(planned), unconsolidated=len(orders), stops=len(stops)
    )
