"""``lastmile forecast`` end to end on a CSV history."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from lastmile.cli.main import app


def _history(path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = ["date,sku_id,warehouse_id,quantity,stockout,category"]
    start = date(2026, 1, 1)
    for d in range(40):
        day = (start + timedelta(days=d)).isoformat()
        rows.append(f"{day},mug,W1,{rng.poisson(6)},0,kitchen")
        rows.append(f"{day},mug,W2,{rng.poisson(2)},{int(d > 35)},kitchen")
    path.write_text("\n".join(rows) + "\n")


def test_forecast_command_writes_reports_and_plots(tmp_path: Path) -> None:
    hist, stock, out = tmp_path / "h.csv", tmp_path / "s.csv", tmp_path / "out"
    _history(hist)
    stock.write_text("sku_id,warehouse_id,on_hand\nmug,W1,4\nmug,W2,90\n")
    result = CliRunner().invoke(
        app,
        [
            "forecast",
            "--history",
            str(hist),
            "--stock",
            str(stock),
            "--out",
            str(out),
            "--horizon",
            "7",
            "--lead-time",
            "3",
            "--plots",
            "1",
            "--profile",
            "fast",
            "--transfer-cost",
            "0.2",
            "--lost-sale",
            "10",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 series" in result.output
    for name in ("forecasts.csv", "policy.csv", "purchases.csv", "stockouts.csv", "transfers.csv"):
        assert (out / name).is_file()
    assert "mug@W1" in (out / "purchases.csv").read_text()
    # W1 holds 4 mugs for ~6 a day and a purchase takes 3 days; W2 holds 90 for ~2 a day:
    # surplus moves to W1.
    assert "mug,W2,W1," in (out / "transfers.csv").read_text()
    (png,) = (out / "plots").glob("*.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_forecast_command_reports_the_bad_row_and_stops(tmp_path: Path) -> None:
    hist = tmp_path / "bad.csv"
    hist.write_text("date,sku_id,warehouse_id,quantity\n2026-01-01,mug,W1,-3\n")
    result = CliRunner().invoke(
        app, ["forecast", "--history", str(hist), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "bad.csv:2: column 'quantity': negative" in " ".join(result.output.split())
