"""``lastmile solve``: any VRPLIB CVRP or VRPTW instance in, a VRPLIB solution out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

console = Console(stderr=True, soft_wrap=True)


def solve(
    instance: Annotated[Path, typer.Argument(help="A VRPLIB .vrp file (CVRP or VRPTW).")],
    seconds: Annotated[float, typer.Option(help="Time budget in seconds.")] = 10.0,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    out: Annotated[
        Path | None, typer.Option(help="Write the VRPLIB solution here (default: stdout).")
    ] = None,
    solver: Annotated[str, typer.Option(help="pyvrp (default), ortools or vroom.")] = "pyvrp",
    round_func: Annotated[
        str | None,
        typer.Option(help="Rounding: dimacs (VRPTW default), round (CVRP default), exact..."),
    ] = None,
) -> None:
    """Solve a VRPLIB instance and write its solution in VRPLIB format."""
    from lastmile.domain.errors import InvalidValue
    from lastmile.routing.backends import make_solver
    from lastmile.routing.feasibility import check
    from lastmile.routing.solution import MaxSeconds
    from lastmile.routing.vrplib_io import format_solution, read_instance, total_distance

    if not instance.is_file():
        console.print(f"[red]{instance}: no such file[/red]")
        raise typer.Exit(2)
    if seconds <= 0:
        console.print(f"[red]--seconds {seconds}: must be > 0[/red]")
        raise typer.Exit(2)
    try:
        problem = read_instance(instance, round_func=round_func)
        backend = make_solver(solver)
    except (InvalidValue, ValueError, KeyError, IndexError) as exc:
        console.print(f"[red]{instance}: cannot read the instance: {exc}[/red]")
        raise typer.Exit(2) from exc
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    ) as progress:
        progress.add_task(
            f"solving {problem.name} ({problem.num_stops} stops) with {solver} for {seconds:g} s"
        )
        result = backend.solve(problem, stop=MaxSeconds(seconds), seed=seed)
    report = check(problem, result)
    text = format_solution(problem, result)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)
        console.print(f"wrote {out}")
    console.print(
        f"distance {total_distance(problem, result):.1f}, "
        f"{sum(1 for r in result.routes if r.visits)} routes, "
        f"{len(result.unserved)} unserved, checker: "
        + ("feasible" if report.ok and result.feasible else "; ".join(report.violations[:3]))
    )
    if not (report.ok and result.feasible and not result.unserved):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Attach the routing commands to ``app``."""
    app.command(name="solve")(solve)
