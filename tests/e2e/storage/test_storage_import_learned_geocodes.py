"""`lastmile import orders` places addresses where confirmed deliveries taught it to."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from lastmile.api.wiring import delivery_learner
from lastmile.bootstrap import make_engine, make_uow_factory
from lastmile.cli.main import app
from lastmile.config import Settings
from lastmile.domain import GeocodeMethod, GeoPoint, Order

# Address points of the shipped Baltimore extract, both geocoded exactly.
CORRECTED = "215 Cleveland Avenue, Baltimore, MD 21222"
UNTOUCHED = "217 Cleveland Avenue, Baltimore, MD 21222"


def _orders(engine_url: str) -> dict[str, Order]:
    engine = make_engine(engine_url)
    with make_uow_factory(engine)() as uow:
        found = {o.external_id: o for o in uow.orders.list()}
    engine.dispose()
    return found


def test_an_address_corrected_by_a_confirmed_delivery_imports_with_method_delivery_fix(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'import.db'}"
    engine = make_engine(url, migrate=True)
    learn = delivery_learner(Settings(database_url=url))
    with make_uow_factory(engine)() as uow:
        geocoder = learn(uow)
        before = geocoder.geocode(CORRECTED).geocode
        assert before is not None and before.method is GeocodeMethod.EXACT
        door = GeoPoint(before.point.lat + 0.0005, before.point.lon)  # about 55 m north
        assert geocoder.confirm_delivery(CORRECTED, door).accepted
        uow.commit()
    engine.dispose()

    skus = tmp_path / "skus.csv"
    skus.write_text("sku_id,name,length_cm,width_cm,height_cm,weight_kg\nS1,Mug,12,9,10,0.4\n")
    orders = tmp_path / "orders.csv"
    with orders.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["external_id", "customer_id", "address", "sku_id", "quantity"])
        out.writerow(["fixed", "c1", CORRECTED, "S1", 1])
        out.writerow(["plain", "c2", UNTOUCHED, "S1", 1])
    runner = CliRunner()
    for kind, path in (("skus", skus), ("orders", orders)):
        result = runner.invoke(app, ["import", kind, str(path), "--database-url", url])
        assert result.exit_code == 0, result.output

    stored = _orders(url)
    fixed, plain = stored["fixed"].address.geocode, stored["plain"].address.geocode
    assert fixed is not None and fixed.method is GeocodeMethod.DELIVERY_FIX
    assert fixed.point.distance_m(door) < 1
    assert plain is not None and plain.method is GeocodeMethod.EXACT
