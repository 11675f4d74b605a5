"""One self-contained HTML report of a simulated day: maps, KPIs, counterfactuals, ETAs."""

from __future__ import annotations

import base64
import html
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from lastmile.sim import plots
from lastmile.sim.compare import COUNTERFACTUALS, Row, RunSummary
from lastmile.sim.kpis import Kpi
from lastmile.sim.records import DayResult, End
from lastmile.sim.world import World

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}
td:first-child,th:first-child{text-align:left}
.better{color:#1a7f37}.worse{color:#cf222e}
h1{margin-bottom:.2rem}.sub{color:#666;margin-top:0}
img{max-width:100%;border:1px solid #eee}
"""

HEADLINE = (
    "on_time_pct",
    "first_attempt_pct",
    "km_per_parcel",
    "cost_per_drop",
    "co2_per_parcel",
    "parcels_per_route",
    "fill_rate_pct",
)


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def fmt(value: float, unit: str) -> str:
    """Format a KPI value for a table."""
    if unit in ("%",):
        return f"{value:.1f} %"
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:.2f} {unit}"


def kpi_table(kpis: Sequence[Kpi]) -> str:
    """Return the KPI table as HTML."""
    rows = "".join(
        f"<tr><td>{html.escape(k.label)}</td><td>{fmt(k.value, k.unit)}</td></tr>" for k in kpis
    )
    return f"<table><tr><th>KPI</th><th>value</th></tr>{rows}</table>"


def counterfactual_table(rows: Sequence[Row]) -> str:
    """Return one table per counterfactual: baseline, alternative, difference."""
    out = []
    for c in COUNTERFACTUALS:
        body = []
        for r in rows:
            if r.counterfactual != c.key:
                continue
            verdict = r.baseline_better
            css = "" if verdict is None else ("better" if verdict else "worse")
            body.append(
                f"<tr><td>{html.escape(r.label)}</td><td>{fmt(r.baseline, r.unit)}</td>"
                f"<td>{fmt(r.alternative, r.unit)}</td>"
                f'<td class="{css}">{r.difference:+.2f}</td></tr>'
            )
        out.append(
            f"<h3>{html.escape(c.question)}</h3><table><tr><th>KPI</th>"
            f"<th>{html.escape(c.baseline_label)} (baseline)</th>"
            f"<th>{html.escape(c.alternative_label)}</th><th>difference</th></tr>"
            f"{''.join(body)}</table>"
        )
    return "".join(out)


def _ends_table(result: DayResult) -> str:
    counts = Counter(e.end for e in result.ends.values())
    reasons = Counter(
        (e.end, e.reason.split(":")[0]) for e in result.ends.values() if e.end is not End.DELIVERED
    )
    rows = "".join(f"<tr><td>{end.value}</td><td>{counts.get(end, 0)}</td></tr>" for end in End)
    why = "".join(
        f"<tr><td>{end.value}</td><td>{html.escape(reason)}</td><td>{n}</td></tr>"
        for (end, reason), n in reasons.most_common(15)
    )
    return (
        f"<table><tr><th>end of day</th><th>orders</th></tr>{rows}</table>"
        f"<table><tr><th>end</th><th>main reason</th><th>orders</th></tr>{why}</table>"
    )


def _simple(pairs: Sequence[tuple[str, str]], head: tuple[str, str]) -> str:
    rows = "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td></tr>" for a, b in pairs)
    return f"<table><tr><th>{head[0]}</th><th>{head[1]}</th></tr>{rows}</table>"


def write(
    path: Path,
    world: World,
    result: DayResult,
    kpis: Sequence[Kpi],
    *,
    runs: dict[str, RunSummary] | None = None,
    rows: Sequence[Row] | None = None,
    baseline: RunSummary | None = None,
    seconds: float | None = None,
) -> Path:
    """Write the report to ``path`` and return it."""
    sc = world.scenario
    d = sc.disruption
    parts = [
        f"<h1>lastmile: a simulated day on {html.escape(world.network.name)}</h1>",
        f'<p class="sub">{sc.day.isoformat()}, seed {sc.config.seed}: {len(sc.orders):,} '
        f"orders, {len(sc.vehicles)} vans, {len(sc.warehouses)} warehouses, "
        f"{len(sc.skus)} SKUs. Rain {d.rain_start_s / 3600:.1f}h-{d.rain_end_s / 3600:.1f}h; "
        f"{html.escape(d.closure_street)} closed {d.closure_start_s / 3600:.0f}h-"
        f"{d.closure_end_s / 3600:.0f}h ({world.closed_edges} road segments)"
        + (
            f"; a first-wave van breaks down at {d.closure_start_s / 3600:.0f}h."
            if d.van_breakdown
            else "."
        )
        + (f" Simulated in {seconds:.0f} s." if seconds else "")
        + "</p>",
        "<h2>Routes</h2>",
        _img(plots.route_map(world, result), "routes on the road map"),
        "<h2>KPIs of the day</h2>",
        kpi_table(kpis),
        "<h2>Where every order ended</h2>",
        _ends_table(result),
    ]
    if rows and runs and baseline:
        no_reopt = runs.get("reoptimization")
        parts += [
            "<h2>Counterfactuals: the same day under other policies</h2>",
            "<p>Each alternative changes one choice of the baseline; green means the "
            "baseline's choice is better on that KPI.</p>",
            _img(
                plots.differences(
                    rows,
                    ("km_per_parcel", "cost_per_drop", "co2_per_parcel", "on_time_pct"),
                    {c.key: c.alternative_label for c in COUNTERFACTUALS},
                ),
                "KPI changes per counterfactual",
            ),
            counterfactual_table(rows),
        ]
        if no_reopt is not None:
            parts += [
                "<h2>The disruption's effect on ETAs</h2>",
                "<p>Each dot is a delivery: how far its arrival missed the latest ETA the "
                "customer was sent. Re-optimisation re-plans the vans on the road when the "
                "closure and the rain warning arrive and sends new ETAs, and sends the "
                "broken-down van's parcels out again on the second wave; without it the "
                "morning's ETAs stand and those parcels wait for the next day.</p>",
                _img(
                    plots.eta_drift(
                        baseline.etas,
                        no_reopt.etas,
                        rain=(d.rain_start_s, d.rain_end_s),
                        closure=(d.closure_start_s, d.closure_end_s),
                    ),
                    "ETA drift",
                ),
            ]
    parts += [
        "<h2>Reorder suggestions (top 15)</h2>",
        _simple(
            [
                (
                    f"{r['sku_id']} @ {r['warehouse_id']}",
                    f"order {r['quantity']} (available {r['available']}, "
                    f"forecast {r['forecast_week']}/week)",
                )
                for r in result.reorder[:15]
            ],
            ("SKU", "suggestion"),
        ),
        "<h2>What ran each step</h2>",
        _simple(sorted(result.capabilities.items()), ("step", "implementation")),
        "<h2>Time per step (baseline day)</h2>",
        _simple(
            [(k, f"{v:.2f} s") for k, v in sorted(result.timings.items())], ("step", "seconds")
        ),
        "<p>Road data © OpenStreetMap contributors (ODbL). SKU sizes and weights are drawn "
        "from distributions summarised from the Olist public e-commerce dataset.</p>",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>lastmile day "
        f"report</title><style>{_CSS}</style></head><body>{''.join(parts)}"
        "</body></html>"
    )
    return path
