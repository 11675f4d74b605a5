"""The simulated checkout: the product's promise desk on the sim's stock, fleet and clock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from lastmile.domain import (
    Address,
    Capacity,
    DeliveryOption,
    Dimensions,
    Geocode,
    GeocodeMethod,
    GeoPoint,
    Order,
    OrderLine,
    Shift,
    Sku,
    StockLevel,
    TimeWindow,
    Vehicle,
    Warehouse,
)
from lastmile.promise import PromiseOption, PromiseResult, Refusal, Unavailable
from lastmile.sim.checkout import Checkout, Trip, settle

TZ = ZoneInfo("America/New_York")
DAY = date(2026, 3, 10)
DEPOT = GeoPoint(39.27, -76.58)
HOME = GeoPoint(39.29, -76.61)


def at(hour: float, day: date = DAY) -> datetime:
    return datetime.combine(day, time(0), TZ) + timedelta(hours=hour)


def order(option: DeliveryOption, placed: datetime, window: TimeWindow | None = None) -> Order:
    address = Address("1 MAIN ST", {}, Geocode(HOME, 0.95, GeocodeMethod.EXACT))
    return Order(
        "O1", "E1", "C1", address, [OrderLine("SKU-1", 1)], option, window, placed_at=placed
    )


def checkout(units: int = 5) -> Checkout:
    wh = Warehouse("WH-1", "one", DEPOT)
    level = StockLevel("SKU-1", "WH-1")
    if units:
        level.receive(units, reference="opening", at=at(0))
    van = Vehicle("V1", "WH-1", Capacity(500, 5000, 100), Shift(at(8), at(19)))
    return Checkout(
        day=DAY,
        warehouses=[wh],
        skus=[Sku("SKU-1", "thing", Dimensions(20, 20, 20), 1.0)],
        vehicles=[van],
        levels={("SKU-1", "WH-1"): level},
        trips=[Trip("wave1", at(8), at(13.5)), Trip("wave2", at(13), at(24))],
        timezone=str(TZ),
    )


def test_a_same_day_order_before_the_cutoff_is_promised_for_today() -> None:
    verdict = checkout().settle(order(DeliveryOption.SAME_DAY, at(9)))
    assert verdict.due and verdict.option is DeliveryOption.SAME_DAY


def test_a_same_day_order_after_the_cutoff_moves_to_a_later_day_with_the_promise_reason() -> None:
    verdict = checkout().settle(order(DeliveryOption.SAME_DAY, at(12.5)))
    assert not verdict.due and not verdict.backorder
    assert "cut-off (12:00) has passed" in verdict.reason


def test_a_same_day_order_too_late_for_the_last_trip_is_refused_for_lack_of_route() -> None:
    # Ready 90 minutes after 11:45, after the second trip has left at 13:00.
    verdict = checkout().settle(order(DeliveryOption.SAME_DAY, at(11.75)))
    assert not verdict.due
    assert "no room left" in verdict.reason


def test_a_slot_ordered_the_day_before_is_kept_when_a_van_trip_can_reach_it() -> None:
    window = TimeWindow(at(15), at(17))
    verdict = checkout().settle(order(DeliveryOption.SLOT, at(20, DAY - timedelta(days=1)), window))
    assert verdict.due and verdict.window == window and not verdict.moved


def test_a_next_day_order_placed_after_the_next_day_cutoff_waits_without_a_backorder() -> None:
    verdict = checkout().settle(order(DeliveryOption.NEXT_DAY, at(23, DAY - timedelta(days=1))))
    assert not verdict.due and not verdict.backorder
    assert "next-day cut-off (22:00) has passed" in verdict.reason


def test_an_order_no_warehouse_has_stock_for_is_backordered_with_the_promise_reason() -> None:
    verdict = checkout(units=0).settle(order(DeliveryOption.SAME_DAY, at(9)))
    assert verdict.backorder and "in stock" in verdict.reason


def test_a_slot_the_promise_cannot_keep_moves_to_the_nearest_offered_slot() -> None:
    wanted = TimeWindow(at(9), at(11))
    offered = [
        PromiseOption(DeliveryOption.SLOT, DAY, w, 3.0, "WH-1", "R1", 60.0, slot=w)
        for w in (TimeWindow(at(11), at(13)), TimeWindow(at(15), at(17)))
    ]
    answer = PromiseResult(at(8, DAY - timedelta(days=1)), tuple(offered))
    verdict = settle(order(DeliveryOption.SLOT, answer.asked_at, wanted), answer, DAY)
    assert verdict.due and verdict.moved and verdict.window == TimeWindow(at(11), at(13))


def test_a_refusal_for_a_closed_area_waits_instead_of_backordering() -> None:
    answer = PromiseResult(
        at(9),
        (),
        (Refusal(DeliveryOption.SAME_DAY, Unavailable.DISRUPTED_AREA, "closed area"),),
    )
    verdict = settle(order(DeliveryOption.SAME_DAY, at(9)), answer, DAY)
    assert not verdict.due and not verdict.backorder and "closed area" in verdict.reason
