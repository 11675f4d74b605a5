"""Pick waves behind a dispatch wave's routes (lastmile.fulfillment.waves)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lastmile.domain import Address, DeliveryOption, GeoPoint, Shipment, Warehouse
from lastmile.sim.picking import PACK_BUFFER, time_pick_waves
from lastmile.sim.records import RouteRun, StopRun

DAY = datetime(2026, 3, 10, tzinfo=UTC)
SITE = Warehouse("WH-1", "North", GeoPoint(39.28, -76.6), pick_capacity_per_hour=60)


def _at(s: float) -> datetime:
    return DAY + timedelta(seconds=s)


def _seconds(moment: datetime) -> float:
    return (moment - DAY).total_seconds()


def _route(route_id: str, depart_s: float, orders: list[str]) -> RouteRun:
    stops = [
        StopRun(
            Shipment(f"S-{o}", "WH-1", Address(f"{k} Main St"), [o], DeliveryOption.SAME_DAY, "d"),
            k,
            0.0,
            150.0,
            0.0,
            0.0,
            0.0,
        )
        for k, o in enumerate(orders)
    ]
    return RouteRun(route_id, "V1", "WH-1", 0, 1, stops, depart_s, 20 * 3600.0)


def _plan(routes: list[RouteRun], lines: int) -> tuple[int, int, dict[str, float]]:
    plan = time_pick_waves(
        routes,
        lambda oid, wh: [(f"SKU-{n}", 1) for n in range(lines)],
        {"WH-1": SITE},
        now_s=8 * 3600.0,
        at=_at,
        seconds=_seconds,
    )
    return plan.waves, plan.late, plan.departures_s


def test_a_van_leaving_well_after_picking_is_not_held() -> None:
    waves, late, held = _plan([_route("R1", 12 * 3600.0, ["A", "B"])], lines=2)
    assert (waves, late, held) == (1, 0, {})


def test_a_van_leaving_before_its_wave_can_be_picked_waits_for_it() -> None:
    # 60 lines at 60 lines an hour from 08:00: packed at 09:00 plus the buffer.
    waves, late, held = _plan([_route("R1", 8 * 3600.0 + 600, ["A", "B", "C"])], lines=20)
    assert (waves, late) == (1, 1)
    assert held["R1"] == 9 * 3600.0 + PACK_BUFFER.total_seconds()
