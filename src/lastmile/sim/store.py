"""Store a simulated day in the database through the unit of work, for the dashboard."""

from __future__ import annotations

from pathlib import Path

from lastmile.domain import Route, Stop, StopStatus
from lastmile.sim.records import DayResult, RouteRun
from lastmile.sim.session import Session


def _route(run: RouteRun, result: DayResult) -> Route:
    sc = result.scenario
    points = {}
    stops: list[Stop] = []
    for k, s in enumerate(run.stops):
        point = s.shipment.address.point
        assert point is not None
        points[k] = point
        status = (
            StopStatus.DELIVERED
            if s.delivered
            else StopStatus.FAILED
            if s.failed
            else StopStatus.SKIPPED
            if s.dropped_reason
            else StopStatus.PLANNED
        )
        arrival = sc.at(s.arrival_s if s.arrival_s is not None else s.eta_s)
        departure = sc.at(s.departure_s if s.departure_s is not None else s.eta_s + s.service_s)
        stops.append(
            Stop(
                f"{run.route_id}-{k + 1:03d}",
                point,
                [s.shipment.shipment_id],
                arrival,
                departure,
                load_kg=s.shipment.weight_kg,
                status=status,
            )
        )
    vans = {v.vehicle_id: v for v in sc.vehicles}
    km = run.distance_m / 1000.0
    end = run.end_s if run.end_s is not None else run.clock_s
    van = vans[run.vehicle_id]
    return Route(
        run.route_id,
        run.vehicle_id,
        run.depot_id,
        stops,
        run.distance_m,
        end - run.depart_s,
        van.fixed_cost + van.cost_per_km * km + van.cost_per_hour * (end - run.depart_s) / 3600.0,
        van.co2_g_per_km * km / 1000.0,
    )


def prepare() -> None:
    """Map the domain to tables before a day is simulated, so the day can be stored."""
    from lastmile.adapters.db.mapping import start_mappers

    start_mappers()


def store_day(
    session: Session,
    url: str | None = None,
    *,
    folder: Path = Path("var/demo"),
) -> str:
    """Write warehouses, SKUs, stock ledgers, orders, shipments, vans and routes; return the URL.

    A fresh SQLite file in ``folder`` unless ``url`` names another database.
    """
    from lastmile.bootstrap import make_engine, make_uow_factory

    if url is None:
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / "demo.db"
        db.unlink(missing_ok=True)
        url = f"sqlite:///{db}"
    engine = make_engine(url, migrate=True)
    factory = make_uow_factory(engine)
    result = session.result
    sc = result.scenario
    # The day must have been simulated after ``start_mappers()`` (see ``prepare``), so its
    # domain objects are the mapped classes the unit of work can store.
    with factory() as uow:
        for w in sc.warehouses:
            uow.warehouses.add(w)
        for sku in sc.skus:
            uow.skus.add(sku)
        for v in sc.vehicles:
            uow.vehicles.add(v)
        for level in result.levels.values():
            uow.stock.add(level)
        uow.commit()
    with factory() as uow:
        for order in result.orders:
            uow.orders.add(order)
        for run in result.routes:
            for s in run.stops:
                uow.shipments.add(s.shipment)
            uow.routes.add(_route(run, result))
        uow.commit()
    return url
