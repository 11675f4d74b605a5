"""What a promise query asks and what it answers: carts, options, and reasons for a no."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from lastmile.domain.address import Address
from lastmile.domain.errors import InvalidValue
from lastmile.domain.order import DeliveryOption, OrderLine
from lastmile.domain.time_window import TimeWindow


class Unavailable(StrEnum):
    """Why an option is not offered; each value is a stable machine-readable code."""

    NOT_GEOCODED = "address_not_geocoded"
    LOW_CONFIDENCE = "address_low_confidence"
    NO_STOCK_IN_REACH = "no_stock_within_reach"
    NO_STOCK = "no_stock"
    CUTOFF_PASSED = "cutoff_passed"
    NO_ROUTE_CAPACITY = "no_route_capacity"
    NO_PLAN = "no_plan_for_day"
    DISRUPTED_AREA = "disrupted_area"


@dataclass(frozen=True, slots=True)
class Cart:
    """What the customer wants, and where: the input of a promise query."""

    lines: tuple[OrderLine, ...]
    address: Address
    weight_kg: float = 1.0
    parcels: int = 1

    def __post_init__(self) -> None:
        if not self.lines:
            raise InvalidValue("lines", "a cart needs at least one line")
        if len({line.sku_id for line in self.lines}) != len(self.lines):
            raise InvalidValue("lines", "a sku appears twice")
        if self.parcels < 1:
            raise InvalidValue("parcels", f"must be >= 1, got {self.parcels}")
        if self.weight_kg <= 0:
            raise InvalidValue("weight_kg", f"must be > 0, got {self.weight_kg}")


@dataclass(frozen=True, slots=True)
class PromiseOption:
    """One delivery option the customer may pick.

    ``route_id`` and ``detour_s`` record the insertion the option was priced on, so a hold
    can reserve the same capacity; they are empty for options not backed by a plan.
    """

    option: DeliveryOption
    delivery_date: date
    eta: TimeWindow
    price: float
    warehouse_id: str
    route_id: str = ""
    detour_s: float = 0.0
    slot: TimeWindow | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """An option not offered, with a code and a sentence a customer could read."""

    option: DeliveryOption
    code: Unavailable
    message: str


@dataclass(frozen=True, slots=True)
class PromiseResult:
    """The answer to a promise query: what is possible now, and why the rest is not."""

    asked_at: datetime
    options: tuple[PromiseOption, ...]
    refusals: tuple[Refusal, ...] = field(default_factory=tuple)

    def offers(self, option: DeliveryOption) -> bool:
        """Tell whether at least one option of this kind is offered."""
        return any(o.option is option for o in self.options)

    def reasons(self, option: DeliveryOption) -> tuple[Refusal, ...]:
        """Return why options of this kind were not offered."""
        return tuple(r for r in self.refusals if r.option is option)
