"""A house number whose digit-swap names another place far along the same street."""

from __future__ import annotations

import numpy as np

from lastmile.geo.gazetteer import Gazetteer
from lastmile.geo.geocoder import Geocoder
from lastmile.geo.osm import AddressPoint
from lastmile.geo.transposition import transpositions


def test_transpositions_swap_adjacent_different_digits_only() -> None:
    assert transpositions(2400) == [4200, 2040]
    assert transpositions(1111) == []
    assert transpositions(7) == []


def test_transpositions_never_start_with_a_zero() -> None:
    assert transpositions(1023) == [1203]


def test_swaps_within_the_same_hundred_block_are_not_counted() -> None:
    assert transpositions(2120) == [1220, 2210]
    assert transpositions(45) == []


def boston_street(zip_west: str, zip_east: str) -> Geocoder:
    """A 2 km street with a block of numbers at each end, 2400s west and 4200s east."""
    line = np.array([(39.28, -76.59), (39.28, -76.567)])
    points = []
    for base, lon, zip_code in ((2400, -76.589, zip_west), (4200, -76.568, zip_east)):
        for k in range(0, 20, 2):
            points.append(
                AddressPoint(
                    str(base + k),
                    "Boston Street",
                    "",
                    "Baltimore",
                    "MD",
                    zip_code,
                    39.2801,
                    lon + k * 0.00005,
                )
            )
    return Geocoder(Gazetteer({"Boston Street": ([line], {zip_west, zip_east})}, points))


def test_number_one_digit_swap_from_a_far_address_on_the_same_street_is_flagged() -> None:
    r = boston_street("21224", "21224").geocode("4200 Boston St, Baltimore, MD 21224")
    assert r.status == "flagged"
    assert "2400 BOSTON ST" in r.reason


def test_without_a_zip_the_swap_ambiguity_is_flagged_too() -> None:
    r = boston_street("21224", "21224").geocode("2400 Boston St, Baltimore, MD")
    assert r.status == "flagged"
    assert "4200 BOSTON ST" in r.reason


def test_a_typed_zip_that_rules_out_the_swapped_address_keeps_the_answer_confident() -> None:
    r = boston_street("21224", "21231").geocode("4200 Boston St, Baltimore, MD 21231")
    assert r.status == "ok"
    assert r.geocode is not None and r.geocode.confidence >= 0.9
