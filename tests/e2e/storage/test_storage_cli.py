"""The ``lastmile db`` and ``lastmile import`` commands against a real SQLite file."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lastmile.bootstrap import make_engine, make_uow_factory
from lastmile.cli.main import app

runner = CliRunner()

WAREHOUSES = "warehouse_id,name,lat,lon\nW1,North,39.33,-76.63\nW2,East,39.28,-76.56\n"
SKUS = [
    {
        "sku_id": "S1",
        "name": "Mug",
        "length_cm": 12,
        "width_cm": 9,
        "height_cm": 10,
        "weight_kg": 0.4,
    },
    {
        "sku_id": "S2",
        "name": "Lamp",
        "length_cm": 30,
        "width_cm": 20,
        "height_cm": 20,
        "weight_kg": 1.2,
    },
]


def _lastmile(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database built once through the CLI: migrated, with warehouses, SKUs, stock."""
    folder = tmp_path_factory.mktemp("template")
    url = f"sqlite:///{folder / 'cli.db'}"
    (folder / "warehouses.csv").write_text(WAREHOUSES)
    (folder / "skus.json").write_text(json.dumps(SKUS, indent=1))
    (folder / "stock.csv").write_text("sku_id,warehouse_id,quantity\nS1,W1,10\nS2,W2,4\n")
    assert _lastmile("db", "upgrade", "--database-url", url)[0] == 0
    for kind, name in (
        ("warehouses", "warehouses.csv"),
        ("skus", "skus.json"),
        ("stock", "stock.csv"),
    ):
        code, out = _lastmile("import", kind, str(folder / name), "--database-url", url)
        assert code == 0, out
    return folder / "cli.db"


@pytest.fixture
def db(template: Path, tmp_path: Path) -> str:
    # A copy per test keeps tests independent without paying for migrations each time.
    shutil.copy(template, tmp_path / "cli.db")
    return f"sqlite:///{tmp_path / 'cli.db'}"


def _stock(url: str) -> dict[tuple[str, str], tuple[int, int]]:
    engine = make_engine(url)
    try:
        with make_uow_factory(engine)() as uow:
            return {
                (lv.sku_id, lv.warehouse_id): (lv.on_hand, lv.reserved) for lv in uow.stock.list()
            }
    finally:
        engine.dispose()


BAD_FILES = {
    "malformed.csv": ("stock", 'sku_id,warehouse_id,quantity\nS1,W1,"5\n', "malformed CSV"),
    "malformed.json": ("skus", '[{"sku_id": "S3",\n "name": }]', "malformed JSON"),
    "unknown_sku.csv": (
        "stock",
        "sku_id,warehouse_id,quantity\nS1,W1,1\nS404,W1,1\n",
        "unknown_sku.csv:3: column 'sku_id': unknown sku 'S404'",
    ),
    "negative.csv": (
        "stock",
        "sku_id,warehouse_id,quantity\nS1,W1,-5\n",
        "negative.csv:2: column 'quantity': must be > 0, got -5",
    ),
    "window.csv": (
        "orders",
        "external_id,customer_id,address,sku_id,quantity,option,window_start,window_end\n"
        "E1,c1,1 Main St,S1,1,slot,2026-03-02T12:00:00+00:00,2026-03-02T09:00:00+00:00\n",
        "window.csv:2: column 'window_end': ends",
    ),
    "coords.json": (
        "warehouses",
        '[\n {"warehouse_id": "W3", "lat": 39.3, "lon": -181}\n]',
        "coords.json:2: column 'lon': -181.0 is outside [-180, 180]",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_input_is_named_clearly_and_nothing_stored_changes(
    db: str, tmp_path: Path, name: str
) -> None:
    kind, content, message = BAD_FILES[name]
    path = tmp_path / name
    path.write_text(content)
    before = _stock(db)

    code, output = _lastmile("import", kind, str(path), "--database-url", db)

    assert code in (1, 2)
    assert message in output
    assert str(path) in output
    assert _stock(db) == before


def test_skip_invalid_imports_good_rows_and_writes_rejects_with_reasons(
    db: str, tmp_path: Path
) -> None:
    path = tmp_path / "more.csv"
    path.write_text("sku_id,warehouse_id,quantity\nS1,W1,5\nS404,W1,1\nS2,W1,x\n")
    rejects = tmp_path / "out" / "rejects.csv"

    code, output = _lastmile(
        "import",
        "stock",
        str(path),
        "--database-url",
        db,
        "--skip-invalid",
        "--rejects",
        str(rejects),
    )

    assert code == 0, output
    assert _stock(db)[("S1", "W1")] == (15, 0)
    with rejects.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["line"], r["column"], r["sku_id"]) for r in rows] == [
        ("3", "sku_id", "S404"),
        ("4", "quantity", "S2"),
    ]
    assert rows[1]["reason"] == "must be a whole number, got 'x'"


def test_db_sample_loads_the_baltimore_network_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sample.db'}"
    code, output = _lastmile("db", "sample", "--database-url", url)
    assert code == 0, output
    assert "warehouses" in output and "orders" in output

    code, output = _lastmile("db", "sample", "--database-url", url)
    assert code == 0 and "already loaded" in output


def test_lastmile_help_lists_db_and_import() -> None:
    code, output = _lastmile("--help")
    assert code == 0
    assert "db" in output and "import" in output
