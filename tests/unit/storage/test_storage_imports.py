"""Import rules on in-memory records: every bad row named, all or nothing, re-import safe."""

from __future__ import annotations

from typing import Any

import pytest

from lastmile.domain import DeliveryOption
from lastmile.services.fakes import FakeUnitOfWork
from lastmile.services.import_readers import Record
from lastmile.services.imports import ImportRejected, ImportReport, import_records

F = "in.csv"


def _records(*rows: dict[str, Any]) -> list[Record]:
    return [Record(line, row) for line, row in enumerate(rows, start=2)]


def _run(uow: FakeUnitOfWork, kind: str, *rows: dict[str, Any], skip: bool = False) -> ImportReport:
    return import_records(uow=uow, kind=kind, file=F, records=_records(*rows), skip_invalid=skip)


def _errors(error: pytest.ExceptionInfo[ImportRejected]) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.reason) for e in error.value.report.errors]


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    _run(uow, "warehouses", {"warehouse_id": "W1", "lat": "39.3", "lon": "-76.6"})
    _run(
        uow,
        "skus",
        {"sku_id": "S1", "length_cm": "10", "width_cm": "10", "height_cm": "10", "weight_kg": "1"},
    )
    return uow


def test_a_bad_row_rejects_the_whole_file_and_names_line_column_and_reason(
    uow: FakeUnitOfWork,
) -> None:
    before = uow.commits
    with pytest.raises(ImportRejected) as error:
        _run(
            uow,
            "stock",
            {"sku_id": "S1", "warehouse_id": "W1", "quantity": "5"},
            {"sku_id": "NOPE", "warehouse_id": "W1", "quantity": "5"},
            {"sku_id": "S1", "warehouse_id": "W1", "quantity": "-2"},
        )
    assert _errors(error) == [
        (3, "sku_id", "unknown sku 'NOPE'"),
        (4, "quantity", "must be > 0, got -2"),
    ]
    assert uow.commits == before
    assert uow.store.stock == {} and uow.store.ledger == []


def test_skip_invalid_imports_the_good_rows_and_returns_the_rejected_ones(
    uow: FakeUnitOfWork,
) -> None:
    report = _run(
        uow,
        "stock",
        {"sku_id": "S1", "warehouse_id": "W1", "quantity": "5"},
        {"sku_id": "S1", "warehouse_id": "W9", "quantity": "5"},
        skip=True,
    )
    assert (report.created, [r.line for r in report.rejected]) == (1, [3])
    assert report.rejected[0].values["warehouse_id"] == "W9"
    assert uow.store.stock[("S1", "W1")].on_hand == 5


def test_coordinates_out_of_range_are_rejected_naming_lat_or_lon(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ImportRejected) as error:
        _run(
            uow,
            "warehouses",
            {"warehouse_id": "W2", "lat": "95", "lon": "-76.6"},
            {"warehouse_id": "W3", "lat": "39", "lon": "-200"},
            {"warehouse_id": "W4", "lat": "39"},
            {"warehouse_id": "W5", "lat": "north", "lon": "1"},
        )
    assert [(line, column) for line, column, _ in _errors(error)] == [
        (2, "lat"),
        (3, "lon"),
        (4, "lon"),
        (5, "lat"),
    ]
    assert set(uow.store.warehouses) == {"W1"}


def test_a_window_that_ends_before_it_starts_names_window_end(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ImportRejected) as error:
        _run(
            uow,
            "orders",
            {
                "external_id": "E1",
                "customer_id": "c",
                "address": "1 Main St",
                "sku_id": "S1",
                "quantity": "1",
                "option": "slot",
                "window_start": "2026-03-02T12:00:00+00:00",
                "window_end": "2026-03-02T10:00:00+00:00",
            },
        )
    [(line, column, reason)] = _errors(error)
    assert (line, column) == (2, "window_end") and "before it starts" in reason


def test_orders_rows_with_the_same_external_id_become_one_order(uow: FakeUnitOfWork) -> None:
    _run(
        uow,
        "skus",
        {"sku_id": "S2", "length_cm": "1", "width_cm": "1", "height_cm": "1", "weight_kg": "1"},
    )
    row = {"external_id": "E1", "customer_id": "c", "address": "1 Main St", "option": "same_day"}
    report = _run(
        uow,
        "orders",
        {**row, "sku_id": "S1", "quantity": "1"},
        {**row, "sku_id": "S2", "quantity": "3"},
    )

    [order] = uow.store.orders.values()
    assert report.created == 1
    assert [(ln.sku_id, ln.quantity) for ln in order.lines] == [("S1", 1), ("S2", 3)]
    assert order.option is DeliveryOption.SAME_DAY
    assert [e.kind for e in uow.store.events] == ["order.created"]


def test_reimporting_the_same_orders_changes_nothing_and_other_content_is_rejected(
    uow: FakeUnitOfWork,
) -> None:
    row = {
        "external_id": "E1",
        "customer_id": "c",
        "address": "1 Main St",
        "lines": [{"sku_id": "S1", "quantity": 2}],
    }
    _run(uow, "orders", row)

    assert _run(uow, "orders", row).unchanged == 1
    with pytest.raises(ImportRejected) as error:
        _run(uow, "orders", {**row, "lines": [{"sku_id": "S1", "quantity": 3}]})
    assert _errors(error)[0][1:] == ("external_id", "order 'E1' already exists with other content")
    assert len(uow.store.orders) == 1


def test_nested_json_lines_report_the_bad_line_by_index(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ImportRejected) as error:
        _run(
            uow,
            "orders",
            {
                "external_id": "E1",
                "customer_id": "c",
                "address": "x",
                "lines": [{"sku_id": "S1", "quantity": 1}, {"sku_id": "S1", "quantity": 0}],
            },
        )
    assert _errors(error) == [(2, "lines[1].quantity", "must be > 0, got 0")]


def test_reimporting_a_warehouse_updates_it_in_place(uow: FakeUnitOfWork) -> None:
    report = _run(
        uow,
        "warehouses",
        {"warehouse_id": "W1", "lat": "39.3", "lon": "-76.6", "pick_capacity_per_hour": "900"},
    )
    assert report.updated == 1
    assert uow.store.warehouses["W1"].pick_capacity_per_hour == 900


def test_a_repeated_id_in_one_file_is_rejected_naming_the_first_line(
    uow: FakeUnitOfWork,
) -> None:
    with pytest.raises(ImportRejected) as error:
        _run(uow, "warehouses", {"warehouse_id": "W7"}, {"warehouse_id": "W7"})
    assert _errors(error) == [(3, "warehouse_id", "repeats the id already given on line 2")]


def test_fleet_rows_need_a_known_depot_and_zoned_shift_times(uow: FakeUnitOfWork) -> None:
    van = {
        "vehicle_id": "V1",
        "depot_id": "W1",
        "capacity_weight_kg": "700",
        "capacity_volume_l": "4000",
        "capacity_parcels": "90",
        "shift_start": "2026-03-02T08:00:00-05:00",
        "shift_end": "2026-03-02T17:00:00-05:00",
        "skills": "lift;fridge",
    }
    with pytest.raises(ImportRejected) as error:
        _run(
            uow,
            "fleet",
            {**van, "depot_id": "W9"},
            {**van, "vehicle_id": "V2", "shift_end": "2026-03-02T17:00:00"},
            {**van, "vehicle_id": "V3", "shift_end": "2026-03-02T07:00:00-05:00"},
            {**van, "vehicle_id": "V4", "capacity_parcels": "0"},
        )
    assert [(line, column) for line, column, _ in _errors(error)] == [
        (2, "depot_id"),
        (3, "shift_end"),
        (4, "shift_end"),
        (5, "capacity_parcels"),
    ]

    assert _run(uow, "fleet", van).created == 1
    assert uow.store.vehicles["V1"].skills == frozenset({"lift", "fridge"})
