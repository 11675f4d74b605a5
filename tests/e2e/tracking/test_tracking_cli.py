from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, update
from typer.testing import CliRunner

from lastmile.adapters.db.tables_tracking import evidence_records
from lastmile.cli.main import app
from lastmile.services.delivery import confirm_delivery
from lastmile.tracking.pod import Confirmation
from tests.integration.tracking.sql_world import T0, point, seed

runner = CliRunner()


def _deliver_all(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine, uow, tracking = seed(tmp_path)
    for i in range(3):
        confirm_delivery(
            uow=uow,
            tracking=tracking,
            geofence_m=150,
            confirmation=Confirmation(
                route_id="R1",
                stop_id=f"st{i}",
                shipment_id=f"sh{i}",
                driver_id="d1",
                device_id="dev",
                fix=point(i),
                at=T0 + timedelta(minutes=10 * (i + 1)),
                photo_sha256=f"{i:064x}",
            ),
        )
    return engine, f"sqlite:///{tmp_path / 'tracking.db'}"


def test_verify_evidence_passes_an_untouched_database(tmp_path: Path) -> None:
    _, url = _deliver_all(tmp_path)
    result = runner.invoke(app, ["verify-evidence", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "1 chains intact" in result.output


def test_verify_evidence_detects_one_altered_record(tmp_path: Path) -> None:
    engine, url = _deliver_all(tmp_path)
    with engine.begin() as conn:
        row = conn.execute(evidence_records.select().where(evidence_records.c.seq == 1)).first()
        assert row is not None
        body = dict(row._mapping["body"])
        body["lat"] = body["lat"] + 0.001  # move the delivery 100 m
        conn.execute(update(evidence_records).where(evidence_records.c.seq == 1).values(body=body))
    result = runner.invoke(app, ["verify-evidence", "--database-url", url])
    assert result.exit_code == 1
    assert "TAMPERED" in result.output and "#1" in result.output


def test_verify_evidence_detects_a_deleted_record(tmp_path: Path) -> None:
    engine, url = _deliver_all(tmp_path)
    with engine.begin() as conn:
        conn.execute(delete(evidence_records).where(evidence_records.c.seq == 2))
    result = runner.invoke(app, ["verify-evidence", "--database-url", url])
    assert result.exit_code == 1
    assert "deleted" in result.output


def test_add_webhook_then_relay_once_queues_every_event_and_records_the_failure(
    tmp_path: Path,
) -> None:
    from lastmile.adapters.webhook_store import SqlWebhookStore

    engine, url = _deliver_all(tmp_path)
    # Nothing listens on port 9 of this host: every POST fails and is scheduled again.
    result = runner.invoke(
        app, ["add-webhook", "http://127.0.0.1:9/hooks", "--kind", "stop.", "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    assert "secret" in result.output
    result = runner.invoke(app, ["relay", "--once", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "relayed" in result.output
    deliveries = SqlWebhookStore(engine).all()
    assert len(deliveries) == 3  # the three stop.delivered events, nothing else
    assert all(d.attempts == 1 and d.last_error for d in deliveries)


def test_promise_lists_the_options_and_why_others_are_missing(tmp_path: Path) -> None:
    from lastmile.domain import StockLevel

    _, uow, _ = seed(tmp_path)
    with uow:
        uow.stock.add(StockLevel("SKU1", "W1", on_hand=5))
        uow.commit()
    url = f"sqlite:///{tmp_path / 'tracking.db'}"
    result = runner.invoke(
        app,
        [
            "promise",
            "--lat",
            "39.291",
            "--lon",
            "-76.60",
            "--item",
            "SKU1:2",
            "--at",
            "2026-11-30T13:00-05:00",
            "--database-url",
            url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "next_day" in result.output
    assert "no same_day" in result.output and "cut-off" in result.output


def test_promise_refuses_a_malformed_item(tmp_path: Path) -> None:
    seed(tmp_path)
    url = f"sqlite:///{tmp_path / 'tracking.db'}"
    result = runner.invoke(
        app,
        ["promise", "--lat", "39.29", "--lon", "-76.6", "--item", "SKU1", "--database-url", url],
    )
    assert result.exit_code == 2
    assert "SKU:QUANTITY" in result.output
