"""Live ETAs: re-time what is left of a route from where the van is now."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from lastmile.domain.geo import GeoPoint
from lastmile.domain.route import OPEN_STOPS, Route, Stop
from lastmile.geo.travel import TravelTimeSource

OPEN = OPEN_STOPS


@dataclass(frozen=True, slots=True)
class Retimed:
    """The route with new times for its open stops, and the stops it can no longer reach."""

    route: Route
    unreachable: tuple[str, ...]
    shift_s: dict[str, float]


def retime(route: Route, *, position: GeoPoint, now: datetime, travel: TravelTimeSource) -> Retimed:
    """Return the route re-timed from ``position`` at ``now`` in its current stop order.

    Finished stops keep their times. Service time and waiting of each open stop are kept
    from the plan (a van early at a window still waits until it opens). A stop the
    travel source cannot reach keeps its planned times and is reported unreachable.
    """
    open_stops = [s for s in route.stops if s.status in OPEN]
    if not open_stops:
        return Retimed(route, (), {})
    points = [position, *(s.location for s in open_stops)]
    matrix = travel.matrix(points, depart_at=now)
    t = now
    here = 0
    new: dict[str, Stop] = {}
    unreachable: list[str] = []
    shift: dict[str, float] = {}
    for k, stop in enumerate(open_stops, start=1):
        leg = float(matrix.durations_s[here, k])
        if not math.isfinite(leg):
            unreachable.append(stop.stop_id)
            continue
        service = stop.departure - stop.arrival - timedelta(seconds=stop.waiting_s)
        arrival = t + timedelta(seconds=leg)
        start = arrival
        if stop.waiting_s > 0:
            # The plan waited here for a window to open; it opens at the same time now.
            start = max(arrival, stop.arrival + timedelta(seconds=stop.waiting_s))
        departure = start + service
        new[stop.stop_id] = Stop(
            stop.stop_id,
            stop.location,
            list(stop.shipment_ids),
            arrival,
            departure,
            waiting_s=(start - arrival).total_seconds(),
            load_kg=stop.load_kg,
            cost=stop.cost,
            status=stop.status,
        )
        shift[stop.stop_id] = (arrival - stop.arrival).total_seconds()
        t, here = departure, k
    stops = [new.get(s.stop_id, s) for s in route.stops]
    out = replace(route, stops=stops)
    return Retimed(out, tuple(unreachable), shift)
