"""A small delivery world on the fake unit of work: two routes, four shipments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lastmile.domain import (
    Address,
    Geocode,
    GeocodeMethod,
    GeoPoint,
    Order,
    OrderLine,
    OrderStatus,
    Parcel,
    ParcelItem,
    ProofMethod,
    Route,
    Shipment,
    Stop,
    TimeWindow,
)
from lastmile.domain.order import DeliveryOption
from lastmile.services.fakes import FakeUnitOfWork
from lastmile.tracking.store import InMemoryTrackingRepository
from lastmile.tracking.view import new_tracking_token

T0 = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
DEPOT = GeoPoint(39.29, -76.61)


def point(i: int, route: int = 0) -> GeoPoint:
    return GeoPoint(39.29 + 0.01 * route, -76.61 + 0.01 * (i + 1))


class SharedStateUnitOfWork(FakeUnitOfWork):
    """``FakeUnitOfWork`` without the per-transaction deep copy.

    With the mappers started (tests/conftest.py), a reordered SQLAlchemy-instrumented
    ``Route.stops`` cannot be deep-copied (its old collection adapter points at a list that
    is gone), and reordering stops is exactly what a re-plan does. Writes are visible at
    once; commit still moves events and ledger entries like the real one.
    """

    def __enter__(self) -> SharedStateUnitOfWork:
        self.committed = False
        self._open(self.store)
        return self

    def commit(self) -> None:
        working = self._working
        for level in working.stock.values():
            working.ledger.extend(level.pending)
            level.pending.clear()
        for order in working.orders.values():
            working.events.extend(order.events)
            order.events.clear()
        self.store = working
        self.commits += 1
        self.committed = True

    def rollback(self) -> None:
        self._open(self.store)


@dataclass
class World:
    uow: FakeUnitOfWork
    tracking: InMemoryTrackingRepository


def build(
    methods: dict[str, ProofMethod] | None = None, stops: int = 2, shared: bool = False
) -> World:
    """Routes R0 (driver d0) and R1 (driver d1), each with ``stops`` stops of one shipment."""
    methods = methods or {}
    uow = FakeUnitOfWork()
    tracking = InMemoryTrackingRepository()
    with uow:
        for r in range(2):
            route_stops = []
            for i in range(stops):
                sid, oid = f"sh{r}{i}", f"o{r}{i}"
                p = point(i, r)
                addr = Address(
                    f"{100 + i} Secret Lane {r}, Baltimore MD",
                    geocode=Geocode(p, 0.95, GeocodeMethod.EXACT),
                )
                order = Order(
                    oid,
                    f"ext-{oid}",
                    f"customer-{r}{i}",
                    addr,
                    [OrderLine("SKU1", 1)],
                    status=OrderStatus.OUT_FOR_DELIVERY,
                )
                uow.orders.add(order)
                token = new_tracking_token()
                window = TimeWindow(T0, T0 + timedelta(hours=2))
                uow.shipments.add(
                    Shipment(
                        sid,
                        "W1",
                        addr,
                        [oid],
                        DeliveryOption.SLOT,
                        "2026-11-30",
                        window,
                        [Parcel(f"p{sid}", "M", (ParcelItem("SKU1", 1, oid),), 1.0, 2.0, 50.0)],
                        proof_method=methods.get(sid, ProofMethod.PHOTO),
                        tracking_token=token,
                    )
                )
                tracking.register_token(token, sid)
                arrival = T0 + timedelta(minutes=10 * (i + 1))
                route_stops.append(
                    Stop(f"st{r}{i}", p, [sid], arrival, arrival + timedelta(minutes=3))
                )
            uow.routes.add(Route(f"R{r}", f"V{r}", "W1", route_stops, driver_id=f"d{r}"))
        uow.commit()
    if shared:
        shared_uow = SharedStateUnitOfWork(uow.store)
        return World(shared_uow, tracking)
    return World(uow, tracking)
