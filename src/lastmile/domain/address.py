"""Delivery addresses: what the customer typed, what we parsed, where we think it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from lastmile.domain.errors import InvalidValue
from lastmile.domain.geo import GeoPoint


class GeocodeMethod(StrEnum):
    EXACT = "exact"
    FUZZY_INTERPOLATED = "fuzzy_interpolated"
    INTERPOLATED = "interpolated"
    STREET_CENTROID = "street_centroid"
    ZIP_CENTROID = "zip_centroid"
    DELIVERY_FIX = "delivery_fix"
    PROVIDED = "provided"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Geocode:
    """A position for an address, how it was found and how far to trust it."""

    point: GeoPoint
    confidence: float
    method: GeocodeMethod

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise InvalidValue("confidence", f"{self.confidence} is outside [0, 1]")


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address as typed (``raw``), parsed into parts, and geocoded.

    ``parts`` uses usaddress-style keys normalised to snake case: ``house_number``,
    ``street``, ``unit``, ``city``, ``state``, ``zip``.
    """

    raw: str
    parts: dict[str, str] = field(default_factory=dict)
    geocode: Geocode | None = None

    def __post_init__(self) -> None:
        if not self.raw or not self.raw.strip():
            raise InvalidValue("address", "is empty")
        if len(self.raw) > 500:
            raise InvalidValue("address", f"is {len(self.raw)} characters long; at most 500")

    @property
    def point(self) -> GeoPoint | None:
        return self.geocode.point if self.geocode else None

    @property
    def confidence(self) -> float:
        return self.geocode.confidence if self.geocode else 0.0

    def building_key(self) -> str:
        """Return a key shared by every address of the same building (unit ignored)."""
        if self.parts.get("house_number") and self.parts.get("street"):
            parts = (self.parts["house_number"], self.parts["street"], self.parts.get("zip", ""))
            return " ".join(p.upper() for p in parts if p)
        return " ".join(self.raw.upper().split())
