"""Small builders shared by the fulfillment tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import numpy as np

from lastmile.domain import (
    Address,
    DeliveryOption,
    Geocode,
    GeocodeMethod,
    GeoPoint,
    Order,
    OrderLine,
    OrderStatus,
    TimeWindow,
    Warehouse,
)
from lastmile.fulfillment.sourcing_arrays import StockTable
from lastmile.geo.travel import HaversineTravelTimes, TravelMatrix

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TRAVEL = HaversineTravelTimes(warn=False)


def warehouse(wid: str, lat: float | None, lon: float = 0.0, **kw: object) -> Warehouse:
    loc = None if lat is None else GeoPoint(lat, lon)
    return Warehouse(wid, wid, loc, **kw)  # type: ignore[arg-type]


def address(raw: str, lat: float | None = 0.0, lon: float = 0.0, **parts: str) -> Address:
    geo = None if lat is None else Geocode(GeoPoint(lat, lon), 1.0, GeocodeMethod.EXACT)
    return Address(raw, dict(parts), geo)


def order(
    oid: str,
    lines: dict[str, int],
    *,
    at: tuple[float | None, float] = (0.0, 0.0),
    option: DeliveryOption = DeliveryOption.NEXT_DAY,
    placed: int = 0,
    raw: str | None = None,
    window: TimeWindow | None = None,
    validated: bool = True,
) -> Order:
    o = Order(
        oid,
        oid,
        "cust-" + oid,
        address(raw or f"{oid} street", at[0], at[1]),
        [OrderLine(s, q) for s, q in lines.items()],
        option=option,
        window=window,
        placed_at=NOW - timedelta(minutes=100) + timedelta(seconds=placed),
    )
    if validated:
        o.transition(OrderStatus.VALIDATED, at=NOW)
    return o


def stock(warehouses: Sequence[Warehouse], table: dict[str, dict[str, int]]) -> StockTable:
    """``table[warehouse_id][sku] = units``."""
    skus = sorted({s for row in table.values() for s in row})
    arr = np.zeros((len(warehouses), len(skus)), dtype=np.int64)
    for i, w in enumerate(warehouses):
        for j, s in enumerate(skus):
            arr[i, j] = table.get(w.warehouse_id, {}).get(s, 0)
    return StockTable(tuple(w.warehouse_id for w in warehouses), tuple(skus), arr)


@dataclass(frozen=True)
class RiverTravel:
    """Roads that cross a river at one bridge: points east of ``lon0`` are far by road."""

    lon0: float = 0.05
    detour_m: float = 40_000.0

    def matrix(
        self, points: Sequence[GeoPoint], *, depart_at: datetime | None = None
    ) -> TravelMatrix:
        base = TRAVEL.matrix(points)
        east = np.array([p.lon > self.lon0 for p in points])
        cross = east[:, None] != east[None, :]
        dist = base.distances_m + cross * self.detour_m
        return TravelMatrix(durations_s=dist / (30 / 3.6), distances_m=dist)


CUTOFF_EARLY = time(8, 0)
