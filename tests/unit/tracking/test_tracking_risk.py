from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lastmile.domain import GeoPoint, ProofMethod
from lastmile.tracking.risk import AreaHistory, area_key, choose_method, risk_score

HOME = GeoPoint(39.29, -76.6)
QUIET = {area_key(HOME): AreaHistory(deliveries=500, thefts=0)}
ROUGH = {area_key(HOME): AreaHistory(deliveries=200, thefts=12)}


def test_a_cheap_parcel_in_a_quiet_area_is_left_with_a_photo() -> None:
    assert choose_method(point=HOME, parcel_value=20, histories=QUIET)[0] is ProofMethod.PHOTO


def test_a_theft_prone_area_asks_for_a_pin_or_signature() -> None:
    method, score = choose_method(point=HOME, parcel_value=60, histories=ROUGH)
    assert method in (ProofMethod.PIN, ProofMethod.SIGNATURE) and score > 0.35


def test_a_valuable_parcel_needs_a_signature() -> None:
    assert choose_method(point=HOME, parcel_value=900, histories=QUIET)[0] is ProofMethod.SIGNATURE


def test_a_locker_preference_is_always_honoured_and_a_weaker_one_is_not() -> None:
    assert (
        choose_method(point=HOME, parcel_value=900, histories=ROUGH, preference=ProofMethod.LOCKER)[
            0
        ]
        is ProofMethod.LOCKER
    )
    assert (
        choose_method(point=HOME, parcel_value=900, histories=ROUGH, preference=ProofMethod.PHOTO)[
            0
        ]
        is ProofMethod.SIGNATURE
    )


def test_one_theft_in_a_quiet_cell_does_not_mark_it_dangerous() -> None:
    assert risk_score(AreaHistory(deliveries=1, thefts=1), 20) < 0.35


@given(value=st.floats(0, 10_000), thefts=st.integers(0, 50), extra=st.floats(0, 1000))
def test_risk_grows_with_value_and_stays_in_unit_range(
    value: float, thefts: int, extra: float
) -> None:
    h = AreaHistory(deliveries=100, thefts=thefts)
    low, high = risk_score(h, value), risk_score(h, value + extra)
    assert 0 <= low <= high <= 1
