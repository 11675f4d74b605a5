from __future__ import annotations

from datetime import time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.domain import DeliveryOption, GeoPoint
from lastmile.promise import PromiseEngine, Unavailable
from lastmile.promise.holds import HoldBook

from .builders import DAY, at, cart, index, route_east, warehouse

SAME, NEXT, SLOT = DeliveryOption.SAME_DAY, DeliveryOption.NEXT_DAY, DeliveryOption.SLOT


def engine(stock: int = 10, plan_today: bool = True, **kw: object) -> PromiseEngine:
    plans = {DAY: index()} if plan_today else {}
    return PromiseEngine(warehouses=[warehouse()], stock={("W1", "SKU1"): stock}, plans=plans, **kw)  # type: ignore[arg-type]


def test_same_day_is_offered_before_cutoff_with_stock_and_room_on_a_route() -> None:
    result = engine().quote(cart(), now=at(10))
    assert result.offers(SAME)
    same = next(o for o in result.options if o.option is SAME)
    assert same.warehouse_id == "W1" and same.route_id == "R1"
    assert same.eta.start >= at(11, 30)
    assert same.price > 0


def test_same_day_is_never_offered_after_the_cutoff() -> None:
    result = engine().quote(cart(), now=at(12, 1))
    assert not result.offers(SAME)
    assert result.reasons(SAME)[0].code is Unavailable.CUTOFF_PASSED


@settings(max_examples=40, deadline=None)
@given(minutes_after=st.integers(min_value=0, max_value=11 * 60))
def test_no_same_day_at_any_moment_after_the_cutoff(minutes_after: int) -> None:
    now = at(12) + timedelta(minutes=minutes_after)
    assert not engine().quote(cart(), now=now).offers(SAME)


def test_same_day_is_not_offered_when_no_stock_is_within_reach() -> None:
    far = warehouse("W1", GeoPoint(40.71, -74.0))  # New York, 270 km away
    eng = PromiseEngine(warehouses=[far], stock={("W1", "SKU1"): 10}, plans={DAY: index()})
    result = eng.quote(cart(), now=at(9))
    assert not result.offers(SAME)
    assert result.reasons(SAME)[0].code is Unavailable.NO_STOCK_IN_REACH
    assert result.offers(NEXT)


def test_nothing_is_offered_without_stock() -> None:
    result = engine(stock=0).quote(cart(), now=at(9))
    assert not result.options
    assert result.reasons(NEXT)[0].code is Unavailable.NO_STOCK


def test_an_address_that_cannot_be_geocoded_gets_no_same_day_and_a_clear_reason() -> None:
    result = engine().quote(cart(point=None), now=at(9))
    assert not result.offers(SAME)
    reason = result.reasons(SAME)[0]
    assert reason.code is Unavailable.NOT_GEOCODED
    assert "could not be located" in reason.message


def test_a_low_confidence_geocode_gets_only_an_untimed_option() -> None:
    result = engine().quote(cart(confidence=0.3), now=at(9))
    assert not result.offers(SAME) and not result.offers(SLOT)
    assert result.offers(NEXT)
    assert result.reasons(SAME)[0].code is Unavailable.LOW_CONFIDENCE


def test_same_day_needs_a_route_that_has_not_left_yet() -> None:
    # The only route left at 13:00; at 11:45 the parcel would be ready at 13:15, too late.
    result = engine().quote(cart(), now=at(11, 45))
    assert not result.offers(SAME)
    assert result.reasons(SAME)[0].code is Unavailable.NO_ROUTE_CAPACITY


def test_a_full_van_offers_no_slot() -> None:
    full = route_east(parcels=6)  # six stops already, six parcels of room
    eng = PromiseEngine(
        warehouses=[warehouse()], stock={("W1", "SKU1"): 10}, plans={DAY: index(full)}
    )
    result = eng.quote(cart(), now=at(9))
    assert not result.offers(SAME) and not result.offers(SLOT)
    assert result.reasons(SLOT)[0].code is Unavailable.NO_ROUTE_CAPACITY


def test_slots_come_only_from_windows_the_route_can_reach() -> None:
    result = engine().quote(cart(), now=at(9))
    slots = [o for o in result.options if o.option is SLOT]
    assert slots
    # The only route leaves at 13:00: no morning slot can be met.
    assert all(o.eta.end > at(13) for o in slots)
    assert {o.route_id for o in slots} == {"R1"}


def test_tight_deadlines_downstream_leave_no_slack_for_a_detour() -> None:
    tight = route_east(tight=True)
    eng = PromiseEngine(
        warehouses=[warehouse()], stock={("W1", "SKU1"): 10}, plans={DAY: index(tight)}
    )
    assert not eng.quote(cart(), now=at(9)).offers(SAME)


def test_a_hold_keeps_the_last_unit_from_a_second_customer_until_it_expires() -> None:
    eng = engine(stock=1, holds=HoldBook())
    first = eng.quote(cart(), now=at(9))
    option = next(o for o in first.options if o.option is SAME)
    eng.hold(cart(), option, now=at(9))
    assert not eng.quote(cart(), now=at(9, 1)).options
    assert eng.quote(cart(), now=at(9, 6)).offers(SAME)


def test_a_hold_uses_up_room_on_the_route() -> None:
    eng = PromiseEngine(
        warehouses=[warehouse()],
        stock={("W1", "SKU1"): 10},
        plans={DAY: index(route_east(parcels=7))},
    )
    option = next(o for o in eng.quote(cart(), now=at(9)).options if o.option is SAME)
    hold = eng.hold(cart(), option, now=at(9))
    assert not eng.quote(cart(), now=at(9, 1)).offers(SAME)
    eng.release(hold.hold_id)
    assert eng.quote(cart(), now=at(9, 1)).offers(SAME)


def test_next_day_is_not_offered_after_its_cutoff() -> None:
    wh = warehouse()
    eng = PromiseEngine(warehouses=[wh], stock={("W1", "SKU1"): 10}, plans={})
    assert not eng.quote(cart(), now=at(22, 30)).offers(NEXT)
    assert eng.quote(cart(), now=at(21, 30)).offers(NEXT)


def test_an_address_in_a_closed_area_gets_no_timed_option() -> None:
    class Closed:
        def factor_at(self, point: GeoPoint) -> float:
            return float("inf")

    result = engine(conditions=Closed()).quote(cart(), now=at(9))
    assert not result.offers(SAME) and not result.offers(SLOT)
    assert result.reasons(SAME)[0].code is Unavailable.DISRUPTED_AREA


def test_a_warehouse_with_a_later_cutoff_still_offers_same_day() -> None:
    late = warehouse(cutoff=time(15, 0))
    eng = PromiseEngine(
        warehouses=[late], stock={("W1", "SKU1"): 10}, plans={DAY: index(route_east(start=at(16)))}
    )
    assert eng.quote(cart(), now=at(14)).offers(SAME)


@settings(max_examples=40, deadline=None)
@given(
    whs=st.lists(
        st.tuples(st.floats(-0.6, 0.6), st.floats(-0.6, 0.6), st.integers(0, 3)),
        min_size=1,
        max_size=4,
    ),
    qty=st.integers(1, 3),
)
def test_same_day_is_offered_only_from_a_warehouse_in_reach_holding_the_whole_cart(
    whs: list[tuple[float, float, int]], qty: int
) -> None:
    from lastmile.domain import GeoPoint
    from lastmile.promise import PromisePolicy

    from .builders import DEPOT

    warehouses = [
        warehouse(f"W{i}", GeoPoint(DEPOT.lat + dlat, DEPOT.lon + dlon))
        for i, (dlat, dlon, _) in enumerate(whs)
    ]
    stock = {(f"W{i}", "SKU1"): units for i, (_, _, units) in enumerate(whs)}
    routes = [route_east(f"R{i}", depot_id=f"W{i}") for i in range(len(whs))]
    eng = PromiseEngine(warehouses=warehouses, stock=stock, plans={DAY: index(*routes)})
    c = cart(qty=qty)
    result = eng.quote(c, now=at(9))
    reach = PromisePolicy().same_day_reach_m
    for option in result.options:
        if option.option is SAME:
            wh = next(w for w in warehouses if w.warehouse_id == option.warehouse_id)
            assert stock[(wh.warehouse_id, "SKU1")] >= qty
            assert wh.location is not None and c.address.point is not None
            assert wh.location.distance_m(c.address.point) <= reach
