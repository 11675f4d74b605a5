"""Pick waves for a dispatch wave's routes, timed by ``lastmile.fulfillment.waves``.

Once the routes are planned, each warehouse's orders are grouped by the van that carries
them and released as late as is safe before its departure. A wave that cannot finish in
time (the pickers are one resource) holds its van at the dock until it is packed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from lastmile.domain import Warehouse
from lastmile.fulfillment.waves import WaveLine, WaveOrder, plan_waves
from lastmile.sim.records import RouteRun

PACK_BUFFER = timedelta(minutes=15)


@dataclass(frozen=True)
class PickWaves:
    """How many pick waves ran, how many were late, and each held van's new departure."""

    waves: int
    late: int
    departures_s: dict[str, float]


def time_pick_waves(
    routes: Sequence[RouteRun],
    lines_of: Callable[[str, str], Sequence[tuple[str, int]]],
    warehouses: Mapping[str, Warehouse],
    *,
    now_s: float,
    at: Callable[[float], datetime],
    seconds: Callable[[datetime], float],
) -> PickWaves:
    """Plan the pick waves behind ``routes`` and say which vans must wait for them.

    Parameters
    ----------
    routes
        The dispatch wave's planned routes (departure and stops).
    lines_of
        ``(order_id, warehouse_id) -> [(sku_id, quantity)]``: what to pick there.
    warehouses
        The sites by id (their pick capacity, in lines an hour).
    now_s, at, seconds
        Planning time in seconds of the day, and the conversions to and from clock time.

    Returns
    -------
    PickWaves
        The count of waves and late waves, and the departure of every route held back.
    """
    orders: dict[str, list[WaveOrder]] = defaultdict(list)
    route_of: dict[tuple[str, str], str] = {}
    for r in routes:
        departure = at(r.depart_s)
        for stop in r.stops:
            wh = stop.shipment.warehouse_id
            for oid in stop.shipment.order_ids:
                lines = tuple(WaveLine(oid, sku, qty) for sku, qty in lines_of(oid, wh))
                if lines and (oid, wh) not in route_of:
                    orders[wh].append(WaveOrder(oid, lines, departure))
                    route_of[(oid, wh)] = r.route_id
    count = late = 0
    departures: dict[str, float] = {}
    for wh in sorted(orders):
        waves = plan_waves(warehouses[wh], orders[wh], now=at(now_s), pack_buffer=PACK_BUFFER)
        count += len(waves)
        for wave in waves:
            if not wave.late:
                continue
            late += 1
            ready = seconds(wave.expected_done + PACK_BUFFER)
            for oid in wave.order_ids:
                rid = route_of[(oid, wh)]
                departures[rid] = max(departures.get(rid, 0.0), ready)
    return PickWaves(count, late, departures)
