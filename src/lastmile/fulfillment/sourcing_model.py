"""Sourcing vocabulary: the policy, the reasons a line cannot be sourced, and the outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, timedelta, tzinfo
from enum import StrEnum
from types import MappingProxyType

from lastmile.domain import DeliveryOption, InvalidValue


class DistanceBasis(StrEnum):
    """What sourcing measures the warehouse-to-customer leg with."""

    ROAD = "road"
    STRAIGHT_LINE = "straight_line"


class Strategy(StrEnum):
    """How a batch shares scarce stock between orders."""

    GLOBAL = "global"
    GREEDY = "greedy"


class UnsourcedReason(StrEnum):
    """Why one order line could not be sourced."""

    UNKNOWN_SKU = "unknown_sku"
    NO_STOCK_ANYWHERE = "no_stock_anywhere"
    INSUFFICIENT_STOCK = "insufficient_stock"
    NO_WAREHOUSE_LOCATION = "no_warehouse_location"
    NO_CUSTOMER_LOCATION = "no_customer_location"
    CUTOFF_PASSED = "cutoff_passed"
    ONLY_TOO_FAR = "only_too_far"
    TAKEN_BY_OTHER_ORDERS = "taken_by_other_orders"
    SPLIT_NOT_ALLOWED = "split_not_allowed"
    HELD_WITH_ORDER = "held_with_order"


class Outcome(StrEnum):
    SOURCED = "sourced"
    SPLIT = "split"
    BACKORDERED = "backordered"


def _default_max_travel() -> Mapping[DeliveryOption, float]:
    return MappingProxyType(
        {
            DeliveryOption.SAME_DAY: 2 * 3600.0,
            DeliveryOption.NEXT_DAY: 10 * 3600.0,
            DeliveryOption.SLOT: 4 * 3600.0,
        }
    )


@dataclass(frozen=True)
class SourcingPolicy:
    """What a sourcing decision costs and which decisions are allowed.

    Parameters
    ----------
    cost_per_km, cost_per_hour
        Price of the warehouse-to-customer leg by distance and by drive time.
    split_penalty
        Added for every parcel beyond the first when an order is split.
    allow_split
        Whether an order may ship from several warehouses at all.
    max_warehouses_per_order
        Upper bound on the warehouses one order may be split across.
    basis
        ``ROAD`` prices legs with the travel-time source; ``STRAIGHT_LINE`` with the
        great-circle distance (what most shop platforms do), kept for comparison.
    strategy
        ``GLOBAL`` solves contested stock as one assignment; ``GREEDY`` serves orders in
        arrival order, first come first served.
    max_travel_s
        Longest drive from warehouse to customer each delivery option tolerates.
    slot_lead_time
        Time a warehouse needs between sourcing and the start of a slot's drive.
    timezone
        Where the warehouses' cut-off clock times are read.
    backorder_penalty
        What leaving an order waiting costs in the global assignment: it serves an order
        unless that would cost more than this in legs and split penalties.
    exact_contest
        ``True`` hands the global solver every order that could be affected by another's
        choice (exact, but on a busy network that is nearly the whole batch); ``False``
        only the orders competing for over-demanded stock, the others keeping their
        cheapest choice (fast; what a batch of thousands should use).
    global_time_limit_s
        Stopping criterion of the global solver.
    global_node_limit
        Optional branch-and-bound node limit of the global solver: a stopping criterion
        that does not depend on the machine's speed (pair it with a time limit that is
        only a safety net when the plan must be reproducible).
    """

    cost_per_km: float = 1.0
    cost_per_hour: float = 30.0
    split_penalty: float = 6.0
    allow_split: bool = True
    max_warehouses_per_order: int = 3
    basis: DistanceBasis = DistanceBasis.ROAD
    strategy: Strategy = Strategy.GLOBAL
    max_travel_s: Mapping[DeliveryOption, float] = field(default_factory=_default_max_travel)
    slot_lead_time: timedelta = timedelta(hours=2)
    timezone: tzinfo = UTC
    backorder_penalty: float = 1000.0
    exact_contest: bool = False
    global_time_limit_s: float = 3.0
    global_node_limit: int | None = None

    def __post_init__(self) -> None:
        for name in ("cost_per_km", "cost_per_hour", "split_penalty", "backorder_penalty"):
            if getattr(self, name) < 0:
                raise InvalidValue(name, f"{getattr(self, name)} < 0 not understood.")
        if self.max_warehouses_per_order < 1:
            raise InvalidValue("max_warehouses_per_order", "must be >= 1")
        if self.global_time_limit_s <= 0:
            raise InvalidValue("global_time_limit_s", "must be > 0")
        if self.global_node_limit is not None and self.global_node_limit < 1:
            raise InvalidValue("global_node_limit", "must be >= 1")
        for option in DeliveryOption:
            if self.max_travel_s.get(option, 0.0) <= 0:
                raise InvalidValue("max_travel_s", f"needs a positive limit for {option}")

    @property
    def split_width(self) -> int:
        """Return how many warehouses one order may use under this policy."""
        return self.max_warehouses_per_order if self.allow_split else 1


@dataclass(frozen=True, slots=True)
class LineAllocation:
    """One order line served from one warehouse."""

    order_id: str
    sku_id: str
    warehouse_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class UnsourcedLine:
    """One order line that could not be served, and why."""

    order_id: str
    sku_id: str
    quantity: int
    reason: UnsourcedReason
    detail: str


@dataclass(frozen=True, slots=True)
class OrderDecision:
    """Where one order ships from, or why it waits.

    ``distance_m`` and ``travel_s`` are road figures (from the travel-time source) summed
    over the warehouses used, whatever basis the decision was made on.
    """

    order_id: str
    outcome: Outcome
    allocations: tuple[LineAllocation, ...] = ()
    unsourced: tuple[UnsourcedLine, ...] = ()
    cost: float = 0.0
    distance_m: float = 0.0
    travel_s: float = 0.0

    @property
    def warehouse_ids(self) -> tuple[str, ...]:
        return tuple(sorted({a.warehouse_id for a in self.allocations}))

    @property
    def parcels(self) -> int:
        """Return the shipments this order becomes: one per warehouse used."""
        return len(self.warehouse_ids)

    @property
    def reason(self) -> str:
        """Return a one-line summary of why the order waits (empty when it ships)."""
        return "; ".join(
            f"{u.sku_id}: {u.detail}"
            for u in self.unsourced
            if u.reason is not UnsourcedReason.HELD_WITH_ORDER
        )


@dataclass(frozen=True)
class SourcingStats:
    """What a batch achieved and how it was solved."""

    orders: int
    sourced: int
    split: int
    backordered: int
    total_cost: float
    total_distance_m: float
    contested_orders: int
    solver: str
    solver_status: str
    seconds: float

    @property
    def served(self) -> int:
        return self.sourced + self.split


@dataclass(frozen=True)
class SourcingResult:
    """The decision for every order of a batch, in the order they were given."""

    decisions: tuple[OrderDecision, ...]
    stats: SourcingStats

    def by_order(self) -> dict[str, OrderDecision]:
        return {d.order_id: d for d in self.decisions}
