"""Use cases after sourcing: plan pick waves with walking paths, then confirm a wave.

``plan_warehouse_waves`` reads a warehouse's shipments for one day and groups them into
waves released by their vans' departures, each with its pick list in walking order.
``complete_wave`` books the picks in the ledger and moves every order whose lines are all
picked to ``picked`` and then ``packed`` (its cartons were planned at sourcing).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from lastmile.domain import (
    MovementKind,
    NotFound,
    OrderStatus,
    Route,
    Shipment,
    StockLevel,
    Warehouse,
)
from lastmile.fulfillment.layout import BinLocation, Layout, slot
from lastmile.fulfillment.pick_path import PickMethod, PickPath, order_picks
from lastmile.fulfillment.waves import Wave, WaveLine, WaveOrder, plan_waves
from lastmile.geo.travel import TravelTimeSource
from lastmile.services.unit_of_work import UnitOfWork, retry_on_conflict

__all__ = [
    "PickList",
    "WavePlan",
    "complete_wave",
    "departures_from_routes",
    "plan_warehouse_waves",
    "warehouse_layout",
]


@dataclass(frozen=True)
class PickList:
    """A wave's picks, one per bin, in walking order, and the walk against line order."""

    wave: Wave
    stops: tuple[tuple[BinLocation, str, int], ...]
    path: PickPath
    naive_m: float


@dataclass(frozen=True)
class WavePlan:
    warehouse_id: str
    layout: Layout
    pick_lists: tuple[PickList, ...]

    @property
    def walk_m(self) -> float:
        return sum(p.path.distance_m for p in self.pick_lists)

    @property
    def naive_walk_m(self) -> float:
        return sum(p.naive_m for p in self.pick_lists)


def departures_from_routes(
    routes: Sequence[Route], warehouse: Warehouse, travel: TravelTimeSource
) -> dict[str, datetime]:
    """Return when the van carrying each shipment leaves: first arrival less the drive there.

    Routes from other depots, empty routes and a warehouse without location give nothing.
    """
    out: dict[str, datetime] = {}
    if warehouse.location is None:
        return out
    for route in routes:
        if route.depot_id != warehouse.warehouse_id or not route.stops:
            continue
        first = min(route.stops, key=lambda s: s.arrival)
        drive = travel.matrix([warehouse.location, first.location], depart_at=first.arrival)
        leave = first.arrival - timedelta(seconds=float(drive.durations_s[0, 1]))
        out.update({sid: leave for stop in route.stops for sid in stop.shipment_ids})
    return out


def warehouse_layout(
    warehouse_id: str, sku_ids: Sequence[str]
) -> tuple[Layout, dict[str, BinLocation]]:
    """Return a layout sized for the catalogue and each SKU's bin (SKU order, nearest first)."""
    layout = Layout.sized_for(warehouse_id, max(1, len(sku_ids)))
    return layout, slot(layout, sorted(sku_ids))


def _pick_list(
    wave: Wave, layout: Layout, bins: Mapping[str, BinLocation], method: PickMethod
) -> PickList:
    # One stop per SKU: a batch picker takes every order's units from a bin at once.
    units: dict[str, int] = defaultdict(int)
    for line in wave.lines:
        units[line.sku_id] += line.quantity
    skus = list(units)
    locs = [bins[s] for s in skus]
    path = order_picks(layout, locs, method)
    naive = order_picks(layout, locs, PickMethod.NAIVE)
    stops = tuple((locs[i], skus[i], units[skus[i]]) for i in path.order)
    return PickList(wave, stops, path, naive.distance_m)


def plan_warehouse_waves(
    *,
    uow: UnitOfWork,
    warehouse_id: str,
    delivery_date: str,
    now: datetime,
    departure_of: Callable[[Shipment], datetime],
    pack_buffer: timedelta = timedelta(minutes=30),
    max_lines_per_wave: int = 120,
    method: PickMethod = PickMethod.BEST,
) -> WavePlan:
    """Plan the pick waves of one warehouse for one delivery day (reads only).

    Parameters
    ----------
    uow
        The unit of work to read shipments, SKUs and the warehouse from.
    warehouse_id, delivery_date
        Which shipments to pick (ISO date).
    now
        Planning time; no wave is released before it.
    departure_of
        When the route carrying a shipment leaves (``departures_from_routes`` reads it
        from the dispatch plan).
    pack_buffer, max_lines_per_wave
        See ``lastmile.fulfillment.waves.plan_waves``.
    method
        How pick lists are ordered.

    Returns
    -------
    WavePlan
        Waves in release order with their pick lists.
    """
    with uow:
        warehouse = uow.warehouses.get(warehouse_id)
        if warehouse is None:
            raise NotFound("warehouse", warehouse_id)
        shipments = uow.shipments.list(warehouse_id=warehouse_id, delivery_date=delivery_date)
        layout, bins = warehouse_layout(warehouse_id, [s.sku_id for s in uow.skus.list()])
    tasks: list[WaveOrder] = []
    for shipment in shipments:
        lines: dict[str, list[WaveLine]] = defaultdict(list)
        for parcel in shipment.parcels:
            for item in parcel.items:
                lines[item.order_id].append(WaveLine(item.order_id, item.sku_id, item.quantity))
        departure = departure_of(shipment)
        tasks.extend(WaveOrder(oid, tuple(ls), departure) for oid, ls in lines.items())
    waves = plan_waves(
        warehouse, tasks, now=now, pack_buffer=pack_buffer, max_lines_per_wave=max_lines_per_wave
    )
    return WavePlan(warehouse_id, layout, tuple(_pick_list(w, layout, bins, method) for w in waves))


def _picked(uow: UnitOfWork, order_id: str, sku_id: str, warehouse_ids: Sequence[str]) -> int:
    return sum(
        m.quantity
        for wid in warehouse_ids
        for m in uow.stock.movements(sku_id, wid)
        if m.kind is MovementKind.PICK and m.reference == order_id
    )


def complete_wave(
    *,
    uow: UnitOfWork,
    wave: Wave,
    picked_at: datetime,
    packed_at: datetime,
) -> list[str]:
    """Book a wave's picks and advance every order it completes.

    Each line is picked from the stock reserved for its order. An order split across
    warehouses becomes ``picked`` (then ``packed``) only once every one of its lines has
    been picked, wherever.

    Returns
    -------
    list[str]
        The orders now packed.
    """

    def attempt() -> list[str]:
        with uow:
            levels: dict[str, StockLevel] = {}
            for line in wave.lines:
                level = levels.get(line.sku_id) or uow.stock.get(
                    line.sku_id, wave.warehouse_id, for_update=True
                )
                if level is None:
                    raise NotFound("stock level", f"{line.sku_id}@{wave.warehouse_id}")
                levels[line.sku_id] = level
                level.pick(line.quantity, reference=line.order_id, at=picked_at)
            warehouses = [w.warehouse_id for w in uow.warehouses.list()]
            in_wave: dict[tuple[str, str], int] = defaultdict(int)
            for line in wave.lines:
                in_wave[line.order_id, line.sku_id] += line.quantity
            done = []
            for order_id in dict.fromkeys(wave.order_ids):
                order = uow.orders.get(order_id)
                if order is None:
                    raise NotFound("order", order_id)
                if order.status is not OrderStatus.SOURCED:
                    continue
                # Picks of this wave are not in the stored ledger until commit.
                complete = all(
                    _picked(uow, order_id, line.sku_id, warehouses)
                    + in_wave.get((order_id, line.sku_id), 0)
                    >= line.quantity
                    for line in order.lines
                )
                if complete:
                    order.transition(OrderStatus.PICKED, reason=wave.wave_id, at=picked_at)
                    order.transition(OrderStatus.PACKED, reason=wave.wave_id, at=packed_at)
                    done.append(order_id)
            uow.commit()
            return done

    return retry_on_conflict(attempt)
