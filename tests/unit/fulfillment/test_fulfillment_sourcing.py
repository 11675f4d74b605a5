"""Sourcing: which warehouse ships each order, and why an order waits."""

from __future__ import annotations

from datetime import time

from lastmile.domain import DeliveryOption
from lastmile.fulfillment.sourcing import source_batch
from lastmile.fulfillment.sourcing_model import (
    DistanceBasis,
    Outcome,
    SourcingPolicy,
    Strategy,
    UnsourcedReason,
)
from tests.unit.fulfillment.fulfillment_builders import (
    NOW,
    TRAVEL,
    RiverTravel,
    order,
    stock,
    warehouse,
)

NEAR, FAR = warehouse("NEAR", 0.01), warehouse("FAR", 0.2)


def one(orders, whs, table, policy=None, travel=TRAVEL):
    return source_batch(orders, whs, stock(whs, table), travel, now=NOW, policy=policy)


def test_order_is_sourced_from_nearest_warehouse_with_stock():
    result = one([order("o1", {"A": 2})], [FAR, NEAR], {"NEAR": {"A": 5}, "FAR": {"A": 5}})
    d = result.decisions[0]
    assert d.outcome is Outcome.SOURCED
    assert d.warehouse_ids == ("NEAR",)
    assert d.allocations[0].quantity == 2


def test_whole_order_from_one_warehouse_beats_a_nearer_split():
    mid = warehouse("MID", 0.03)
    table = {"NEAR": {"A": 1}, "MID": {"A": 1, "B": 1}}
    d = one([order("o1", {"A": 1, "B": 1})], [NEAR, mid], table).decisions[0]
    assert d.outcome is Outcome.SOURCED
    assert d.warehouse_ids == ("MID",)


def test_order_is_split_only_when_no_single_warehouse_can_ship_it():
    d = one(
        [order("o1", {"A": 1, "B": 1})], [NEAR, FAR], {"NEAR": {"A": 1}, "FAR": {"B": 1}}
    ).decisions[0]
    assert d.outcome is Outcome.SPLIT
    assert d.parcels == 2


def test_order_that_would_need_a_split_waits_when_splitting_is_off():
    d = one(
        [order("o1", {"A": 1, "B": 1})],
        [NEAR, FAR],
        {"NEAR": {"A": 1}, "FAR": {"B": 1}},
        SourcingPolicy(allow_split=False),
    ).decisions[0]
    assert d.outcome is Outcome.BACKORDERED
    assert {u.reason for u in d.unsourced} == {UnsourcedReason.SPLIT_NOT_ALLOWED}


def test_unknown_sku_backorders_the_order_with_a_reason_per_line():
    d = one([order("o1", {"A": 1, "GHOST": 1})], [NEAR], {"NEAR": {"A": 3}}).decisions[0]
    assert d.outcome is Outcome.BACKORDERED
    reasons = {u.sku_id: u.reason for u in d.unsourced}
    assert reasons == {"GHOST": UnsourcedReason.UNKNOWN_SKU, "A": UnsourcedReason.HELD_WITH_ORDER}
    assert "GHOST" in d.reason


def test_sku_without_stock_anywhere_is_named_as_such():
    d = one([order("o1", {"A": 1})], [NEAR], {"NEAR": {"A": 0}}).decisions[0]
    assert d.unsourced[0].reason is UnsourcedReason.NO_STOCK_ANYWHERE


def test_quantity_above_every_single_warehouse_is_insufficient_stock():
    d = one([order("o1", {"A": 5})], [NEAR, FAR], {"NEAR": {"A": 3}, "FAR": {"A": 3}}).decisions[0]
    assert d.unsourced[0].reason is UnsourcedReason.INSUFFICIENT_STOCK
    assert "the most at one is 3" in d.unsourced[0].detail


def test_warehouse_without_location_is_never_chosen_and_is_named():
    nowhere = warehouse("NOWHERE", None)
    d = one([order("o1", {"A": 1})], [nowhere], {"NOWHERE": {"A": 5}}).decisions[0]
    assert d.outcome is Outcome.BACKORDERED
    assert d.unsourced[0].reason is UnsourcedReason.NO_WAREHOUSE_LOCATION
    assert "NOWHERE" in d.unsourced[0].detail


def test_customer_without_geocode_waits():
    d = one([order("o1", {"A": 1}, at=(None, 0.0))], [NEAR], {"NEAR": {"A": 5}}).decisions[0]
    assert d.unsourced[0].reason is UnsourcedReason.NO_CUSTOMER_LOCATION


def test_same_day_order_after_cutoff_is_backordered_with_cutoff_reason():
    early = warehouse("EARLY", 0.01, same_day_cutoff=time(8, 0))
    d = one(
        [order("o1", {"A": 1}, option=DeliveryOption.SAME_DAY)], [early], {"EARLY": {"A": 5}}
    ).decisions[0]
    assert d.unsourced[0].reason is UnsourcedReason.CUTOFF_PASSED


def test_same_day_order_goes_to_a_later_cutoff_warehouse_when_the_nearest_closed():
    early = warehouse("EARLY", 0.01, same_day_cutoff=time(8, 0))
    d = one(
        [order("o1", {"A": 1}, option=DeliveryOption.SAME_DAY)],
        [early, FAR],
        {"EARLY": {"A": 5}, "FAR": {"A": 5}},
    ).decisions[0]
    assert d.warehouse_ids == ("FAR",)


def test_same_day_order_with_stock_only_far_away_is_too_far():
    very_far = warehouse("VERYFAR", 3.0)
    d = one(
        [order("o1", {"A": 1}, option=DeliveryOption.SAME_DAY)], [very_far], {"VERYFAR": {"A": 5}}
    ).decisions[0]
    assert d.unsourced[0].reason is UnsourcedReason.ONLY_TOO_FAR
    assert "same_day allows 2.0 h" in d.unsourced[0].detail


def test_global_assignment_serves_more_orders_than_first_come_first_served():
    # o1 arrives first and could use either warehouse; o2 can only use NEAR.
    whs = [NEAR, FAR]
    table = {"NEAR": {"A": 1}, "FAR": {"A": 1}}
    orders = [
        order("o1", {"A": 1}, placed=0),
        order("o2", {"A": 1}, placed=10, option=DeliveryOption.SAME_DAY),
    ]
    far_same_day = SourcingPolicy(
        max_travel_s={
            DeliveryOption.SAME_DAY: 600.0,
            DeliveryOption.NEXT_DAY: 36000.0,
            DeliveryOption.SLOT: 3600.0,
        }
    )
    greedy = one(
        orders, whs, table, SourcingPolicy(**{**far_same_day.__dict__, "strategy": Strategy.GREEDY})
    )
    best = one(orders, whs, table, far_same_day)
    assert greedy.stats.served == 1
    assert best.stats.served == 2
    assert best.by_order()["o1"].warehouse_ids == ("FAR",)
    assert best.stats.solver == "mip"
    lost = greedy.by_order()["o2"].unsourced[0]
    assert lost.reason is UnsourcedReason.TAKEN_BY_OTHER_ORDERS


def test_road_aware_sourcing_avoids_the_warehouse_across_the_river():
    across = warehouse("ACROSS", 0.0, 0.06)  # nearer in a straight line, across the river
    same_bank = warehouse("BANK", 0.0, -0.1)
    whs = [across, same_bank]
    table = {"ACROSS": {"A": 5}, "BANK": {"A": 5}}
    road = one([order("o1", {"A": 1}, at=(0.0, 0.0))], whs, table, travel=RiverTravel())
    line = one(
        [order("o1", {"A": 1}, at=(0.0, 0.0))],
        whs,
        table,
        SourcingPolicy(basis=DistanceBasis.STRAIGHT_LINE),
        travel=RiverTravel(),
    )
    assert road.decisions[0].warehouse_ids == ("BANK",)
    assert line.decisions[0].warehouse_ids == ("ACROSS",)
    # Both report the road distance actually driven.
    assert line.decisions[0].distance_m > road.decisions[0].distance_m
