"""OR-Tools and VROOM backends, for side-by-side comparison with the default solver.

They model what the benchmarks and the everyday problem need: capacities in every
dimension, service times, one or more time windows, several depots, shifts, skills,
optional stops with penalties and maximum distance. Neither models reloads (they plan one
trip per van) or PyVRP-style release times; breaks are placed afterwards by the scheduler.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from numpy.typing import NDArray

from lastmile.routing.problem import HORIZON, RoutingProblem
from lastmile.routing.solution import PlannedRoute, RoutingSolution, StoppingBudget


def _ints(mat: NDArray[np.float64]) -> NDArray[np.int64]:
    out = np.where(np.isfinite(mat), np.rint(mat), HORIZON)
    return np.minimum(out, HORIZON).astype(np.int64)


def _unserved(problem: RoutingProblem, served: set[int], why: str) -> dict[str, str]:
    return {sid: why for i, sid in enumerate(problem.stops.ids) if i not in served}


@dataclass
class ORToolsSolver:
    """Google OR-Tools routing: cheapest-arc start, guided local search."""

    name: str = "ortools"

    def solve(
        self,
        problem: RoutingProblem,
        *,
        stop: StoppingBudget,
        seed: int,
        initial: RoutingSolution | None = None,
    ) -> RoutingSolution:
        """Solve with OR-Tools; ``seed`` is unused (its search is deterministic)."""
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2

        began = time.perf_counter()
        vans = problem.vehicles()
        n_dep = problem.num_depots
        st = problem.stops
        starts = [problem.depots[v.start_depot].location for _, v in vans]
        ends = [problem.depots[v.end_depot].location for _, v in vans]
        # OR-Tools wants a node per stop; depots become nodes too (location indices match).
        manager = pywrapcp.RoutingIndexManager(n_dep + len(st), len(vans), starts, ends)
        routing = pywrapcp.RoutingModel(manager)
        dist = _ints(problem.distances_m).tolist()
        service = [0] * n_dep + [round(float(s)) for s in st.service_s]
        dur = _ints(problem.durations_s)
        travel = (dur + np.asarray(service, dtype=np.int64)[:, None]).tolist()

        def dist_cb(i: int, j: int) -> int:
            return int(dist[manager.IndexToNode(i)][manager.IndexToNode(j)])

        def time_cb(i: int, j: int) -> int:
            return int(travel[manager.IndexToNode(i)][manager.IndexToNode(j)])

        dist_idx = routing.RegisterTransitCallback(dist_cb)
        time_idx = routing.RegisterTransitCallback(time_cb)
        scale = 1000.0 if any(not float(v.cost_per_m).is_integer() for _, v in vans) else 1.0
        for k, (_, v) in enumerate(vans):
            routing.SetArcCostEvaluatorOfVehicle(dist_idx, k)
            routing.SetFixedCostOfVehicle(round(v.fixed_cost * scale), k)
        horizon = int(min(HORIZON, max(v.shift_end_s for _, v in vans)))
        routing.AddDimension(time_idx, horizon, horizon, False, "time")
        tdim = routing.GetDimensionOrDie("time")
        routing.AddDimensionWithVehicleCapacity(
            dist_idx,
            0,
            [int(v.max_distance_m) if v.max_distance_m is not None else HORIZON for _, v in vans],
            True,
            "distance",
        )
        for d in range(problem.num_dims):
            demand = [0] * n_dep + [int(x) for x in st.demand[:, d]]

            def dem_cb(i: int, demand: list[int] = demand) -> int:
                return int(demand[manager.IndexToNode(i)])

            routing.AddDimensionWithVehicleCapacity(
                routing.RegisterUnaryTransitCallback(dem_cb),
                0,
                [int(v.capacity[d]) for _, v in vans],
                True,
                f"load{d}",
            )
        for i in range(len(st)):
            idx = manager.NodeToIndex(n_dep + i)
            wins = sorted(st.windows[i])
            lo, hi = int(wins[0][0]), int(min(HORIZON, max(w[1] for w in wins)))
            tdim.CumulVar(idx).SetRange(lo, min(hi, horizon))
            for (_, a), (b, _) in itertools.pairwise(wins):
                if b - a > 1:
                    tdim.CumulVar(idx).RemoveInterval(int(a) + 1, int(b) - 1)
            allowed = [
                k
                for k, (_, v) in enumerate(vans)
                if st.skills[i] <= v.skills and (not st.locked_to[i] or st.locked_to[i] == v.name)
            ]
            if len(allowed) < len(vans):
                routing.SetAllowedVehiclesForIndex(allowed, idx)
            if not st.required[i]:
                routing.AddDisjunction([idx], round(st.penalty[i] * scale))
        for k, (_, v) in enumerate(vans):
            tdim.CumulVar(routing.Start(k)).SetRange(
                int(v.shift_start_s),
                int(
                    v.start_latest_s
                    if v.start_latest_s is not None
                    else min(v.shift_end_s, horizon)
                ),
            )
            tdim.CumulVar(routing.End(k)).SetMax(int(min(v.shift_end_s, horizon)))
            if v.max_duration_s is not None:
                tdim.SetSpanUpperBoundForVehicle(int(v.max_duration_s), k)
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        remaining = max(0.05, stop.seconds - (time.perf_counter() - began))
        params.time_limit.FromMilliseconds(int(remaining * 1000))
        found = routing.SolveWithParameters(params)
        if found is None:
            return RoutingSolution(
                routes=(),
                unserved=_unserved(problem, set(), "OR-Tools found no solution"),
                cost=math.inf,
                solver=self.name,
                runtime_s=time.perf_counter() - began,
                feasible=False,
            )
        routes: list[PlannedRoute] = []
        served: set[int] = set()
        for k, (spec_idx, _) in enumerate(vans):
            idx = routing.Start(k)
            visits: list[int] = []
            idx = found.Value(routing.NextVar(idx))
            while not routing.IsEnd(idx):
                visits.append(manager.IndexToNode(idx) - n_dep)
                idx = found.Value(routing.NextVar(idx))
            served.update(visits)
            if visits:
                routes.append(PlannedRoute(vehicle=spec_idx, visits=tuple(visits)))
        return RoutingSolution(
            routes=tuple(routes),
            unserved=_unserved(problem, served, "optional stop left out by OR-Tools"),
            cost=found.ObjectiveValue() / scale,
            solver=self.name,
            runtime_s=time.perf_counter() - began,
        )


@dataclass
class VroomSolver:
    """VROOM through pyvroom, on one thread, with the time budget as its timeout."""

    name: str = "vroom"
    exploration_level: int = 5

    def solve(
        self,
        problem: RoutingProblem,
        *,
        stop: StoppingBudget,
        seed: int,
        initial: RoutingSolution | None = None,
    ) -> RoutingSolution:
        """Solve with VROOM; it is deterministic, so ``seed`` is unused."""
        import vroom

        began = time.perf_counter()
        st = problem.stops
        n_dep = problem.num_depots
        vans = problem.vehicles()
        inp = vroom.Input()
        inp.set_durations_matrix("car", _ints(problem.durations_s))
        inp.set_distances_matrix("car", _ints(problem.distances_m))
        # The objective is distance (scaled by per-metre cost), as in the benchmarks.
        if not np.array_equal(problem.durations_s, problem.distances_m):
            inp.set_costs_matrix("car", _ints(problem.distances_m))
        skill_ids = {s: k for k, s in enumerate(sorted({s for x in st.skills for s in x}))}
        lock_ids = {
            n: len(skill_ids) + k for k, n in enumerate(sorted({lk for lk in st.locked_to if lk}))
        }
        for k, (_, v) in enumerate(vans):
            skills = {skill_ids[s] for s in v.skills if s in skill_ids}
            if v.name in lock_ids:
                skills.add(lock_ids[v.name])
            inp.add_vehicle(
                vroom.Vehicle(
                    id=k,
                    start=problem.depots[v.start_depot].location,
                    end=problem.depots[v.end_depot].location,
                    capacity=[int(c) for c in v.capacity],
                    skills=skills or None,
                    time_window=vroom.TimeWindow(
                        int(v.shift_start_s), int(min(v.shift_end_s, HORIZON))
                    ),
                    costs=vroom.VehicleCosts(fixed=round(v.fixed_cost), per_hour=3600),
                    max_distance=int(v.max_distance_m) if v.max_distance_m is not None else None,
                    max_travel_time=(
                        int(v.max_duration_s) if v.max_duration_s is not None else None
                    ),
                )
            )
        for i in range(len(st)):
            skills = {skill_ids[s] for s in st.skills[i]}
            if st.locked_to[i]:
                skills.add(lock_ids[st.locked_to[i]])
            inp.add_job(
                vroom.Job(
                    id=i,
                    location=n_dep + i,
                    default_service=round(st.service_s[i]),
                    delivery=vroom.Amount([int(x) for x in st.demand[i]]),
                    skills=skills or None,
                    time_windows=[
                        vroom.TimeWindow(int(lo), int(min(hi, HORIZON)))
                        for lo, hi in sorted(st.windows[i])
                    ],
                )
            )
        remaining = max(0.05, stop.seconds - (time.perf_counter() - began))
        sol = inp.solve(
            exploration_level=self.exploration_level,
            nb_threads=1,
            timeout=timedelta(seconds=remaining),
        )
        df = sol.routes
        routes: list[PlannedRoute] = []
        served: set[int] = set()
        jobs = df[df["type"] == "job"]
        for vid, grp in jobs.groupby("vehicle_id", sort=True):
            visits = [int(j) for j in grp["id"]]
            served.update(visits)
            routes.append(PlannedRoute(vehicle=vans[int(vid)][0], visits=tuple(visits)))
        unserved = _unserved(problem, served, "VROOM left it unassigned")
        return RoutingSolution(
            routes=tuple(routes),
            unserved=unserved,
            cost=float(sol.summary.cost),
            solver=self.name,
            runtime_s=time.perf_counter() - began,
            feasible=not any(st.required[i] for i in range(len(st)) if i not in served),
        )
