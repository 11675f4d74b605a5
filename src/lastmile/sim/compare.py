"""Counterfactuals: the same day replayed with one policy changed at a time.

The baseline ships from the nearest of three warehouses with route-aware sourcing,
consolidates orders per building and window, and re-optimises vans in flight when the
closure hits. Each alternative changes exactly one of those choices, so every difference
in the table is the worth of that one choice on the same customers, stock and storm.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from lastmile.sim.day import run_day
from lastmile.sim.kpis import Kpi, compute
from lastmile.sim.records import Budget, DayResult, Policy
from lastmile.sim.world import World

BASELINE = Policy()


@dataclass(frozen=True)
class Counterfactual:
    """One question: the baseline's choice against one alternative."""

    key: str
    question: str
    baseline_label: str
    alternative_label: str
    policy: Policy


COUNTERFACTUALS = (
    Counterfactual(
        "single_warehouse",
        "Does a network of warehouses shorten the last mile?",
        "nearest of 3 warehouses",
        "single central warehouse",
        Policy("single central warehouse", single_warehouse=True),
    ),
    Counterfactual(
        "consolidation",
        "What does consolidation save?",
        "consolidation on",
        "consolidation off",
        Policy("consolidation off", consolidate=False),
    ),
    Counterfactual(
        "reoptimization",
        "What is re-optimisation on disruption worth?",
        "re-optimise on disruption",
        "no re-optimisation",
        Policy("no re-optimisation", reoptimize=False),
    ),
    Counterfactual(
        "sourcing_basis",
        "Route-aware or straight-line sourcing?",
        "route-aware sourcing",
        "straight-line sourcing",
        Policy("straight-line sourcing", route_aware_sourcing=False),
    ),
)


@dataclass(frozen=True)
class EtaPoint:
    """One delivered stop: when it was planned, promised (last ETA) and reached."""

    planned_s: float
    eta_s: float
    arrival_s: float
    wave: int


@dataclass(frozen=True)
class RunSummary:
    """What the comparison keeps of a replayed day."""

    policy: Policy
    kpis: list[Kpi]
    etas: list[EtaPoint]


@dataclass(frozen=True)
class Row:
    """One KPI of one counterfactual, side by side."""

    counterfactual: str
    kpi: str
    label: str
    unit: str
    baseline: float
    alternative: float
    higher_is_better: bool

    @property
    def difference(self) -> float:
        return self.alternative - self.baseline

    @property
    def baseline_better(self) -> bool | None:
        if abs(self.difference) < 1e-9:
            return None
        return (self.difference < 0) == self.higher_is_better


def summarise(result: DayResult) -> RunSummary:
    """Keep the KPIs and the ETA trace of a day."""
    etas = [
        EtaPoint(s.first_eta_s, s.eta_s, s.arrival_s, r.wave)
        for r in result.routes
        for s in r.stops
        if s.arrival_s is not None and s.delivered
    ]
    return RunSummary(result.policy, compute(result), etas)


_WORLD: World | None = None
_BUDGET: Budget | None = None


def _run_in_worker(policy: Policy) -> RunSummary:
    assert _WORLD is not None and _BUDGET is not None
    return summarise(run_day(_WORLD, policy, budget=_BUDGET))


def compare(
    world: World,
    *,
    budget: Budget | None = None,
    baseline: DayResult | None = None,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> tuple[RunSummary, dict[str, RunSummary], list[Row]]:
    """Replay the day under each counterfactual policy and tabulate every KPI.

    Parameters
    ----------
    world
        The built day (scenario, network, matrices).
    budget
        Solver effort for every replay (the same for all, so differences are the policy's).
    baseline
        An already simulated baseline day, to avoid running it again.
    workers
        Processes to replay in parallel (forked, sharing the world read-only).
    progress
        Called with a line as each replay starts and ends.
    """
    budget = budget or Budget()
    say = progress or (lambda _m: None)
    if baseline is None:
        say("replaying the baseline day")
        baseline = run_day(world, BASELINE, budget=budget)
    base = summarise(baseline)
    policies = [c.policy for c in COUNTERFACTUALS]
    runs: dict[str, RunSummary] = {}
    if workers > 1:
        global _WORLD, _BUDGET
        _WORLD, _BUDGET = world, budget
        ctx = multiprocessing.get_context("fork")
        say(f"replaying {len(policies)} counterfactual days on {workers} processes")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            for c, summary in zip(COUNTERFACTUALS, pool.map(_run_in_worker, policies), strict=True):
                runs[c.key] = summary
                say(f"replayed: {c.alternative_label}")
        _WORLD = _BUDGET = None
    else:
        for c in COUNTERFACTUALS:
            say(f"replaying: {c.alternative_label}")
            runs[c.key] = summarise(run_day(world, c.policy, budget=budget))
    rows = [
        Row(c.key, b.key, b.label, b.unit, b.value, a.value, b.higher_is_better)
        for c in COUNTERFACTUALS
        for b, a in zip(base.kpis, runs[c.key].kpis, strict=True)
    ]
    return base, runs, rows
