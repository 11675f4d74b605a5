"""``lastmile demo``: a whole day on a real city, its counterfactuals and an HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lastmile.cli.simulate import (
    CorrectionsOpt,
    OrdersOpt,
    OsmOpt,
    SeedOpt,
    VansOpt,
    config_from,
    console,
    print_kpis,
    print_rows,
    run_session,
)


def demo(
    orders: OrdersOpt = 2000,
    vans: VansOpt = 40,
    seed: SeedOpt = 7,
    osm: OsmOpt = None,
    out: Annotated[Path, typer.Option(help="folder for the report and figures")] = Path("var/demo"),
    compare: Annotated[
        bool, typer.Option(help="also replay the day under the counterfactual policies")
    ] = True,
    serve: Annotated[
        bool, typer.Option("--serve", help="then store the day and start the dashboard on it")
    ] = False,
    workers: Annotated[int, typer.Option(help="processes for the counterfactual days")] = 2,
    corrections: CorrectionsOpt = None,
) -> None:
    """Run a simulated day end to end and write its report (what ``make demo`` runs)."""
    from lastmile.sim.session import write_json

    config = config_from(orders, vans, seed, osm)
    report = out / "report.html"
    if serve:
        from lastmile.sim.store import prepare

        prepare()
    session = run_session(
        config, with_compare=compare, report=report, workers=workers, corrections=corrections
    )
    print_kpis(session.kpis)
    if session.rows:
        print_rows(session.rows)
    write_json(session, out / "day.json")
    console.print(f"simulated in {session.seconds:.1f} s")
    console.print(f"report: [bold]{report.resolve()}[/bold]")
    if serve:
        from lastmile.cli.serve import serve as serve_api
        from lastmile.sim.store import store_day

        with console.status("storing the simulated day in the database"):
            where = store_day(session, folder=out)
        console.print(f"stored the day in {where}; starting the dashboard")
        serve_api(host="127.0.0.1", port=8000, database_url=where, log_level="info")


def register(app: typer.Typer) -> None:
    """Attach ``demo`` to the CLI."""
    app.command()(demo)
