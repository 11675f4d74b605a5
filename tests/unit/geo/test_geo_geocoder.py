"""The geocoding cascade, its confidences, review flags and learning from deliveries."""

from __future__ import annotations

import pytest

from lastmile.domain.address import GeocodeMethod
from lastmile.domain.geo import GeoPoint
from lastmile.geo.corrections import InMemoryCorrections, LearnedFix
from lastmile.geo.geocoder import Geocoder
from tests.unit.geo.geo_fakes import fake_gazetteer


@pytest.fixture
def geocoder() -> Geocoder:
    return Geocoder(fake_gazetteer())


def test_known_address_point_is_found_exactly_and_confidently(geocoder: Geocoder) -> None:
    r = geocoder.geocode("2104 E Fairmount Ave, Baltimore, MD 21231")
    assert r.status == "ok"
    assert r.geocode is not None
    assert r.geocode.method is GeocodeMethod.EXACT
    assert r.geocode.confidence >= 0.9
    assert r.geocode.point == GeoPoint(39.2931, -76.5895 + 2 * 0.0004)


def test_typo_in_street_still_finds_the_house(geocoder: Geocoder) -> None:
    r = geocoder.geocode("2104 E Fairmont Avenue 21231")
    assert r.status == "ok"
    assert r.geocode is not None and r.geocode.method is GeocodeMethod.EXACT
    assert "FAIRMONT -> FAIRMOUNT" in r.reason


def test_unknown_number_is_interpolated_between_neighbours_on_the_same_side(
    geocoder: Geocoder,
) -> None:
    r = geocoder.geocode("710 S Ann St 21231")
    assert r.geocode is not None and r.geocode.method is GeocodeMethod.EXACT
    r = geocoder.geocode("730 S Ann St 21231")
    assert r.geocode is not None
    assert r.geocode.method is GeocodeMethod.INTERPOLATED
    # 730 lies between 720 (39.283) and 750 (39.2855), a third of the way.
    assert r.geocode.point.lat == pytest.approx(39.283 + (39.2855 - 39.283) / 3)


def test_interpolation_on_a_misspelt_street_says_so(geocoder: Geocoder) -> None:
    r = geocoder.geocode("730 S Anne St 21231")
    assert r.geocode is not None
    assert r.geocode.method is GeocodeMethod.FUZZY_INTERPOLATED


def test_street_without_known_numbers_falls_back_to_its_centroid_and_is_flagged(
    geocoder: Geocoder,
) -> None:
    r = geocoder.geocode("1 Key Highway, Baltimore, MD 21230")
    assert r.geocode is not None
    assert r.geocode.method is GeocodeMethod.STREET_CENTROID
    assert r.status == "flagged"
    assert r.needs_review


def test_unknown_street_with_a_known_zip_gets_the_zip_centroid_but_stays_invalid(
    geocoder: Geocoder,
) -> None:
    r = geocoder.geocode("5 Nowhere Boulevard, Baltimore, MD 21231")
    assert r.status == "invalid"
    assert r.geocode is not None
    assert r.geocode.method is GeocodeMethod.ZIP_CENTROID
    assert r.geocode.confidence < 0.2


def test_same_number_on_two_streets_without_direction_is_flagged_as_ambiguous(
    geocoder: Geocoder,
) -> None:
    r = geocoder.geocode("2120 Fairmount Ave")
    assert r.status == "flagged"
    assert "ambiguous" in r.reason
    resolved = geocoder.geocode("2120 Fairmount Ave 21231")
    assert resolved.status == "ok"


def test_review_threshold_decides_what_is_flagged() -> None:
    strict = Geocoder(fake_gazetteer(), review_threshold=0.99)
    assert strict.geocode("2104 E Fairmount Ave 21231").status == "flagged"
    with pytest.raises(ValueError, match="not understood"):
        Geocoder(fake_gazetteer(), review_threshold=1.5)


def test_confirmed_delivery_moves_the_geocode_for_the_next_delivery(geocoder: Geocoder) -> None:
    address = "2104 E Fairmount Ave 21231"
    door = GeoPoint(39.29325, -76.58870)  # the real door, ~25 m from the address point
    outcome = geocoder.confirm_delivery(address, door)
    assert outcome.accepted
    assert outcome.moved_m > 10
    r = geocoder.geocode("2104 East Fairmount Avenue, Baltimore")
    assert r.geocode is not None
    assert r.geocode.method is GeocodeMethod.DELIVERY_FIX
    assert r.geocode.point.distance_m(door) < 1


def test_repeated_fixes_average_and_raise_confidence(geocoder: Geocoder) -> None:
    address = "2104 E Fairmount Ave 21231"
    geocoder.confirm_delivery(address, GeoPoint(39.2932, -76.5887))
    geocoder.confirm_delivery(address, GeoPoint(39.2934, -76.5887))
    r = geocoder.geocode(address)
    assert r.geocode is not None
    assert r.geocode.point.lat == pytest.approx(39.2933)
    assert r.geocode.confidence > 0.9


def test_delivery_fix_far_from_a_confident_geocode_is_refused(geocoder: Geocoder) -> None:
    depot = GeoPoint(39.30, -76.60)  # about 1.4 km away
    outcome = geocoder.confirm_delivery("2104 E Fairmount Ave 21231", depot)
    assert not outcome.accepted
    assert "from the geocode" in outcome.reason
    r = geocoder.geocode("2104 E Fairmount Ave 21231")
    assert r.geocode is not None and r.geocode.method is GeocodeMethod.EXACT


def test_learned_fixes_round_trip_through_json() -> None:
    store = InMemoryCorrections({"2104 E FAIRMOUNT AVE": LearnedFix(39.1, -76.1, 3)})
    again = InMemoryCorrections.from_json(store.to_json())
    assert again.get("2104 E FAIRMOUNT AVE") == LearnedFix(39.1, -76.1, 3)
    assert len(again) == 1


def test_geocoder_uses_an_injected_correction_store() -> None:
    store = InMemoryCorrections()
    geocoder = Geocoder(fake_gazetteer(), corrections=store)
    geocoder.confirm_delivery("710 S Ann St", GeoPoint(39.2821, -76.5913))
    assert store.get("710 S ANN ST") is not None
