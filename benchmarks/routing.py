"""Routing quality: lastmile (PyVRP) vs OR-Tools vs VROOM on Solomon and Gehring-Homberger.

Every instance is solved by the three solvers with the same time budget and seed in the
same run, one solve per worker process; every solution is checked by lastmile's
independent feasibility checker; the gap is measured against ``bks.csv`` (DIMACS
convention: distances truncated to one decimal, objective = total distance).

    python -m benchmarks.routing --quick
    python -m benchmarks.routing --workers 2
    python -m benchmarks.routing --instances C101,R1_4_1 --budget 10
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Any

from benchmarks.common import RESULTS, SHARED, Target, print_summary, print_table, write_result

BENCH = SHARED / "benchmarks"
SOLVERS = ("lastmile", "ortools", "vroom")
GROUP_BUDGET = {"solomon": 10.0, "gh200": 20.0, "gh400": 60.0, "gh1000": 120.0}
# GH 200 and 400 have 60 instances each: on 2 cores the first instance of each of the six
# classes (C1, C2, R1, R2, RC1, RC2) is run. GH 1000: all 10 instances that ship in ../shared.
_CLASSES = ("C1", "C2", "R1", "R2", "RC1", "RC2")
DEFAULT_GH = {
    "gh200": [f"{c}_2_1" for c in _CLASSES],
    "gh400": [f"{c}_4_1" for c in _CLASSES],
    "gh1000": sorted(p.stem for p in (BENCH / "homberger" / "vrplib" / "1000").glob("*.vrp")),
}
QUICK = [("solomon", "C101"), ("solomon", "R101"), ("solomon", "RC201"), ("gh200", "R1_2_1")]


@dataclass(frozen=True)
class Job:
    group: str
    instance: str
    solver: str
    budget: float
    seed: int


def instance_path(group: str, name: str) -> Path:
    """Return the ``.vrp`` file of an instance."""
    if group == "solomon":
        return BENCH / "solomon" / "vrplib" / f"{name}.vrp"
    return BENCH / "homberger" / "vrplib" / group.removeprefix("gh") / f"{name}.vrp"


def group_of(name: str) -> str:
    """Return the benchmark group an instance name belongs to."""
    if "_" not in name:
        return "solomon"
    return "gh" + {"2": "200", "4": "400", "6": "600", "8": "800", "10": "1000"}[name.split("_")[1]]


def load_bks() -> dict[str, float]:
    """Return the best known distance per instance (DIMACS convention)."""
    with (BENCH / "bks.csv").open() as fh:
        return {row["instance"].upper(): float(row["distance_bks"]) for row in csv.DictReader(fh)}


def run_job(job: Job) -> dict[str, Any]:
    """Solve one instance with one solver and check the result (runs in a worker)."""
    from lastmile.routing.backends.peers import ORToolsSolver, VroomSolver
    from lastmile.routing.backends.pyvrp_backend import PyVRPSolver
    from lastmile.routing.feasibility import check
    from lastmile.routing.solution import MaxSeconds
    from lastmile.routing.vrplib_io import read_instance, total_distance

    problem = read_instance(instance_path(job.group, job.instance))
    solver = {"lastmile": PyVRPSolver, "ortools": ORToolsSolver, "vroom": VroomSolver}[job.solver]()
    began = time.perf_counter()
    sol = solver.solve(problem, stop=MaxSeconds(job.budget), seed=job.seed)
    wall = time.perf_counter() - began
    report = check(problem, sol)
    complete = not sol.unserved
    ok = report.ok and complete and sol.feasible
    return {
        "group": job.group,
        "instance": job.instance,
        "solver": job.solver,
        "budget_s": job.budget,
        "seed": job.seed,
        "wall_s": round(wall, 2),
        "distance": total_distance(problem, sol) if ok else None,
        "routes": sum(1 for r in sol.routes if r.visits),
        "feasible": ok,
        "violations": report.violations[:5],
        "unserved": len(sol.unserved),
    }


def build_jobs(args: argparse.Namespace) -> list[Job]:
    """Expand the command line into (instance, solver) jobs."""
    if args.quick:
        pairs = QUICK
    elif args.instances:
        pairs = [(group_of(n), n) for n in args.instances.split(",")]
    else:
        solomon = sorted(p.stem for p in (BENCH / "solomon" / "vrplib").glob("*.vrp"))
        pairs = [("solomon", n) for n in solomon]
        for g in ("gh200", "gh400", "gh1000"):
            if g in args.groups.split(","):
                pairs += [(g, n) for n in DEFAULT_GH[g]]
    pairs = [
        (g, n) for g, n in pairs if g in args.groups.split(",") or args.quick or args.instances
    ]
    solvers = args.solvers.split(",")
    jobs = []
    for g, n in pairs:
        budget = args.budget if args.budget else GROUP_BUDGET[g]
        if args.quick:
            budget = 1.5
        jobs += [Job(g, n, s, budget, args.seed) for s in solvers]
    # Longest first, so the last worker is not left alone with a 120 s job at the end.
    return sorted(jobs, key=lambda j: -j.budget)


def summarise(
    rows: list[dict[str, Any]], bks: dict[str, float]
) -> tuple[dict[str, Target], dict[str, Any]]:
    """Compute mean gaps per group and solver, and the targets."""
    per: dict[str, Any] = {}
    for row in rows:
        b = bks.get(row["instance"].upper())
        row["bks"] = b
        row["gap_pct"] = (
            100.0 * (row["distance"] - b) / b if row["distance"] is not None and b else None
        )
    groups = sorted({r["group"] for r in rows})
    for g in groups:
        for s in SOLVERS:
            mine = [r for r in rows if r["group"] == g and r["solver"] == s]
            if not mine:
                continue
            gaps = [r["gap_pct"] for r in mine if r["gap_pct"] is not None]
            per[f"{g}/{s}"] = {
                "instances": len(mine),
                "solved": len(gaps),
                "mean_gap_pct": mean(gaps) if gaps else None,
                "at_bks": sum(1 for x in gaps if x <= 1e-9),
                "budget_s": mine[0]["budget_s"],
                "mean_wall_s": mean(r.get("wall_s") or 0.0 for r in mine),
            }
    goals = {"solomon": 0.5, "gh400": 3.0, "gh1000": 2.5}
    summary: dict[str, Target] = {}
    for g in groups:
        mine = per.get(f"{g}/lastmile")
        if not mine or mine["mean_gap_pct"] is None:
            continue
        if g in goals:
            summary[f"{g}_mean_gap_pct"] = Target(mine["mean_gap_pct"], goals[g], "%")
            unsolved = mine["instances"] - mine["solved"]
            summary[f"{g}_unsolved_or_infeasible"] = Target(float(unsolved), 0.0, "instances")
        # Lead over each peer on the instances both solved (a peer that fails the hard
        # ones must not look better for it), and how many the peer could not solve.
        leads = []
        for peer in ("ortools", "vroom"):
            both = _paired(rows, g, peer)
            if both:
                lead = mean(b - a for a, b in both)
                per[f"{g}/{peer}"]["lead_of_lastmile_on_common_pp"] = lead
                leads.append(lead)
        if leads:
            summary[f"{g}_lead_over_best_peer_pp"] = Target(
                min(leads), 1e-9, "percentage points", higher_is_better=True
            )
    return summary, per


def _paired(rows: list[dict[str, Any]], group: str, peer: str) -> list[tuple[float, float]]:
    """Return (lastmile gap, peer gap) for the group's instances both solved."""
    gap = {
        (r["instance"], r["solver"]): r["gap_pct"]
        for r in rows
        if r["group"] == group and r["gap_pct"] is not None
    }
    names = sorted({r["instance"] for r in rows if r["group"] == group})
    return [
        (gap[(n, "lastmile")], gap[(n, peer)])
        for n in names
        if (n, "lastmile") in gap and (n, peer) in gap
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a handful of instances, 1.5 s each")
    parser.add_argument("--instances", default="", help="comma-separated names, e.g. C101,R1_4_1")
    parser.add_argument("--groups", default="solomon,gh200,gh400,gh1000")
    parser.add_argument("--solvers", default=",".join(SOLVERS))
    parser.add_argument(
        "--budget", type=float, default=0.0, help="seconds per solve (default per group)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--from-json", default="", help="re-summarise the runs of an earlier result file"
    )
    parser.add_argument(
        "--name",
        default="routing",
        help="result name: a partial run (e.g. --groups solomon) can be kept beside the full one",
    )
    args = parser.parse_args(argv)
    bks = load_bks()
    if args.from_json:
        earlier = json.loads(Path(args.from_json).read_text())
        args.workers = earlier["details"].get("workers", args.workers)
        report(earlier["details"]["runs"], bks, args, earlier["command"], earlier["quick"])
        return
    jobs = build_jobs(args)
    log = RESULTS / (f"{args.name}.quick.log" if args.quick else f"{args.name}.log")
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    began = time.time()
    with log.open("w") as fh, ProcessPoolExecutor(max_workers=args.workers) as pool:
        futures = {pool.submit(run_job, j): j for j in jobs}
        for n, fut in enumerate(as_completed(futures), start=1):
            job = futures[fut]
            try:
                row = fut.result()
            except Exception as exc:  # a crashing backend is a result, not the end of the run
                row = {
                    "group": job.group,
                    "instance": job.instance,
                    "solver": job.solver,
                    "budget_s": job.budget,
                    "seed": job.seed,
                    "distance": None,
                    "feasible": False,
                    "violations": [f"crashed: {exc!r}"],
                }
            rows.append(row)
            line = (
                f"[{n}/{len(jobs)} {time.time() - began:.0f}s] {row['instance']} "
                f"{row['solver']}: {row['distance']} feasible={row['feasible']}"
            )
            print(line, flush=True)
            fh.write(line + "\n")
            fh.flush()
    command = "python -m benchmarks.routing " + " ".join(sys.argv[1:])
    report(rows, bks, args, command, args.quick)


def report(
    rows: list[dict[str, Any]],
    bks: dict[str, float],
    args: argparse.Namespace,
    command: str,
    quick: bool,
) -> None:
    """Summarise the runs, print the tables and write the JSON result."""
    summary, per = summarise(rows, bks)
    rows.sort(key=lambda r: (r["group"], r["instance"], SOLVERS.index(r["solver"])))
    print_table(
        "mean gap to BKS (%)",
        ["group/solver", "instances", "solved", "mean gap %", "at BKS", "budget s", "mean wall s"],
        [
            (
                k,
                v["instances"],
                v["solved"],
                v["mean_gap_pct"] if v["mean_gap_pct"] is not None else "-",
                v["at_bks"],
                v["budget_s"],
                v["mean_wall_s"],
            )
            for k, v in per.items()
        ],
    )
    print_summary(summary)
    write_result(
        getattr(args, "name", "routing"),
        summary,
        {
            "per_group": per,
            "runs": rows,
            "workers": args.workers,
            "note": "2-core machine shared with other engineers' jobs",
        },
        quick=quick,
        command=command,
    )


if __name__ == "__main__":
    main()
