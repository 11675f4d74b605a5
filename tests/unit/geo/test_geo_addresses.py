"""Parsing, normalising and validating addresses; bad input never raises."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.geo.addresses import normalise_street, parse_address
from lastmile.geo.geocoder import AddressStatus, Geocoder
from tests.unit.geo.geo_fakes import fake_gazetteer


@pytest.fixture(scope="module")
def geocoder() -> Geocoder:
    return Geocoder(fake_gazetteer())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("East Fairmount Avenue", "E FAIRMOUNT AVE"),
        ("e. fairmount ave.", "E FAIRMOUNT AVE"),
        ("North Avenue", "NORTH AVE"),
        ("Key Highway", "KEY HWY"),
        ("Martin Luther King Jr Boulevard", "MARTIN LUTHER KING JR BLVD"),
        ("Main Street NW", "MAIN ST NW"),
    ],
)
def test_street_names_normalise_to_usps_abbreviations(raw: str, expected: str) -> None:
    assert normalise_street(raw).full == expected


def test_mistyped_suffix_is_recognised_only_for_customer_input() -> None:
    assert normalise_street("Wolfe Streeet", fuzzy_suffix=True).full == "WOLFE ST"
    assert normalise_street("Wolfe Streeet").core == "WOLFE STREEET"


def test_parse_splits_number_street_unit_city_state_zip() -> None:
    p = parse_address("2120 East Fairmount Avenue Apartment 3, Baltimore, MD 21231")
    assert p.ok
    assert (p.house_number, p.street.full, p.unit_type, p.unit) == (
        "2120",
        "E FAIRMOUNT AVE",
        "APT",
        "3",
    )
    assert (p.city, p.state, p.zip) == ("BALTIMORE", "MD", "21231")
    assert p.normalised() == "2120 E FAIRMOUNT AVE APT 3, BALTIMORE, MD 21231"
    assert p.parts()["unit"] == "APT 3"


def test_hash_unit_and_suite_normalise() -> None:
    assert parse_address("123 Main St # 4B").unit == "4B"
    assert parse_address("123 Main St Suite 200").unit_type == "STE"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 400, "characters long"),
        ("東京都千代田区", "Latin"),
        ("asdf qwer", "no house number"),
        ("Fairmount Avenue", "no house number"),
        ("123", "no street"),
    ],
)
def test_bad_strings_are_invalid_with_a_reason(geocoder: Geocoder, raw: str, reason: str) -> None:
    result = geocoder.geocode(raw)
    assert result.status == "invalid"
    assert reason in result.reason
    assert geocoder.validate(raw).status is AddressStatus.INVALID


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=350))
def test_any_string_gives_a_result_never_an_exception(raw: str) -> None:
    result = Geocoder(fake_gazetteer()).geocode(raw)
    assert result.status in {"ok", "flagged", "invalid"}
    if result.status != "ok":
        assert result.reason


def test_correct_address_is_valid(geocoder: Geocoder) -> None:
    v = geocoder.validate("2120 E Fairmount Ave, Baltimore, MD 21231")
    assert v.status is AddressStatus.VALID
    assert v.corrected == "2120 E FAIRMOUNT AVE, BALTIMORE, MD 21231"


def test_misspelt_street_is_fixable_with_the_correction(geocoder: Geocoder) -> None:
    v = geocoder.validate("2120 E Fairmont Street, Baltimore, MD 21231")
    assert v.status is AddressStatus.FIXABLE
    assert v.corrected == "2120 E FAIRMOUNT AVE, BALTIMORE, MD 21231"
    assert any("FAIRMONT -> FAIRMOUNT" in r for r in v.reasons)


def test_wrong_zip_is_fixable_with_the_streets_zip(geocoder: Geocoder) -> None:
    v = geocoder.validate("2120 E Fairmount Ave, Baltimore, MD 21230")
    assert v.status is AddressStatus.FIXABLE
    assert v.corrected.endswith("21231")


def test_unknown_street_is_invalid_with_did_you_mean(geocoder: Geocoder) -> None:
    v = geocoder.validate("15 Ann Court, Baltimore, MD 21231")
    assert v.status in {AddressStatus.FIXABLE, AddressStatus.INVALID}
    v = geocoder.validate("15 Zzyzx Road, Baltimore")
    assert v.status is AddressStatus.INVALID
    assert "not in the gazetteer" in v.reasons[0]


def test_did_you_mean_suggests_close_streets(geocoder: Geocoder) -> None:
    v = geocoder.validate("10 Kay Hiway")
    assert v.status is AddressStatus.INVALID
    assert v.suggestions == ("10 KEY HWY",)


def test_implausible_house_number_is_invalid(geocoder: Geocoder) -> None:
    v = geocoder.validate("99999 S Ann St")
    assert v.status is AddressStatus.INVALID
    assert "implausible" in v.reasons[0]
    assert v.suggestions
