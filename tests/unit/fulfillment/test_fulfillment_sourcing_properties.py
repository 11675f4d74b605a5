"""Invariants of batch sourcing on random networks, orders and stock."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lastmile.domain import DeliveryOption
from lastmile.fulfillment.global_assign import PROVEN_GAP, objective
from lastmile.fulfillment.sourcing import source_batch
from lastmile.fulfillment.sourcing_arrays import StockTable, build_problem
from lastmile.fulfillment.sourcing_model import Outcome, SourcingPolicy, Strategy
from tests.unit.fulfillment.fulfillment_builders import NOW, TRAVEL, order, warehouse

SKUS = ["A", "B", "C", "D"]


@st.composite
def batches(draw):
    n_w = draw(st.integers(1, 4))
    whs = [
        warehouse(
            f"W{i}", draw(st.one_of(st.none(), st.floats(-0.3, 0.3))), draw(st.floats(-0.3, 0.3))
        )
        for i in range(n_w)
    ]
    table = np.array([[draw(st.integers(0, 4)) for _ in SKUS] for _ in range(n_w)])
    orders = []
    for k in range(draw(st.integers(1, 12))):
        skus = draw(st.lists(st.sampled_from([*SKUS, "ZZ"]), min_size=1, max_size=3, unique=True))
        lines = {s: draw(st.integers(1, 3)) for s in skus}
        at = (draw(st.one_of(st.none(), st.floats(-0.3, 0.3))), draw(st.floats(-0.3, 0.3)))
        option = draw(st.sampled_from([DeliveryOption.SAME_DAY, DeliveryOption.NEXT_DAY]))
        orders.append(order(f"o{k}", lines, at=at, option=option, placed=k))
    split = draw(st.booleans())
    stock = StockTable(tuple(w.warehouse_id for w in whs), tuple(SKUS), table)
    return orders, whs, stock, split


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches(), st.sampled_from(list(Strategy)))
def test_no_order_is_lost_and_reservations_never_exceed_available(batch, strategy):
    orders, whs, stock, split = batch
    policy = SourcingPolicy(strategy=strategy, allow_split=split)
    result = source_batch(orders, whs, stock, TRAVEL, now=NOW, policy=policy)

    assert [d.order_id for d in result.decisions] == [o.order_id for o in orders]
    taken = np.zeros_like(stock.available)
    w_ix = {w: i for i, w in enumerate(stock.warehouse_ids)}
    s_ix = stock.sku_index()
    for o, d in zip(orders, result.decisions, strict=True):
        if d.outcome is Outcome.BACKORDERED:
            assert {u.sku_id for u in d.unsourced} == {line.sku_id for line in o.lines}
            assert all(u.detail for u in d.unsourced)
            assert d.reason
        else:
            assert {(a.sku_id, a.quantity) for a in d.allocations} == {
                (line.sku_id, line.quantity) for line in o.lines
            }
            assert d.parcels <= (policy.max_warehouses_per_order if split else 1)
            for a in d.allocations:
                taken[w_ix[a.warehouse_id], s_ix[a.sku_id]] += a.quantity
                assert whs[w_ix[a.warehouse_id]].location is not None
    assert (taken <= stock.available).all()
    stats = result.stats
    assert stats.sourced + stats.split + stats.backordered == len(orders)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_global_assignment_never_costs_more_than_greedy_beyond_its_proven_gap(batch):
    orders, whs, stock, split = batch
    results = {}
    for strategy in Strategy:
        policy = SourcingPolicy(strategy=strategy, allow_split=split)
        problem = build_problem(orders, whs, stock.sku_ids, TRAVEL, policy, NOW)
        result = source_batch(orders, whs, stock, TRAVEL, now=NOW, policy=policy)
        w_ix = {w: i for i, w in enumerate(stock.warehouse_ids)}
        line_wh = np.array(
            [
                w_ix[a.warehouse_id] if d.outcome is not Outcome.BACKORDERED else -1
                for d in result.decisions
                for a in (d.allocations or [None] * len(orders[int(d.order_id[1:])].lines))
            ],
            dtype=np.int64,
        )
        results[strategy] = objective(
            problem.ptr,
            problem.line_order,
            line_wh,
            problem.cost,
            policy.split_penalty,
            policy.backorder_penalty,
        )
    tolerance = PROVEN_GAP * abs(results[Strategy.GREEDY]) + 1e-6
    assert results[Strategy.GLOBAL] <= results[Strategy.GREEDY] + tolerance
