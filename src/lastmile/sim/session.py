"""A whole simulation session: scenario, world, the day, counterfactuals, report."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lastmile.geo.corrections import CorrectionStore
from lastmile.sim.compare import Row, RunSummary, compare, summarise
from lastmile.sim.day import run_day
from lastmile.sim.kpis import Kpi, compute
from lastmile.sim.learning import Learned, learn_from_day
from lastmile.sim.records import Budget, DayResult, Policy
from lastmile.sim.scenario import ScenarioConfig, generate
from lastmile.sim.world import World, build_world

Step = Callable[[str], None]


@dataclass
class Session:
    """What a session produced."""

    world: World
    result: DayResult
    kpis: list[Kpi]
    baseline: RunSummary
    runs: dict[str, RunSummary] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    seconds: float = 0.0
    report: Path | None = None
    learned: Learned = field(default_factory=lambda: Learned(0, 0))


def budget_for(orders: int) -> Budget:
    """Return a solver budget that keeps a day of ``orders`` within the demo's time."""
    if orders <= 300:
        return Budget(wave_iterations=150, reopt_iterations=60)
    if orders <= 5000:
        return Budget(wave_iterations=40, reopt_iterations=20)
    return Budget(wave_iterations=15, reopt_iterations=10, sourcing_s=300.0)


def run(
    config: ScenarioConfig,
    *,
    with_compare: bool,
    budget: Budget | None = None,
    workers: int = 1,
    step: Step | None = None,
    report_path: Path | None = None,
    corrections: CorrectionStore | None = None,
) -> Session:
    """Generate, simulate, compare and report; ``step`` is told as each step starts.

    ``corrections`` carries door positions learned from deliveries across days: intake
    geocodes from it, and the baseline day's trusted proofs of delivery teach it.
    """
    say = step or (lambda _m: None)
    began = time.perf_counter()
    budget = budget or budget_for(config.orders)
    say("reading the OSM extract and drawing the scenario")
    scenario = generate(config)
    say("loading the road network and pricing every place (open roads, closure)")
    world = build_world(scenario, corrections=corrections)
    result = run_day(world, Policy(), budget=budget, progress=say)
    session = Session(world, result, compute(result), summarise(result))
    say("learning door positions from the day's proofs of delivery")
    session.learned = learn_from_day(result, world.geocoder)
    if with_compare:
        session.baseline, session.runs, session.rows = compare(
            world, budget=budget, baseline=result, workers=workers, progress=say
        )
    session.seconds = time.perf_counter() - began
    if report_path is not None:
        from lastmile.sim import report

        say("writing the HTML report")
        session.report = report.write(
            report_path,
            world,
            result,
            session.kpis,
            runs=session.runs,
            rows=session.rows,
            baseline=session.baseline,
            seconds=session.seconds,
        )
    return session


def to_json(session: Session) -> dict[str, object]:
    """Return the session's figures as JSON-serialisable data."""
    return {
        "scenario": {
            "orders": len(session.world.scenario.orders),
            "vans": len(session.world.scenario.vehicles),
            "seed": session.world.scenario.config.seed,
            "network": session.world.network.name,
        },
        "kpis": {k.key: {"label": k.label, "value": k.value, "unit": k.unit} for k in session.kpis},
        "counterfactuals": [
            {
                "counterfactual": r.counterfactual,
                "kpi": r.kpi,
                "baseline": r.baseline,
                "alternative": r.alternative,
                "difference": r.difference,
            }
            for r in session.rows
        ],
        "capabilities": session.result.capabilities,
        "seconds": session.seconds,
    }


def write_json(session: Session, path: Path) -> Path:
    """Write ``to_json`` to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_json(session), indent=2) + "\n")
    return path
