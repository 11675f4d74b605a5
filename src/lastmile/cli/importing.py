"""``lastmile import <kind> FILE``: bulk-load CSV or JSON, all or nothing by default.

Exit status: 0 imported, 1 bad rows (nothing imported, every bad row listed with file,
line, column and reason), 2 the file could not be read at all.

Orders without ``lat``/``lon`` are geocoded like the API's intake does it: positions
learned from confirmed deliveries first (method ``delivery_fix``), then the offline
geocoder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from lastmile.cli.db import DatabaseUrl

if TYPE_CHECKING:
    from lastmile.services.imports import Rejection

console = Console()
# Soft wrap: one error per line, so the report can be grepped and diffed.
errors = Console(stderr=True, soft_wrap=True)

MAX_SHOWN = 50

_HELP = {
    "warehouses": "warehouse_id, name, lat, lon, same_day_cutoff, next_day_cutoff, "
    "pick_capacity_per_hour, handling_cost",
    "skus": "sku_id, name, length_cm, width_cm, height_cm, weight_kg, unit_value, category",
    "stock": "sku_id, warehouse_id, quantity, reference (receipts into the ledger)",
    "orders": "external_id, customer_id, address, sku_id, quantity (one row per line), "
    "client_id, option, window_start, window_end, placed_at, lat, lon; JSON may nest "
    "lines as [{sku_id, quantity}]",
    "fleet": "vehicle_id, depot_id, capacity_weight_kg, capacity_volume_l, capacity_parcels, "
    "shift_start, shift_end, break_earliest, break_latest, break_minutes, cost_per_km, "
    "cost_per_hour, fixed_cost, co2_g_per_km, skills, end_depot_id, max_distance_km",
}

FileArg = Annotated[Path, typer.Argument(help="A .csv, .json or .jsonl file.", dir_okay=False)]
SkipInvalid = Annotated[
    bool,
    typer.Option("--skip-invalid", help="Import the good rows and set the bad ones aside."),
]
Rejects = Annotated[
    Path | None,
    typer.Option(
        "--rejects",
        help="Where --skip-invalid writes rejected rows with reasons "
        "(.csv or .json; default FILE.rejects.csv).",
    ),
]


def run_import(
    kind: str, file: Path, database_url: str | None, skip_invalid: bool, rejects: Path | None
) -> None:
    """Import ``file`` as ``kind`` and report; exits non-zero on failure."""
    from lastmile.api.wiring import offline_geocoder
    from lastmile.bootstrap import make_engine, make_uow_factory
    from lastmile.config import get_settings
    from lastmile.services.import_readers import ImportFileError
    from lastmile.services.imports import ImportRejected, import_file, write_rejects

    settings = get_settings()
    engine = make_engine(database_url or settings.database_url, migrate=True)
    # Built on the first address without a position, so other imports never pay for it.
    geocode = offline_geocoder(settings, engine) if kind == "orders" else None
    try:
        with console.status(f"Importing {kind} from {file}..."):
            report = import_file(
                uow=make_uow_factory(engine)(),
                kind=kind,
                path=file,
                skip_invalid=skip_invalid,
                geocode=geocode,
            )
    except ImportFileError as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(2) from error
    except ImportRejected as error:
        _print_rejections(error.report.rejected)
        errors.print(
            f"[red]{len(error.report.rejected)} bad row(s) in {file}; nothing was imported."
            "[/red] Fix them, or use --skip-invalid to import the good rows.",
            highlight=False,
        )
        raise typer.Exit(1) from error
    finally:
        engine.dispose()
    table = Table(title=f"Imported {kind} from {file}")
    for column in ("rows", "created", "updated", "unchanged", "rejected"):
        table.add_column(column, justify="right")
    table.add_row(
        str(report.rows),
        str(report.created),
        str(report.updated),
        str(report.unchanged),
        str(len(report.rejected)),
    )
    console.print(table)
    if report.rejected:
        target = rejects or file.with_name(file.name + ".rejects.csv")
        write_rejects(target, report.rejected)
        _print_rejections(report.rejected)
        errors.print(
            f"[yellow]{len(report.rejected)} row(s) rejected; written with reasons "
            f"to {target}.[/yellow]",
            highlight=False,
        )


def _print_rejections(rejected: Sequence[Rejection]) -> None:
    shown = 0
    for rejection in rejected:
        for error in rejection.errors:
            if shown < MAX_SHOWN:
                errors.print(f"{error}", highlight=False, markup=False)
            shown += 1
    if shown > MAX_SHOWN:
        errors.print(f"... and {shown - MAX_SHOWN} more", highlight=False)


def _command(kind: str) -> Callable[..., None]:
    def command(
        file: FileArg,
        database_url: DatabaseUrl = None,
        skip_invalid: SkipInvalid = False,
        rejects: Rejects = None,
    ) -> None:
        run_import(kind, file, database_url, skip_invalid, rejects)

    command.__doc__ = f"Import {kind}. Columns: {_HELP[kind]}."
    return command


def register(app: typer.Typer) -> None:
    """Attach ``lastmile import <kind> FILE`` to ``app``."""
    from lastmile.services.imports import KINDS

    import_app = typer.Typer(
        name="import", help="Bulk-load CSV or JSON files.", no_args_is_help=True
    )
    for kind in KINDS:
        import_app.command(kind)(_command(kind))
    app.add_typer(import_app, name="import")
