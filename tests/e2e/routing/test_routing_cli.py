"""``lastmile solve`` end to end: a VRPLIB instance in, a checked VRPLIB solution out."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from lastmile.cli.main import app

runner = CliRunner()


def test_solve_writes_a_vrplib_solution_for_a_solomon_instance(
    shared_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "c101.sol"
    instance = shared_dir / "benchmarks/solomon/vrplib/C101.vrp"
    result = runner.invoke(
        app, ["solve", str(instance), "--seconds", "0.5", "--seed", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0].startswith("Route #1: ")
    assert lines[-1].startswith("Cost ")
    served = sorted(int(x) for line in lines[:-1] for x in line.split(":")[1].split())
    assert served == list(range(1, 101))


def test_solve_refuses_a_missing_file_clearly(tmp_path: Path) -> None:
    result = runner.invoke(app, ["solve", str(tmp_path / "nope.vrp")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_solve_refuses_a_malformed_instance_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.vrp"
    bad.write_text("NAME : bad\nTYPE : CVRP\nDIMENSION : 3\nNODE_COORD_SECTION\n1 0\nEOF\n")
    result = runner.invoke(app, ["solve", str(bad)])
    assert result.exit_code == 2
    assert "cannot read the instance" in result.output
