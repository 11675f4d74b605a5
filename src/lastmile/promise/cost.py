"""The price of a delivery option: what the extra work costs, plus a fee per service level."""

from __future__ import annotations

from dataclasses import dataclass, field

from lastmile.domain.order import DeliveryOption


def _default_fees() -> dict[DeliveryOption, float]:
    return {
        DeliveryOption.SAME_DAY: 7.99,
        DeliveryOption.NEXT_DAY: 3.99,
        DeliveryOption.SLOT: 5.99,
    }


@dataclass(frozen=True, slots=True)
class CostModel:
    """Prices an insertion into a route from its detour, like the routing cost model.

    The operational cost is ``per_km * detour_km + per_hour * detour_h + per_stop``; the
    price adds ``margin`` on top of that cost and the fee of the service level.
    ``line_haul_per_km`` prices the trip from a warehouse when no route is known (next day).
    """

    per_km: float = 0.35
    per_hour: float = 25.0
    per_stop: float = 0.60
    line_haul_per_km: float = 0.05
    margin: float = 0.25
    fees: dict[DeliveryOption, float] = field(default_factory=_default_fees)

    def __post_init__(self) -> None:
        for name in ("per_km", "per_hour", "per_stop", "line_haul_per_km", "margin"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} < 0 not understood.")
        if any(fee < 0 for fee in self.fees.values()):
            raise ValueError("a negative fee is not understood.")

    def insertion_cost(self, detour_m: float, detour_s: float) -> float:
        """Return the operational cost of adding one stop with this detour."""
        return self.per_km * detour_m / 1000.0 + self.per_hour * detour_s / 3600.0 + self.per_stop

    def price(
        self,
        option: DeliveryOption,
        *,
        detour_m: float = 0.0,
        detour_s: float = 0.0,
        haul_m: float = 0.0,
    ) -> float:
        """Return the customer price in currency units, rounded to cents."""
        cost = self.insertion_cost(detour_m, detour_s) + self.line_haul_per_km * haul_m / 1000.0
        return round(self.fees.get(option, 0.0) + cost * (1.0 + self.margin), 2)
