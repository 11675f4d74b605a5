"""Demand history from the ledger and from imported CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from lastmile.domain import MovementKind, StockMovement
from lastmile.inventory.history import DemandSeries, demand_from_movements
from lastmile.inventory.importing import HistoryImportError, read_history_csv


def _mv(kind: MovementKind, qty: int, day: int, hour: int = 12) -> StockMovement:
    return StockMovement("S1", "W1", kind, qty, datetime(2026, 3, day, hour, tzinfo=UTC))


def test_picks_become_daily_demand_and_empty_shelf_days_are_flagged() -> None:
    moves = [
        _mv(MovementKind.RECEIPT, 5, 1, 8),
        _mv(MovementKind.RESERVATION, 2, 1),
        _mv(MovementKind.PICK, 2, 1),
        _mv(MovementKind.RESERVATION, 3, 2),
        _mv(MovementKind.PICK, 3, 2),  # shelf empty from here
        _mv(MovementKind.RECEIPT, 4, 4, 8),
        _mv(MovementKind.RESERVATION, 1, 4),
        _mv(MovementKind.PICK, 1, 4),
    ]
    history = demand_from_movements(moves)
    (series,) = history.series
    assert series.start == date(2026, 3, 1)
    assert series.demand.tolist() == [2, 3, 0, 1]
    assert series.stockout.tolist() == [False, True, True, False]


def test_stockout_day_demand_is_reestimated_not_read_as_zero() -> None:
    demand = np.array([4.0, 4.0, 4.0, 4.0, 0.0, 1.0])
    stockout = np.array([False, False, False, False, True, True])
    series = DemandSeries("S1", "W1", date(2026, 1, 1), demand, stockout)
    clean = series.uncensored()
    assert clean[:4].tolist() == [4, 4, 4, 4]
    assert clean[4] == pytest.approx(4.0)
    assert clean[5] == pytest.approx(4.0)
    assert series.demand[4] == 0  # the observation itself is untouched


def test_series_censored_every_day_keeps_its_observed_picks() -> None:
    series = DemandSeries(
        "S1", "W1", date(2026, 1, 1), np.array([1.0, 2.0]), np.array([True, True])
    )
    assert series.uncensored().tolist() == [1.0, 2.0]


HEADER = "date,sku_id,warehouse_id,quantity,stockout,category\n"


def test_negative_and_missing_quantities_stop_the_import_with_line_and_column() -> None:
    text = HEADER + "2026-01-01,A,W1,3,0,toys\n2026-01-02,A,W1,-2,0,toys\n2026-01-03,A,W1,,0,\n"
    with pytest.raises(HistoryImportError) as err:
        read_history_csv(text.splitlines(keepends=True), source="h.csv")
    problems = [(p.line, p.column) for p in err.value.problems]
    assert problems == [(3, "quantity"), (4, "quantity")]
    assert "h.csv:3: column 'quantity': negative" in str(err.value)


def test_cleaning_rule_counts_negatives_as_zero_and_missing_as_unknown_days() -> None:
    text = HEADER + (
        "2026-01-01,A,W1,3,0,toys\n2026-01-02,A,W1,-2,0,toys\n2026-01-03,A,W1,,0,toys\n"
        "2026-01-05,A,W1,6,0,toys\n"
    )
    history = read_history_csv(text.splitlines(keepends=True), on_invalid="clean")
    (series,) = history.series
    assert series.demand.tolist() == [3, 0, 0, 0, 6]
    assert series.stockout.tolist() == [False, False, True, False, False]
    assert series.category == "toys"
    assert any("negative" in n for n in history.notes)
    assert any("unknown days" in n for n in history.notes)
    assert series.uncensored()[2] > 0


def test_missing_column_and_bad_date_are_errors_under_every_rule() -> None:
    with pytest.raises(HistoryImportError, match="'quantity': required column is missing"):
        read_history_csv(["date,sku_id,warehouse_id\n"], on_invalid="clean")
    with pytest.raises(HistoryImportError, match="not an ISO date"):
        read_history_csv([HEADER, "01/02/2026,A,W1,3,0,\n"], on_invalid="clean")


def test_rows_of_the_same_day_add_up_and_absent_days_are_zero_demand() -> None:
    text = HEADER + "2026-01-01,A,W1,1,,\n2026-01-01,A,W1,2,,\n2026-01-03,A,W1,1,,\n"
    (series,) = read_history_csv(text.splitlines(keepends=True)).series
    assert series.demand.tolist() == [3, 0, 1]
