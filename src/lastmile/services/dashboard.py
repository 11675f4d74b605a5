"""Read models of the dispatcher's dashboard: the order board and the KPI panel."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from lastmile.domain import (
    OPEN_STOPS,
    Order,
    OrderStatus,
    Route,
    Shipment,
    Stop,
    TimeWindow,
)
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
    history: counts are counted by the database, and only open orders and the shipments of
    open stops are loaded (``python -m benchmarks.list_pages``: 46 ms with 1,000 open of
    20,000 stored orders on SQLite, where loading every order takes 1.4 s).
    """
    now = now or datetime.now(UTC)
    with uow:
        counts = uow.orders.count_by_status()
        exceptions = _order_exceptions(uow.orders.list(status=OPEN_STATES), review_threshold)
        for route, stop, shipment, window in _open_stops_with_windows(uow):
            if len(exceptions) >= max_exceptions:
                break
            if stop.arrival - window.end > -AT_RISK_MARGIN or now > window.end:
                for oid in shipment.order_ids:
                    order = uow.orders.get(oid)
                    exceptions.append(
                        BoardException(
                            "at_risk_window",
                            oid,
                            order.external_id if order else oid,
                            f"{route.vehicle_id} arrives {stop.arrival:%H:%M}, window "
                            f"ends {window.end:%H:%M}",
                        )
                    )
    by_status = {status.value: n for status, n in counts.items()}
    return OrderBoard(dict(sorted(by_status.items())), exceptions[:max_exceptions])


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


def _open_stops_with_windows(
    uow: UnitOfWork,
) -> Iterator[tuple[Route, Stop, Shipment, TimeWindow]]:
    routes = uow.routes.list(open_only=True)
    wanted = [
        sid for r in routes for st in r.stops if st.status in OPEN_STOPS for sid in st.shipment_ids
    ]
    shipments = uow.shipments.get_many(wanted)
    for route in routes:
        for stop in route.stops:
            if stop.status not in OPEN_STOPS:
                continue
            for sid in stop.shipment_ids:
                shipment = shipments.get(sid)
                if shipment is not None and shipment.window is not None:
                    yield route, stop, shipment, shipment.window


def kpis(*, uow: UnitOfWork) -> Kpis:
    """Compute the KPI panel from stored orders, routes and shipments.

    ``on_time_rate`` is the share of delivered stops whose recorded arrival lies inside
    every window of the shipments handed over there (1.0 when nothing is delivered yet).
    Everything is counted or summed in storage, or read as plain rows: no route, stop or
    shipment is loaded whole (``python -m benchmarks.list_pages``).
    """
    with uow:
        counts = uow.orders.count_by_status()
        routes = uow.routes.summaries()
        delivered = uow.routes.delivered_stops()
        windows = uow.shipments.windows([sid for d in delivered for sid in d.shipment_ids])
    by_status = {status.value: n for status, n in counts.items()}
    on_time = sum(
        all(
            windows[sid].start <= stop.arrival <= windows[sid].end
            for sid in stop.shipment_ids
            if sid in windows
        )
        for stop in delivered
    )
    return Kpis(
        orders_total=sum(by_status.values()),
        orders_by_status=dict(sorted(by_status.items())),
        delivered=by_status.get(OrderStatus.DELIVERED.value, 0),
        failed_attempts=sum(r.failed for r in routes),
        on_time_rate=on_time / len(delivered) if delivered else 1.0,
        routes=len(routes),
        distance_km=sum(r.distance_m for r in routes) / 1000.0,
        cost=sum(r.cost for r in routes),
        co2_kg=sum(r.co2_kg for r in routes),
        stops_by_route=[
            RouteKpi(r.route_id, r.vehicle_id, r.stops, r.delivered, r.distance_m / 1000.0)
            for r in routes
        ],
    )
