"""Import daily demand history from CSV text, with an explicit rule for bad values.

Columns (header required, any order): ``date`` (ISO ``YYYY-MM-DD``), ``sku_id``,
``warehouse_id``, ``quantity``; optional ``stockout`` (``1/0``, ``true/false``) and
``category``. Several rows for the same SKU, warehouse and day are added up; a day with
no row is a day with zero demand.

Two rules for bad quantities:

- ``"error"`` (default): any negative, missing or non-numeric quantity stops the import
  with every offending line, column and reason listed.
- ``"clean"``: a negative quantity is a return, not demand, and counts as 0; a missing or
  non-numeric quantity is an unknown day, treated like a stockout day (its demand is
  re-estimated, never read as 0). The notes of the history count what was cleaned.

A bad date, SKU or warehouse is always an error: the row cannot be placed.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np

from lastmile.inventory.history import DemandHistory, DemandSeries, SeriesKey

CleaningRule = Literal["error", "clean"]
REQUIRED = ("date", "sku_id", "warehouse_id", "quantity")
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f", ""}


@dataclass(frozen=True)
class RowProblem:
    """One bad cell of an imported file."""

    source: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: column {self.column!r}: {self.reason}"


class HistoryImportError(ValueError):
    """The history file has rows that cannot be used; lists every one of them."""

    def __init__(self, problems: list[RowProblem]) -> None:
        shown = "\n".join(str(p) for p in problems[:20])
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} bad value(s) in demand history:\n{shown}{more}")
        self.problems = problems


def read_history_csv(
    lines: Iterable[str], *, source: str = "<csv>", on_invalid: CleaningRule = "error"
) -> DemandHistory:
    """Parse demand history from CSV lines.

    Parameters
    ----------
    lines
        The file's lines (an open text file works).
    source
        Name used in error messages (the file path).
    on_invalid
        ``"error"`` or ``"clean"``; see the module docstring.

    Raises
    ------
    HistoryImportError
        On a missing column, a bad date/SKU/warehouse, or (with ``"error"``) a bad quantity.
    """
    if on_invalid not in ("error", "clean"):
        raise ValueError(f"on_invalid = {on_invalid!r} not understood.")
    reader = csv.DictReader(iter(lines))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise HistoryImportError(
            [RowProblem(source, 1, c, "required column is missing") for c in missing]
        )
    reader.fieldnames = header
    problems: list[RowProblem] = []
    qty: dict[SeriesKey, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    censored: dict[SeriesKey, set[date]] = defaultdict(set)
    categories: dict[str, str] = {}
    negatives = unknown = 0
    for row in reader:
        line = reader.line_num
        raw_day = (row.get("date") or "").strip()
        sku = (row.get("sku_id") or "").strip()
        wh = (row.get("warehouse_id") or "").strip()
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            problems.append(RowProblem(source, line, "date", f"not an ISO date: {raw_day!r}"))
            continue
        if not sku:
            problems.append(RowProblem(source, line, "sku_id", "is empty"))
            continue
        if not wh:
            problems.append(RowProblem(source, line, "warehouse_id", "is empty"))
            continue
        key = (sku, wh)
        if cat := (row.get("category") or "").strip():
            categories[sku] = cat
        flag = (row.get("stockout") or "").strip().lower()
        if flag in _TRUE:
            censored[key].add(day)
        elif flag not in _FALSE:
            problems.append(RowProblem(source, line, "stockout", f"not a boolean: {flag!r}"))
            continue
        raw_q = (row.get("quantity") or "").strip()
        try:
            q = float(raw_q)
            bad = "" if math.isfinite(q) else f"not a finite number: {raw_q!r}"
        except ValueError:
            q, bad = math.nan, ("is missing" if not raw_q else f"not a number: {raw_q!r}")
        if not bad and q < 0:
            if on_invalid == "error":
                problems.append(RowProblem(source, line, "quantity", f"negative: {q:g}"))
                continue
            negatives += 1
            q = 0.0
        if bad:
            if on_invalid == "error":
                problems.append(RowProblem(source, line, "quantity", bad))
                continue
            unknown += 1
            censored[key].add(day)
            q = 0.0
        qty[key][day] += q
    if problems:
        raise HistoryImportError(problems)
    notes: list[str] = []
    if negatives:
        notes.append(f"{negatives} negative quantities read as returns and counted as 0")
    if unknown:
        notes.append(f"{unknown} missing/non-numeric quantities treated as unknown days")
    if not qty:
        return DemandHistory((), tuple(notes))
    last = max(max(days) for days in qty.values())
    series: list[DemandSeries] = []
    for key in sorted(qty):
        days = qty[key]
        first = min(days)
        n = (last - first).days + 1
        demand = np.zeros(n)
        stockout = np.zeros(n, dtype=bool)
        for d, q in days.items():
            demand[(d - first).days] = q
        for d in censored[key]:
            stockout[(d - first).days] = True
        series.append(
            DemandSeries(key[0], key[1], first, demand, stockout, categories.get(key[0], "general"))
        )
    return DemandHistory(tuple(series), tuple(notes))
