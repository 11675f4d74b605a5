"""Share scarce stock between competing orders as one assignment problem (a MIP).

Orders ship whole or wait; a waiting order costs ``backorder_penalty``, so the solver
serves an order unless serving it would cost more than that in legs and split penalties.
The matrix is built with numpy, not one Python call per variable, and solved by HiGHS
(``scipy.optimize.milp``) by relax and fix: the LP relaxation of this packing problem is
nearly integral, so orders it decides whole are fixed and only the few it splits
fractionally are branched on; the status reports the gap to the LP bound. An answer
within ``PROVEN_GAP`` of that bound is within it of every answer, greedy included;
otherwise greedy first-come-first-served is computed too and the better answer kept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from lastmile.fulfillment.sourcing_arrays import BoolArray, FloatArray, IntArray, Subsets

# Relative distance to the LP bound below which the answer is taken without a greedy check.
PROVEN_GAP = 1e-3


@dataclass(frozen=True)
class GlobalAssignment:
    """The solver's line-to-warehouse answer (-1: not served) and how it ended."""

    line_wh: IntArray
    status: str
    seconds: float
    gap: float = float("inf")


def objective(
    ptr: IntArray,
    line_order: IntArray,
    line_wh: IntArray,
    cost: FloatArray,
    split_penalty: float,
    backorder_penalty: float,
) -> float:
    """Return the cost of an allocation: legs, split penalties and waiting orders."""
    n = len(ptr) - 1
    used = np.zeros(cost.shape, dtype=bool)
    ok = line_wh >= 0
    used[line_order[ok], line_wh[ok]] = True
    n_used = used.sum(axis=1)
    total = float(np.where(used, cost, 0.0).sum())
    total += split_penalty * float(np.maximum(n_used - 1, 0).sum())
    return total + backorder_penalty * float(n - (n_used > 0).sum())


def candidates(
    ptr: IntArray,
    line_order: IntArray,
    support: BoolArray,
    cost: FloatArray,
    subsets: Subsets,
    split_penalty: float,
) -> tuple[IntArray, FloatArray, IntArray, IntArray, IntArray]:
    """Enumerate every order's ways to ship: a warehouse set and each line's warehouse.

    A set is kept only when it covers the order and every member serves at least one
    line; its lines go to their cheapest member. Returns each candidate's order and cost,
    then its lines flat: (candidate, line, warehouse) triples.
    """
    n_orders = len(ptr) - 1
    c_order: list[IntArray] = []
    c_cost: list[FloatArray] = []
    t_cand: list[IntArray] = []
    t_line: list[IntArray] = []
    t_wh: list[IntArray] = []
    base = 0
    bits = support.astype(np.int64) @ (np.int64(1) << np.arange(support.shape[1], dtype=np.int64))
    for m in range(len(subsets.masks)):
        covered = np.logical_and.reduceat((bits & subsets.masks[m]) != 0, ptr[:-1])
        line_cost = np.where(support & subsets.members[m][None, :], cost[line_order], np.inf)
        line_wh = np.argmin(line_cost, axis=1).astype(np.int64)
        used = np.zeros(cost.shape, dtype=bool)
        used[line_order, line_wh] = True
        minimal = covered & (used.sum(axis=1) == subsets.sizes[m])
        if not minimal.any():
            continue
        orders = np.flatnonzero(minimal)
        rank = np.full(n_orders, -1, dtype=np.int64)
        rank[orders] = base + np.arange(len(orders))
        lines = np.flatnonzero(minimal[line_order])
        c_order.append(orders)
        c_cost.append(
            np.where(used, cost, 0.0)[orders].sum(axis=1) + split_penalty * (subsets.sizes[m] - 1)
        )
        t_cand.append(rank[line_order[lines]])
        t_line.append(lines)
        t_wh.append(line_wh[lines])
        base += len(orders)
    if not c_order:
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0), empty, empty, empty
    return (
        np.concatenate(c_order),
        np.concatenate(c_cost),
        np.concatenate(t_cand),
        np.concatenate(t_line),
        np.concatenate(t_wh),
    )


def solve_global(
    *,
    ptr: IntArray,
    line_order: IntArray,
    sku: IntArray,
    qty: IntArray,
    support: BoolArray,
    cost: FloatArray,
    available: IntArray,
    subsets: Subsets,
    split_penalty: float,
    backorder_penalty: float,
    time_limit_s: float,
    node_limit: int | None = None,
) -> GlobalAssignment:
    """Assign the lines of competing orders to warehouses without exceeding ``available``.

    Each order takes at most one of its candidate ways to ship (see ``candidates``); every
    way it takes saves ``backorder_penalty`` and costs its legs and splits; stock that the
    candidates could over-draw gets one row.

    Parameters
    ----------
    ptr, line_order, sku, qty
        The orders' lines in flat form (see ``SourcingProblem``).
    support
        ``(lines, W)``: warehouses that may serve each line.
    cost
        ``(orders, W)`` cost of the leg from each warehouse.
    available
        ``(W, S)`` units the orders may share.
    subsets
        The warehouse sets an order may ship from.
    split_penalty, backorder_penalty
        Cost of each parcel beyond the first, and of an order that waits.
    time_limit_s
        Stopping criterion of the MIP solver.
    node_limit
        Branch-and-bound nodes the MIP may explore; with it, and a time limit the
        machine never reaches, the same batch gives the same assignment on any machine.

    Returns
    -------
    GlobalAssignment
        ``line_wh[l]`` is the warehouse of line ``l`` or -1 when its order is not served.
    """
    started = time.perf_counter()
    n_orders = len(ptr) - 1
    n_lines = len(line_order)
    cand_order, cand_cost, x_idx, x_line, x_wh = candidates(
        ptr, line_order, support, cost, subsets, split_penalty
    )
    line_wh = np.full(n_lines, -1, dtype=np.int64)
    n_x = len(cand_order)
    if n_x == 0:
        return GlobalAssignment(line_wh, "EMPTY", time.perf_counter() - started)
    pair = x_wh * available.shape[1] + sku[x_line]
    pair_key, x_pair = np.unique(pair, return_inverse=True)
    x_pair = x_pair.reshape(-1)
    cap = available.reshape(-1)[pair_key].astype(np.float64)
    # Only stock that all candidates together could over-draw needs a row.
    asked = np.bincount(x_pair, weights=qty[x_line].astype(np.float64))
    tight = asked > cap
    n_tight = int(tight.sum())
    row_of = np.full(len(pair_key), -1)
    row_of[tight] = n_orders + np.arange(n_tight)
    keep = tight[x_pair]
    rows = np.concatenate([cand_order, row_of[x_pair][keep]])
    cols = np.concatenate([np.arange(n_x), x_idx[keep]])
    vals = np.concatenate([np.ones(n_x), qty[x_line][keep].astype(np.float64)])
    matrix = coo_matrix((vals, (rows, cols)), shape=(n_orders + n_tight, n_x)).tocsr()
    upper = np.concatenate([np.ones(n_orders), cap[tight]])
    c = cand_cost - backorder_penalty
    lower = np.full(len(upper), -np.inf)
    relaxed = milp(
        c,
        integrality=np.zeros(n_x),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(matrix, lower, upper),
        options={"time_limit": time_limit_s, "disp": False},
    )
    limits: dict[str, float | int] = {} if node_limit is None else {"node_limit": node_limit}
    if relaxed.x is None:
        return GlobalAssignment(line_wh, "NO LP SOLUTION", time.perf_counter() - started)
    x = relaxed.x
    fractional = (x > 1e-6) & (x < 1 - 1e-6)
    chosen = x > 0.5
    status, gap = "OPTIMAL", 0.0
    if fractional.any():
        # Relax and fix: keep the orders the LP already decided, branch only on the rest.
        is_open = np.zeros(n_orders, dtype=bool)
        is_open[cand_order[fractional]] = True
        free = is_open[cand_order]
        fixed = chosen & ~free
        residual = np.floor(upper - matrix[:, fixed] @ np.ones(int(fixed.sum())) + 1e-6)
        rest = milp(
            c[free],
            integrality=np.ones(int(free.sum())),
            bounds=Bounds(0, 1),
            constraints=LinearConstraint(matrix[:, free], lower, np.maximum(residual, 0)),
            options={
                "time_limit": max(0.1, time_limit_s - (time.perf_counter() - started)),
                "mip_rel_gap": 1e-6,
                "disp": False,
                **limits,
            },
        )
        chosen = fixed.copy()
        if rest.x is not None:
            chosen[free] = rest.x > 0.5
        gap = (float(c[chosen].sum()) - relaxed.fun) / max(1.0, abs(relaxed.fun))
        status = f"RELAX-AND-FIX gap {100 * gap:.3f}% ({int(is_open.sum())} orders branched)"
    on = chosen[x_idx]
    line_wh[x_line[on]] = x_wh[on]
    return GlobalAssignment(
        line_wh=line_wh, status=status, seconds=time.perf_counter() - started, gap=gap
    )
