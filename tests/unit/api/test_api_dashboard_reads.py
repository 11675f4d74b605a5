"""The dashboard reads only what it shows, and shows what reading everything would.

The reference below is the board and KPI panel as they were when they loaded every
order, route and shipment ever stored; the read models now count in the database and
load only open orders and the shipments of stops that matter.
"""

from __future__ import annotations

from collections import Counter, deque
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.domain import (
    Address,
    DeliveryOption,
    Geocode,
    GeocodeMethod,
    GeoPoint,
    Order,
    OrderLine,
    OrderStatus,
    Route,
    Shipment,
    Stop,
    StopStatus,
    TimeWindow,
)
from lastmile.domain.status import TRANSITIONS
from lastmile.services import dashboard
from lastmile.services.dashboard import AT_RISK_MARGIN, BoardException, Kpis, OrderBoard, RouteKpi
from lastmile.services.fakes import FakeOrderRepository, FakeUnitOfWork

T0 = datetime(2026, 11, 30, 8, tzinfo=UTC)


def path_to(status: OrderStatus) -> list[OrderStatus]:
    """The shortest legal walk from CREATED to ``status``."""
    came: dict[OrderStatus, list[OrderStatus]] = {OrderStatus.CREATED: []}
    todo = deque([OrderStatus.CREATED])
    while todo:
        here = todo.popleft()
        for nxt in sorted(TRANSITIONS[here]):
            if nxt not in came:
                came[nxt] = [*came[here], nxt]
                todo.append(nxt)
    return came[status]


def reference_board(
    orders: list[Order],
    routes: list[Route],
    shipments: dict[str, Shipment],
    review_threshold: float,
    now: datetime,
    max_exceptions: int,
) -> OrderBoard:
    counts = Counter(o.status.value for o in orders)
    exceptions: list[BoardException] = []
    open_states = {OrderStatus.CREATED, OrderStatus.VALIDATED, OrderStatus.BACKORDERED}
    for o in orders:
        if o.status in open_states and o.address.confidence < review_threshold:
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
    by_id = {o.order_id: o for o in orders}
    for route in routes:
        for stop in route.stops:
            if stop.status not in (StopStatus.PLANNED, StopStatus.ARRIVED):
                continue
            for sid in stop.shipment_ids:
                shipment = shipments.get(sid)
                if shipment is None or shipment.window is None:
                    continue
                late_by = stop.arrival - shipment.window.end
                if late_by > -AT_RISK_MARGIN or now > shipment.window.end:
                    for oid in shipment.order_ids:
                        order = by_id.get(oid)
                        exceptions.append(
                            BoardException(
                                "at_risk_window",
                                oid,
                                order.external_id if order else oid,
                                f"{route.vehicle_id} arrives {stop.arrival:%H:%M}, window "
                                f"ends {shipment.window.end:%H:%M}",
                            )
                        )
    return OrderBoard(dict(sorted(counts.items())), exceptions[:max_exceptions])


def reference_kpis(
    orders: list[Order], routes: list[Route], shipments: dict[str, Shipment]
) -> Kpis:
    by_status = Counter(o.status.value for o in orders)
    windows = {
        sid: (s.window.start, s.window.end) for sid, s in shipments.items() if s.window is not None
    }
    done = on_time = 0
    per_route = []
    for route in sorted(routes, key=lambda r: r.route_id):
        for stop in route.stops:
            if stop.status is not StopStatus.DELIVERED:
                continue
            done += 1
            limits = [windows[s] for s in stop.shipment_ids if s in windows]
            on_time += all(start <= stop.arrival <= end for start, end in limits)
        per_route.append(
            RouteKpi(
                route.route_id,
                route.vehicle_id,
                len(route.stops),
                sum(s.status is StopStatus.DELIVERED for s in route.stops),
                route.distance_m / 1000.0,
            )
        )
    return Kpis(
        orders_total=len(orders),
        orders_by_status=dict(sorted(by_status.items())),
        delivered=by_status.get(OrderStatus.DELIVERED.value, 0),
        failed_attempts=sum(s.status is StopStatus.FAILED for r in routes for s in r.stops),
        on_time_rate=on_time / done if done else 1.0,
        routes=len(routes),
        distance_km=sum(r.distance_m for r in routes) / 1000.0,
        cost=sum(r.cost for r in routes),
        co2_kg=sum(r.co2_kg for r in routes),
        stops_by_route=per_route,
    )


minutes = st.integers(0, 4 * 60).map(lambda m: T0 + timedelta(minutes=m))


@st.composite
def worlds(draw: Any) -> tuple[FakeUnitOfWork, datetime, int]:
    uow = FakeUnitOfWork()
    order_ids = [f"O{i}" for i in range(draw(st.integers(0, 12)))]
    with uow:
        for n, oid in enumerate(order_ids):
            confidence = draw(st.sampled_from([0.2, 0.59, 0.6, 0.95]))
            order = Order(
                oid,
                f"ext-{oid}",
                "c1",
                Address(
                    f"{n} Test St",
                    geocode=Geocode(GeoPoint(39.3, -76.6), confidence, GeocodeMethod.EXACT),
                ),
                [OrderLine("SKU1", 1)],
                placed_at=T0 - timedelta(minutes=draw(st.integers(0, 5))),
            )
            for status in path_to(draw(st.sampled_from(list(OrderStatus)))):
                order.transition(status, reason=draw(st.sampled_from(["", "no stock"])))
            uow.orders.add(order)
        shipment_ids = [f"S{i}" for i in range(draw(st.integers(0, 8)))]
        for sid in shipment_ids:
            window = None
            if draw(st.integers(0, 3)):  # most shipments have a window
                start = draw(minutes)
                window = TimeWindow(start, start + timedelta(minutes=draw(st.integers(0, 180))))
            carried = draw(st.lists(st.sampled_from([*order_ids, "O-gone"]), min_size=1))
            uow.shipments.add(
                Shipment(
                    sid,
                    "W1",
                    Address("1 Test St"),
                    carried,
                    DeliveryOption.SLOT,
                    "2026-11-30",
                    window=window,
                )
            )
        for r in range(draw(st.integers(0, 3))):
            stops = []
            for k in range(draw(st.integers(0, 6))):
                arrival = draw(minutes)
                stops.append(
                    Stop(
                        f"R{r}-{k}",
                        GeoPoint(39.3, -76.6),
                        draw(st.lists(st.sampled_from([*shipment_ids, "S-gone"]), max_size=3)),
                        arrival,
                        arrival + timedelta(minutes=3),
                        status=draw(st.sampled_from(list(StopStatus))),
                    )
                )
            uow.routes.add(
                Route(f"R{r}", f"V{r}", "W1", stops, distance_m=1000.0 * r, cost=2.5, co2_kg=0.5)
            )
        uow.commit()
    return uow, draw(minutes), draw(st.integers(1, 40))


@given(worlds())
@settings(max_examples=200, deadline=None)
def test_the_board_and_kpis_equal_reading_everything(world: Any) -> None:
    uow, now, cap = world
    with uow:
        orders = uow.orders.list()
        routes = uow.routes.list()
        shipments = {s.shipment_id: s for s in uow.shipments.list()}
    board = dashboard.order_board(uow=uow, review_threshold=0.6, now=now, max_exceptions=cap)
    assert board == reference_board(orders, routes, shipments, 0.6, now, cap)
    assert dashboard.kpis(uow=uow) == reference_kpis(orders, routes, shipments)


def test_the_board_loads_open_orders_only(monkeypatch: Any) -> None:
    asked: list[object] = []
    listed = FakeOrderRepository.list

    def spy(self: FakeOrderRepository, **kwargs: Any) -> list[Order]:
        asked.append(kwargs.get("status"))
        return listed(self, **kwargs)

    monkeypatch.setattr(FakeOrderRepository, "list", spy)
    uow = FakeUnitOfWork()
    dashboard.order_board(uow=uow, review_threshold=0.6)
    dashboard.kpis(uow=uow)
    assert asked == [dashboard.OPEN_STATES], "delivered history is counted, never loaded"


def test_late_open_stops_are_at_risk_and_late_deliveries_are_not_on_time() -> None:
    uow = FakeUnitOfWork()
    window = TimeWindow(T0, T0 + timedelta(hours=1))
    with uow:
        for sid, oid in (("S-late", "O-late"), ("S-fine", "O-fine"), ("S-done", "O-done")):
            uow.shipments.add(
                Shipment(
                    sid,
                    "W1",
                    Address("1 Test St"),
                    [oid],
                    DeliveryOption.SLOT,
                    "2026-11-30",
                    window=window,
                )
            )
        stops = [
            Stop("late", GeoPoint(39.3, -76.6), ["S-late"], T0 + timedelta(minutes=50), T0),
            Stop("fine", GeoPoint(39.3, -76.6), ["S-fine"], T0 + timedelta(minutes=10), T0),
            Stop("on time", GeoPoint(39.3, -76.6), ["S-done"], T0, T0, status=StopStatus.DELIVERED),
            Stop(
                "late done",
                GeoPoint(39.3, -76.6),
                ["S-late"],
                T0 + timedelta(hours=2),
                T0,
                status=StopStatus.DELIVERED,
            ),
        ]
        uow.routes.add(Route("R1", "V1", "W1", stops))
        uow.commit()
    board = dashboard.order_board(uow=uow, review_threshold=0.6, now=T0)
    assert [(x.kind, x.order_id) for x in board.exceptions] == [("at_risk_window", "O-late")]
    assert dashboard.kpis(uow=uow).on_time_rate == 0.5
