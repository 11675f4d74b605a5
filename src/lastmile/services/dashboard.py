"""Read models of the dispatcher's dashboard: the order board and the KPI panel."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from lastmile.domain import OPEN_STOPS, Order, OrderStatus, Shipment
from lastmile.services.unit_of_work import UnitOfWork

AT_RISK_MARGIN = timedelta(minutes=15)


@dataclass(frozen=True)
class BoardException:
    """Something on the board a person should look at."""

    kind: str  # low_confidence_address | unsourceable | at_risk_window
    order_id: str
    order_external_id: str
    detail: str


@dataclass(frozen=True)
class OrderBoard:
    counts: dict[str, int]
    exceptions: list[BoardException]


@dataclass(frozen=True)
class RouteKpi:
    route_id: str
    vehicle_id: str
    stops: int
    delivered: int
    distance_km: float


@dataclass(frozen=True)
class Kpis:
    orders_total: int
    orders_by_status: dict[str, int]
    delivered: int
    failed_attempts: int
    on_time_rate: float
    routes: int
    distance_km: float
    cost: float
    co2_kg: float
    stops_by_route: list[RouteKpi] = field(default_factory=list)


OPEN_STATES = (OrderStatus.CREATED, OrderStatus.VALIDATED, OrderStatus.BACKORDERED)


def order_board(
    *,
    uow: UnitOfWork,
    review_threshold: float,
    now: datetime | None = None,
    max_exceptions: int = 200,
) -> OrderBoard:
    """Count orders by status and list the exceptions.

    Exceptions are addresses geocoded below ``review_threshold`` (never routed silently to
    a wrong point), backordered orders (lines no warehouse could source, with the reason
    sourcing stored), and open stops planned to arrive after their window closes or within
    ``AT_RISK_MARGIN`` of it.

    The dashboard asks again on every delivery, so this reads what the board shows, not the
    history: counts are counted by the database, open orders are loaded, open stops are
    read as rows, and only the shipments and orders listed are loaded whole
    (``python -m benchmarks.list_pages``: 0.11-0.22 s with 1,000 open of 20,000 orders
    and 40 routes under way of 1,200, where loading every order or route took 2.3 s and
    6.1 s).
    """
    now = now or datetime.now(UTC)
    with uow:
        counts = uow.orders.count_by_status()
        exceptions = _order_exceptions(uow.orders.list(status=OPEN_STATES), review_threshold)
        exceptions += _at_risk(uow, now, max_exceptions - len(exceptions))
    by_status = {status.value: n for status, n in counts.items()}
    return OrderBoard(dict(sorted(by_status.items())), exceptions[:max_exceptions])


def _at_risk(uow: UnitOfWork, now: datetime, room: int) -> list[BoardException]:
    """Orders on open stops late for their window or within AT_RISK_MARGIN of it."""
    if room <= 0:
        return []
    stops = uow.routes.stop_rows(OPEN_STOPS)
    windows = uow.shipments.windows([sid for stop in stops for sid in stop.shipment_ids])
    risky = [
        (stop, sid, window)
        for stop in stops
        for sid in stop.shipment_ids
        if (window := windows.get(sid)) is not None
        and (stop.arrival - window.end > -AT_RISK_MARGIN or now > window.end)
    ][:room]  # every shipment carries an order: no more are listed
    # Read whole only for what is listed, in one read each.
    shipments = uow.shipments.get_many([sid for _, sid, _ in risky])
    listed = [
        (stop, window, oid) for stop, sid, window in risky for oid in _orders_of(shipments, sid)
    ]
    orders = uow.orders.get_many([oid for _, _, oid in listed])
    return [
        BoardException(
            "at_risk_window",
            oid,
            orders[oid].external_id if oid in orders else oid,
            f"{stop.vehicle_id} arrives {stop.arrival:%H:%M}, window ends {window.end:%H:%M}",
        )
        for stop, window, oid in listed
    ]


def _orders_of(shipments: dict[str, Shipment], shipment_id: str) -> list[str]:
    shipment = shipments.get(shipment_id)
    return shipment.order_ids if shipment is not None else []


def _order_exceptions(orders: list[Order], review_threshold: float) -> list[BoardException]:
    exceptions: list[BoardException] = []
    for o in orders:
        if o.address.confidence < review_threshold:
            method = o.address.geocode.method.value if o.address.geocode else "none"
            exceptions.append(
                BoardException(
                    "low_confidence_address",
                    o.order_id,
                    o.external_id,
                    f"geocode confidence {o.address.confidence:.2f} ({method}): {o.address.raw}",
                )
            )
        if o.status is OrderStatus.BACKORDERED:
            exceptions.append(
                BoardException(
                    "unsourceable",
                    o.order_id,
                    o.external_id,
                    o.status_reason or "no warehouse can ship every line",
                )
            )
    return exceptions


def kpis(*, uow: UnitOfWork) -> Kpis:
    """Compute the KPI panel from stored orders, routes and shipments.

    ``on_time_rate`` is the share of delivered stops whose recorded arrival lies inside
    every window of the shipments handed over there (1.0 when nothing is delivered yet).
    Everything is counted or summed in storage: no route, stop or shipment is loaded
    (``python -m benchmarks.list_pages``: 0.22 s over 1,200 routes of 50 stops).
    """
    with uow:
        counts = uow.orders.count_by_status()
        # By id as Python orders them (a database's collation may not).
        routes = sorted(uow.routes.summaries(), key=lambda r: r.route_id)
        delivered, on_time = uow.routes.delivered_on_time()
    by_status = {status.value: n for status, n in counts.items()}
    return Kpis(
        orders_total=sum(by_status.values()),
        orders_by_status=dict(sorted(by_status.items())),
        delivered=by_status.get(OrderStatus.DELIVERED.value, 0),
        failed_attempts=sum(r.failed for r in routes),
        on_time_rate=on_time / delivered if delivered else 1.0,
        routes=len(routes),
        distance_km=sum(r.distance_m for r in routes) / 1000.0,
        cost=sum(r.cost for r in routes),
        co2_kg=sum(r.co2_kg for r in routes),
        stops_by_route=[
            RouteKpi(r.route_id, r.vehicle_id, r.stops, r.delivered, r.distance_m / 1000.0)
            for r in routes
        ],
    )
