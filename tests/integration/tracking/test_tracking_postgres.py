"""Proof of delivery on a real PostgreSQL server: PIN lockout under concurrent attempts."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from lastmile.adapters.db.local_postgres import LocalPostgres
from lastmile.adapters.tracking_store import SqlTrackingRepository
from lastmile.bootstrap import make_uow_factory
from lastmile.domain import ProofMethod
from lastmile.services.delivery import assign_proof, confirm_delivery
from lastmile.services.tracking import verify_evidence
from lastmile.tracking.pin import PinPolicy
from lastmile.tracking.pod import Confirmation, ProofRejected
from lastmile.tracking.risk import AreaHistory

from .sql_world import T0, point, seed

pytestmark = pytest.mark.postgres


def test_concurrent_wrong_pins_on_postgres_lock_after_exactly_five_failures(
    tmp_path: Path, postgres_server: LocalPostgres
) -> None:
    url = postgres_server.create_database(f"pin_{uuid.uuid4().hex[:8]}")
    engine, uow, tracking = seed(tmp_path, url=url)
    (assigned,) = assign_proof(
        uow=uow,
        tracking=tracking,
        shipment_ids=["sh0"],
        histories={"x": AreaHistory()},
        preferences={"sh0": ProofMethod.PIN},
    )
    assert assigned.pin is not None
    wrong = "0" * 6 if assigned.pin != "0" * 6 else "1" * 6
    factory = make_uow_factory(engine)
    no_wait = PinPolicy(base_wait=timedelta(0))

    def attempt(k: int) -> str:
        own = factory()
        try:
            confirm_delivery(
                uow=own,
                tracking=SqlTrackingRepository(lambda: own.session),
                geofence_m=150,
                pin_policy=no_wait,
                confirmation=Confirmation(
                    route_id="R1",
                    stop_id="st0",
                    shipment_id="sh0",
                    driver_id="d1",
                    device_id=f"dev{k}",
                    fix=point(0),
                    at=T0,
                    pin=wrong,
                ),
            )
        except ProofRejected as err:
            return err.outcome
        return "accepted"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(12)))
    assert outcomes.count("wrong") == 4 and outcomes.count("accepted") == 0
    assert outcomes.count("locked") == 8
    with uow:
        state = tracking.pin("sh0")
    assert state is not None and state.locked and state.failures == 5
    assert verify_evidence(uow=uow, tracking=tracking) == {}
    engine.dispose()
