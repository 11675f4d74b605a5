"""The outbox survives a process killed (SIGKILL) between commit and webhook delivery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from lastmile.adapters.db.tables import events as events_table
from lastmile.adapters.relay import OutboxRelay
from lastmile.adapters.webhook_store import SqlWebhookStore
from lastmile.adapters.webhooks import RetryPolicy, Subscription, WebhookDispatcher
from lastmile.bootstrap import make_engine, make_uow_factory
from lastmile.tracking.signing import EVENT_ID_HEADER

SECRET = "kill-test-secret"
N_EVENTS = 25

CHILD = textwrap.dedent("""
    import sys, time, httpx
    from lastmile.bootstrap import make_engine, make_uow_factory
    from lastmile.domain import DomainEvent
    from lastmile.adapters.relay import OutboxRelay
    from lastmile.adapters.webhook_store import SqlWebhookStore
    from lastmile.adapters.webhooks import WebhookDispatcher

    url, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    engine = make_engine(url)
    uow_factory = make_uow_factory(engine)
    uow = uow_factory()
    with uow:
        for i in range(n):
            uow.outbox.add(DomainEvent("shipment.out_for_delivery", f"sh{i}", {"i": i}))
        uow.commit()
    if mode == "after_commit":
        print("COMMITTED", flush=True)
        time.sleep(600)

    def hang(request):
        print("SENDING", flush=True)
        time.sleep(600)

    client = httpx.Client(transport=httpx.MockTransport(hang))
    OutboxRelay(uow_factory, WebhookDispatcher(SqlWebhookStore(engine), client)).relay_once()
""")


@pytest.mark.parametrize("mode", ["after_commit", "mid_delivery"])
def test_killing_the_process_between_commit_and_relay_loses_no_event(
    tmp_path: Path, mode: str
) -> None:
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    engine = make_engine(url, migrate=True)
    store = SqlWebhookStore(engine)
    store.add_subscription(Subscription("shop", "https://shop.example/hooks", SECRET))

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, mode, str(N_EVENTS)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        assert line in {"COMMITTED", "SENDING"}, line
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(events_table)).scalar() == N_EVENTS

    received: Counter[str] = Counter()
    calls = 0

    def receiver(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls <= 3:
            return httpx.Response(500)
        received[request.headers[EVENT_ID_HEADER]] += 1
        return httpx.Response(204)

    client = httpx.Client(transport=httpx.MockTransport(receiver))
    dispatcher = WebhookDispatcher(store, client, RetryPolicy(base=timedelta(0)))
    relay = OutboxRelay(make_uow_factory(engine), dispatcher)
    for _ in range(5):
        relay.relay_once()

    with engine.connect() as conn:
        ids = set(conn.execute(select(events_table.c.event_id)).scalars())
        unrelayed = conn.execute(
            select(func.count())
            .select_from(events_table)
            .where(events_table.c.relayed_at.is_(None))
        ).scalar()
    assert set(received) == ids
    assert all(count == 1 for count in received.values())
    assert unrelayed == 0
