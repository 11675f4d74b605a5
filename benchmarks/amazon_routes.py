"""Real routes: lastmile's plan vs the drivers' actual sequence on 13 Amazon LMRRC routes.

The sample has real stops and each driver's actual stop order, but no travel times, so
both are measured on one metric: great-circle distance x a detour factor (1.35), as a
closed tour from the station. lastmile plans each route's stops for one van of the
route's capacity (volume, cm3) with the default solver; time windows are left out since
without travel times they cannot be checked fairly for either side.

Data: Amazon Last Mile Routing Research Challenge (CC BY-NC 4.0, non-commercial; read from
../shared, never copied into src/).

    python -m benchmarks.amazon_routes --quick
    python -m benchmarks.amazon_routes --seconds 10
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from statistics import mean
from typing import Any

import numpy as np

from benchmarks.common import SHARED, Target, print_summary, print_table, write_result

DATA = SHARED / "data" / "lastmile" / "amazon_lmrrc_sample"
DETOUR = 1.35


def load_routes() -> list[dict[str, Any]]:
    """Return each route's station, stops, volumes, capacity and actual order."""
    routes = json.loads((DATA / "new_route_data.json").read_text())
    actual = json.loads((DATA / "new_actual_sequences.json").read_text())
    packages = json.loads((DATA / "new_package_data.json").read_text())
    out = []
    for rid, r in routes.items():
        stops = r["stops"]
        station = next(k for k, s in stops.items() if s["type"] == "Station")
        drops = [k for k in stops if k != station]
        volume = []
        for k in drops:
            pk = packages[rid].get(k, {})
            volume.append(
                sum(
                    math.ceil(
                        p["dimensions"]["depth_cm"]
                        * p["dimensions"]["height_cm"]
                        * p["dimensions"]["width_cm"]
                    )
                    for p in pk.values()
                )
            )
        service = [
            sum(float(p["planned_service_time_seconds"]) for p in packages[rid].get(k, {}).values())
            for k in drops
        ]
        order = actual[rid]["actual"]
        out.append(
            {
                "route_id": rid,
                "station": r["station_code"],
                "points": [(stops[k]["lat"], stops[k]["lng"]) for k in [station, *drops]],
                "drops": drops,
                "volume": volume,
                "service": service,
                "capacity": float(r["executor_capacity_cm3"]),
                "actual": sorted(drops, key=lambda k: order[k]),
            }
        )
    return out


def solve_route(route: dict[str, Any], seconds: float, seed: int) -> dict[str, Any]:
    """Plan one route and measure both tours (runs in a worker)."""
    from lastmile.geo.travel import haversine_matrix_m
    from lastmile.routing.backends import PyVRPSolver
    from lastmile.routing.planner import plan
    from lastmile.routing.problem import Depot, RoutingProblem, Stops, VehicleSpec
    from lastmile.routing.solution import MaxSeconds

    pts = np.array(route["points"], dtype=np.float64)
    dist = np.rint(haversine_matrix_m(pts[:, 0], pts[:, 1]) * DETOUR)
    n = len(route["drops"])
    cap = max(int(route["capacity"]), int(sum(route["volume"])))
    problem = RoutingProblem(
        depots=(Depot(route["station"], 0),),
        stops=Stops.build(
            list(route["drops"]), [[v] for v in route["volume"]], service_s=route["service"]
        ),
        fleet=(VehicleSpec("van", capacity=(cap,)),),
        durations_s=np.rint(dist / (30 / 3.6)),
        distances_m=dist,
        dimension_names=("volume_cm3",),
        coords=pts[:, ::-1].copy(),
    )
    began = time.perf_counter()
    result = plan(problem, PyVRPSolver(), stop=MaxSeconds(seconds), seed=seed)
    pos = {k: i + 1 for i, k in enumerate(route["drops"])}
    tour = [0, *(pos[k] for k in route["actual"]), 0]
    actual_m = float(dist[tour[:-1], tour[1:]].sum())
    planned_m = sum(s.distance for s in result.schedules)
    return {
        "route_id": route["route_id"],
        "station": route["station"],
        "stops": n,
        "actual_km": actual_m / 1000,
        "lastmile_km": planned_m / 1000,
        "saving_pct": 100 * (actual_m - planned_m) / actual_m,
        "feasible": result.report.ok and not result.solution.unserved,
        "wall_s": round(time.perf_counter() - began, 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 routes, 1 s each")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    routes = load_routes()
    seconds = args.seconds
    if args.quick:
        routes, seconds = routes[:3], 1.0
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        rows = list(
            pool.map(solve_route, routes, [seconds] * len(routes), [args.seed] * len(routes))
        )
    print_table(
        "lastmile vs the drivers' actual sequence (great-circle x 1.35)",
        ["route", "station", "stops", "actual km", "lastmile km", "saving %", "feasible"],
        [
            (
                r["route_id"][8:16],
                r["station"],
                r["stops"],
                r["actual_km"],
                r["lastmile_km"],
                r["saving_pct"],
                r["feasible"],
            )
            for r in rows
        ],
    )
    shorter = sum(1 for r in rows if r["saving_pct"] > 0 and r["feasible"])
    need = 12 if not args.quick else len(rows) - 1
    summary = {
        "routes_shorter_than_driver": Target(
            float(shorter), float(need), "routes", higher_is_better=True
        ),
        "mean_saving_pct": Target(
            mean(r["saving_pct"] for r in rows), 0.0, "%", higher_is_better=True
        ),
    }
    print_summary(summary)
    write_result(
        "amazon_routes",
        summary,
        {
            "routes": rows,
            "seconds_per_route": seconds,
            "detour_factor": DETOUR,
            "metric": "great-circle distance x 1.35, closed tour from the station",
        },
        quick=args.quick,
        command="python -m benchmarks.amazon_routes " + " ".join(sys.argv[1:]),
    )


if __name__ == "__main__":
    main()
