"""``lastmile source`` from CSV files: decisions out, bad rows named by line and column."""

from __future__ import annotations

import csv

from typer.testing import CliRunner

from lastmile.cli.main import app

runner = CliRunner()

WAREHOUSES = "warehouse_id,name,lat,lon\nW1,North,39.30,-76.60\nW2,South,39.25,-76.62\nW9,Lost,,\n"
STOCK = "warehouse_id,sku_id,available\nW1,A,5\nW2,B,3\nW9,C,4\n"
HEADER = "order_id,customer_id,address,lat,lon,option,sku_id,quantity\n"


def files(tmp_path, orders):
    for name, text in (("wh.csv", WAREHOUSES), ("stock.csv", STOCK), ("orders.csv", orders)):
        (tmp_path / name).write_text(text)
    return [str(tmp_path / n) for n in ("wh.csv", "stock.csv", "orders.csv")]


def test_source_writes_a_decision_for_every_line(tmp_path):
    orders = HEADER + (
        "o1,c1,1 Main St,39.29,-76.61,next_day,A,2\n"
        "o1,c1,1 Main St,39.29,-76.61,next_day,B,1\n"
        "o2,c2,2 Main St,39.28,-76.61,next_day,C,1\n"
        "o3,c3,3 Main St,39.28,-76.61,next_day,GHOST,1\n"
    )
    out = tmp_path / "decisions.csv"
    result = runner.invoke(
        app,
        ["source", *files(tmp_path, orders), "--now", "2026-03-02T10:00+00:00", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    by = {(r["order_id"], r["sku_id"]): r for r in rows}
    assert by["o1", "A"]["warehouse_id"] == "W1" and by["o1", "B"]["warehouse_id"] == "W2"
    assert by["o2", "C"]["reason"] == "no_warehouse_location"
    assert by["o3", "GHOST"]["reason"] == "unknown_sku"


def test_bad_rows_are_reported_with_file_line_and_column(tmp_path):
    orders = HEADER + (
        "o1,c1,1 Main St,39.29,-76.61,next_day,A,0\n"
        "o2,c2,2 Main St,39.28,-76.61,next_day,A,-3\n"
        "o3,c3,3 Main St,99.0,-76.61,next_day,A,1\n"
    )
    result = runner.invoke(app, ["source", *files(tmp_path, orders)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "orders.csv:2: column 'quantity': must be > 0, got 0" in text
    assert "orders.csv:3: column 'quantity': must be > 0, got -3" in text
    assert "orders.csv:4: column 'lat'" in text
