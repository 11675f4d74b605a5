"""A stop where several shipments are handed over: each is settled on its own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lastmile.domain import IllegalTransition, OrderStatus, ProofMethod, StopStatus
from lastmile.services.delivery import report_failed_attempt
from lastmile.tracking.pod import FailureReason, NotOnRoute

from .test_tracking_pod import confirm
from .world import T0, World, build, point


def one_stop_two_shipments() -> World:
    """Route R0's first stop hands over sh00 (photo) and sh01 (signature) at one door."""
    w = build(methods={"sh01": ProofMethod.SIGNATURE})
    with w.uow:
        route = w.uow.routes.get("R0")
        assert route is not None
        route.stops[0].shipment_ids.append("sh01")
        del route.stops[1]
        second, first = w.uow.shipments.get("sh01"), w.uow.shipments.get("sh00")
        assert second is not None and first is not None
        second.address = first.address
        w.uow.commit()
    return w


def stop_status(w: World) -> StopStatus:
    with w.uow:
        route = w.uow.routes.get("R0")
        assert route is not None
        return route.stops[0].status


def fail(w: World, shipment_id: str) -> OrderStatus:
    return report_failed_attempt(
        uow=w.uow,
        tracking=w.tracking,
        route_id="R0",
        stop_id="st00",
        shipment_id=shipment_id,
        driver_id="d0",
        device_id="dev",
        reason=FailureReason.NOBODY_HOME,
        fix=point(0),
        at=T0 + timedelta(minutes=12),
    )


def test_each_shipment_of_a_stop_is_confirmed_with_its_own_proof() -> None:
    w = one_stop_two_shipments()
    confirm(w, shipment_id="sh00")
    assert stop_status(w) is StopStatus.ARRIVED
    confirm(w, shipment_id="sh01", photo_sha256=None, signature="J. Doe")
    assert stop_status(w) is StopStatus.DELIVERED
    with w.uow:
        assert w.uow.orders.get("o00").status is OrderStatus.DELIVERED  # type: ignore[union-attr]
        assert w.uow.orders.get("o01").status is OrderStatus.DELIVERED  # type: ignore[union-attr]
    bodies = [r.body for r in w.tracking.evidence("R0")]
    assert [(b["shipment_id"], b["method"]) for b in bodies] == [
        ("sh00", "photo"),
        ("sh01", "signature"),
    ]


def test_a_shipment_cannot_be_confirmed_twice_while_its_stop_is_open() -> None:
    w = one_stop_two_shipments()
    confirm(w, shipment_id="sh00")
    with pytest.raises(IllegalTransition, match="'sh00' at stop 'st00' cannot go from 'delivered'"):
        confirm(w, shipment_id="sh00")
    with pytest.raises(IllegalTransition, match="from 'delivered' to 'failed'"):
        fail(w, "sh00")


def test_a_stop_with_one_delivered_and_one_failed_shipment_is_delivered() -> None:
    w = one_stop_two_shipments()
    assert fail(w, "sh01") is OrderStatus.REDELIVERY
    assert stop_status(w) is StopStatus.ARRIVED
    confirm(w, shipment_id="sh00")
    assert stop_status(w) is StopStatus.DELIVERED


def test_a_stop_whose_shipments_all_failed_is_failed() -> None:
    w = one_stop_two_shipments()
    fail(w, "sh00")
    fail(w, "sh01")
    assert stop_status(w) is StopStatus.FAILED
    with pytest.raises(NotOnRoute, match="already failed"):
        confirm(w, shipment_id="sh00")
