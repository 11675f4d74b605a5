"""Confirmed deliveries teach the geocoder where the door is, through the delivery use case."""

from __future__ import annotations

from datetime import timedelta

from lastmile.domain import Address, GeocodeMethod, GeoPoint
from lastmile.geo.corrections import InMemoryCorrections
from lastmile.geo.geocoder import Geocoder
from lastmile.services.delivery import DeliveryReceipt, confirm_delivery
from lastmile.services.unit_of_work import UnitOfWork
from lastmile.tracking.pod import Confirmation
from tests.unit.geo.geo_fakes import fake_gazetteer
from tests.unit.tracking.world import T0, World, build

RAW = "2104 E Fairmount Ave 21231"
M_PER_DEG_LAT = 111_195.0


def north(p: GeoPoint, metres: float) -> GeoPoint:
    return GeoPoint(p.lat + metres / M_PER_DEG_LAT, p.lon)


def world_at(raw: str) -> tuple[World, Geocoder, InMemoryCorrections, GeoPoint]:
    """The tracking world with shipment sh00 going to ``raw``, geocoded by the geocoder."""
    store = InMemoryCorrections()
    geocoder = Geocoder(fake_gazetteer(), corrections=store)
    geocode = geocoder.geocode(raw).geocode
    assert geocode is not None and geocode.method is GeocodeMethod.EXACT
    w = build()
    with w.uow:
        shipment = w.uow.shipments.get("sh00")
        assert shipment is not None
        shipment.address = Address(raw, geocode=geocode)
        w.uow.commit()
    return w, geocoder, store, geocode.point


def confirm(
    w: World,
    geocoder: Geocoder,
    fix: GeoPoint,
    geofence_m: float = 150.0,
    reason: str = "",
    accuracy_m: float = 10.0,
) -> DeliveryReceipt:
    def learner(_uow: UnitOfWork) -> Geocoder:
        return geocoder

    c = Confirmation(
        route_id="R0",
        stop_id="st00",
        shipment_id="sh00",
        driver_id="d0",
        device_id="dev-1",
        fix=fix,
        at=T0 + timedelta(minutes=11),
        photo_sha256="ab" * 32,
        outside_reason=reason,
        accuracy_m=accuracy_m,
    )
    return confirm_delivery(
        uow=w.uow, tracking=w.tracking, confirmation=c, geofence_m=geofence_m, learner=learner
    )


def test_a_delivery_confirmed_60_m_from_the_geocode_moves_the_next_geocode_to_the_fix() -> None:
    w, geocoder, store, point = world_at(RAW)
    door = north(point, 60)
    receipt = confirm(w, geocoder, door)
    assert receipt.learned and not receipt.flagged
    assert len(store) == 1
    again = geocoder.geocode("2104 East Fairmount Avenue, Baltimore").geocode
    assert again is not None
    assert again.method is GeocodeMethod.DELIVERY_FIX
    assert again.point.distance_m(door) < 1


def test_a_fix_2_km_away_is_refused_by_the_sanity_bound_even_inside_a_wide_geofence() -> None:
    w, geocoder, store, point = world_at(RAW)
    receipt = confirm(w, geocoder, north(point, 2000), geofence_m=5000.0)
    assert not receipt.learned and not receipt.flagged
    assert len(store) == 0
    again = geocoder.geocode(RAW).geocode
    assert again is not None and again.method is GeocodeMethod.EXACT


def test_a_flagged_confirmation_outside_the_geofence_teaches_nothing() -> None:
    w, geocoder, store, point = world_at(RAW)
    receipt = confirm(w, geocoder, north(point, 200), reason="handed to the concierge next door")
    assert receipt.flagged and not receipt.learned
    assert len(store) == 0
    again = geocoder.geocode(RAW).geocode
    assert again is not None and again.method is GeocodeMethod.EXACT


def test_a_fix_the_device_reports_as_coarse_teaches_nothing() -> None:
    w, geocoder, store, point = world_at(RAW)
    receipt = confirm(w, geocoder, north(point, 60), accuracy_m=80.0)
    assert not receipt.learned and not receipt.flagged
    assert len(store) == 0


def test_without_a_learner_a_confirmation_learns_nothing_and_still_delivers() -> None:
    w, _, _, point = world_at(RAW)
    c = Confirmation(
        route_id="R0",
        stop_id="st00",
        shipment_id="sh00",
        driver_id="d0",
        device_id="dev-1",
        fix=north(point, 60),
        at=T0 + timedelta(minutes=11),
        photo_sha256="ab" * 32,
    )
    receipt = confirm_delivery(uow=w.uow, tracking=w.tracking, confirmation=c, geofence_m=150.0)
    assert not receipt.learned and receipt.evidence_seq == 0
