"""Turn import records into domain objects, or into errors that name the column.

Every check a row fails is reported, not only the first, so a user fixes a file in one
pass. Domain rules (coordinates in range, windows that end after they start, positive
quantities) are enforced by the domain constructors; this module maps their field names
back to the file's column names.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from lastmile.domain import (
    Address,
    Capacity,
    DeliveryOption,
    Dimensions,
    Geocode,
    GeocodeMethod,
    GeoPoint,
    InvalidValue,
    OrderLine,
    Shift,
    Sku,
    TimeWindow,
    Vehicle,
    Warehouse,
)
from lastmile.services.import_readers import Record, RowError

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)

_MISSING = object()


class Row:
    """Typed access to one record's columns, collecting an error per bad column."""

    def __init__(self, file: str, record: Record) -> None:
        self.file = file
        self.record = record
        self.errors: list[RowError] = list(record.problems)

    def error(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.file, self.record.line, column, reason))

    def _raw(self, column: str, required: bool) -> Any:
        value = self.record.values.get(column, _MISSING)
        if value is _MISSING or value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(column, "is required")
            return _MISSING
        return value.strip() if isinstance(value, str) else value

    def text(self, column: str, *, required: bool = True, default: str = "") -> str:
        value = self._raw(column, required)
        if value is _MISSING:
            return default
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.error(column, f"must be text, got {type(value).__name__}")
            return default
        return str(value)

    def number(self, column: str, *, required: bool = True, default: float = 0.0) -> float:
        value = self._raw(column, required)
        if value is _MISSING:
            return default
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
        except (TypeError, ValueError):
            self.error(column, f"must be a number, got {value!r}")
            return default
        if not math.isfinite(number):
            self.error(column, f"must be a finite number, got {value!r}")
            return default
        return number

    def optional_number(self, column: str) -> float | None:
        if self._raw(column, False) is _MISSING:
            return None
        return self.number(column)

    def integer(self, column: str, *, required: bool = True, default: int = 0) -> int:
        value = self._raw(column, required)
        if value is _MISSING:
            return default
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            text = value.lstrip("+-")
            if text.isdigit():
                return int(value)
        self.error(column, f"must be a whole number, got {value!r}")
        return default

    def clock(self, column: str, default: time) -> time:
        value = self._raw(column, False)
        if value is _MISSING:
            return default
        try:
            return time.fromisoformat(str(value))
        except ValueError:
            self.error(column, f"must be a time of day like 14:30, got {value!r}")
            return default

    def moment(self, column: str, *, required: bool = True) -> datetime | None:
        value = self._raw(column, required)
        if value is _MISSING:
            return None
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            self.error(column, f"must be an ISO 8601 date-time, got {value!r}")
            return None
        if moment.tzinfo is None:
            self.error(column, f"needs a time zone (e.g. 2026-03-02T09:00:00-05:00): {value!r}")
            return None
        return moment

    def choice(self, column: str, enum: type[E], default: E) -> E:
        value = self._raw(column, False)
        if value is _MISSING:
            return default
        try:
            return enum(str(value).lower())
        except ValueError:
            allowed = ", ".join(m.value for m in enum)
            self.error(column, f"must be one of {allowed}, got {value!r}")
            return default

    def build(self, make: Callable[[], T], columns: Mapping[str, str] | None = None) -> T | None:
        """Call a domain constructor once the columns parsed; map its field to a column."""
        if self.errors:
            return None
        try:
            return make()
        except InvalidValue as error:
            self.error((columns or {}).get(error.field, error.field), error.reason)
            return None


def point(row: Row, *, required: bool) -> GeoPoint | None:
    """Parse ``lat`` / ``lon`` columns into a GeoPoint (both or neither)."""
    lat, lon = row.optional_number("lat"), row.optional_number("lon")
    if lat is None and lon is None:
        if required:
            row.error("lat", "is required")
        return None
    if lat is None or lon is None:
        row.error("lon" if lon is None else "lat", "lat and lon go together; one is missing")
        return None
    return row.build(lambda: GeoPoint(lat, lon))


def parse_warehouse(row: Row) -> Warehouse | None:
    warehouse_id = row.text("warehouse_id")
    name = row.text("name", required=False, default=warehouse_id)
    location = point(row, required=False)
    same_day = row.clock("same_day_cutoff", time(12, 0))
    next_day = row.clock("next_day_cutoff", time(22, 0))
    capacity = row.integer("pick_capacity_per_hour", required=False, default=500)
    handling = row.number("handling_cost", required=False)
    return row.build(
        lambda: Warehouse(warehouse_id, name, location, same_day, next_day, capacity, handling)
    )


def parse_sku(row: Row) -> Sku | None:
    sku_id = row.text("sku_id")
    name = row.text("name", required=False, default=sku_id)
    sides = [row.number(c) for c in ("length_cm", "width_cm", "height_cm")]
    weight = row.number("weight_kg")
    value = row.number("unit_value", required=False)
    category = row.text("category", required=False, default="general")
    return row.build(lambda: Sku(sku_id, name, Dimensions(*sides), weight, value, category))


@dataclass(frozen=True)
class StockRow:
    sku_id: str
    warehouse_id: str
    quantity: int
    reference: str


def parse_stock(row: Row) -> StockRow | None:
    sku_id = row.text("sku_id")
    warehouse_id = row.text("warehouse_id")
    quantity = row.integer("quantity")
    reference = row.text("reference", required=False, default="import")
    if not row.errors and quantity <= 0:
        row.error("quantity", f"must be > 0, got {quantity}")
    return None if row.errors else StockRow(sku_id, warehouse_id, quantity, reference)


@dataclass(frozen=True)
class OrderRow:
    """One order as read; several CSV rows (one per line) make one order."""

    line: int
    client_id: str
    external_id: str
    customer_id: str
    address: Address
    lines: tuple[OrderLine, ...]
    option: DeliveryOption
    window: TimeWindow | None
    placed_at: datetime | None


def _order_lines(row: Row) -> tuple[OrderLine, ...]:
    nested = row.record.values.get("lines")
    if nested is None:
        sku_id, quantity = row.text("sku_id"), row.integer("quantity")
        if not row.errors and quantity <= 0:
            row.error("quantity", f"must be > 0, got {quantity}")
        line = row.build(lambda: OrderLine(sku_id, quantity))
        return (line,) if line else ()
    if not isinstance(nested, list) or not nested:
        row.error("lines", "must be a non-empty list of {sku_id, quantity}")
        return ()
    lines = []
    for i, item in enumerate(nested):
        if not isinstance(item, dict):
            row.error(f"lines[{i}]", "must be an object with sku_id and quantity")
            continue
        sub = Row(row.file, Record(row.record.line, {str(k): v for k, v in item.items()}))
        sku_id, quantity = sub.text("sku_id"), sub.integer("quantity")
        if not sub.errors and quantity <= 0:
            sub.error("quantity", f"must be > 0, got {quantity}")
        line = sub.build(lambda s=sku_id, q=quantity: OrderLine(s, q))  # type: ignore[misc]
        for e in sub.errors:
            row.error(f"lines[{i}].{e.column}", e.reason)
        if line is not None:
            lines.append(line)
    return tuple(lines)


def parse_order(row: Row) -> OrderRow | None:
    client_id = row.text("client_id", required=False, default="default")
    external_id = row.text("external_id")
    customer_id = row.text("customer_id")
    raw = row.text("address")
    location = point(row, required=False)
    option = row.choice("option", DeliveryOption, DeliveryOption.NEXT_DAY)
    start, end = (
        row.moment("window_start", required=False),
        row.moment("window_end", required=False),
    )
    placed_at = row.moment("placed_at", required=False)
    if (start is None) != (end is None) and not row.errors:
        row.error(
            "window_end" if end is None else "window_start",
            "window_start and window_end go together; one is missing",
        )
    lines = _order_lines(row)
    window = None
    if start is not None and end is not None:
        window = row.build(lambda: TimeWindow(start, end), {"time_window": "window_end"})
    geocode = Geocode(location, 1.0, GeocodeMethod.PROVIDED) if location is not None else None
    address = row.build(lambda: Address(raw, {}, geocode))
    if option is DeliveryOption.SLOT and window is None and not row.errors:
        row.error("window_start", "a slot delivery needs window_start and window_end")
    if row.errors or address is None:
        return None
    return OrderRow(
        row.record.line,
        client_id,
        external_id,
        customer_id,
        address,
        lines,
        option,
        window,
        placed_at,
    )


_VEHICLE_COLUMNS = {
    "weight_kg": "capacity_weight_kg",
    "volume_l": "capacity_volume_l",
    "parcels": "capacity_parcels",
    "shift": "shift_end",
}


def parse_vehicle(row: Row) -> Vehicle | None:
    vehicle_id = row.text("vehicle_id")
    depot_id = row.text("depot_id")
    weight = row.number("capacity_weight_kg")
    volume = row.number("capacity_volume_l")
    parcels = row.integer("capacity_parcels")
    start, end = row.moment("shift_start"), row.moment("shift_end")
    b_early = row.moment("break_earliest", required=False)
    b_late = row.moment("break_latest", required=False)
    b_minutes = row.number("break_minutes", required=False)
    costs = {
        name: row.number(name, required=False, default=default)
        for name, default in (
            ("cost_per_km", 0.35),
            ("cost_per_hour", 25.0),
            ("fixed_cost", 50.0),
            ("co2_g_per_km", 180.0),
        )
    }
    skills_text = row.text("skills", required=False)
    skills = frozenset(s.strip() for s in skills_text.replace(",", ";").split(";") if s.strip())
    end_depot = row.text("end_depot_id", required=False) or None
    max_km = row.optional_number("max_distance_km")

    def make() -> Vehicle:
        assert start is not None and end is not None
        shift = Shift(start, end, b_early, b_late, timedelta(minutes=b_minutes))
        return Vehicle(
            vehicle_id,
            depot_id,
            Capacity(weight, volume, parcels),
            shift,
            skills=skills,
            end_depot_id=end_depot,
            max_distance_km=max_km,
            **costs,
        )

    return row.build(make, _VEHICLE_COLUMNS)


REQUIRED: dict[str, tuple[str, ...]] = {
    "warehouses": ("warehouse_id",),
    "skus": ("sku_id", "length_cm", "width_cm", "height_cm", "weight_kg"),
    "stock": ("sku_id", "warehouse_id", "quantity"),
    "orders": ("external_id", "customer_id", "address"),
    "fleet": (
        "vehicle_id",
        "depot_id",
        "capacity_weight_kg",
        "capacity_volume_l",
        "capacity_parcels",
        "shift_start",
        "shift_end",
    ),
}
