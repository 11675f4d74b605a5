"""A van breaks down mid-route: what happens to the parcels it carries.

The van is towed and out of service for the day. With re-optimisation the dispatcher
reacts as ``lastmile.routing.reoptimize`` does for a broken-down van with a
``recovery_s``: its parcels go back to the depot and out again on the next wave, planned
with every other parcel still at the depot. Without it nobody re-plans them, as
``reoptimize`` with ``recovery_s=None`` reports them: they come back with the van and
wait for the next day.
"""

from __future__ import annotations

from collections.abc import Sequence

from lastmile.domain import Shipment
from lastmile.sim.records import RouteRun

OUT_OF_SERVICE_S = 48 * 3600.0
REASON = "van broke down: parcels recovered to the depot for the next wave"
NOT_REPLANNED = "on board a broken-down van; nobody re-planned it: ships on the next day"


def busiest_on_road(routes: Sequence[RouteRun]) -> RouteRun | None:
    """Return the van on the road with the most stops left (the breakdown that hurts most)."""
    left = [
        (sum(1 for s in r.stops[r.next_stop :] if not s.dropped_reason), r.route_id, r)
        for r in routes
        if not r.done
    ]
    left = [x for x in left if x[0] > 0]
    if not left:
        return None
    return max(left, key=lambda x: (x[0], x[1]))[2]


def recover(route: RouteRun, now_s: float) -> list[Shipment]:
    """Take the undelivered stops off the broken van; return their shipments.

    The van is towed: its trip ends where it stands, and it serves no later wave.
    """
    rest = [s for s in route.stops[route.next_stop :] if not s.dropped_reason]
    route.stops = route.stops[: route.next_stop]
    route.broke_down_s = now_s
    route.clock_s = max(route.clock_s, now_s)
    route.end_s = route.clock_s
    return [s.shipment for s in rest]
