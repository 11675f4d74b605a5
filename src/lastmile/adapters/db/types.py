"""Column types that translate domain values to portable SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, TypeDecorator

from lastmile.domain import Address, Geocode, GeocodeMethod, GeoPoint, ParcelItem


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC; SQLite would otherwise drop the zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored; add a zone")
        value = value.astimezone(UTC)
        # SQLite stores text: keep it naive UTC so it sorts and compares as a string.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class AddressJSON(TypeDecorator[Address]):
    """An Address (raw text, parsed parts, geocode) as one JSON document."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Address | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        doc: dict[str, Any] = {"raw": value.raw, "parts": dict(value.parts)}
        if value.geocode is not None:
            doc["geocode"] = {
                "lat": value.geocode.point.lat,
                "lon": value.geocode.point.lon,
                "confidence": value.geocode.confidence,
                "method": value.geocode.method.value,
            }
        return doc

    def process_result_value(self, value: Any, dialect: Dialect) -> Address | None:
        if value is None:
            return None
        geo = value.get("geocode")
        geocode = (
            Geocode(
                GeoPoint(geo["lat"], geo["lon"]), geo["confidence"], GeocodeMethod(geo["method"])
            )
            if geo
            else None
        )
        return Address(value["raw"], dict(value.get("parts") or {}), geocode)


class StringSet(TypeDecorator[frozenset[str]]):
    """A frozenset of strings as a sorted JSON list (vehicle skills)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: frozenset[str] | None, dialect: Dialect) -> Any:
        return sorted(value) if value is not None else []

    def process_result_value(self, value: Any, dialect: Dialect) -> frozenset[str]:
        return frozenset(value or ())


class StringList(TypeDecorator[list[str]]):
    """A list of ids as JSON; assign a new list to change it (in-place edits are not seen)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> Any:
        return list(value) if value is not None else []

    def process_result_value(self, value: Any, dialect: Dialect) -> list[str]:
        return list(value or ())


class ParcelItems(TypeDecorator[tuple[ParcelItem, ...]]):
    """The contents of a parcel as a JSON list of {sku_id, quantity, order_id}."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: tuple[ParcelItem, ...] | None, dialect: Dialect) -> Any:
        return [
            {"sku_id": i.sku_id, "quantity": i.quantity, "order_id": i.order_id}
            for i in value or ()
        ]

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[ParcelItem, ...]:
        return tuple(ParcelItem(i["sku_id"], i["quantity"], i["order_id"]) for i in value or ())
