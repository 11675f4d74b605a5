"""The snapshot holds today's and tomorrow's routes, read without the days before."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from lastmile.domain import Route
from lastmile.promise import PromisePolicy
from lastmile.services.fakes import FakeRouteRepository, FakeUnitOfWork
from lastmile.services.promise import read_snapshot

from .builders import route_east, van, warehouse

TOKYO = ZoneInfo("Asia/Tokyo")  # east of UTC: its day begins on the UTC day before


def test_the_snapshot_cuts_at_the_local_day_not_the_utc_one(monkeypatch: Any) -> None:
    now = datetime(2026, 11, 30, 10, 0, tzinfo=TOKYO)
    uow = FakeUnitOfWork()
    with uow:
        uow.warehouses.add(warehouse())
        for rid, start in (
            ("R-early", datetime(2026, 11, 30, 0, 30, tzinfo=TOKYO)),  # 15:30 UTC the day before
            ("R-yesterday", datetime(2026, 11, 29, 12, 0, tzinfo=TOKYO)),
            ("R-tomorrow", datetime(2026, 12, 1, 9, 0, tzinfo=TOKYO)),
        ):
            planned = route_east(rid, start=start)
            uow.vehicles.add(planned.vehicle)
            uow.routes.add(planned.route)
        uow.vehicles.add(van("V-empty", day=now.date()))
        uow.routes.add(Route("R-empty", "V-empty", "W1"))
        uow.commit()
    before = FakeRouteRepository.list
    asked: list[object] = []

    def spy(self: FakeRouteRepository, **kwargs: Any) -> list[Route]:
        asked.append(kwargs.get("since"))
        return before(self, **kwargs)

    monkeypatch.setattr(FakeRouteRepository, "list", spy)
    snapshot = read_snapshot(uow=uow, now=now, policy=PromisePolicy(timezone="Asia/Tokyo"))
    by_day = {day: sorted(plan.route_ids) for day, plan in snapshot.plans.items()}
    today, tomorrow = now.date(), now.date() + timedelta(days=1)
    assert by_day == {today: ["R-early", "R-empty"], tomorrow: ["R-tomorrow"]}
    assert asked == [now.replace(hour=0, minute=0)], "the days before stay in storage"
