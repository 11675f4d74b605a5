"""``lastmile simulate``: run a day (and, with ``--compare``, its counterfactuals)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from lastmile.sim.compare import Row
    from lastmile.sim.kpis import Kpi
    from lastmile.sim.scenario import ScenarioConfig
    from lastmile.sim.session import Session

console = Console()

OrdersOpt = Annotated[int, typer.Option("--orders", help="orders placed over the day")]
VansOpt = Annotated[int, typer.Option("--vans", help="vans in the fleet")]
SeedOpt = Annotated[int, typer.Option("--seed", help="seed: the same seed gives the same day")]
OsmOpt = Annotated[
    Path | None,
    typer.Option("--osm", help="any .osm.pbf with a drivable network (default: Baltimore)"),
]


CorrectionsOpt = Annotated[
    Path | None,
    typer.Option(
        "--corrections",
        help="JSON file of door positions learned from deliveries: read before intake, "
        "updated after the day (a second day benefits from the first)",
    ),
]


@contextmanager
def steps() -> Iterator[object]:
    """Yield a callback that shows each step under a Rich progress spinner."""
    began = time.perf_counter()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("starting", total=None)

        def step(message: str) -> None:
            progress.update(task, description=message)
            console.log(f"[dim]{time.perf_counter() - began:6.1f}s[/dim] {message}")

        yield step


def config_from(orders: int, vans: int, seed: int, osm: Path | None) -> ScenarioConfig:
    """Build the scenario config, refusing impossible values with a clear message."""
    from lastmile.domain import InvalidValue
    from lastmile.sim.scenario import ScenarioConfig

    if osm is not None and not osm.is_file():
        console.print(f"[red]error:[/red] OSM file {osm} not found", soft_wrap=True)
        raise typer.Exit(2)
    try:
        return ScenarioConfig(orders=orders, vans=vans, seed=seed, osm_path=osm)
    except InvalidValue as exc:
        console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from exc


def run_session(
    config: ScenarioConfig,
    *,
    with_compare: bool,
    report: Path | None,
    workers: int,
    corrections: Path | None = None,
) -> Session:
    """Run a session, turning a bad extract into a one-line error.

    With ``corrections``, door positions learned on earlier days are read from that JSON
    file before intake and the day's lessons are written back to it.
    """
    from lastmile.domain import InvalidValue
    from lastmile.geo.corrections import InMemoryCorrections
    from lastmile.sim.session import run

    store: InMemoryCorrections | None = None
    if corrections is not None:
        store = (
            InMemoryCorrections.from_json(corrections.read_text())
            if corrections.exists()
            else InMemoryCorrections()
        )
    try:
        with steps() as step:
            session = run(
                config,
                with_compare=with_compare,
                workers=workers,
                step=step,  # type: ignore[arg-type]
                report_path=report,
                corrections=store,
            )
    except (InvalidValue, FileNotFoundError) as exc:
        console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from exc
    if corrections is not None and store is not None:
        corrections.parent.mkdir(parents=True, exist_ok=True)
        corrections.write_text(store.to_json())
        console.print(
            f"learned {session.learned.accepted} door positions from "
            f"{session.learned.offered} deliveries; {len(store)} kept in {corrections}"
        )
    return session


def print_kpis(kpis: list[Kpi]) -> None:
    """Print the day's KPIs."""
    from lastmile.sim.report import fmt

    table = Table(title="KPIs of the day")
    table.add_column("KPI")
    table.add_column("value", justify="right")
    for k in kpis:
        table.add_row(k.label, fmt(k.value, k.unit))
    console.print(table)


def print_rows(rows: list[Row]) -> None:
    """Print the counterfactual table: each KPI side by side with the difference."""
    from lastmile.sim.compare import COUNTERFACTUALS
    from lastmile.sim.report import fmt

    for c in COUNTERFACTUALS:
        table = Table(title=c.question)
        for col in ("KPI", c.baseline_label, c.alternative_label, "difference"):
            table.add_column(col, justify="left" if col == "KPI" else "right")
        for r in rows:
            if r.counterfactual == c.key:
                better = r.baseline_better
                color = "" if better is None else ("green" if better else "red")
                diff = f"{r.difference:+.2f}"
                table.add_row(
                    r.label,
                    fmt(r.baseline, r.unit),
                    fmt(r.alternative, r.unit),
                    f"[{color}]{diff}[/{color}]" if color else diff,
                )
        console.print(table)


def simulate(
    orders: OrdersOpt = 2000,
    vans: VansOpt = 40,
    seed: SeedOpt = 7,
    osm: OsmOpt = None,
    compare: Annotated[
        bool, typer.Option("--compare", help="replay the day under each counterfactual policy")
    ] = False,
    report: Annotated[Path | None, typer.Option(help="write the HTML report here")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="write the figures as JSON")
    ] = None,
    workers: Annotated[int, typer.Option(help="processes for the counterfactual days")] = 2,
    corrections: CorrectionsOpt = None,
) -> None:
    """Simulate a day of orders, picking, routing and delivery; print its KPIs."""
    from lastmile.sim.session import write_json

    session = run_session(
        config_from(orders, vans, seed, osm),
        with_compare=compare,
        report=report,
        workers=workers,
        corrections=corrections,
    )
    print_kpis(session.kpis)
    if session.rows:
        print_rows(session.rows)
    if json_out is not None:
        console.print(f"figures written to {write_json(session, json_out)}")
    if session.report is not None:
        console.print(f"report: [bold]{session.report.resolve()}[/bold]")
    console.print(f"simulated in {session.seconds:.1f} s")


def register(app: typer.Typer) -> None:
    """Attach ``simulate`` to the CLI."""
    app.command()(simulate)
