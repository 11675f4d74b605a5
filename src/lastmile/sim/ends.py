"""Where every order ends the day, and whether a delivery kept its promise and its ETA."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lastmile.domain import Order, OrderStatus
from lastmile.sim.records import End, OrderEnd, RouteRun

PROMISE_DEADLINE_S = 20 * 3600.0  # same-day and next-day orders: "by 8 pm"
ETA_TOLERANCE_S = 1800.0


def order_ends(
    orders: Sequence[Order], routes: Sequence[RouteRun], carry: Mapping[str, str], day_start: float
) -> dict[str, OrderEnd]:
    """Classify each order: delivered (on time? near its ETA?), or why not."""
    stops = {oid: (r, s) for r in routes for s in r.stops for oid in s.shipment.order_ids}
    ends: dict[str, OrderEnd] = {}
    for order in orders:
        oid = order.order_id
        status = order.status
        if status is OrderStatus.DELIVERED:
            _, stop = stops[oid]
            at = stop.proofs[oid].at_s
            if order.window is not None:
                on_time = at <= order.window.end.timestamp() - day_start
            else:
                on_time = at <= PROMISE_DEADLINE_S
            arrival = stop.arrival_s if stop.arrival_s is not None else at
            ends[oid] = OrderEnd(
                End.DELIVERED,
                "",
                at,
                on_time,
                abs(arrival - stop.eta_s) <= ETA_TOLERANCE_S,
                stop.shipment.shipment_id,
                abs(arrival - stop.eta_s),
            )
        elif status is OrderStatus.FAILED_ATTEMPT:
            ends[oid] = OrderEnd(
                End.FAILED, order.status_reason, shipment_id=stops[oid][1].shipment.shipment_id
            )
        elif status is OrderStatus.BACKORDERED:
            ends[oid] = OrderEnd(End.BACKORDERED, order.status_reason)
        elif status is OrderStatus.CANCELLED:
            ends[oid] = OrderEnd(End.CANCELLED, order.status_reason)
        else:
            ends[oid] = OrderEnd(
                End.CARRIED_OVER,
                carry.get(oid, f"still {status.value} at the end of the day"),
            )
    return ends
