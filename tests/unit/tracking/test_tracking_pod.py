from __future__ import annotations

from datetime import timedelta

import pytest

from lastmile.domain import GeoPoint, InvalidValue, OrderStatus, ProofMethod, StopStatus
from lastmile.services.delivery import assign_proof, confirm_delivery, report_failed_attempt
from lastmile.tracking.pin import PinOutcome
from lastmile.tracking.pod import Confirmation, FailureReason, NotOnRoute, ProofRejected
from lastmile.tracking.risk import AreaHistory, area_key

from .world import T0, build, point

PHOTO = "ab" * 32


def confirm(w, **kw):  # type: ignore[no-untyped-def]
    args = dict(
        route_id="R0",
        stop_id="st00",
        shipment_id="sh00",
        driver_id="d0",
        device_id="dev-1",
        fix=point(0),
        at=T0 + timedelta(minutes=11),
        photo_sha256=PHOTO,
    )
    args.update(kw)
    return confirm_delivery(
        uow=w.uow, tracking=w.tracking, confirmation=Confirmation(**args), geofence_m=150.0
    )


def kinds(w) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.kind for e in w.uow.outbox.unrelayed(limit=1000)]


def test_a_confirmation_at_the_door_delivers_the_stop_and_its_orders() -> None:
    w = build()
    receipt = confirm(w)
    assert receipt.evidence_seq == 0 and not receipt.flagged
    with w.uow:
        assert w.uow.routes.get("R0").stops[0].status is StopStatus.DELIVERED
        assert w.uow.orders.get("o00").status is OrderStatus.DELIVERED
    assert "stop.delivered" in kinds(w) and "evidence.appended" in kinds(w)
    (record,) = w.tracking.evidence("R0")
    assert record.body["photo_sha256"] == PHOTO and record.body["device_id"] == "dev-1"


def test_a_confirmation_outside_the_geofence_is_refused_without_a_reason() -> None:
    w = build()
    far = GeoPoint(point(0).lat + 0.003, point(0).lon)  # about 330 m north
    with pytest.raises(InvalidValue, match="geofence 150 m"):
        confirm(w, fix=far)
    assert w.tracking.evidence("R0") == []
    with w.uow:
        assert w.uow.routes.get("R0").stops[0].status is StopStatus.PLANNED


def test_a_confirmation_outside_the_geofence_with_a_reason_is_flagged() -> None:
    w = build()
    far = GeoPoint(point(0).lat + 0.003, point(0).lon)
    receipt = confirm(w, fix=far, outside_reason="handed to concierge across the road")
    assert receipt.flagged and receipt.distance_m > 150
    assert "delivery.flagged" in kinds(w)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"driver_id": "d1"}, "not driver 'd1'"),
        ({"stop_id": "st10"}, "not on route 'R0'"),
        ({"shipment_id": "sh01"}, "not handed over at stop"),
        ({"route_id": "R9"}, "does not exist"),
    ],
)
def test_a_confirmation_for_a_stop_not_on_the_drivers_route_is_refused(
    change: dict[str, str], message: str
) -> None:
    w = build()
    with pytest.raises(NotOnRoute, match=message):
        confirm(w, **change)


def test_a_stop_cannot_be_confirmed_twice() -> None:
    w = build()
    confirm(w)
    with pytest.raises(NotOnRoute, match="already delivered"):
        confirm(w)


def test_a_photo_delivery_needs_the_photo_hash() -> None:
    with pytest.raises(InvalidValue, match="photo"):
        confirm(build(), photo_sha256=None)


def _pin_world():  # type: ignore[no-untyped-def]
    w = build()
    histories = {area_key(point(0)): AreaHistory(deliveries=100, thefts=10)}
    (assignment,) = assign_proof(
        uow=w.uow, tracking=w.tracking, shipment_ids=["sh00"], histories=histories
    )
    assert assignment.method is ProofMethod.PIN and assignment.pin
    return w, assignment.pin


def test_the_right_pin_delivers() -> None:
    w, pin = _pin_world()
    assert confirm(w, pin=pin, photo_sha256=None).evidence_seq == 0
    assert w.tracking.evidence("R0")[0].body["pin_verified"] is True


def test_a_pin_brute_force_is_locked_out_after_5_failures() -> None:
    w, pin = _pin_world()
    wrong = "000000" if pin != "000000" else "111111"
    at = T0
    outcomes = []
    for _ in range(5):
        at += timedelta(minutes=5)  # wait out the rate limit every time
        with pytest.raises(ProofRejected) as err:
            confirm(w, pin=wrong, photo_sha256=None, at=at)
        outcomes.append(err.value.outcome)
    assert outcomes == ["wrong"] * 4 + ["locked"]
    # Even the right PIN is refused now, and nothing was delivered.
    with pytest.raises(ProofRejected) as err:
        confirm(w, pin=pin, photo_sha256=None, at=at + timedelta(hours=1))
    assert err.value.outcome == PinOutcome.LOCKED.value
    assert w.tracking.evidence("R0") == []
    assert w.tracking.pin("sh00").locked  # type: ignore[union-attr]


def test_pin_attempts_in_quick_succession_are_refused_unchecked() -> None:
    w, pin = _pin_world()
    with pytest.raises(ProofRejected):
        confirm(w, pin="999999" if pin != "999999" else "888888", photo_sha256=None)
    with pytest.raises(ProofRejected) as err:
        confirm(w, pin=pin, photo_sha256=None, at=T0 + timedelta(minutes=11, seconds=1))
    assert err.value.outcome == PinOutcome.TOO_SOON.value
    assert w.tracking.pin("sh00").failures == 1  # type: ignore[union-attr]


def test_a_failed_attempt_when_nobody_is_home_creates_a_redelivery() -> None:
    w = build()
    outcome = report_failed_attempt(
        uow=w.uow,
        tracking=w.tracking,
        route_id="R0",
        stop_id="st00",
        shipment_id="sh00",
        driver_id="d0",
        device_id="dev",
        reason=FailureReason.NOBODY_HOME,
        fix=point(0),
        at=T0,
    )
    assert outcome is OrderStatus.REDELIVERY
    with w.uow:
        assert w.uow.orders.get("o00").status is OrderStatus.REDELIVERY
        assert w.uow.orders.get("o00").status_reason == "nobody_home"
    assert w.tracking.evidence("R0")[0].body["reason"] == "nobody_home"


def test_a_refused_parcel_is_returned() -> None:
    w = build()
    outcome = report_failed_attempt(
        uow=w.uow,
        tracking=w.tracking,
        route_id="R0",
        stop_id="st00",
        shipment_id="sh00",
        driver_id="d0",
        device_id="dev",
        reason=FailureReason.REFUSED,
        fix=point(0),
        at=T0,
    )
    assert outcome is OrderStatus.RETURNED


def test_a_failed_attempt_on_another_drivers_route_is_refused() -> None:
    w = build()
    with pytest.raises(NotOnRoute):
        report_failed_attempt(
            uow=w.uow,
            tracking=w.tracking,
            route_id="R1",
            stop_id="st10",
            shipment_id="sh10",
            driver_id="d0",
            device_id="dev",
            reason=FailureReason.NOBODY_HOME,
            fix=point(0, 1),
            at=T0,
        )
