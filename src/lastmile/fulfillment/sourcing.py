"""Choose the warehouse (or, when it pays, warehouses) each order of a batch ships from.

The batch is decided in three steps:

1. every order takes its cheapest covering warehouse set on the stock as it stands,
   all at once in numpy;
2. stock a warehouse holds for more orders than it can serve is *contested*; orders whose
   choice touches no contested stock keep it, since no other order can lose by it;
3. the contested orders share their stock through one global assignment (a MIP), or
   first come first served under the greedy strategy.

Orders that cannot be served are backordered with a reason on every line, never dropped.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

import numpy as np

from lastmile.domain import Order, Warehouse
from lastmile.fulfillment.global_assign import PROVEN_GAP, objective, solve_global
from lastmile.fulfillment.sourcing_arrays import (
    BoolArray,
    IntArray,
    SourcingProblem,
    StockTable,
    Subsets,
    build_problem,
    choose,
    consumption,
    line_support,
)
from lastmile.fulfillment.sourcing_diagnose import diagnose
from lastmile.fulfillment.sourcing_model import (
    LineAllocation,
    OrderDecision,
    Outcome,
    SourcingPolicy,
    SourcingResult,
    SourcingStats,
    Strategy,
)
from lastmile.geo.travel import TravelTimeSource


def greedy_allocation(
    problem: SourcingProblem,
    order_indices: IntArray,
    available: IntArray,
    policy: SourcingPolicy,
) -> IntArray:
    """Serve ``order_indices`` one after another, each taking its cheapest choice left.

    The same rule as ``choose`` (cheapest covering warehouse set, each line from its
    cheapest member), on plain lists: one order at a time is too small for numpy to pay.
    Returns the warehouse of every line of the problem (-1 where not served by this pass).
    """
    sets = [
        tuple(int(w) for w in np.flatnonzero(m))
        for m in Subsets.upto(problem.n_warehouses, policy.split_width).members
    ]
    remaining = available.tolist()
    # Only the rows of the orders served here become lists: a pass may be over a few.
    cost = dict(zip(order_indices.tolist(), problem.cost[order_indices].tolist(), strict=True))
    feasible = dict(
        zip(order_indices.tolist(), problem.feasible[order_indices].tolist(), strict=True)
    )
    sku, qty, ptr = problem.sku.tolist(), problem.qty.tolist(), problem.ptr.tolist()
    n_w, pen = problem.n_warehouses, policy.split_penalty
    line_wh = [-1] * len(sku)
    for i in order_indices.tolist():
        lines = range(ptr[i], ptr[i + 1])
        if any(sku[ln] < 0 for ln in lines):
            continue
        row, ok = cost[i], feasible[i]
        can = [
            {w for w in range(n_w) if ok[w] and remaining[w][sku[ln]] >= qty[ln]} for ln in lines
        ]
        if not all(can):
            continue
        best: list[int] | None = None
        best_cost = float("inf")
        for members in sets:
            set_cost = sum(row[w] for w in members) + pen * (len(members) - 1)
            if set_cost >= best_cost:
                continue
            pick = []
            for options in can:
                inside = [w for w in members if w in options]
                if not inside:
                    break
                pick.append(min(inside, key=row.__getitem__))
            else:
                best, best_cost = pick, set_cost
        if best is None:
            continue
        for ln, w in zip(lines, best, strict=True):
            remaining[w][sku[ln]] -= qty[ln]
            line_wh[ln] = w
    return np.asarray(line_wh, dtype=np.int64)


def _sub_lines(problem: SourcingProblem, orders: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Return the flat line indices of ``orders`` with their local ``ptr`` and line_order."""
    counts = problem.ptr[orders + 1] - problem.ptr[orders]
    ptr = np.zeros(len(orders) + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    lines = (
        np.concatenate([np.arange(problem.ptr[o], problem.ptr[o + 1]) for o in orders])
        if len(orders)
        else np.zeros(0, dtype=np.int64)
    )
    local = np.repeat(np.arange(len(orders), dtype=np.int64), counts)
    return lines.astype(np.int64), ptr, local


def _contested_orders(
    problem: SourcingProblem,
    first_wh: IntArray,
    served: BoolArray,
    support: BoolArray,
    available: IntArray,
    *,
    exact: bool,
) -> IntArray:
    """Return the orders whose first choice may have to yield to another order.

    Without ``exact``, only orders whose first choice lands on over-demanded stock are
    returned: they are re-assigned jointly while every other order keeps its first choice.

    Start from orders whose first choice lands on over-demanded stock; count every line of
    those *risky* orders at every warehouse that could serve it, and the others at their
    first choice; any order whose first choice lands on stock that this could exhaust
    becomes risky too, until nothing changes. The rest keep their first choice: no risky
    order can ever need the stock they take, so fixing them loses nothing.
    """
    shape = available.shape
    line_order, sku, qty = problem.line_order, problem.sku, problem.qty
    chosen = first_wh >= 0
    risky = np.zeros(problem.n_orders, dtype=bool)
    demand = consumption(sku, qty, first_wh, shape)
    while True:
        over = demand > available
        hits = np.zeros(len(sku), dtype=bool)
        hits[chosen] = over[first_wh[chosen], sku[chosen]]
        grown = risky | (np.logical_or.reduceat(hits, problem.ptr[:-1]) & served)
        if (grown == risky).all() and risky.any():
            break
        if not grown.any():
            return np.zeros(0, dtype=np.int64)
        risky = grown
        if not exact:
            break
        risky_line = risky[line_order]
        demand = consumption(sku, qty, np.where(risky_line, -1, first_wh), shape)
        for w in range(shape[0]):
            take = support[:, w] & risky_line
            demand[w] += np.bincount(sku[take], weights=qty[take], minlength=shape[1]).astype(
                np.int64
            )
    return np.flatnonzero(risky).astype(np.int64)


def allocate(
    problem: SourcingProblem, stock: StockTable, policy: SourcingPolicy
) -> tuple[IntArray, int, str, str]:
    """Return the warehouse of every line (-1: not served), contested orders, solver, status."""
    available = stock.available
    if policy.strategy is Strategy.GREEDY:
        return greedy_allocation(problem, problem.arrival, available, policy), 0, "greedy", "-"

    subsets = Subsets.upto(problem.n_warehouses, policy.split_width)
    feasible_rows = problem.feasible[problem.line_order]
    support = line_support(problem.sku, problem.qty, feasible_rows, available)
    first = choose(
        problem.ptr, problem.line_order, support, problem.cost, subsets, policy.split_penalty
    )

    contested = _contested_orders(
        problem, first.line_wh, first.served, support, available, exact=policy.exact_contest
    )
    order_hits = np.zeros(problem.n_orders, dtype=bool)
    order_hits[contested] = True
    line_wh = np.where(order_hits[problem.line_order], -1, first.line_wh)
    if len(contested) == 0:
        return line_wh, 0, "independent", "OPTIMAL"

    left = available - consumption(problem.sku, problem.qty, line_wh, available.shape)
    lines, ptr, local = _sub_lines(problem, contested)
    sub_cost = problem.cost[contested]
    answer = solve_global(
        ptr=ptr,
        line_order=local,
        sku=problem.sku[lines],
        qty=problem.qty[lines],
        support=support[lines],
        cost=sub_cost,
        available=left,
        subsets=subsets,
        split_penalty=policy.split_penalty,
        backorder_penalty=policy.backorder_penalty,
        time_limit_s=policy.global_time_limit_s,
        node_limit=policy.global_node_limit,
    )
    better = answer.line_wh
    if answer.gap > 0:
        # Rounding leaves stock unused: let the orders still waiting take it, in arrival order.
        waiting = contested[~np.logical_and.reduceat(better >= 0, ptr[:-1])]
        if len(waiting):
            tmp = line_wh.copy()
            tmp[lines] = better
            rest = available - consumption(problem.sku, problem.qty, tmp, available.shape)
            by_arrival = problem.arrival[np.isin(problem.arrival, waiting)]
            extra = greedy_allocation(problem, by_arrival, rest, policy)[lines]
            better = np.where(extra >= 0, extra, better)
    if answer.gap > PROVEN_GAP:
        # Stopped early: greedy is feasible too, so the batch never does worse than it.
        by_arrival = problem.arrival[np.isin(problem.arrival, contested)]
        hint = greedy_allocation(problem, by_arrival, left, policy)[lines]
        penalties = (policy.split_penalty, policy.backorder_penalty)
        if objective(ptr, local, hint, sub_cost, *penalties) < objective(
            ptr, local, answer.line_wh, sub_cost, *penalties
        ):
            better = hint
    line_wh[lines] = better
    return line_wh, len(contested), "mip", answer.status


def decide(problem: SourcingProblem, stock: StockTable, policy: SourcingPolicy) -> SourcingResult:
    """Source every order of an encoded batch against ``stock``.

    The stock table's warehouses and SKUs must be those the problem was built with.
    """
    if tuple(w.warehouse_id for w in problem.warehouses) != stock.warehouse_ids:
        raise ValueError("stock table and problem list different warehouses")
    started = time.perf_counter()
    line_wh, n_contested, solver, status = allocate(problem, stock, policy)
    used = consumption(problem.sku, problem.qty, line_wh, stock.available.shape)
    if (used > stock.available).any():
        raise AssertionError("sourcing allocated more than the available stock")
    left = stock.available - used

    served = np.logical_and.reduceat(line_wh >= 0, problem.ptr[:-1])
    used = np.zeros(problem.cost.shape, dtype=bool)
    ok = line_wh >= 0
    used[problem.line_order[ok], line_wh[ok]] = True
    n_used = used.sum(axis=1)
    cost = np.where(used, problem.cost, 0.0).sum(axis=1) + policy.split_penalty * np.maximum(
        n_used - 1, 0
    )
    dist = np.where(used, problem.road.distance_m, 0.0).sum(axis=1)
    secs = np.where(used, problem.road.travel_s, 0.0).sum(axis=1)

    decisions: list[OrderDecision] = []
    w_ids = stock.warehouse_ids
    wh_list = line_wh.tolist()
    ptr = problem.ptr.tolist()
    for i, order in enumerate(problem.orders):
        if served[i]:
            allocs = tuple(
                LineAllocation(order.order_id, line.sku_id, w_ids[w], line.quantity)
                for line, w in zip(order.lines, wh_list[ptr[i] : ptr[i + 1]], strict=True)
            )
            outcome = Outcome.SOURCED if n_used[i] == 1 else Outcome.SPLIT
            decisions.append(
                OrderDecision(
                    order.order_id,
                    outcome,
                    allocs,
                    (),
                    float(cost[i]),
                    float(dist[i]),
                    float(secs[i]),
                )
            )
        else:
            unsourced = diagnose(problem, i, stock.available, left, policy)
            decisions.append(OrderDecision(order.order_id, Outcome.BACKORDERED, (), unsourced))
    n_split = int((served & (n_used > 1)).sum())
    stats = SourcingStats(
        orders=problem.n_orders,
        sourced=int(served.sum()) - n_split,
        split=n_split,
        backordered=int((~served).sum()),
        total_cost=float(cost[served].sum()),
        total_distance_m=float(dist[served].sum()),
        contested_orders=n_contested,
        solver=solver,
        solver_status=status,
        seconds=time.perf_counter() - started,
    )
    return SourcingResult(decisions=tuple(decisions), stats=stats)


def source_batch(
    orders: Sequence[Order],
    warehouses: Sequence[Warehouse],
    stock: StockTable,
    travel: TravelTimeSource,
    *,
    now: datetime,
    policy: SourcingPolicy | None = None,
) -> SourcingResult:
    """Source a batch of orders from a network of warehouses.

    Parameters
    ----------
    orders
        The orders to source; each ships whole from one warehouse unless splitting pays.
    warehouses
        The network, in the order of ``stock.warehouse_ids``.
    stock
        Available units per warehouse and SKU; SKUs not in it are unknown.
    travel
        Prices warehouse-to-customer legs (a road network, or the straight-line fallback).
    now
        When the batch is sourced: cut-offs and slot lead times are checked against it.
    policy
        Costs, split rules and strategy; the default policy when omitted.

    Returns
    -------
    SourcingResult
        One decision per order, in the order given, and the batch statistics.
    """
    policy = policy or SourcingPolicy()
    problem = build_problem(orders, warehouses, stock.sku_ids, travel, policy, now)
    return decide(problem, stock, policy)
