from __future__ import annotations

import json
from dataclasses import asdict
from datetime import timedelta

import pytest

from lastmile.domain import NotFound, StopStatus
from lastmile.services.tracking import track
from lastmile.tracking.view import TOKEN_BYTES, new_tracking_token

from .world import T0, build


def token_of(w, shipment_id: str) -> str:  # type: ignore[no-untyped-def]
    with w.uow:
        return w.uow.shipments.get(shipment_id).tracking_token


def test_tracking_tokens_carry_at_least_128_random_bits() -> None:
    tokens = {new_tracking_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert TOKEN_BYTES * 8 >= 128
    assert all(len(t) >= 32 for t in tokens)


def test_the_view_counts_the_stops_before_yours() -> None:
    w = build(stops=3)
    view = track(uow=w.uow, tracking=w.tracking, token=token_of(w, "sh02"), now=T0)
    assert view.stops_before == 2 and view.status == "scheduled"
    assert view.eta is not None
    assert view.eta.start <= T0 + timedelta(minutes=30) <= view.eta.end


def test_the_eta_follows_a_van_running_late() -> None:
    w = build(stops=3)
    token = token_of(w, "sh02")
    on_time = track(uow=w.uow, tracking=w.tracking, token=token, now=T0)
    # 40 minutes later the van has not reached the first stop (planned at +10 min).
    late = track(uow=w.uow, tracking=w.tracking, token=token, now=T0 + timedelta(minutes=40))
    assert on_time.eta is not None and late.eta is not None
    assert late.eta.start - on_time.eta.start == timedelta(minutes=30)


def test_the_view_updates_as_stops_are_completed() -> None:
    w = build(stops=3)
    with w.uow:
        w.uow.routes.get("R0").stops[0].mark(StopStatus.DELIVERED)
        w.uow.commit()
    view = track(uow=w.uow, tracking=w.tracking, token=token_of(w, "sh02"), now=T0)
    assert view.stops_before == 1 and view.status == "out_for_delivery"


def test_a_tracking_token_for_one_shipment_reveals_nothing_of_another() -> None:
    w = build(stops=3)
    view = track(uow=w.uow, tracking=w.tracking, token=token_of(w, "sh02"), now=T0)
    shown = json.dumps(asdict(view), default=str)
    with w.uow:
        others = [w.uow.shipments.get(s) for s in ("sh00", "sh01", "sh10", "sh11")]
        for other in others:
            assert other is not None
            for secret in (
                other.shipment_id,
                other.tracking_token,
                other.address.raw,
                other.order_ids[0],
                str(other.address.point.lat),
            ):  # type: ignore[union-attr]
                assert secret not in shown
        mine = w.uow.shipments.get("sh02")
    assert mine is not None and mine.address.raw not in shown  # not even one's own address
    assert "customer" not in shown


@pytest.mark.parametrize("token", ["", "x", "../../etc/passwd", "A" * 43, "sh02"])
def test_an_unknown_or_malformed_token_is_not_found(token: str) -> None:
    w = build()
    with pytest.raises(NotFound):
        track(uow=w.uow, tracking=w.tracking, token=token, now=T0)


def test_the_eta_is_retimed_from_the_vans_live_position() -> None:
    from lastmile.domain import GeoPoint
    from lastmile.geo.travel import HaversineTravelTimes

    w = build(stops=3)
    token = token_of(w, "sh02")
    travel = HaversineTravelTimes(warn=False)
    near = track(
        uow=w.uow,
        tracking=w.tracking,
        token=token,
        now=T0,
        travel=travel,
        positions={"V0": GeoPoint(39.29, -76.60)},
    )
    far = track(
        uow=w.uow,
        tracking=w.tracking,
        token=token,
        now=T0,
        travel=travel,
        positions={"V0": GeoPoint(39.40, -76.60)},
    )  # 12 km away
    assert near.eta is not None and far.eta is not None
    assert far.eta.start > near.eta.start + timedelta(minutes=15)
