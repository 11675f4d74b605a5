"""Cartonization and consolidation as the simulator runs them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.domain import Address, DeliveryOption, Dimensions, Order, OrderLine, Sku, TimeWindow
from lastmile.sim.packing import Pick, cartonize, consolidate

NOW = datetime(2026, 3, 10, 7, tzinfo=UTC)
TZ = ZoneInfo("America/New_York")
SKUS = {
    "SMALL": Sku("SMALL", "phone case", Dimensions(15, 10, 3), 0.2, 10.0),
    "MID": Sku("MID", "kettle", Dimensions(30, 25, 20), 1.5, 40.0),
    "BIG": Sku("BIG", "chair", Dimensions(90, 70, 60), 12.0, 120.0),
}


def _order(order_id: str, raw: str, window: TimeWindow | None = None) -> Order:
    option = DeliveryOption.SLOT if window else DeliveryOption.NEXT_DAY
    return Order(
        order_id,
        f"x-{order_id}",
        "c",
        Address(raw, {"house_number": raw.split()[0], "street": "Main St"}),
        [OrderLine("SMALL", 1)],
        option=option,
        window=window,
    )


def test_orders_to_the_same_address_and_option_travel_as_one_shipment() -> None:
    orders = [_order("A", "12 Main St"), _order("B", "12 Main St"), _order("C", "14 Main St")]
    picks = [Pick(o.order_id, "SMALL", 1, "WH-1") for o in orders]
    shipments = consolidate(orders, picks, SKUS, now=NOW, tz=TZ, delivery_date="2026-03-10")
    assert sorted(s.order_ids for s in shipments) == [["A", "B"], ["C"]]


def test_switching_consolidation_off_gives_one_shipment_per_order() -> None:
    orders = [_order("A", "12 Main St"), _order("B", "12 Main St")]
    picks = [Pick(o.order_id, "SMALL", 1, "WH-1") for o in orders]
    shipments = consolidate(
        orders, picks, SKUS, now=NOW, tz=TZ, delivery_date="2026-03-10", enabled=False
    )
    assert sorted(s.order_ids for s in shipments) == [["A"], ["B"]]


def test_different_slots_at_one_address_stay_separate_shipments() -> None:
    day = datetime(2026, 3, 10, tzinfo=UTC)
    early = TimeWindow(day.replace(hour=9), day.replace(hour=11))
    late = TimeWindow(day.replace(hour=15), day.replace(hour=17))
    orders = [_order("A", "12 Main St", early), _order("B", "12 Main St", late)]
    picks = [Pick(o.order_id, "SMALL", 1, "WH-1") for o in orders]
    assert len(consolidate(orders, picks, SKUS, now=NOW, tz=TZ, delivery_date="2026-03-10")) == 2


def test_an_item_bigger_than_every_box_ships_in_its_own_carton() -> None:
    parcels = cartonize([Pick("A", "BIG", 1, "WH-1"), Pick("A", "SMALL", 2, "WH-1")], SKUS, "P")
    assert [p.box_code for p in parcels].count("OVERSIZE") == 1
    assert sum(i.quantity for p in parcels for i in p.items) == 3


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(sorted(SKUS)), st.integers(1, 4), st.sampled_from(["A", "B", "C"])
        ),
        min_size=1,
        max_size=12,
    )
)
def test_cartonization_packs_every_unit_exactly_once(lines: list[tuple[str, int, str]]) -> None:
    picks = [Pick(order, sku, qty, "WH-1") for sku, qty, order in lines]
    parcels = cartonize(picks, SKUS, "P")
    packed: dict[tuple[str, str], int] = {}
    for p in parcels:
        for item in p.items:
            packed[(item.order_id, item.sku_id)] = (
                packed.get((item.order_id, item.sku_id), 0) + item.quantity
            )
    wanted: dict[tuple[str, str], int] = {}
    for p in picks:
        wanted[(p.order_id, p.sku_id)] = wanted.get((p.order_id, p.sku_id), 0) + p.quantity
    assert packed == wanted
    assert all(p.weight_kg <= 30.2 or p.box_code == "OVERSIZE" for p in parcels)


def test_every_shipment_is_dated_the_simulated_day_and_ids_are_unique_without_consolidation() -> (
    None
):
    orders = [_order("A", "12 Main St"), _order("B", "12 Main St"), _order("C", "14 Main St")]
    picks = [Pick(o.order_id, "SMALL", 1, "WH-1") for o in orders]
    shipments = consolidate(
        orders, picks, SKUS, now=NOW, tz=TZ, delivery_date="2026-03-10", enabled=False
    )
    assert {s.delivery_date for s in shipments} == {"2026-03-10"}
    assert len({s.shipment_id for s in shipments}) == 3
