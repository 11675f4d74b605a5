"""Products: the stock-keeping unit and its physical size."""

from __future__ import annotations

import math
from dataclasses import dataclass

from lastmile.domain.errors import InvalidValue


def _positive(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value)) or value <= 0:
        raise InvalidValue(name, f"must be a positive number, got {value!r}")


@dataclass(frozen=True, slots=True)
class Dimensions:
    """Outer box of an item in centimetres."""

    length_cm: float
    width_cm: float
    height_cm: float

    def __post_init__(self) -> None:
        _positive("length_cm", self.length_cm)
        _positive("width_cm", self.width_cm)
        _positive("height_cm", self.height_cm)

    @property
    def volume_cm3(self) -> float:
        return self.length_cm * self.width_cm * self.height_cm

    def sorted(self) -> tuple[float, float, float]:
        """Return the sides largest first, so rotations can be compared."""
        a, b, c = sorted((self.length_cm, self.width_cm, self.height_cm), reverse=True)
        return a, b, c


# Mapped by the storage adapter (it needs __dict__ and settable attributes),
# so not frozen/slotted; unsafe_hash keeps the hash the frozen class had.
@dataclass(unsafe_hash=True)
class Sku:
    """A product as stocked: its size, weight, value and category."""

    sku_id: str
    name: str
    dimensions: Dimensions
    weight_kg: float
    unit_value: float = 0.0
    category: str = "general"

    def __post_init__(self) -> None:
        if not self.sku_id or not self.sku_id.strip():
            raise InvalidValue("sku_id", "is empty")
        _positive("weight_kg", self.weight_kg)
        if self.unit_value < 0:
            raise InvalidValue("unit_value", f"must be >= 0, got {self.unit_value}")

    @property
    def volume_l(self) -> float:
        return self.dimensions.volume_cm3 / 1000.0
