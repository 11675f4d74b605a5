"""Building a ``RoutingProblem`` from domain objects, and turning a plan back into Routes.

Shipments to the same building from the same warehouse with the same window become one
stop whose service time grows per parcel, not per shipment. Demands are integers: grams,
millilitres and parcels. Each warehouse is a depot; a shipment can only ride a van based
at its warehouse, which the problem expresses as a skill (``@depot:<id>``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from lastmile.domain.errors import InvalidValue
from lastmile.domain.fleet import Vehicle
from lastmile.domain.geo import GeoPoint
from lastmile.domain.route import Route, Stop
from lastmile.domain.shipment import Shipment
from lastmile.domain.warehouse import Warehouse
from lastmile.geo.travel import TravelTimeSource
from lastmile.routing.problem import Depot, RoutingProblem, Stops, VehicleSpec
from lastmile.routing.schedule import RouteSchedule

DIMENSIONS = ("weight_g", "volume_ml", "parcels")


@dataclass(frozen=True)
class ServiceModel:
    """How long a stop takes: a fixed part per stop plus a part per parcel."""

    per_stop_s: float = 60.0
    per_parcel_s: float = 20.0

    def __post_init__(self) -> None:
        if self.per_stop_s < 0 or self.per_parcel_s < 0:
            raise InvalidValue("service", "times must be >= 0.")

    def seconds(self, parcels: int) -> float:
        """Return the service time of a stop with ``parcels`` parcels."""
        return self.per_stop_s + self.per_parcel_s * max(parcels, 1)


@dataclass(frozen=True)
class StopIndex:
    """What each problem stop stands for: the shipments merged into it and where it is."""

    shipment_ids: tuple[tuple[str, ...], ...]
    points: tuple[GeoPoint, ...]
    depot_points: tuple[GeoPoint, ...]
    vehicle_ids: tuple[str, ...]
    parcels: tuple[int, ...]
    #: Shipments left out before building (no coordinates), with the reason.
    rejected: dict[str, str] = field(default_factory=dict)


def _location(w: Warehouse) -> GeoPoint:
    if w.location is None:
        raise InvalidValue("location", f"warehouse {w.warehouse_id!r} has no coordinates")
    return w.location


def _seconds(moment: datetime, epoch: datetime) -> float:
    return (moment - epoch).total_seconds()


def _depot_skill(warehouse_id: str) -> str:
    return f"@depot:{warehouse_id}"


def build_problem(
    *,
    shipments: Sequence[Shipment],
    vehicles: Sequence[Vehicle],
    warehouses: Sequence[Warehouse],
    travel: TravelTimeSource,
    depart_at: datetime,
    service: ServiceModel | None = None,
    required_skills: Mapping[str, frozenset[str]] | None = None,
    merge: bool = True,
    max_trips: int = 1,
    unserved_penalty: float = 10_000.0,
) -> tuple[RoutingProblem, StopIndex]:
    """Build the routing problem for one dispatch.

    Parameters
    ----------
    shipments, vehicles, warehouses
        What to deliver, with what, from where.
    travel
        Travel-time source; asked once for the matrix at ``depart_at``.
    depart_at
        Time zero of the problem (times are seconds from it).
    service
        Service time model (default 60 s per stop + 20 s per parcel).
    required_skills
        Skills a shipment needs (shipment id -> e.g. ``{"refrigerated"}``).
    merge
        Merge shipments to the same building, warehouse and window into one stop.
    max_trips
        Trips per van (reloading at its depot in between).
    unserved_penalty
        Cost of leaving a stop unserved; high, so a stop is dropped only when no van
        can take it.
    """
    if not vehicles:
        raise InvalidValue("fleet", "is empty: at least one vehicle is needed.")
    service = service or ServiceModel()
    skills_of = required_skills or {}
    wh_by_id = {w.warehouse_id: w for w in warehouses}
    depot_ids: list[str] = []
    for v in vehicles:
        for wid in (v.depot_id, v.end_depot_id or v.depot_id):
            if wid not in wh_by_id:
                raise InvalidValue(
                    "depot_id", f"vehicle {v.vehicle_id!r}: unknown warehouse {wid!r}"
                )
            if wh_by_id[wid].location is None:
                raise InvalidValue("location", f"warehouse {wid!r} has no coordinates")
            if wid not in depot_ids:
                depot_ids.append(wid)
    rejected: dict[str, str] = {}
    groups: dict[tuple[str, ...], list[Shipment]] = {}
    for s in shipments:
        point = s.address.point
        if point is None:
            rejected[s.shipment_id] = "address has no geocode: cannot be routed"
            continue
        home = wh_by_id.get(s.warehouse_id)
        if s.warehouse_id not in depot_ids and home is not None and home.location is not None:
            depot_ids.append(s.warehouse_id)
        win = (s.window.start.isoformat(), s.window.end.isoformat()) if s.window else ("", "")
        sk = ",".join(sorted(skills_of.get(s.shipment_id, frozenset())))
        key = (s.warehouse_id, s.address.building_key(), *win, sk) if merge else (s.shipment_id,)
        groups.setdefault(key, []).append(s)
    multi_depot = len(depot_ids) > 1
    depots = tuple(Depot(depot_id=w, location=k) for k, w in enumerate(depot_ids))
    depot_index = {w: k for k, w in enumerate(depot_ids)}
    shift_end = max(_seconds(v.shift.end, depart_at) for v in vehicles)
    ids: list[str] = []
    demand: list[list[int]] = []
    service_s: list[float] = []
    windows: list[tuple[tuple[float, float], ...]] = []
    skills: list[frozenset[str]] = []
    members: list[tuple[str, ...]] = []
    points: list[GeoPoint] = []
    parcels: list[int] = []
    for grp in groups.values():
        first = grp[0]
        n_parcels = sum(max(1, len(s.parcels)) for s in grp)
        weight = sum(s.weight_kg for s in grp)
        volume = sum(s.volume_l for s in grp)
        ids.append(first.shipment_id if len(grp) == 1 else f"{first.shipment_id}+{len(grp) - 1}")
        demand.append([math.ceil(weight * 1000), math.ceil(volume * 1000), n_parcels])
        service_s.append(service.seconds(n_parcels))
        if first.window is not None:
            windows.append(
                ((_seconds(first.window.start, depart_at), _seconds(first.window.end, depart_at)),)
            )
        else:
            windows.append(((0.0, shift_end),))
        need = set(skills_of.get(first.shipment_id, frozenset()))
        if multi_depot:
            need.add(_depot_skill(first.warehouse_id))
        skills.append(frozenset(need))
        members.append(tuple(s.shipment_id for s in grp))
        assert first.address.point is not None
        points.append(first.address.point)
        parcels.append(n_parcels)
    fleet = []
    for v in vehicles:
        sh = v.shift
        brk = (
            (_seconds(sh.break_earliest, depart_at), _seconds(sh.break_latest, depart_at))
            if sh.break_earliest is not None
            and sh.break_latest is not None
            and sh.break_duration > timedelta(0)
            else None
        )
        own = set(v.skills)
        if multi_depot:
            own.add(_depot_skill(v.depot_id))
        fleet.append(
            VehicleSpec(
                name=v.vehicle_id,
                capacity=(
                    math.floor(v.capacity.weight_kg * 1000),
                    math.floor(v.capacity.volume_l * 1000),
                    int(v.capacity.parcels),
                ),
                start_depot=depot_index[v.depot_id],
                end_depot=depot_index[v.end_depot_id or v.depot_id],
                shift_start_s=max(0.0, _seconds(sh.start, depart_at)),
                shift_end_s=_seconds(sh.end, depart_at),
                max_distance_m=v.max_distance_km * 1000 if v.max_distance_km else None,
                fixed_cost=v.fixed_cost,
                cost_per_m=v.cost_per_km / 1000,
                cost_per_s=v.cost_per_hour / 3600,
                co2_g_per_m=v.co2_g_per_km / 1000,
                skills=frozenset(own),
                break_window=brk,
                break_s=sh.break_duration.total_seconds() if brk else 0.0,
                max_trips=max_trips,
            )
        )
    depot_points = tuple(_location(wh_by_id[w]) for w in depot_ids)
    matrix = travel.matrix([*depot_points, *points], depart_at=depart_at)
    coords = np.array([[p.lon, p.lat] for p in (*depot_points, *points)], dtype=np.float64)
    problem = RoutingProblem(
        depots=depots,
        stops=Stops.build(
            ids,
            np.asarray(demand, dtype=np.int64).reshape(len(ids), len(DIMENSIONS)),
            service_s=service_s,
            windows=windows,
            skills=skills,
            required=[False] * len(ids),
            penalty=[unserved_penalty] * len(ids),
        ),
        fleet=tuple(fleet),
        durations_s=matrix.durations_s,
        distances_m=matrix.distances_m,
        epoch=depart_at,
        dimension_names=DIMENSIONS,
        coords=coords,
    )
    index = StopIndex(
        shipment_ids=tuple(members),
        points=tuple(points),
        depot_points=depot_points,
        vehicle_ids=tuple(v.vehicle_id for v in vehicles),
        parcels=tuple(parcels),
        rejected=rejected,
    )
    return problem, index


def to_domain_routes(
    problem: RoutingProblem,
    index: StopIndex,
    schedules: Sequence[RouteSchedule],
    *,
    route_prefix: str = "R",
) -> list[Route]:
    """Turn timed routes into domain ``Route``s with per-stop times, load and cost."""
    epoch = problem.epoch or datetime(1970, 1, 1).astimezone()
    routes: list[Route] = []
    for k, sched in enumerate(schedules):
        spec = problem.fleet[sched.route.vehicle]
        stops: list[Stop] = []
        prev_loc = problem.depots[spec.start_depot].location
        prev_t = sched.depart
        for vt in sched.visits:
            if vt.visit < 0:
                prev_loc = problem.depots[-vt.visit - 1].location
                prev_t = vt.departure
                continue
            loc = problem.location_of_stop(vt.visit)
            leg = float(problem.distances_m[prev_loc, loc])
            cost = spec.cost_per_m * leg + spec.cost_per_s * (vt.departure - prev_t)
            stops.append(
                Stop(
                    stop_id=problem.stops.ids[vt.visit],
                    location=index.points[vt.visit],
                    shipment_ids=list(index.shipment_ids[vt.visit]),
                    arrival=epoch + timedelta(seconds=vt.arrival),
                    departure=epoch + timedelta(seconds=vt.departure),
                    waiting_s=vt.waiting,
                    load_kg=vt.load[0] / 1000 if vt.load else 0.0,
                    cost=round(cost, 4),
                )
            )
            prev_loc, prev_t = loc, vt.departure
        routes.append(
            Route(
                route_id=f"{route_prefix}{k + 1}-{spec.name}",
                vehicle_id=spec.name,
                depot_id=problem.depots[spec.start_depot].depot_id,
                stops=stops,
                distance_m=sched.distance,
                duration_s=sched.duration,
                cost=round(sched.cost, 4),
                co2_kg=sched.co2_g / 1000,
            )
        )
    return routes
