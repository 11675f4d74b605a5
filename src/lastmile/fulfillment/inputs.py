"""Read sourcing inputs from CSV rows, reporting every bad cell by file, line and column.

Rows are dicts as ``csv.DictReader`` yields them; line numbers count the header as line 1.
A bad row is skipped and reported, never half-read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time

import numpy as np

from lastmile.domain import (
    Address,
    DeliveryOption,
    DomainError,
    GeocodeMethod,
    GeoPoint,
    Order,
    OrderLine,
    OrderStatus,
    TimeWindow,
    Warehouse,
)
from lastmile.domain.address import Geocode
from lastmile.fulfillment.sourcing_arrays import StockTable

Row = Mapping[str, str | None]


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad cell: where it is and what is wrong with it."""

    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: column {self.column!r}: {self.reason}"


class _Bad(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def _text(row: Row, column: str, *, required: bool = True) -> str:
    value = (row.get(column) or "").strip()
    if required and not value:
        raise _Bad(column, "is empty")
    return value


def _float(row: Row, column: str) -> float | None:
    value = _text(row, column, required=False)
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise _Bad(column, f"{value!r} is not a number") from None


def _int(row: Row, column: str, *, positive: bool) -> int:
    value = _text(row, column)
    try:
        number = int(value)
    except ValueError:
        raise _Bad(column, f"{value!r} is not a whole number") from None
    if positive and number <= 0:
        raise _Bad(column, f"must be > 0, got {number}")
    if number < 0:
        raise _Bad(column, f"must be >= 0, got {number}")
    return number


def _point(row: Row) -> GeoPoint | None:
    lat, lon = _float(row, "lat"), _float(row, "lon")
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        raise _Bad("lat" if lat is None else "lon", "lat and lon must be given together")
    try:
        return GeoPoint(lat, lon)
    except DomainError as error:
        raise _Bad("lat", str(error)) from None


def _clock(row: Row, column: str, default: time) -> time:
    value = _text(row, column, required=False)
    if not value:
        return default
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise _Bad(column, f"{value!r} is not a clock time like 12:00") from None


def _moment(row: Row, column: str) -> datetime | None:
    value = _text(row, column, required=False)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _Bad(column, f"{value!r} is not an ISO date-time") from None
    if moment.tzinfo is None:
        raise _Bad(column, "needs a UTC offset, e.g. 2026-03-02T14:00+00:00")
    return moment


def read_warehouses(rows: Iterable[Row], file: str) -> tuple[list[Warehouse], list[RowError]]:
    """Read ``warehouse_id,name,lat,lon[,same_day_cutoff,next_day_cutoff,...]`` rows.

    Empty ``lat``/``lon`` give a warehouse with no location: it is kept, and sourcing
    names it when it is the only one holding a SKU.
    """
    out: list[Warehouse] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        try:
            wid = _text(row, "warehouse_id")
            if wid in seen:
                raise _Bad("warehouse_id", f"{wid!r} appears twice")
            capacity = _text(row, "pick_capacity_per_hour", required=False)
            handling = _float(row, "handling_cost")
            out.append(
                Warehouse(
                    wid,
                    _text(row, "name", required=False) or wid,
                    _point(row),
                    same_day_cutoff=_clock(row, "same_day_cutoff", time(12, 0)),
                    next_day_cutoff=_clock(row, "next_day_cutoff", time(22, 0)),
                    pick_capacity_per_hour=(
                        _int(row, "pick_capacity_per_hour", positive=True) if capacity else 500
                    ),
                    handling_cost=handling or 0.0,
                )
            )
            seen.add(wid)
        except _Bad as bad:
            errors.append(RowError(file, line, bad.column, bad.reason))
        except DomainError as error:
            errors.append(RowError(file, line, getattr(error, "field", "?"), str(error)))
    return out, errors


def read_stock(
    rows: Iterable[Row], file: str, warehouses: Iterable[Warehouse]
) -> tuple[StockTable, list[RowError]]:
    """Read ``warehouse_id,sku_id,available`` rows into a stock table."""
    w_ids = [w.warehouse_id for w in warehouses]
    known = set(w_ids)
    cells: dict[tuple[str, str], int] = {}
    errors: list[RowError] = []
    for line, row in enumerate(rows, start=2):
        try:
            wid = _text(row, "warehouse_id")
            if wid not in known:
                raise _Bad("warehouse_id", f"unknown warehouse {wid!r}")
            sku = _text(row, "sku_id")
            cells[wid, sku] = cells.get((wid, sku), 0) + _int(row, "available", positive=False)
        except _Bad as bad:
            errors.append(RowError(file, line, bad.column, bad.reason))
    skus = sorted({s for _, s in cells})
    table = np.zeros((len(w_ids), len(skus)), dtype=np.int64)
    w_ix = {w: i for i, w in enumerate(w_ids)}
    s_ix = {s: i for i, s in enumerate(skus)}
    for (w, s), units in cells.items():
        table[w_ix[w], s_ix[s]] = units
    return StockTable(tuple(w_ids), tuple(skus), table), errors


def read_orders(
    rows: Iterable[Row], file: str, *, placed_at: datetime
) -> tuple[list[Order], list[RowError]]:
    """Read one row per order line: ``order_id,customer_id,address,lat,lon,option,
    window_start,window_end,sku_id,quantity``; rows of one order share its columns.

    An order with any bad row is left out whole, and every bad row is reported.
    """
    heads: dict[str, tuple[int, Row]] = {}
    lines: dict[str, list[OrderLine]] = {}
    broken: set[str] = set()
    errors: list[RowError] = []
    for line, row in enumerate(rows, start=2):
        oid = (row.get("order_id") or "").strip()
        try:
            if not oid:
                raise _Bad("order_id", "is empty")
            sku = _text(row, "sku_id")
            quantity = _int(row, "quantity", positive=True)
            if any(existing.sku_id == sku for existing in lines.get(oid, [])):
                raise _Bad("sku_id", f"{sku!r} appears twice in order {oid!r}")
            lines.setdefault(oid, []).append(OrderLine(sku, quantity))
            heads.setdefault(oid, (line, row))
        except _Bad as bad:
            errors.append(RowError(file, line, bad.column, bad.reason))
            if oid:
                broken.add(oid)
    orders = []
    for oid, (line, row) in heads.items():
        if oid in broken:
            continue
        try:
            option_text = _text(row, "option", required=False) or "next_day"
            try:
                option = DeliveryOption(option_text)
            except ValueError:
                raise _Bad(
                    "option",
                    f"{option_text!r} is not one of {', '.join(o.value for o in DeliveryOption)}",
                ) from None
            start, end = _moment(row, "window_start"), _moment(row, "window_end")
            window = TimeWindow(start, end) if start and end else None
            point = _point(row)
            geocode = Geocode(point, 1.0, GeocodeMethod.PROVIDED) if point else None
            order = Order(
                oid,
                oid,
                _text(row, "customer_id", required=False) or oid,
                Address(_text(row, "address"), {}, geocode),
                lines[oid],
                option=option,
                window=window,
                placed_at=placed_at,
            )
            order.transition(OrderStatus.VALIDATED, at=placed_at)
            orders.append(order)
        except _Bad as bad:
            errors.append(RowError(file, line, bad.column, bad.reason))
        except DomainError as error:
            errors.append(RowError(file, line, getattr(error, "field", "?"), str(error)))
    return orders, errors
