"""Soft holds: a promise keeps its stock and route room for a few minutes."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from lastmile.domain.errors import NotFound
from lastmile.domain.order import OrderLine


@dataclass(frozen=True, slots=True)
class Hold:
    """What one promise set aside, until ``expires_at``."""

    hold_id: str
    warehouse_id: str
    lines: tuple[OrderLine, ...]
    expires_at: datetime
    delivery_date: date
    route_id: str = ""
    detour_s: float = 0.0
    parcels: int = 1


class HoldBook:
    """The live soft holds; expired ones are dropped lazily on every read.

    The book only counts: it never writes the stock ledger, so a customer who walks away
    costs nothing but the few minutes of the hold.
    """

    def __init__(self) -> None:
        self._holds: dict[str, Hold] = {}
        self._held_units: dict[tuple[str, str], int] = {}

    def __len__(self) -> int:
        return len(self._holds)

    def __iter__(self) -> Iterator[Hold]:
        return iter(list(self._holds.values()))

    def place(
        self,
        *,
        warehouse_id: str,
        lines: tuple[OrderLine, ...],
        now: datetime,
        ttl: timedelta,
        delivery_date: date,
        route_id: str = "",
        detour_s: float = 0.0,
        parcels: int = 1,
    ) -> Hold:
        """Record a new hold and return it."""
        hold = Hold(
            hold_id=secrets.token_urlsafe(12),
            warehouse_id=warehouse_id,
            lines=lines,
            expires_at=now + ttl,
            delivery_date=delivery_date,
            route_id=route_id,
            detour_s=detour_s,
            parcels=parcels,
        )
        self._holds[hold.hold_id] = hold
        for line in lines:
            key = (warehouse_id, line.sku_id)
            self._held_units[key] = self._held_units.get(key, 0) + line.quantity
        return hold

    def get(self, hold_id: str, *, now: datetime) -> Hold:
        """Return a live hold or raise NotFound (unknown or expired)."""
        self.expire(now)
        try:
            return self._holds[hold_id]
        except KeyError:
            raise NotFound("promise hold", hold_id) from None

    def remove(self, hold_id: str) -> Hold | None:
        """Drop a hold (taken up by an order, or given back); return it if it existed."""
        hold = self._holds.pop(hold_id, None)
        if hold is not None:
            for line in hold.lines:
                key = (hold.warehouse_id, line.sku_id)
                left = self._held_units.get(key, 0) - line.quantity
                if left > 0:
                    self._held_units[key] = left
                else:
                    self._held_units.pop(key, None)
        return hold

    def expire(self, now: datetime) -> list[Hold]:
        """Drop every hold past its expiry and return them."""
        gone = [h for h in self._holds.values() if h.expires_at <= now]
        for hold in gone:
            self.remove(hold.hold_id)
        return gone

    def held_units(self, warehouse_id: str, sku_id: str) -> int:
        """Return how many units of a sku live holds keep at a warehouse."""
        return self._held_units.get((warehouse_id, sku_id), 0)
