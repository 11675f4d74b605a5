"""Shipments (what travels to one stop) and the parcels they are packed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from lastmile.domain.address import Address
from lastmile.domain.errors import InvalidValue
from lastmile.domain.order import DeliveryOption
from lastmile.domain.time_window import TimeWindow


class ProofMethod(StrEnum):
    PHOTO = "photo"
    PIN = "pin"
    SIGNATURE = "signature"
    LOCKER = "locker"


@dataclass(frozen=True, slots=True)
class ParcelItem:
    sku_id: str
    quantity: int
    order_id: str


# Mapped by the storage adapter (it needs __dict__ and settable attributes),
# so not frozen/slotted; unsafe_hash keeps the hash the frozen class had.
@dataclass(unsafe_hash=True)
class Parcel:
    """One carton: its box type, contents, weight and volume."""

    parcel_id: str
    box_code: str
    items: tuple[ParcelItem, ...]
    weight_kg: float
    volume_l: float
    value: float = 0.0

    def __post_init__(self) -> None:
        if self.weight_kg <= 0:
            raise InvalidValue("weight_kg", f"must be > 0, got {self.weight_kg}")
        if self.volume_l <= 0:
            raise InvalidValue("volume_l", f"must be > 0, got {self.volume_l}")


# Mapped by the storage adapter, which needs __dict__: no slots.
@dataclass
class Shipment:
    """Everything going from one warehouse to one address on one day: one stop."""

    shipment_id: str
    warehouse_id: str
    address: Address
    order_ids: list[str]
    option: DeliveryOption
    delivery_date: str
    window: TimeWindow | None = None
    parcels: list[Parcel] = field(default_factory=list)
    proof_method: ProofMethod = ProofMethod.PHOTO
    tracking_token: str = ""

    def __post_init__(self) -> None:
        if not self.order_ids:
            raise InvalidValue("order_ids", "a shipment carries at least one order")

    @property
    def weight_kg(self) -> float:
        return sum(p.weight_kg for p in self.parcels)

    @property
    def volume_l(self) -> float:
        return sum(p.volume_l for p in self.parcels)

    @property
    def value(self) -> float:
        return sum(p.value for p in self.parcels)
