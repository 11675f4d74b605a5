"""Sourcing in arrays: orders, stock and leg costs encoded once, decisions taken in bulk.

Every order is a run of lines in flat arrays (``ptr`` marks where each order starts), so
that thousands of orders are priced and matched against stock with a handful of numpy
operations instead of one Python loop per order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

import numpy as np
from numpy.typing import NDArray

from lastmile.domain import (
    DeliveryOption,
    GeoPoint,
    InvalidValue,
    Order,
    StockLevel,
    Warehouse,
)
from lastmile.fulfillment.legs import Legs, leg_matrices
from lastmile.fulfillment.sourcing_model import DistanceBasis, SourcingPolicy
from lastmile.geo.travel import TravelTimeSource

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# Cost of a leg that cannot be driven: finite, so that sums over masks stay free of NaN.
UNREACHABLE = 1e15


@dataclass(frozen=True)
class StockTable:
    """Available units of every SKU at every warehouse, as a ``(W, S)`` integer matrix."""

    warehouse_ids: tuple[str, ...]
    sku_ids: tuple[str, ...]
    available: IntArray

    def __post_init__(self) -> None:
        shape = (len(self.warehouse_ids), len(self.sku_ids))
        if self.available.shape != shape:
            raise InvalidValue("available", f"has shape {self.available.shape}, expected {shape}")
        if (self.available < 0).any():
            raise InvalidValue("available", "contains a negative quantity")

    @classmethod
    def from_levels(
        cls, warehouse_ids: Sequence[str], sku_ids: Sequence[str], levels: Iterable[StockLevel]
    ) -> StockTable:
        """Gather stock levels into a table; levels of unknown warehouses or SKUs are ignored."""
        w_index = {w: i for i, w in enumerate(warehouse_ids)}
        s_index = {s: i for i, s in enumerate(sku_ids)}
        table = np.zeros((len(warehouse_ids), len(sku_ids)), dtype=np.int64)
        for level in levels:
            w, s = w_index.get(level.warehouse_id), s_index.get(level.sku_id)
            if w is not None and s is not None:
                table[w, s] += max(0, level.available)
        return cls(tuple(warehouse_ids), tuple(sku_ids), table)

    def sku_index(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.sku_ids)}


@dataclass(frozen=True)
class SourcingProblem:
    """A batch of orders against a network, with every leg priced and checked.

    ``cost``, ``feasible`` and the leg figures are ``(orders, warehouses)``; line arrays
    are flat with ``ptr[i]:ptr[i + 1]`` the lines of order ``i``. ``sku`` is -1 for an
    unknown SKU.
    """

    orders: tuple[Order, ...]
    warehouses: tuple[Warehouse, ...]
    sku_ids: tuple[str, ...]
    ptr: IntArray
    line_order: IntArray
    sku: IntArray
    qty: IntArray
    cost: FloatArray
    feasible: BoolArray
    road: Legs
    basis_legs: Legs
    customer_located: BoolArray
    cutoff_ok: BoolArray
    near_enough: BoolArray
    arrival: IntArray

    @property
    def n_orders(self) -> int:
        return len(self.orders)

    @property
    def n_warehouses(self) -> int:
        return len(self.warehouses)

    def lines_of(self, i: int) -> slice:
        return slice(int(self.ptr[i]), int(self.ptr[i + 1]))

    @property
    def warehouse_located(self) -> BoolArray:
        return np.array([w.location is not None for w in self.warehouses], dtype=bool)


def _cutoff_table(
    warehouses: Sequence[Warehouse], now: datetime, policy: SourcingPolicy
) -> dict[DeliveryOption, BoolArray]:
    clock = now.astimezone(policy.timezone).time()
    return {
        DeliveryOption.SAME_DAY: np.array([clock <= w.same_day_cutoff for w in warehouses]),
        DeliveryOption.NEXT_DAY: np.array([clock <= w.next_day_cutoff for w in warehouses]),
    }


def build_problem(
    orders: Sequence[Order],
    warehouses: Sequence[Warehouse],
    stock_skus: Sequence[str],
    travel: TravelTimeSource,
    policy: SourcingPolicy,
    now: datetime,
) -> SourcingProblem:
    """Encode a batch: flatten lines, price every warehouse-to-customer leg, check options.

    A leg is feasible when both ends have a location, the warehouse's cut-off still allows
    the order's option at ``now`` (a slot instead needs its window to start after the lead
    time plus the drive), and the drive is within the option's limit.
    """
    if not orders:
        raise InvalidValue("orders", "the batch is empty")
    if not warehouses:
        raise InvalidValue("warehouses", "the network has no warehouse")
    if now.tzinfo is None:
        raise InvalidValue("now", "must be timezone-aware")
    s_index = {s: i for i, s in enumerate(stock_skus)}
    counts = np.fromiter((len(o.lines) for o in orders), dtype=np.int64, count=len(orders))
    ptr = np.zeros(len(orders) + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    n_lines = int(ptr[-1])
    line_order = np.repeat(np.arange(len(orders), dtype=np.int64), counts)
    sku = np.fromiter(
        (s_index.get(line.sku_id, -1) for o in orders for line in o.lines),
        dtype=np.int64,
        count=n_lines,
    )
    qty = np.fromiter(
        (line.quantity for o in orders for line in o.lines), dtype=np.int64, count=n_lines
    )

    points: list[GeoPoint | None] = [o.address.point for o in orders]
    customer_located = np.array([p is not None for p in points], dtype=bool)
    road = leg_matrices(travel, warehouses, points, depart_at=now)
    basis_legs = (
        road if policy.basis is DistanceBasis.ROAD else Legs.straight_line(warehouses, points)
    )

    cost = (
        policy.cost_per_km * basis_legs.distance_m / 1000.0
        + policy.cost_per_hour * basis_legs.travel_s / 3600.0
        + np.array([w.handling_cost for w in warehouses], dtype=np.float64)[None, :]
    )
    reachable = np.isfinite(cost)
    cost = np.where(reachable, cost, UNREACHABLE)

    cutoffs = _cutoff_table(warehouses, now, policy)
    n_w = len(warehouses)
    cutoff_ok = np.ones((len(orders), n_w), dtype=bool)
    limit = np.empty(len(orders), dtype=np.float64)
    for i, o in enumerate(orders):
        limit[i] = policy.max_travel_s[o.option]
        if o.option is DeliveryOption.SLOT and o.window is not None:
            spare = (o.window.start - now - policy.slot_lead_time).total_seconds()
            cutoff_ok[i] = basis_legs.travel_s[i] <= spare
        else:
            cutoff_ok[i] = cutoffs[o.option]
    near_enough = basis_legs.travel_s <= limit[:, None]
    feasible = reachable & cutoff_ok & near_enough

    placed = np.array([o.placed_at.timestamp() for o in orders], dtype=np.float64)
    arrival = np.argsort(placed, kind="stable").astype(np.int64)
    return SourcingProblem(
        orders=tuple(orders),
        warehouses=tuple(warehouses),
        sku_ids=tuple(stock_skus),
        ptr=ptr,
        line_order=line_order,
        sku=sku,
        qty=qty,
        cost=cost,
        feasible=feasible,
        road=road,
        basis_legs=basis_legs,
        customer_located=customer_located,
        cutoff_ok=cutoff_ok,
        near_enough=near_enough,
        arrival=arrival,
    )


@dataclass(frozen=True)
class Subsets:
    """The warehouse sets an order may ship from, as bit masks, singletons first."""

    masks: IntArray
    members: BoolArray
    sizes: IntArray

    @classmethod
    def upto(cls, n_warehouses: int, width: int) -> Subsets:
        if n_warehouses > 62:
            raise InvalidValue("warehouses", "at most 62 warehouses per sourcing batch")
        combos = [
            c
            for k in range(1, min(width, n_warehouses) + 1)
            for c in combinations(range(n_warehouses), k)
        ]
        members = np.zeros((len(combos), n_warehouses), dtype=bool)
        for m, combo in enumerate(combos):
            members[m, list(combo)] = True
        weights = np.int64(1) << np.arange(n_warehouses, dtype=np.int64)
        masks = (members * weights).sum(axis=1).astype(np.int64)
        return cls(masks=masks, members=members, sizes=members.sum(axis=1).astype(np.int64))


@dataclass(frozen=True)
class Choice:
    """Per order: served or not and its cost; per line: the warehouse (-1 if none)."""

    served: BoolArray
    cost: FloatArray
    line_wh: IntArray


def line_support(
    sku: IntArray, qty: IntArray, feasible_rows: BoolArray, available: IntArray
) -> BoolArray:
    """Return ``(lines, W)``: which warehouses can serve each whole line on a feasible leg."""
    known = sku >= 0
    held = qty[:, None] <= available[:, np.where(known, sku, 0)].T
    return held & feasible_rows & known[:, None]


def choose(
    ptr: IntArray,
    line_order: IntArray,
    support: BoolArray,
    cost: FloatArray,
    subsets: Subsets,
    split_penalty: float,
) -> Choice:
    """Pick, for every order independently, the cheapest warehouse set covering its lines.

    Each line ships whole from one warehouse; a set of ``k`` warehouses costs its legs plus
    ``k - 1`` split penalties, so an order splits only when no single warehouse can serve
    it or when splitting is cheaper.
    """
    n_w = support.shape[1]
    bits = support.astype(np.int64) @ (np.int64(1) << np.arange(n_w, dtype=np.int64))
    line_cov = (bits[:, None] & subsets.masks[None, :]) != 0
    order_cov = np.logical_and.reduceat(line_cov, ptr[:-1], axis=0)
    set_cost = cost @ subsets.members.T.astype(np.float64)
    set_cost += split_penalty * (subsets.sizes - 1)[None, :]
    set_cost = np.where(order_cov, set_cost, np.inf)
    best = np.argmin(set_cost, axis=1)
    served = np.isfinite(set_cost[np.arange(len(best)), best])

    in_set = subsets.members[best][line_order] & support
    line_cost = np.where(in_set, cost[line_order], np.inf)
    line_wh = np.argmin(line_cost, axis=1).astype(np.int64)
    line_wh = np.where(served[line_order], line_wh, -1)
    return Choice(
        served=served,
        cost=allocation_cost(ptr, line_order, line_wh, cost, split_penalty),
        line_wh=line_wh,
    )


def allocation_cost(
    ptr: IntArray,
    line_order: IntArray,
    line_wh: IntArray,
    cost: FloatArray,
    split_penalty: float,
) -> FloatArray:
    """Return each order's cost: its warehouses' legs plus a penalty per extra parcel."""
    used = np.zeros(cost.shape, dtype=bool)
    ok = line_wh >= 0
    used[line_order[ok], line_wh[ok]] = True
    n_used = used.sum(axis=1)
    total: FloatArray = np.where(used, cost, 0.0).sum(axis=1)
    return np.asarray(total + split_penalty * np.maximum(n_used - 1, 0), dtype=np.float64)


def consumption(
    sku: IntArray, qty: IntArray, line_wh: IntArray, shape: tuple[int, int]
) -> IntArray:
    """Return the ``(W, S)`` units the allocated lines take."""
    ok = line_wh >= 0
    flat = line_wh[ok] * shape[1] + sku[ok]
    return (
        np.bincount(flat, weights=qty[ok], minlength=shape[0] * shape[1])
        .astype(np.int64)
        .reshape(shape)
    )
