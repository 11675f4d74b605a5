"""Say why each line of a backordered order could not be sourced."""

from __future__ import annotations

import numpy as np

from lastmile.fulfillment.sourcing_arrays import IntArray, SourcingProblem
from lastmile.fulfillment.sourcing_model import SourcingPolicy, UnsourcedLine, UnsourcedReason

R = UnsourcedReason


def _names(problem: SourcingProblem, mask: np.ndarray) -> str:
    return ", ".join(problem.warehouses[int(w)].warehouse_id for w in np.flatnonzero(mask))


def _line_reason(
    problem: SourcingProblem,
    i: int,
    line: int,
    initial: IntArray,
    left: IntArray,
    policy: SourcingPolicy,
) -> tuple[UnsourcedReason, str] | None:
    """Return the first rule the line breaks, or None when it could ship on its own."""
    order = problem.orders[i]
    s, q = int(problem.sku[line]), int(problem.qty[line])
    option = order.option.value
    if s < 0:
        return R.UNKNOWN_SKU, "SKU is not in the catalogue"
    stock = initial[:, s]
    if stock.sum() == 0:
        return R.NO_STOCK_ANYWHERE, "no warehouse has it in stock"
    holders = stock >= q
    if not holders.any():
        best = int(np.argmax(stock))
        return R.INSUFFICIENT_STOCK, (
            f"no warehouse holds {q}; the most at one is {int(stock[best])} at "
            f"{problem.warehouses[best].warehouse_id} ({int(stock.sum())} in the network)"
        )
    located = holders & problem.warehouse_located
    if not located.any():
        return R.NO_WAREHOUSE_LOCATION, (
            f"only held at {_names(problem, holders)}, which has no location"
        )
    if not problem.customer_located[i]:
        return R.NO_CUSTOMER_LOCATION, "the delivery address has no geocode"
    in_time = located & problem.cutoff_ok[i]
    if not in_time.any():
        if order.window is not None and order.option.value == "slot":
            return R.CUTOFF_PASSED, (
                f"too late for the slot starting {order.window.start.isoformat()} from "
                f"{_names(problem, located)}"
            )
        return R.CUTOFF_PASSED, (f"the {option} cut-off has passed at {_names(problem, located)}")
    near = in_time & problem.near_enough[i]
    if not near.any():
        secs = np.where(in_time, problem.basis_legs.travel_s[i], np.inf)
        best = int(np.argmin(secs))
        return R.ONLY_TOO_FAR, (
            f"nearest warehouse with stock, {problem.warehouses[best].warehouse_id}, is "
            f"{secs[best] / 3600:.1f} h away; {option} allows "
            f"{policy.max_travel_s[order.option] / 3600:.1f} h"
        )
    if not (near & (left[:, s] >= q)).any():
        return R.TAKEN_BY_OTHER_ORDERS, (
            f"stock at {_names(problem, near)} went to other orders of the batch"
        )
    return None


def diagnose(
    problem: SourcingProblem,
    i: int,
    initial: IntArray,
    left: IntArray,
    policy: SourcingPolicy,
) -> tuple[UnsourcedLine, ...]:
    """Return one reason per line of backordered order ``i``.

    ``initial`` is the stock before the batch and ``left`` what remains after it. Lines
    that could ship alone wait with their order; if every line could, the order failed
    only because it would need more warehouses than the policy allows.
    """
    order = problem.orders[i]
    sl = problem.lines_of(i)
    found = [
        _line_reason(problem, i, line, initial, left, policy) for line in range(sl.start, sl.stop)
    ]
    if all(f is None for f in found):
        why = (
            "splitting is off"
            if not policy.allow_split
            else f"it would need more than {policy.max_warehouses_per_order} warehouses"
        )
        found = [(R.SPLIT_NOT_ALLOWED, f"no single warehouse set can ship the order: {why}")] * len(
            found
        )
    return tuple(
        UnsourcedLine(
            order.order_id,
            line.sku_id,
            line.quantity,
            *(f or (R.HELD_WITH_ORDER, "waits for the rest of its order")),
        )
        for line, f in zip(order.lines, found, strict=True)
    )
