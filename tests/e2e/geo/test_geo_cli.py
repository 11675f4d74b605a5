"""`lastmile geocode` and `lastmile matrix` end to end, on the shipped network."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lastmile.cli.main import app

runner = CliRunner()


def test_geocode_writes_every_row_with_status_and_keeps_other_columns(tmp_path: Path) -> None:
    src = tmp_path / "orders.csv"
    src.write_text(
        "order_id,address\n"
        'A1,"615 North Wolfe Street, Baltimore, MD 21205"\n'
        "A2,\n"
        "A3,2120 E Fairmont Ave\n"
        "A4,1 Nowhere Boulevard\n"
    )
    out = tmp_path / "geocoded.csv"
    result = runner.invoke(app, ["geocode", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["order_id"] for r in rows] == ["A1", "A2", "A3", "A4"]
    assert rows[0]["status"] == "ok" and rows[0]["method"] == "exact"
    assert float(rows[0]["lat"]) == pytest.approx(39.2980556)
    assert rows[1]["status"] == "invalid" and "empty" in rows[1]["reason"]
    assert rows[2]["status"] == "ok" and "FAIRMONT -> FAIRMOUNT" in rows[2]["reason"]
    assert rows[3]["status"] == "invalid"
    # Bad rows are reported with file, line and column.
    assert f"{src}:3: column 'address'" in result.output


def test_geocode_without_an_address_column_fails_clearly(tmp_path: Path) -> None:
    src = tmp_path / "bad.csv"
    src.write_text("id,street\n1,Main\n")
    result = runner.invoke(app, ["geocode", str(src), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "no column 'address'" in result.output


def test_matrix_writes_times_and_distances(tmp_path: Path) -> None:
    src = tmp_path / "points.csv"
    src.write_text(
        "id,lat,lon\nfells,39.2830,-76.5914\npark,39.2905,-76.5800\ncanton,39.2790,-76.5720\n"
    )
    out = tmp_path / "m.npz"
    result = runner.invoke(
        app, ["matrix", str(src), "--out", str(out), "--depart-at", "2026-11-30T08:00"]
    )
    assert result.exit_code == 0, result.output
    with np.load(out) as data:
        assert data["durations_s"].shape == (3, 3)
        assert np.isfinite(data["durations_s"]).all()
        assert (data["distances_m"][~np.eye(3, dtype=bool)] > 500).all()
        assert list(data["ids"]) == ["fells", "park", "canton"]


def test_matrix_reports_bad_rows_with_line_and_column(tmp_path: Path) -> None:
    src = tmp_path / "points.csv"
    src.write_text("id,lat,lon\na,39.29,-76.58\nb,north,-76.5\nc,39.29,-200\n")
    result = runner.invoke(app, ["matrix", str(src), "--out", str(tmp_path / "m.npz")])
    assert result.exit_code == 2
    assert f"{src}:3: column 'lat'" in result.output
    assert f"{src}:4: column 'lon'" in result.output
    assert not (tmp_path / "m.npz").exists()


def test_matrix_refuses_points_far_from_any_road(tmp_path: Path) -> None:
    src = tmp_path / "points.csv"
    src.write_text("lat,lon\n39.29,-76.58\n38.0,-70.0\n")
    result = runner.invoke(app, ["matrix", str(src), "--out", str(tmp_path / "m.npz")])
    assert result.exit_code == 2
    assert "from any road" in result.output
