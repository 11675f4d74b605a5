"""``lastmile demo`` and ``lastmile simulate`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from lastmile.cli.main import app

runner = CliRunner()


def test_demo_runs_a_small_day_end_to_end_and_writes_its_report(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["demo", "--orders", "40", "--vans", "3", "--no-compare", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    report = tmp_path / "report.html"
    assert report.is_file()
    html = report.read_text()
    assert "data:image/png;base64" in html and "KPIs of the day" in html
    figures = json.loads((tmp_path / "day.json").read_text())
    assert figures["scenario"]["orders"] == 40
    assert "on_time_pct" in figures["kpis"]
    assert "report:" in result.output


def test_simulate_refuses_an_extract_without_roads_in_one_line(tmp_path: Path) -> None:
    osm = tmp_path / "walk.osm"
    osm.write_text(
        "<?xml version='1.0' encoding='UTF-8'?><osm version='0.6'>"
        "<node id='1' version='1' lat='1.0' lon='1.0'/>"
        "<node id='2' version='1' lat='1.001' lon='1.001'/>"
        "<way id='3' version='1'><nd ref='1'/><nd ref='2'/>"
        "<tag k='highway' v='footway'/></way></osm>"
    )
    result = runner.invoke(app, ["simulate", "--orders", "5", "--vans", "1", "--osm", str(osm)])
    assert result.exit_code == 2
    assert "no drivable road network" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_simulate_refuses_a_missing_extract(tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", "--osm", str(tmp_path / "none.osm.pbf")])
    assert result.exit_code == 2
    assert "not found" in " ".join(result.output.split())


def test_simulate_keeps_learned_door_positions_for_the_next_day(tmp_path: Path) -> None:
    store = tmp_path / "corrections.json"
    args = ["simulate", "--orders", "30", "--vans", "2", "--corrections", str(store)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    learned = json.loads(store.read_text())
    assert learned, "a delivered day teaches at least one door"
    assert all(fix["deliveries"] >= 1 for fix in learned.values())
    assert "door positions" in " ".join(first.output.split())
