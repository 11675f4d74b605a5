"""VRPLIB instances in, VRPLIB solutions out.

Instances are read with vrplib through ``pyvrp.read`` (which applies the rounding
convention): Solomon-style VRPTW instances use the DIMACS convention (distances and
times ``floor(10 d)``, objective = total distance), CVRP instances CVRPLIB's nearest
integer. Solutions are written in the VRPLIB format (``Route #k: ids``, ``Cost c``) with
client ids numbered as in the instance (depot 0), and the cost in the instance's units.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyvrp

from lastmile.domain.errors import InvalidValue
from lastmile.routing.problem import HORIZON, Depot, RoutingProblem, Stops, VehicleSpec
from lastmile.routing.solution import RoutingSolution


def _is_time_windowed(path: Path) -> bool:
    head = path.read_text(errors="replace")[:4000].upper()
    return "TIME_WINDOW_SECTION" in head or "VRPTW" in head


def _cap(value: int) -> float:
    return float(min(value, HORIZON))


def read_instance(path: str | Path, *, round_func: str | None = None) -> RoutingProblem:
    """Read a VRPLIB CVRP or VRPTW instance into a ``RoutingProblem``.

    Parameters
    ----------
    path
        The ``.vrp`` file.
    round_func
        ``"dimacs"`` (default for time-windowed instances), ``"round"`` (default for
        CVRP), or any rounding name ``pyvrp.read`` accepts.
    """
    path = Path(path)
    tw = _is_time_windowed(path)
    rf = round_func or ("dimacs" if tw else "round")
    try:
        data = pyvrp.read(str(path), round_func=rf)
    except Exception as exc:  # vrplib fails on malformed files with whatever it meets
        raise InvalidValue(
            "instance", f"{path.name} is not a readable VRPLIB instance: {exc}"
        ) from exc
    scale = 10.0 if rf == "dimacs" else 1.0
    depots = tuple(
        Depot(
            depot_id=str(i),
            location=int(d.location),
            open_s=float(d.tw_early),
            close_s=_cap(d.tw_late),
        )
        for i, d in enumerate(data.depots())
    )
    clients = data.clients()
    stops = Stops.build(
        ids=[str(int(c.location)) for c in clients],
        demand=[[int(x) for x in c.delivery] for c in clients],
        service_s=[float(c.service_duration) for c in clients],
        windows=[((float(c.tw_early), _cap(c.tw_late)),) for c in clients],
        required=[bool(c.required) for c in clients],
        penalty=[float(c.prize) for c in clients],
        release_s=[float(c.release_time) for c in clients],
    )
    fleet = tuple(
        VehicleSpec(
            name=vt.name or f"type{k}",
            capacity=tuple(int(x) for x in vt.capacity),
            start_depot=int(vt.start_depot),
            end_depot=int(vt.end_depot),
            count=int(vt.num_available),
            shift_start_s=float(vt.tw_early),
            shift_end_s=_cap(vt.tw_late),
            max_duration_s=None if vt.shift_duration >= HORIZON else float(vt.shift_duration),
            max_distance_m=None if vt.max_distance >= HORIZON else float(vt.max_distance),
            fixed_cost=float(vt.fixed_cost),
            cost_per_m=float(vt.unit_distance_cost),
            cost_per_s=float(vt.unit_duration_cost),
        )
        for k, vt in enumerate(data.vehicle_types())
    )
    locs = data.locations()
    n_loc = len(locs)
    coords = np.array([[loc.x, loc.y] for loc in locs], dtype=np.float64)
    return RoutingProblem(
        depots=depots,
        stops=stops,
        fleet=fleet,
        durations_s=np.array(data.duration_matrix(0), dtype=np.float64).reshape(n_loc, n_loc),
        distances_m=np.array(data.distance_matrix(0), dtype=np.float64).reshape(n_loc, n_loc),
        dimension_names=tuple(f"load{k}" for k in range(data.num_load_dimensions)),
        scale=scale,
        name=path.stem,
        coords=coords,
    )


def total_distance(problem: RoutingProblem, solution: RoutingSolution) -> float:
    """Return the plan's total distance in the instance's own unit (DIMACS: /10)."""
    total = 0.0
    dist = problem.distances_m
    for r in solution.routes:
        spec = problem.fleet[r.vehicle]
        locs = [problem.depots[spec.start_depot].location]
        locs += [
            problem.location_of_stop(v) if v >= 0 else problem.depots[-v - 1].location
            for v in r.visits
        ]
        locs.append(problem.depots[spec.end_depot].location)
        total += float(dist[locs[:-1], locs[1:]].sum())
    return total / problem.scale


def format_solution(problem: RoutingProblem, solution: RoutingSolution) -> str:
    """Return the plan in VRPLIB solution format."""
    lines = []
    k = 0
    for r in solution.routes:
        if not r.visits:
            continue
        k += 1
        ids = " ".join(problem.stops.ids[v] if v >= 0 else "0" for v in r.visits)
        lines.append(f"Route #{k}: {ids}")
    cost = total_distance(problem, solution)
    lines.append(f"Cost {cost:.1f}" if problem.scale != 1 else f"Cost {cost:g}")
    return "\n".join(lines) + "\n"


def write_solution(path: str | Path, problem: RoutingProblem, solution: RoutingSolution) -> None:
    """Write the plan to ``path`` in VRPLIB solution format."""
    Path(path).write_text(format_solution(problem, solution))
