"""Small hand-built routing problems and domain objects for the routing tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from lastmile.domain.address import Address, Geocode, GeocodeMethod
from lastmile.domain.fleet import Capacity, Shift, Vehicle
from lastmile.domain.geo import GeoPoint
from lastmile.domain.order import DeliveryOption
from lastmile.domain.shipment import Parcel, Shipment
from lastmile.domain.time_window import TimeWindow
from lastmile.domain.warehouse import Warehouse
from lastmile.routing.problem import Depot, RoutingProblem, Stops, VehicleSpec

DAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def grid_problem(
    xy: np.ndarray,
    demand: list[int],
    *,
    windows: list[tuple[float, float]] | None = None,
    capacity: int = 10,
    vans: int = 3,
    service: float = 5.0,
    depot_xy: tuple[float, float] = (0.0, 0.0),
    shift_end: float = 10_000.0,
    skills: list[frozenset[str]] | None = None,
    fleet: tuple[VehicleSpec, ...] | None = None,
) -> RoutingProblem:
    """A Euclidean problem: one depot, stops at ``xy``, integer distances = times."""
    pts = np.vstack([np.asarray(depot_xy, float)[None, :], np.asarray(xy, float)])
    dist = np.rint(np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)))
    n = len(xy)
    return RoutingProblem(
        depots=(Depot("D", 0),),
        stops=Stops.build(
            [f"s{i}" for i in range(n)],
            [[d] for d in demand],
            service_s=[service] * n,
            windows=[(w,) for w in windows] if windows else None,
            skills=skills,
        ),
        fleet=fleet
        if fleet is not None
        else (VehicleSpec("van", capacity=(capacity,), count=vans, shift_end_s=shift_end),),
        durations_s=dist.copy(),
        distances_m=dist,
        dimension_names=("parcels",),
        coords=pts,
    )


def warehouse(wid: str = "W1", lat: float = 39.29, lon: float = -76.61) -> Warehouse:
    return Warehouse(warehouse_id=wid, name=wid, location=GeoPoint(lat, lon))


def van(
    vid: str,
    depot: str = "W1",
    *,
    hours: float = 8.0,
    weight: float = 500.0,
    parcels: int = 60,
    skills: frozenset[str] = frozenset(),
    break_at: tuple[float, float] | None = None,
) -> Vehicle:
    start = DAY
    shift = Shift(
        start=start,
        end=start + timedelta(hours=hours),
        break_earliest=start + timedelta(hours=break_at[0]) if break_at else None,
        break_latest=start + timedelta(hours=break_at[1]) if break_at else None,
        break_duration=timedelta(minutes=30) if break_at else timedelta(0),
    )
    return Vehicle(
        vehicle_id=vid,
        depot_id=depot,
        capacity=Capacity(weight_kg=weight, volume_l=4000.0, parcels=parcels),
        shift=shift,
        skills=skills,
    )


def shipment(
    sid: str,
    lat: float,
    lon: float,
    *,
    wh: str = "W1",
    kg: float = 2.0,
    parcels: int = 1,
    window: tuple[float, float] | None = None,
    house: str = "",
) -> Shipment:
    address = Address(
        raw=f"{house or sid} Main St, Baltimore MD",
        parts={"house_number": house or sid, "street": "Main St", "zip": "21201"},
        geocode=Geocode(GeoPoint(lat, lon), 0.95, GeocodeMethod.EXACT),
    )
    return Shipment(
        shipment_id=sid,
        warehouse_id=wh,
        address=address,
        order_ids=[f"o-{sid}"],
        option=DeliveryOption.NEXT_DAY,
        delivery_date="2026-03-02",
        window=(
            TimeWindow(DAY + timedelta(hours=window[0]), DAY + timedelta(hours=window[1]))
            if window
            else None
        ),
        parcels=[
            Parcel(f"{sid}-p{k}", "M", (), weight_kg=kg / parcels, volume_l=10.0)
            for k in range(parcels)
        ],
    )
