"""``lastmile forecast``: demand forecasts, reorder points and suggestions from the CLI."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

console = Console()


def register(app: typer.Typer) -> None:
    """Attach ``forecast`` to ``app``."""
    app.command("forecast")(forecast)


def _read_stock(path: Path) -> dict[str, float]:
    """Read ``sku_id,warehouse_id,on_hand`` rows; a bad row stops with its line and column."""
    from lastmile.inventory.fallback import series_id

    out: dict[str, float] = {}
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        for col in ("sku_id", "warehouse_id", "on_hand"):
            if col not in (reader.fieldnames or []):
                raise typer.BadParameter(f"{path}:1: column {col!r}: required column is missing")
        for row in reader:
            raw = (row.get("on_hand") or "").strip()
            try:
                qty = float(raw)
            except ValueError:
                qty = math.nan
            if not math.isfinite(qty) or qty < 0:
                raise typer.BadParameter(
                    f"{path}:{reader.line_num}: column 'on_hand': not a number >= 0: {raw!r}"
                )
            out[series_id(row["sku_id"].strip(), row["warehouse_id"].strip())] = qty
    return out


def forecast(
    history: Annotated[
        Path | None,
        typer.Option(help="CSV of date,sku_id,warehouse_id,quantity[,stockout][,category]."),
    ] = None,
    database: Annotated[
        bool, typer.Option("--database", help="Read the stock ledger from the database.")
    ] = False,
    stock: Annotated[
        Path | None, typer.Option(help="CSV of sku_id,warehouse_id,on_hand (with --history).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for the CSV reports and plots.")] = Path(
        "forecast-out"
    ),
    horizon: Annotated[int, typer.Option(min=1)] = 28,
    lead_time: Annotated[int, typer.Option(min=0, help="Replenishment lead time, days.")] = 5,
    service_level: Annotated[float, typer.Option(min=0.5, max=0.9999)] = 0.95,
    fill_rate: Annotated[
        bool, typer.Option("--fill-rate", help="Read the service level as a fill rate.")
    ] = False,
    clean: Annotated[
        bool,
        typer.Option(
            "--clean",
            help="Negative quantities count as 0 (returns), missing ones as unknown days; "
            "without it they stop the import.",
        ),
    ] = False,
    plots: Annotated[int, typer.Option(min=0, help="PNG plots for the N riskiest series.")] = 5,
    report_days: Annotated[int, typer.Option(min=1)] = 14,
    jobs: Annotated[int, typer.Option(min=1, help="Processes for the forecasts.")] = 1,
    transfer_cost: Annotated[
        float | None,
        typer.Option(min=0, help="Cost per unit moved between warehouses; enables transfers."),
    ] = None,
    lost_sale: Annotated[
        float, typer.Option(min=0, help="Margin lost per unit of unmet demand.")
    ] = 10.0,
    profile: Annotated[
        str,
        typer.Option(help="Candidate models: full, standard, fast, or auto (by number of series)."),
    ] = "auto",
) -> None:
    """Forecast demand per SKU x warehouse and suggest orders, from a CSV or the database."""
    from lastmile.inventory.importing import HistoryImportError, read_history_csv
    from lastmile.inventory.policy import ServiceTarget
    from lastmile.services.forecasting import (
        InventoryPlan,
        PlanSettings,
        plan_inventory,
        plan_inventory_from_ledger,
    )

    if profile not in ("auto", "full", "standard", "fast"):
        raise typer.BadParameter(f"--profile {profile!r} not understood")
    if (history is None) == (not database):
        raise typer.BadParameter("give exactly one of --history FILE or --database")
    from lastmile.inventory.transfers import TransferCosts

    costs = None
    if transfer_cost is not None:
        unit = transfer_cost
        costs = TransferCosts(per_unit=lambda _a, _b: unit, default_lost_sale=lost_sale)
    settings = PlanSettings(
        transfer_costs=costs,
        horizon=horizon,
        lead_time=lead_time,
        report_days=report_days,
        n_jobs=jobs,
        profile=profile,  # type: ignore[arg-type]
        target=ServiceTarget(service_level, "fill_rate" if fill_rate else "cycle"),
    )
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=True
    ) as bar:
        task = bar.add_task("reading history")

        def step(label: str) -> None:
            bar.update(task, description=label)

        plan: InventoryPlan
        if history is not None:
            try:
                with history.open(newline="") as f:
                    hist = read_history_csv(
                        f, source=str(history), on_invalid="clean" if clean else "error"
                    )
            except HistoryImportError as exc:
                console.print(f"[red]{exc}[/red]")
                raise typer.Exit(2) from exc
            on_hand = _read_stock(stock) if stock else {}
            plan = plan_inventory(hist, on_hand=on_hand, settings=settings, progress=step)
        else:
            from lastmile.bootstrap import make_uow_factory

            plan = plan_inventory_from_ledger(
                uow=make_uow_factory()(), settings=settings, progress=step
            )
        step("writing reports")
        _write_reports(plan, out, plots=plots)
    _print(plan, out)


def _write_reports(plan: object, out: Path, *, plots: int) -> None:
    from lastmile.inventory.reports import plot_forecast
    from lastmile.services.forecasting import InventoryPlan, series_of

    assert isinstance(plan, InventoryPlan)
    out.mkdir(parents=True, exist_ok=True)
    fc, pol = plan.forecasts, plan.policy
    with (out / "forecasts.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["series", "model", "class", "basis", "day", "mean", "lower", "upper"])
        for i, sid in enumerate(fc.ids):
            for d in range(fc.mean.shape[1]):
                w.writerow(
                    [
                        sid,
                        fc.model[i],
                        fc.demand_class[i],
                        fc.basis[i],
                        d + 1,
                        f"{fc.mean[i, d]:.3f}",
                        f"{fc.lower[i, d]:.3f}",
                        f"{fc.upper[i, d]:.3f}",
                    ]
                )
    with (out / "policy.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "series",
                "on_hand",
                "days_of_cover",
                "safety_stock",
                "reorder_point",
                "order_up_to",
                "fill_rate_history",
            ]
        )
        for i, sid in enumerate(pol.ids):
            w.writerow(
                [
                    sid,
                    plan.on_hand[i],
                    f"{plan.days_of_cover[i]:.1f}",
                    f"{pol.safety_stock[i]:.2f}",
                    f"{pol.reorder_point[i]:.2f}",
                    f"{pol.order_up_to[i]:.2f}",
                    f"{plan.fill_rates.get(sid, float('nan')):.4f}",
                ]
            )
    with (out / "purchases.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["series", "quantity", "inventory_position", "reorder_point", "order_up_to"])
        for p in plan.purchases:
            w.writerow(
                [
                    p.series_id,
                    p.quantity,
                    p.inventory_position,
                    f"{p.reorder_point:.2f}",
                    f"{p.order_up_to:.2f}",
                ]
            )
    with (out / "stockouts.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["series", "on_hand", "days_of_cover", "stockout_day", "probability"])
        for s in plan.stockouts:
            w.writerow(
                [
                    s.series_id,
                    s.on_hand,
                    f"{s.days_of_cover:.1f}",
                    s.stockout_day or "",
                    f"{s.stockout_probability:.3f}",
                ]
            )
    with (out / "transfers.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sku_id", "from", "to", "quantity", "cost", "lost_sales_avoided", "reason"])
        for t in plan.transfers:
            w.writerow(
                [
                    t.sku_id,
                    t.from_warehouse,
                    t.to_warehouse,
                    t.quantity,
                    f"{t.cost:.2f}",
                    f"{t.lost_sales_avoided:.2f}",
                    t.reason,
                ]
            )
    riskiest = [s.series_id for s in plan.stockouts][:plots]
    for sid in riskiest or list(fc.ids[:plots]):
        row = fc.index(sid)
        series = series_of(plan, sid)
        hist = series.uncensored() if series is not None else fc.mean[row, :0]
        safe = sid.replace("/", "_").replace("@", "__")
        plot_forecast(series, hist, fc, row, out / "plots" / f"{safe}.png")


def _print(plan: object, out: Path) -> None:
    from lastmile.services.forecasting import InventoryPlan

    assert isinstance(plan, InventoryPlan)
    for note in plan.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    models: dict[str, int] = {}
    for m in plan.forecasts.model:
        models[m] = models.get(m, 0) + 1
    console.print(
        f"{len(plan.forecasts)} series; models chosen: "
        + ", ".join(f"{k} {v}" for k, v in sorted(models.items()))
    )
    table = Table(title="projected stockouts")
    for col in ("series", "on hand", "days of cover", "stockout day", "probability"):
        table.add_column(col)
    for s in plan.stockouts[:15]:
        table.add_row(
            s.series_id,
            f"{s.on_hand:g}",
            f"{s.days_of_cover:.1f}",
            str(s.stockout_day or "-"),
            f"{s.stockout_probability:.0%}",
        )
    console.print(table)
    console.print(
        f"{len(plan.purchases)} purchase suggestion(s), "
        f"{len(plan.transfers)} transfer suggestion(s); reports in {out}"
    )
