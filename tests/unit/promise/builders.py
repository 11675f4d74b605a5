"""Small hand-built day plans for promise tests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from lastmile.domain import (
    Address,
    Capacity,
    Geocode,
    GeocodeMethod,
    GeoPoint,
    OrderLine,
    Route,
    Shift,
    Stop,
    Vehicle,
    Warehouse,
)
from lastmile.promise import Cart, DayPlanIndex, PlannedRoute, TravelModel

TZ = ZoneInfo("America/New_York")
DAY = date(2026, 11, 30)
DEPOT = GeoPoint(39.29, -76.61)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), TZ)


def warehouse(wid: str = "W1", point: GeoPoint = DEPOT, cutoff: time = time(12, 0)) -> Warehouse:
    return Warehouse(wid, wid, point, same_day_cutoff=cutoff)


def van(vid: str, parcels: int = 100, day: date = DAY, end: datetime | None = None) -> Vehicle:
    return Vehicle(
        vid, "W1", Capacity(500.0, 2000.0, parcels), Shift(at(8, day=day), end or at(21, day=day))
    )


def route_east(
    rid: str = "R1",
    start: datetime | None = None,
    stops: int = 6,
    parcels: int = 100,
    depot_id: str = "W1",
    tight: bool = False,
) -> PlannedRoute:
    """A van going east from the depot, one stop every ~1 km, three minutes each."""
    start = start or at(13)
    travel = TravelModel()
    t = start
    prev = DEPOT
    out: list[Stop] = []
    for i in range(stops):
        p = GeoPoint(DEPOT.lat, DEPOT.lon + 0.012 * (i + 1))
        t = t + timedelta(seconds=prev.distance_m(p) * travel.detour_factor / travel.m_per_s)
        out.append(
            Stop(f"{rid}-s{i}", p, [f"{rid}-sh{i}"], t, t + timedelta(minutes=3), load_kg=10.0)
        )
        t = t + timedelta(minutes=3)
        prev = p
    route = Route(rid, f"V-{rid}", depot_id, out)
    # A tight route has one minute to spare at every stop and at the end of the shift.
    deadlines = {s.stop_id: s.arrival + timedelta(minutes=1) for s in out} if tight else None
    back = t + timedelta(seconds=prev.distance_m(DEPOT) * travel.detour_factor / travel.m_per_s)
    end = back + timedelta(minutes=1) if tight else None
    return PlannedRoute(
        route, van(f"V-{rid}", parcels, day=start.date(), end=end), DEPOT, start, deadlines
    )


def index(*routes: PlannedRoute) -> DayPlanIndex:
    return DayPlanIndex(list(routes) or [route_east()])


def cart(
    point: GeoPoint | None = GeoPoint(39.291, -76.585), confidence: float = 0.95, qty: int = 1
) -> Cart:
    geocode = Geocode(point, confidence, GeocodeMethod.EXACT) if point else None
    return Cart((OrderLine("SKU1", qty),), Address("1 Test St, Baltimore MD", geocode=geocode))
