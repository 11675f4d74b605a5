from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lastmile.adapters.db.tables import events
from lastmile.domain import OrderStatus, ProofMethod, StopStatus
from lastmile.services.delivery import assign_proof, confirm_delivery
from lastmile.services.tracking import track, verify_evidence
from lastmile.tracking.pod import Confirmation, NotOnRoute, ProofRejected
from lastmile.tracking.risk import AreaHistory, area_key

from .sql_world import T0, point, seed


def confirmation(i: int, **kw: object) -> Confirmation:
    args: dict[str, object] = dict(
        route_id="R1",
        stop_id=f"st{i}",
        shipment_id=f"sh{i}",
        driver_id="d1",
        device_id="dev",
        fix=point(i),
        at=T0 + timedelta(minutes=10 * (i + 1)),
        photo_sha256=f"{i:064x}",
    )
    args.update(kw)
    return Confirmation(**args)  # type: ignore[arg-type]


def test_a_confirmed_delivery_commits_stop_orders_evidence_and_events_together(
    tmp_path: Path,
) -> None:
    engine, uow, tracking = seed(tmp_path)
    for i in range(3):
        confirm_delivery(uow=uow, tracking=tracking, confirmation=confirmation(i), geofence_m=150)
    with uow:
        assert all(s.status is StopStatus.DELIVERED for s in uow.routes.get("R1").stops)  # type: ignore[union-attr]
        assert uow.orders.get("o2").status is OrderStatus.DELIVERED  # type: ignore[union-attr]
    assert verify_evidence(uow=uow, tracking=tracking) == {"R1": []}
    with engine.connect() as conn:
        kinds = list(conn.execute(select(events.c.kind)).scalars())
    assert kinds.count("stop.delivered") == 3 and kinds.count("evidence.appended") == 3


def test_a_refused_confirmation_stores_nothing(tmp_path: Path) -> None:
    engine, uow, tracking = seed(tmp_path)
    with pytest.raises(NotOnRoute):
        confirm_delivery(
            uow=uow,
            tracking=tracking,
            confirmation=confirmation(0, driver_id="intruder"),
            geofence_m=150,
        )
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar() == 0
    assert verify_evidence(uow=uow, tracking=tracking) == {}


def test_pin_failures_are_stored_even_though_the_delivery_is_refused(tmp_path: Path) -> None:
    _, uow, tracking = seed(tmp_path)
    rough = {area_key(point(0)): AreaHistory(deliveries=50, thefts=10)}
    (assigned,) = assign_proof(
        uow=uow,
        tracking=tracking,
        shipment_ids=["sh0"],
        histories=rough,
        preferences={"sh0": ProofMethod.PIN},
    )
    assert assigned.pin is not None
    wrong = "0" * 6 if assigned.pin != "0" * 6 else "1" * 6
    at = T0
    for _ in range(5):
        at += timedelta(minutes=10)
        with pytest.raises(ProofRejected):
            confirm_delivery(
                uow=uow,
                tracking=tracking,
                geofence_m=150,
                confirmation=confirmation(0, pin=wrong, photo_sha256=None, at=at),
            )
    with uow:
        state = tracking.pin("sh0")
    assert state is not None and state.locked and state.failures == 5
    with pytest.raises(ProofRejected, match="locked"):
        confirm_delivery(
            uow=uow,
            tracking=tracking,
            geofence_m=150,
            confirmation=confirmation(
                0, pin=assigned.pin, photo_sha256=None, at=at + timedelta(hours=1)
            ),
        )


def test_a_token_is_found_through_the_shipments_table(tmp_path: Path) -> None:
    _, uow, tracking = seed(tmp_path)
    with uow:
        token = uow.shipments.get("sh1").tracking_token  # type: ignore[union-attr]
    view = track(uow=uow, tracking=tracking, token=token, now=T0)
    assert view.stops_before == 1
