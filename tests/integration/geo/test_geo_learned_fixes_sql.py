"""Positions learned from confirmed deliveries are stored in the database and outlive it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lastmile.adapters.correction_store import SqlCorrectionStore
from lastmile.adapters.db.tables_geo import geocode_corrections
from lastmile.adapters.db.uow import SqlAlchemyUnitOfWork
from lastmile.bootstrap import make_engine
from lastmile.domain import Address, GeocodeMethod, GeoPoint
from lastmile.geo.corrections import LearnedFix
from lastmile.geo.geocoder import Geocoder
from lastmile.services.delivery import confirm_delivery
from lastmile.services.unit_of_work import UnitOfWork
from lastmile.tracking.pod import Confirmation
from tests.integration.tracking.sql_world import T0, seed
from tests.unit.geo.geo_fakes import fake_gazetteer

RAW = "2104 E Fairmount Ave 21231"


def learner(uow: UnitOfWork) -> Geocoder:
    assert isinstance(uow, SqlAlchemyUnitOfWork)
    return Geocoder(fake_gazetteer(), corrections=SqlCorrectionStore(lambda: uow.session))


def test_a_fix_learned_at_a_confirmation_is_read_by_a_new_process_on_the_same_database(
    tmp_path: Path,
) -> None:
    engine, uow, tracking = seed(tmp_path, stops=1)
    geocode = Geocoder(fake_gazetteer()).geocode(RAW).geocode
    assert geocode is not None
    with uow:
        shipment = uow.shipments.get("sh0")
        assert shipment is not None
        shipment.address = Address(RAW, geocode=geocode)
        uow.commit()
    door = GeoPoint(geocode.point.lat + 60 / 111_195, geocode.point.lon)
    confirmation = Confirmation(
        route_id="R1",
        stop_id="st0",
        shipment_id="sh0",
        driver_id="d1",
        device_id="dev",
        fix=door,
        at=T0 + timedelta(minutes=10),
        photo_sha256="0" * 64,
    )
    receipt = confirm_delivery(
        uow=uow, tracking=tracking, confirmation=confirmation, geofence_m=150, learner=learner
    )
    assert receipt.learned
    url = str(engine.url)
    engine.dispose()

    # A fresh engine stands for the next process: nothing is shared but the database file.
    again = make_engine(url)
    with Session(again) as session:
        assert session.execute(select(func.count()).select_from(geocode_corrections)).scalar() == 1
        store = SqlCorrectionStore(lambda: session, for_update=False)
        result = Geocoder(fake_gazetteer(), corrections=store).geocode(RAW).geocode
    assert result is not None
    assert result.method is GeocodeMethod.DELIVERY_FIX
    assert result.point.distance_m(door) < 1
    again.dispose()


def test_a_second_fix_updates_the_stored_running_mean(tmp_path: Path) -> None:
    engine, _, _ = seed(tmp_path, stops=1)
    with Session(engine) as session:
        store = SqlCorrectionStore(lambda: session)
        store.put("2104 E FAIRMOUNT AVE", LearnedFix(39.0, -76.0))
        first = store.get("2104 E FAIRMOUNT AVE")
        assert first is not None
        store.put("2104 E FAIRMOUNT AVE", first.add(39.2, -76.2))
        session.commit()
    with Session(engine) as session:
        stored = SqlCorrectionStore(lambda: session).get("2104 E FAIRMOUNT AVE")
    assert stored is not None and stored.deliveries == 2
    assert (stored.lat, stored.lon) == pytest.approx((39.1, -76.1))
    engine.dispose()
