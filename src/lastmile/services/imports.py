"""Bulk import of warehouses, SKUs, stock, orders and fleet from CSV or JSON files.

All or nothing by default: any bad row and the transaction is rolled back, so nothing
already stored changes, and every bad row is reported with file, line, column and reason.
With ``skip_invalid`` the good rows are imported and the bad ones come back as
``Rejection`` entries (``write_rejects`` saves them next to their reasons).

Re-importing a file is safe: warehouses, SKUs and vehicles with a known id are updated,
orders whose external id is already stored with the same content are left unchanged (with
other content they are rejected), stock rows are receipts added to the ledger.

Orders given without ``lat``/``lon`` are placed with the ``geocode`` function passed in,
the same one the API's intake uses, so an address a confirmed delivery has corrected
gets its learned door (method ``delivery_fix``). Every distinct address is geocoded once,
before the transaction opens: the geocoder reads learned positions on its own connection,
which must not wait on the import's write lock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from lastmile.domain import DomainEvent, Geocode, InvalidValue, Order, OrderLine, StockLevel
from lastmile.services.import_readers import (
    Record,
    Rejection,
    RowError,
    read_records,
    write_rejects,
)
from lastmile.services.import_rows import (
    REQUIRED,
    OrderRow,
    Row,
    StockRow,
    parse_order,
    parse_sku,
    parse_stock,
    parse_vehicle,
    parse_warehouse,
)
from lastmile.services.intake import GeocodeFn
from lastmile.services.orders import CreateOrder, new_order_id, request_fingerprint
from lastmile.services.unit_of_work import UnitOfWork, retry_on_conflict

__all__ = [
    "KINDS",
    "ImportRejected",
    "ImportReport",
    "Rejection",
    "import_file",
    "import_records",
    "write_rejects",
]

KINDS = ("warehouses", "skus", "stock", "orders", "fleet")


@dataclass
class ImportReport:
    """What an import did: rows read, objects created or updated, rows rejected."""

    kind: str
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    committed: bool = False

    @property
    def errors(self) -> list[RowError]:
        return [e for r in self.rejected for e in r.errors]


class ImportRejected(Exception):
    """The file had bad rows and ``skip_invalid`` was off: nothing was imported."""

    def __init__(self, report: ImportReport) -> None:
        errors = report.errors
        super().__init__(
            f"{report.file}: {len(report.rejected)} bad row(s), nothing imported; first: "
            f"{errors[0] if errors else '?'}"
        )
        self.report = report


def import_file(
    *,
    uow: UnitOfWork,
    kind: str,
    path: Path,
    skip_invalid: bool = False,
    geocode: GeocodeFn | None = None,
) -> ImportReport:
    """Import ``path`` (``.csv``, ``.json`` or ``.jsonl``) as ``kind``.

    Parameters
    ----------
    uow
        The unit of work the whole import commits in.
    kind
        One of ``KINDS``.
    path
        The file.
    skip_invalid
        Import the good rows and return the bad ones instead of rejecting the file.
    geocode
        Address string -> position with confidence (None: cannot place), for orders
        without ``lat``/``lon``; None leaves them unplaced.

    Raises
    ------
    ImportFileError
        The file cannot be read at all (missing, malformed JSON, missing column).
    ImportRejected
        Some rows are bad and ``skip_invalid`` is off; nothing was stored.
    """
    _check_kind(kind)
    records = read_records(path, required=REQUIRED[kind])
    return import_records(
        uow=uow,
        kind=kind,
        file=str(path),
        records=records,
        skip_invalid=skip_invalid,
        geocode=geocode,
    )


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise InvalidValue("kind", f"{kind!r} is not one of {', '.join(KINDS)}")


def import_records(
    *,
    uow: UnitOfWork,
    kind: str,
    file: str,
    records: Sequence[Record],
    skip_invalid: bool = False,
    geocode: GeocodeFn | None = None,
) -> ImportReport:
    """Import already-read records; see ``import_file``."""
    _check_kind(kind)
    apply = _APPLY[kind]
    if kind == "orders" and geocode is not None:
        apply = partial(_apply_orders, places=_place_addresses(file, records, geocode))

    def attempt() -> ImportReport:
        report = ImportReport(kind, file, rows=len(records))
        bad: dict[int, list[RowError]] = defaultdict(list)
        with uow:
            apply(uow, file, records, report, bad)
            by_line = {r.line: r for r in records}
            report.rejected = [
                Rejection(line, dict(by_line[line].values), tuple(errors))
                for line, errors in sorted(bad.items())
            ]
            if report.rejected and not skip_invalid:
                raise ImportRejected(report)
            uow.commit()
            report.committed = True
        return report

    return retry_on_conflict(attempt, attempts=3)


Errors = dict[int, list[RowError]]


def _parsed(
    file: str, records: Sequence[Record], parse: Callable[[Row], Any], bad: Errors
) -> list[tuple[Record, Any]]:
    good = []
    for record in records:
        row = Row(file, record)
        item = parse(row)
        if row.errors or item is None:
            bad[record.line].extend(row.errors)
        else:
            good.append((record, item))
    return good


def _duplicate(file: str, record: Record, column: str, first: int, bad: Errors) -> None:
    bad[record.line].append(
        RowError(file, record.line, column, f"repeats the id already given on line {first}")
    )


def _upsert(
    file: str,
    records: Sequence[Record],
    report: ImportReport,
    bad: Errors,
    parse: Callable[[Row], Any],
    id_column: str,
    repo: Any,
    check: Callable[[Record, Any], RowError | None] | None = None,
) -> None:
    seen: dict[str, int] = {}
    # Loaded once: a lookup per row would flush the growing session each time.
    current = {getattr(x, id_column): x for x in repo.list()}
    for record, item in _parsed(file, records, parse, bad):
        key = getattr(item, id_column)
        if key in seen:
            _duplicate(file, record, id_column, seen[key], bad)
            continue
        seen[key] = record.line
        problem = check(record, item) if check else None
        if problem is not None:
            bad[record.line].append(problem)
            continue
        existing = current.get(key)
        if existing is None:
            repo.add(item)
            report.created += 1
        elif existing == item:
            report.unchanged += 1
        else:
            for f in fields(item):
                setattr(existing, f.name, getattr(item, f.name))
            report.updated += 1


def _apply_warehouses(
    uow: UnitOfWork, file: str, records: Sequence[Record], report: ImportReport, bad: Errors
) -> None:
    _upsert(file, records, report, bad, parse_warehouse, "warehouse_id", uow.warehouses)


def _apply_skus(
    uow: UnitOfWork, file: str, records: Sequence[Record], report: ImportReport, bad: Errors
) -> None:
    _upsert(file, records, report, bad, parse_sku, "sku_id", uow.skus)


def _apply_fleet(
    uow: UnitOfWork, file: str, records: Sequence[Record], report: ImportReport, bad: Errors
) -> None:
    depots = {w.warehouse_id for w in uow.warehouses.list()}

    def check(record: Record, vehicle: Any) -> RowError | None:
        if vehicle.depot_id not in depots:
            return RowError(
                file, record.line, "depot_id", f"unknown warehouse {vehicle.depot_id!r}"
            )
        if vehicle.end_depot_id and vehicle.end_depot_id not in depots:
            return RowError(
                file, record.line, "end_depot_id", f"unknown warehouse {vehicle.end_depot_id!r}"
            )
        return None

    _upsert(file, records, report, bad, parse_vehicle, "vehicle_id", uow.vehicles, check)


def _apply_stock(
    uow: UnitOfWork, file: str, records: Sequence[Record], report: ImportReport, bad: Errors
) -> None:
    parsed: list[tuple[Record, StockRow]] = _parsed(file, records, parse_stock, bad)
    skus = uow.skus.existing_ids([row.sku_id for _, row in parsed])
    warehouses = {w.warehouse_id for w in uow.warehouses.list()}
    wanted = sorted({row.sku_id for _, row in parsed if row.sku_id in skus})
    levels: dict[tuple[str, str], StockLevel] = {}
    for i in range(0, len(wanted), 500):
        for level in uow.stock.list(sku_ids=wanted[i : i + 500]):
            levels[(level.sku_id, level.warehouse_id)] = level
    for record, row in parsed:
        problems = []
        if row.sku_id not in skus:
            problems.append(RowError(file, record.line, "sku_id", f"unknown sku {row.sku_id!r}"))
        if row.warehouse_id not in warehouses:
            problems.append(
                RowError(
                    file, record.line, "warehouse_id", f"unknown warehouse {row.warehouse_id!r}"
                )
            )
        if problems:
            bad[record.line].extend(problems)
            continue
        key = (row.sku_id, row.warehouse_id)
        if key not in levels:
            levels[key] = StockLevel(*key)
            uow.stock.add(levels[key])
        levels[key].receive(row.quantity, reference=row.reference)
        report.created += 1


def _merge_order_rows(
    file: str, parsed: list[tuple[Record, OrderRow]], bad: Errors
) -> dict[tuple[str, str], list[tuple[Record, OrderRow]]]:
    groups: dict[tuple[str, str], list[tuple[Record, OrderRow]]] = defaultdict(list)
    for record, row in parsed:
        groups[(row.client_id, row.external_id)].append((record, row))
    for rows in groups.values():
        first = rows[0][1]
        for record, row in rows[1:]:
            for name in ("customer_id", "address", "option", "window"):
                if getattr(row, name) != getattr(first, name):
                    column = "window_start" if name == "window" else name
                    bad[record.line].append(
                        RowError(
                            file,
                            record.line,
                            column,
                            f"differs from line {first.line} of the same order {row.external_id!r}",
                        )
                    )
    return groups


def _place_addresses(
    file: str, records: Sequence[Record], geocode: GeocodeFn
) -> dict[str, Geocode]:
    """Geocode every distinct order address given without a position, once each."""
    rows: list[tuple[Record, OrderRow]] = _parsed(file, records, parse_order, defaultdict(list))
    unplaced = sorted({row.address.raw for _, row in rows if row.address.geocode is None})
    return {raw: found for raw in unplaced if (found := geocode(raw)) is not None}


def _apply_orders(
    uow: UnitOfWork,
    file: str,
    records: Sequence[Record],
    report: ImportReport,
    bad: Errors,
    places: Mapping[str, Geocode] | None = None,
) -> None:
    parsed: list[tuple[Record, OrderRow]] = _parsed(file, records, parse_order, bad)
    skus = uow.skus.existing_ids([ln.sku_id for _, row in parsed for ln in row.lines])
    now = datetime.now(UTC)
    groups = _merge_order_rows(file, parsed, bad)
    # One query per client up front: a lookup per order would flush the growing session
    # every time and make large imports quadratic.
    stored: dict[str, dict[str, Order]] = {}
    for client_id in {client for client, _ in groups}:
        ids = [external for client, external in groups if client == client_id]
        stored[client_id] = uow.orders.get_by_external_ids(client_id, ids)
    for (client_id, external_id), rows in groups.items():
        lines: list[OrderLine] = []
        for record, row in rows:
            for line in row.lines:
                if line.sku_id not in skus:
                    column = "sku_id" if "lines" not in record.values else "lines"
                    bad[record.line].append(
                        RowError(file, record.line, column, f"unknown sku {line.sku_id!r}")
                    )
                elif any(x.sku_id == line.sku_id for x in lines):
                    bad[record.line].append(
                        RowError(
                            file,
                            record.line,
                            "sku_id",
                            f"sku {line.sku_id!r} appears twice in order {external_id!r}",
                        )
                    )
                lines.append(line)
        failed = [r.line for r, _ in rows if bad.get(r.line)]
        if failed:
            for record, _ in rows:
                if not bad.get(record.line):
                    bad[record.line].append(
                        RowError(
                            file,
                            record.line,
                            "external_id",
                            f"order {external_id!r} rejected with its bad line {failed[0]}",
                        )
                    )
            continue
        first = rows[0][1]
        command = CreateOrder(
            external_id,
            first.customer_id,
            first.address,
            tuple(lines),
            first.option,
            first.window,
            client_id,
            first.placed_at,
        )
        existing = stored.get(client_id, {}).get(external_id)
        if existing is not None:
            if _same_order(existing, command):
                report.unchanged += 1
            else:
                for record, _ in rows:
                    bad[record.line].append(
                        RowError(
                            file,
                            record.line,
                            "external_id",
                            f"order {external_id!r} already exists with other content",
                        )
                    )
            continue
        placed_at = first.placed_at or now
        address = first.address
        if address.geocode is None and places and address.raw in places:
            address = replace(address, geocode=places[address.raw])
        order = Order(
            new_order_id(),
            external_id,
            first.customer_id,
            address,
            lines,
            first.option,
            first.window,
            placed_at=placed_at,
            client_id=client_id,
        )
        order.events.append(
            DomainEvent(
                "order.created",
                order.order_id,
                {
                    "external_id": external_id,
                    "client_id": client_id,
                    "units": order.total_units,
                    "source": "import",
                },
                at=placed_at,
            )
        )
        uow.orders.add(order)
        report.created += 1


def _same_order(existing: Order, command: CreateOrder) -> bool:
    stored = CreateOrder(
        existing.external_id,
        existing.customer_id,
        existing.address,
        tuple(existing.lines),
        existing.option,
        existing.window,
        existing.client_id,
    )
    # Compare what the client chose; the stored geocode may have been refined since.
    return request_fingerprint(stored) == request_fingerprint(command)


_APPLY: dict[str, Callable[[UnitOfWork, str, Sequence[Record], ImportReport, Errors], None]] = {
    "warehouses": _apply_warehouses,
    "skus": _apply_skus,
    "stock": _apply_stock,
    "orders": _apply_orders,
    "fleet": _apply_fleet,
}
