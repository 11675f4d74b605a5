"""The API's wiring: the delivery learner writes in the unit of work, intake reads it back."""

from __future__ import annotations

from pathlib import Path

from lastmile.api.wiring import delivery_learner, offline_geocoder
from lastmile.bootstrap import make_engine, make_uow_factory
from lastmile.config import Settings
from lastmile.domain import GeocodeMethod, GeoPoint

# An address point of the shipped Baltimore extract, geocoded exactly.
RAW = "215 Cleveland Avenue, Baltimore, MD 21222"


def test_a_committed_fix_places_the_next_order_at_the_door_and_a_rolled_back_one_does_not(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'geo.db'}"
    engine = make_engine(url, migrate=True)
    settings = Settings(database_url=url)
    learn, geocode = delivery_learner(settings), offline_geocoder(settings, engine)
    before = geocode(RAW)
    assert before is not None and before.method is GeocodeMethod.EXACT
    door = GeoPoint(before.point.lat + 0.0005, before.point.lon)  # about 55 m north

    factory = make_uow_factory(engine)
    with factory() as uow:
        assert learn(uow).confirm_delivery(RAW, door).accepted
        # No commit: the confirmation failed later, so nothing was learned.
    unchanged = geocode(RAW)
    assert unchanged is not None and unchanged.method is GeocodeMethod.EXACT

    with factory() as uow:
        assert learn(uow).confirm_delivery(RAW, door).accepted
        uow.commit()
    after = geocode(RAW)
    assert after is not None and after.method is GeocodeMethod.DELIVERY_FIX
    assert after.point.distance_m(door) < 1
    engine.dispose()
