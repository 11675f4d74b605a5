"""Promise latency: p50/p99 of a promise query against a day plan of 2,000 stops.

The day plan: three Baltimore warehouses, vans in a morning and an afternoon wave, stops
at real OSM address points (shared/data/addresses, jittered ~50 m so 2,000 stops can be
drawn from 1,326 points; uniform points in the city when the shared data is absent),
each van's stops a sweep sector ordered nearest-neighbour and timed with the travel
model. Queries: carts of 1-3 SKUs to random addresses at random times of the morning.

Compared in the same run: the engine with its KD-tree neighbourhood (48 nearest legs)
against the same engine searching every leg of the day (exhaustive insertion), for
latency and for agreement of the same-day answer.

    python -m benchmarks.promise            # 2,000 stops, 5,000 queries
    python -m benchmarks.promise --quick    # 2,000 stops, 500 queries
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import time as clock
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from benchmarks.common import SHARED, Target, print_summary, print_table, write_result
from lastmile.domain import (
    Address,
    Capacity,
    DeliveryOption,
    Geocode,
    GeocodeMethod,
    GeoPoint,
    OrderLine,
    Route,
    Shift,
    Stop,
    Vehicle,
    Warehouse,
)
from lastmile.promise import Cart, DayPlanIndex, PlannedRoute, PromiseEngine, TravelModel

TZ = ZoneInfo("America/New_York")
DAY = date(2026, 11, 30)
WAREHOUSES = [
    Warehouse("BAL-N", "Baltimore North", GeoPoint(39.335, -76.62), same_day_cutoff=time(13)),
    Warehouse("BAL-E", "Baltimore East", GeoPoint(39.30, -76.55), same_day_cutoff=time(13)),
    Warehouse("BAL-S", "Baltimore South", GeoPoint(39.265, -76.63), same_day_cutoff=time(13)),
]
N_SKUS = 200


def _points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, str]:
    path = SHARED / "data" / "addresses" / "baltimore_osm_addresses.csv"
    if path.is_file():
        with path.open() as fh:
            rows = [(float(r["lat"]), float(r["lon"])) for r in csv.DictReader(fh)]
        base = np.array(rows)[rng.integers(0, len(rows), n)]
        jitter = rng.normal(0, 0.0005, size=(n, 2))
        pts = base + jitter
        return pts[:, 0], pts[:, 1], "OSM address points (jittered)"
    lat = rng.uniform(39.25, 39.37, n)
    lon = rng.uniform(-76.70, -76.53, n)
    return lat, lon, "uniform points in Baltimore (shared data absent)"


def build_day_plan(
    rng: np.random.Generator, n_stops: int, stops_per_van: int = 40
) -> tuple[list[PlannedRoute], str]:
    """Return routes covering ``n_stops`` stops, in two waves, from the nearest warehouse."""
    lat, lon, source = _points(rng, n_stops)
    travel = TravelModel()
    wh_lat = np.array([w.location.lat for w in WAREHOUSES if w.location])
    wh_lon = np.array([w.location.lon for w in WAREHOUSES if w.location])
    nearest = np.argmin((lat[:, None] - wh_lat) ** 2 + (lon[:, None] - wh_lon) ** 2, axis=1)
    routes: list[PlannedRoute] = []
    for w, wh in enumerate(WAREHOUSES):
        assert wh.location is not None
        mine = np.flatnonzero(nearest == w)
        angle = np.arctan2(lat[mine] - wh.location.lat, lon[mine] - wh.location.lon)
        mine = mine[np.argsort(angle)]
        for v, chunk in enumerate(
            np.array_split(mine, max(1, math.ceil(len(mine) / stops_per_van)))
        ):
            wave_start = datetime.combine(DAY, time(8) if v % 2 == 0 else time(14), TZ)
            rid = f"{wh.warehouse_id}-R{v:02d}"
            order, todo, here = [], list(chunk), wh.location
            while todo:
                j = min(todo, key=lambda k: (lat[k] - here.lat) ** 2 + (lon[k] - here.lon) ** 2)
                todo.remove(j)
                order.append(j)
                here = GeoPoint(float(lat[j]), float(lon[j]))
            t, prev, stops = wave_start, wh.location, []
            for i, j in enumerate(order):
                p = GeoPoint(float(lat[j]), float(lon[j]))
                t += timedelta(seconds=prev.distance_m(p) * travel.detour_factor / travel.m_per_s)
                stops.append(
                    Stop(
                        f"{rid}-{i}",
                        p,
                        [f"{rid}-sh{i}"],
                        t,
                        t + timedelta(seconds=travel.service_s),
                        load_kg=4.0,
                    )
                )
                t += timedelta(seconds=travel.service_s)
                prev = p
            # Customers were promised 2-hour windows around their planned time.
            deadlines = {s.stop_id: s.arrival + timedelta(minutes=60) for s in stops}
            shift = Shift(wave_start, wave_start + timedelta(hours=7))
            vehicle = Vehicle(f"V-{rid}", wh.warehouse_id, Capacity(800.0, 3000.0, 60), shift)
            routes.append(
                PlannedRoute(
                    Route(rid, vehicle.vehicle_id, wh.warehouse_id, stops),
                    vehicle,
                    wh.location,
                    wave_start,
                    deadlines,
                )
            )
    return routes, source


def _engine(
    routes: list[PlannedRoute], stock: dict[tuple[str, str], int], neighbours: int | None
) -> PromiseEngine:
    index = DayPlanIndex(routes)
    if neighbours is None:
        index.neighbours = index.leg_count
    return PromiseEngine(warehouses=WAREHOUSES, stock=stock, plans={DAY: index})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--stops", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    queries = args.queries or (500 if args.quick else 5000)
    rng = np.random.default_rng(args.seed)

    load_at_start = os.getloadavg()[0]
    t0 = clock.perf_counter()
    routes, source = build_day_plan(rng, args.stops)
    stock = {
        (w.warehouse_id, f"SKU{k:03d}"): int(rng.integers(0, 6))
        for w in WAREHOUSES
        for k in range(N_SKUS)
    }
    build_plan_s = clock.perf_counter() - t0
    t0 = clock.perf_counter()
    indexed = _engine(routes, stock, 48)
    index_s = clock.perf_counter() - t0
    exhaustive = _engine(routes, stock, None)

    qlat, qlon, _ = _points(rng, queries)
    carts = []
    for i in range(queries):
        skus = rng.choice(N_SKUS, size=int(rng.integers(1, 4)), replace=False)
        lines = tuple(OrderLine(f"SKU{int(k):03d}", 1) for k in skus)
        geo = Geocode(GeoPoint(float(qlat[i]), float(qlon[i])), 0.95, GeocodeMethod.EXACT)
        carts.append(Cart(lines, Address(f"query {i}", geocode=geo)))
    minutes = rng.integers(0, 6 * 60, size=queries)
    moments = [datetime.combine(DAY, time(7), TZ) + timedelta(minutes=int(m)) for m in minutes]

    results: dict[str, dict[str, float]] = {}
    answers: dict[str, list[bool]] = {}
    for name, engine in (("kd_tree_48", indexed), ("exhaustive", exhaustive)):
        for cart, now in zip(carts[:20], moments[:20], strict=True):  # warm-up
            engine.quote(cart, now=now)
        lat_ms = np.empty(queries)
        cpu_ms = np.empty(queries)
        same = []
        for i, (cart, now) in enumerate(zip(carts, moments, strict=True)):
            c = clock.thread_time_ns()
            s = clock.perf_counter_ns()
            res = engine.quote(cart, now=now)
            lat_ms[i] = (clock.perf_counter_ns() - s) / 1e6
            cpu_ms[i] = (clock.thread_time_ns() - c) / 1e6
            same.append(res.offers(DeliveryOption.SAME_DAY))
        answers[name] = same
        results[name] = {
            "p50_ms": float(np.percentile(lat_ms, 50)),
            "p99_ms": float(np.percentile(lat_ms, 99)),
            "max_ms": float(lat_ms.max()),
            # CPU time of the query thread: what the latency is on an idle machine.
            "cpu_p50_ms": float(np.percentile(cpu_ms, 50)),
            "cpu_p99_ms": float(np.percentile(cpu_ms, 99)),
            "same_day_offered_share": float(np.mean(same)),
        }
    agree = float(np.mean(np.array(answers["kd_tree_48"]) == np.array(answers["exhaustive"])))
    n_stops = sum(len(r.route.stops) for r in routes)
    print_table(
        f"promise query latency, {n_stops} stops / {len(routes)} routes, {queries} queries",
        ["engine", "p50 ms", "p99 ms", "max ms", "cpu p50 ms", "cpu p99 ms", "same-day offered"],
        [
            (
                k,
                v["p50_ms"],
                v["p99_ms"],
                v["max_ms"],
                v["cpu_p50_ms"],
                v["cpu_p99_ms"],
                v["same_day_offered_share"],
            )
            for k, v in results.items()
        ],
    )
    summary = {
        "promise_p99_ms": Target(results["kd_tree_48"]["p99_ms"], 20.0, "ms"),
        "promise_p50_ms": Target(results["kd_tree_48"]["p50_ms"], 20.0, "ms"),
        # Wall-clock p99 on a shared 2-core machine is mostly time spent preempted; the
        # query thread's CPU time shows what the query itself costs.
        "promise_cpu_p99_ms": Target(results["kd_tree_48"]["cpu_p99_ms"], 20.0, "ms"),
    }
    print_summary(summary)
    write_result(
        "promise",
        summary,
        {
            "stops": n_stops,
            "routes": len(routes),
            "legs": indexed.plans[DAY].leg_count,
            "queries": queries,
            "stop_source": source,
            "seed": args.seed,
            "build_plan_s": build_plan_s,
            "build_index_s": index_s,
            "engines": results,
            "same_day_agreement_kd_vs_exhaustive": agree,
            "load_1min_at_start": load_at_start,
        },
        quick=args.quick,
        command="python -m benchmarks.promise" + (" --quick" if args.quick else ""),
    )


if __name__ == "__main__":
    main()
