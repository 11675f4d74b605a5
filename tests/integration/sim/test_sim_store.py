"""The simulated day is stored through the unit of work, for ``demo --serve``."""

from __future__ import annotations

from pathlib import Path

from lastmile.domain import OrderStatus
from lastmile.sim.records import Budget
from lastmile.sim.scenario import ScenarioConfig
from lastmile.sim.session import run
from lastmile.sim.store import prepare, store_day


def test_a_stored_day_reads_back_with_its_orders_routes_and_stock(tmp_path: Path) -> None:
    prepare()
    session = run(
        ScenarioConfig(orders=25, vans=3, seed=5),
        with_compare=False,
        budget=Budget(wave_iterations=10, reopt_iterations=5),
    )
    url = store_day(session, folder=tmp_path)
    assert url.endswith("demo.db")

    from lastmile.bootstrap import make_engine, make_uow_factory

    factory = make_uow_factory(make_engine(url))
    with factory() as uow:
        stored = {o.order_id: o.status for o in uow.orders.list()}
        routes = uow.routes.list()
        levels = uow.stock.list()
    assert stored == {o.order_id: o.status for o in session.result.orders}
    assert len(routes) == len(session.result.routes)
    assert len(levels) == len(session.result.levels)
    assert OrderStatus.DELIVERED in stored.values()
