"""Consolidation: one shipment per address, day and option; never across them."""

from __future__ import annotations

from datetime import UTC, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.domain import DeliveryOption, ParcelItem, TimeWindow
from lastmile.fulfillment.consolidation import address_key, consolidate, delivery_date
from tests.unit.fulfillment.fulfillment_builders import NOW, order


def part(o, wh="W1"):
    return (o, wh, [ParcelItem(line.sku_id, line.quantity, o.order_id) for line in o.lines])


def test_two_orders_to_the_same_address_and_day_become_one_shipment():
    a = order("a", {"S1": 1}, raw="12 Main St, Springfield")
    b = order("b", {"S2": 2}, raw="12  main st. springfield")
    result = consolidate([part(a), part(b)], now=NOW, tz=UTC)
    assert len(result.shipments) == 1
    assert result.shipments[0].shipment.order_ids == ["a", "b"]
    assert result.trips_saved == 1
    assert len(result.shipments[0].items) == 2


def test_different_days_options_or_warehouses_never_merge():
    a = order("a", {"S1": 1}, raw="12 Main St", option=DeliveryOption.SAME_DAY)
    b = order("b", {"S1": 1}, raw="12 Main St", option=DeliveryOption.NEXT_DAY)
    c = order("c", {"S1": 1}, raw="12 Main St", option=DeliveryOption.SAME_DAY)
    result = consolidate([part(a), part(b), part(c, "W2")], now=NOW, tz=UTC)
    assert len(result.shipments) == 3
    assert result.trips_saved == 0


def test_flats_of_one_building_stay_separate_shipments_but_share_a_stop():
    a = order("a", {"S1": 1}, raw="Flat 1")
    b = order("b", {"S1": 1}, raw="Flat 2")
    a.address.parts.update(house_number="5", street="High St", unit="1", zip="02139")
    b.address.parts.update(house_number="5", street="High St", unit="2", zip="02139")
    result = consolidate([part(a), part(b)], now=NOW, tz=UTC)
    assert len(result.shipments) == 2
    assert result.stops == 1


def test_slot_orders_merge_only_within_the_same_window():
    w1 = TimeWindow(NOW + timedelta(hours=20), NOW + timedelta(hours=22))
    w2 = TimeWindow(NOW + timedelta(hours=22), NOW + timedelta(hours=24))
    orders = [
        order(k, {"S1": 1}, raw="1 Elm", option=DeliveryOption.SLOT, window=w)
        for k, w in (("a", w1), ("b", w1), ("c", w2))
    ]
    result = consolidate([part(o) for o in orders], now=NOW, tz=UTC)
    assert sorted(len(s.shipment.order_ids) for s in result.shipments) == [1, 2]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["1 Elm", "2 Elm", "1 ELM", "3 Oak"]),
            st.sampled_from(list(DeliveryOption)),
            st.integers(0, 2),
            st.sampled_from(["W1", "W2"]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_consolidation_never_merges_different_addresses_or_days(specs):
    parts = []
    for i, (raw, option, day, wh) in enumerate(specs):
        start = NOW + timedelta(days=day, hours=3)
        window = TimeWindow(start, start + timedelta(hours=2))
        parts.append(part(order(f"o{i}", {"S1": 1}, raw=raw, option=option, window=window), wh))
    result = consolidate(parts, now=NOW, tz=UTC)
    by_id = {p[0].order_id: p for p in parts}
    seen = []
    for planned in result.shipments:
        members = [by_id[oid] for oid in planned.shipment.order_ids]
        seen += planned.shipment.order_ids
        assert len({address_key(o.address) for o, _, _ in members}) == 1
        assert len({delivery_date(o, NOW, UTC) for o, _, _ in members}) == 1
        assert len({(o.option, wh) for o, wh, _ in members}) == 1
    assert sorted(seen) == sorted(by_id)
