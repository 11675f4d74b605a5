"""The simulator's stand-in geocoder over the extract's address points."""

from __future__ import annotations

from lastmile.domain import GeocodeMethod
from lastmile.sim.gazetteer import Gazetteer, parse
from lastmile.sim.osm_places import AddressPoint

POINTS = [
    AddressPoint("2120", "East Fairmount Avenue", "Baltimore", "MD", "21231", 39.2930, -76.5866),
    AddressPoint("2122", "East Fairmount Avenue", "Baltimore", "MD", "21231", 39.2931, -76.5864),
    AddressPoint("615", "North Wolfe Street", "Baltimore", "MD", "21205", 39.2980, -76.5905),
]


def test_parse_splits_number_street_unit_city_state_and_zip() -> None:
    parts = parse("615 North Wolfe Street Apt 3, Baltimore, MD 21205")
    assert parts == {
        "house_number": "615",
        "street": "North Wolfe Street",
        "unit": "3",
        "city": "Baltimore",
        "state": "MD",
        "zip": "21205",
    }


def test_an_exact_address_is_trusted() -> None:
    address = Gazetteer(POINTS).geocode("2120 East Fairmount Avenue, Baltimore, MD 21231")
    assert address.geocode is not None
    assert address.geocode.method is GeocodeMethod.EXACT
    assert address.confidence >= 0.9


def test_a_mistyped_street_is_matched_with_less_confidence() -> None:
    address = Gazetteer(POINTS).geocode("2120 East Fairmont Avenue, Baltimore, MD 21231")
    assert address.point is not None and abs(address.point.lat - 39.2930) < 1e-9
    assert 0.6 <= address.confidence < 0.9


def test_an_address_without_house_number_falls_below_the_review_bar() -> None:
    address = Gazetteer(POINTS).geocode("East Fairmount Avenue, Baltimore, MD 21231")
    assert address.geocode is not None
    assert address.geocode.method is GeocodeMethod.STREET_CENTROID
    assert address.confidence < 0.6


def test_an_unknown_street_is_not_geocoded() -> None:
    assert Gazetteer(POINTS).geocode("1 Nowhere Lane, Baltimore").confidence == 0.0
