"""A stored delivery world on a real SQLite database, for tracking's integration tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from lastmile.adapters.tracking_store import SqlTrackingRepository
from lastmile.bootstrap import make_engine, make_uow_factory
from lastmile.domain import (
    Address,
    Capacity,
    Dimensions,
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
    Shift,
    Shipment,
    Sku,
    Stop,
    Vehicle,
    Warehouse,
)
from lastmile.domain.order import DeliveryOption
from lastmile.services.unit_of_work import UnitOfWork
from lastmile.tracking.view import new_tracking_token

T0 = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def point(i: int) -> GeoPoint:
    return GeoPoint(39.29, -76.60 + 0.01 * i)


def seed(
    tmp_path: Path,
    *,
    stops: int = 3,
    method: ProofMethod = ProofMethod.PHOTO,
    url: str | None = None,
) -> tuple[Engine, UnitOfWork, SqlTrackingRepository]:
    """Return an engine, a unit of work and a tracking repository on a seeded database."""
    url = url or f"sqlite:///{tmp_path / 'tracking.db'}"
    engine = make_engine(url, migrate=True)
    uow = make_uow_factory(engine)()
    tracking = SqlTrackingRepository(lambda: uow.session)
    with uow:
        uow.warehouses.add(Warehouse("W1", "Depot", GeoPoint(39.29, -76.61)))
        uow.skus.add(Sku("SKU1", "mug", Dimensions(10, 10, 10), 0.4))
        uow.vehicles.add(
            Vehicle(
                "V1",
                "W1",
                Capacity(500, 2000, 80),
                Shift(T0 - timedelta(hours=6), T0 + timedelta(hours=6)),
            )
        )
        route_stops = []
        for i in range(stops):
            addr = Address(
                f"{i} Test St, Baltimore MD", geocode=Geocode(point(i), 0.95, GeocodeMethod.EXACT)
            )
            uow.orders.add(
                Order(
                    f"o{i}",
                    f"e{i}",
                    "c1",
                    addr,
                    [OrderLine("SKU1", 1)],
                    status=OrderStatus.OUT_FOR_DELIVERY,
                )
            )
            uow.shipments.add(
                Shipment(
                    f"sh{i}",
                    "W1",
                    addr,
                    [f"o{i}"],
                    DeliveryOption.NEXT_DAY,
                    "2026-11-30",
                    parcels=[Parcel(f"p{i}", "M", (ParcelItem("SKU1", 1, f"o{i}"),), 0.4, 1.0)],
                    proof_method=method,
                    tracking_token=new_tracking_token(),
                )
            )
            arrival = T0 + timedelta(minutes=10 * (i + 1))
            route_stops.append(
                Stop(f"st{i}", point(i), [f"sh{i}"], arrival, arrival + timedelta(minutes=3))
            )
        uow.routes.add(Route("R1", "V1", "W1", route_stops, driver_id="d1"))
        uow.commit()
    return engine, uow, tracking
