"""An app on the in-memory unit of work, with one API key per role."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI

from lastmile.api.app import create_app
from lastmile.config import Settings
from lastmile.domain import (
    Address,
    Capacity,
    Dimensions,
    Geocode,
    GeocodeMethod,
    GeoPoint,
    Route,
    Shift,
    Shipment,
    Sku,
    StockLevel,
    Stop,
    Vehicle,
    Warehouse,
)
from lastmile.domain.order import DeliveryOption
from lastmile.geo.travel import TravelMatrix, haversine_matrix_m
from lastmile.services.auth import Role
from lastmile.services.fakes import FakeUnitOfWork

with warnings.catch_warnings():
    # Starlette's TestClient warns that it is moving to httpx2; the warning is about
    # the test tool, not our code, and would be an error under filterwarnings=error.
    from starlette.exceptions import StarletteDeprecationWarning

    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient


class StraightLine:
    """Travel at 8 m/s along straight lines, without the fallback's warning."""

    def matrix(
        self, points: Sequence[GeoPoint], *, depart_at: datetime | None = None
    ) -> TravelMatrix:
        lat = np.array([p.lat for p in points], dtype=np.float64)
        lon = np.array([p.lon for p in points], dtype=np.float64)
        metres = haversine_matrix_m(lat, lon) * 1.3
        return TravelMatrix(metres / 8.0, metres)


def _seed(uow: FakeUnitOfWork) -> None:
    day = datetime(2026, 11, 30, tzinfo=UTC)
    with uow:
        uow.warehouses.add(
            Warehouse("W1", "Port warehouse", GeoPoint(39.27, -76.58), same_day_cutoff=time(12))
        )
        uow.skus.add(Sku("SKU1", "Mug", Dimensions(10, 10, 10), 0.4, 8.0))
        level = StockLevel("SKU1", "W1")
        level.receive(50, reference="seed")
        uow.stock.add(level)
        uow.vehicles.add(
            Vehicle(
                "V1",
                "W1",
                Capacity(500, 2000, 80),
                Shift(day.replace(hour=8), day.replace(hour=18)),
            )
        )
        for n, (driver, lat) in enumerate((("D1", 39.29), ("D2", 39.30)), start=1):
            shipment = Shipment(
                f"S{n}",
                "W1",
                Address(
                    f"{n}00 Main St, Baltimore MD",
                    geocode=Geocode(GeoPoint(lat, -76.6), 0.95, GeocodeMethod.EXACT),
                ),
                [f"O{n}"],
                DeliveryOption.NEXT_DAY,
                "2026-11-30",
                tracking_token=f"tok{n}" * 8,
            )
            uow.shipments.add(shipment)
            arrival = day.replace(hour=9 + n)
            stop = Stop(
                f"R{n}-1", GeoPoint(lat, -76.6), [f"S{n}"], arrival, arrival + timedelta(minutes=3)
            )
            uow.routes.add(
                Route(f"R{n}", f"V{n}", "W1", [stop], 5000.0, 3600.0, 40.0, 1.2, driver_id=driver)
            )
        uow.commit()


def seeded_uow() -> FakeUnitOfWork:
    """An in-memory store with a warehouse, a SKU in stock, a van and two drivers' routes."""
    fake = FakeUnitOfWork()
    _seed(fake)
    return fake


def make_keys(app: FastAPI) -> dict[str, str]:
    """One key per role; the driver key belongs to driver D1."""
    auth = app.state.ctx.auth
    out = {}
    for role in Role:
        out[role.value] = auth.create_key(
            name=f"{role} key", role=role, driver_id="D1" if role is Role.DRIVER else None
        ).secret
    return out


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return seeded_uow()


@pytest.fixture
def settings() -> Settings:
    return Settings(max_body_bytes=10_000, database_url="sqlite://")


@pytest.fixture
def app(uow: FakeUnitOfWork, settings: Settings) -> FastAPI:
    return create_app(settings, uow_factory=lambda: uow)


@pytest.fixture
def keys(app: FastAPI) -> dict[str, str]:
    return make_keys(app)


@pytest.fixture
def client(app: FastAPI) -> Iterator[Any]:
    with TestClient(app) as c:
        yield c


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
