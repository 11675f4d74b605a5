"""``lastmile geocode`` and ``lastmile matrix``: batch geography on any OSM extract."""

from __future__ import annotations

import csv
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

console = Console(stderr=True, soft_wrap=True)
MAX_REPORTED = 20

OsmOption = Annotated[
    Path | None,
    typer.Option(help="An .osm.pbf extract (default: the shipped Baltimore network)."),
]


def _check_osm(osm: Path | None) -> None:
    if osm is not None and not osm.is_file():
        console.print(f"[red]{osm}: no such OSM extract[/red]")
        raise typer.Exit(2)


def geocode(
    file: Annotated[Path, typer.Argument(help="CSV with an 'address' column.")],
    out: Annotated[Path, typer.Option(help="Output CSV: the input columns plus the geocode.")],
    osm: OsmOption = None,
    threshold: Annotated[
        float, typer.Option(help="Answers below this confidence are flagged.")
    ] = 0.6,
    column: Annotated[str, typer.Option(help="Name of the address column.")] = "address",
) -> None:
    """Geocode every row; adds lat, lon, confidence, method, status (ok/flagged/invalid), reason."""
    from lastmile.geo.geocoder import Geocoder
    from lastmile.geo.network import load_network

    if not file.is_file():
        console.print(f"[red]{file}: no such file[/red]")
        raise typer.Exit(2)
    _check_osm(osm)
    with file.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        if column not in fields:
            console.print(
                f"[red]{file}:1: no column {column!r} (columns: {', '.join(fields)})[/red]"
            )
            raise typer.Exit(2)
        rows = [(reader.line_num, row) for row in reader]
    with console.status("loading road network and gazetteer"):
        geocoder = Geocoder.from_network(load_network(osm), review_threshold=threshold)
    extra = ["lat", "lon", "confidence", "method", "status", "reason"]
    out_fields = fields + [c for c in extra if c not in fields]
    counts = {"ok": 0, "flagged": 0, "invalid": 0}
    reported = 0
    with (
        out.open("w", newline="", encoding="utf-8") as fh,
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress,
    ):
        writer = csv.DictWriter(fh, fieldnames=out_fields)
        writer.writeheader()
        task = progress.add_task("geocoding", total=len(rows))
        for line, row in rows:
            result = geocoder.geocode(row.get(column) or "")
            g = result.geocode
            row |= {
                "lat": f"{g.point.lat:.7f}" if g else "",
                "lon": f"{g.point.lon:.7f}" if g else "",
                "confidence": f"{g.confidence:.3f}" if g else "0",
                "method": g.method.value if g else "none",
                "status": result.status,
                "reason": result.reason,
            }
            writer.writerow(row)
            counts[result.status] += 1
            if result.status == "invalid" and reported < MAX_REPORTED:
                progress.console.print(
                    f"[yellow]{file}:{line}: column {column!r}: {result.reason}[/yellow]"
                )
                reported += 1
            progress.advance(task)
    console.print(
        f"wrote {out}: {counts['ok']} ok, {counts['flagged']} flagged for review, "
        f"{counts['invalid']} invalid"
    )


def _read_points(file: Path) -> tuple[list[str], list[tuple[float, float]], list[int]]:
    from lastmile.domain.errors import InvalidValue
    from lastmile.domain.geo import GeoPoint

    with file.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        missing = [c for c in ("lat", "lon") if c not in fields]
        if missing:
            console.print(f"[red]{file}:1: missing column(s) {', '.join(missing)}[/red]")
            raise typer.Exit(2)
        ids: list[str] = []
        lines: list[int] = []
        coords: list[tuple[float, float]] = []
        errors: list[str] = []
        for row in reader:
            line = reader.line_num
            try:
                lat = float(row["lat"])
            except (TypeError, ValueError):
                errors.append(f"{file}:{line}: column 'lat': {row['lat']!r} is not a number")
                continue
            try:
                lon = float(row["lon"])
            except (TypeError, ValueError):
                errors.append(f"{file}:{line}: column 'lon': {row['lon']!r} is not a number")
                continue
            try:
                GeoPoint(lat, lon)
            except InvalidValue as exc:
                errors.append(f"{file}:{line}: column {exc.field!r}: {exc.reason}")
                continue
            ids.append(row.get("id") or str(len(ids)))
            lines.append(line)
            coords.append((lat, lon))
    if errors:
        for e in errors[:MAX_REPORTED]:
            console.print(f"[red]{e}[/red]")
        console.print(f"[red]{len(errors)} bad row(s); nothing written[/red]")
        raise typer.Exit(2)
    return ids, coords, lines


def matrix(
    points: Annotated[Path, typer.Argument(help="CSV with lat, lon (and optional id) columns.")],
    out: Annotated[Path, typer.Option(help="Output .npz with durations_s and distances_m.")],
    osm: OsmOption = None,
    depart_at: Annotated[
        str | None, typer.Option(help="Departure time (ISO 8601) for the rush-hour profile.")
    ] = None,
    weather: Annotated[str, typer.Option(help="clear, rain, heavy_rain, snow or fog.")] = "clear",
    max_snap_m: Annotated[float, typer.Option(help="Refuse points farther from a road.")] = 1000.0,
) -> None:
    """Write travel-time (s) and distance (m) matrices between the points, on real roads."""
    import numpy as np

    from lastmile.domain.geo import GeoPoint
    from lastmile.geo.conditions import Conditions, Weather
    from lastmile.geo.network import PointOutsideNetwork, load_network
    from lastmile.geo.road import RoadTravelTimes

    if not points.is_file():
        console.print(f"[red]{points}: no such file[/red]")
        raise typer.Exit(2)
    _check_osm(osm)
    try:
        when = datetime.fromisoformat(depart_at) if depart_at else None
        sky = Weather(weather)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    ids, coords, lines = _read_points(points)
    with console.status("loading road network"):
        source = RoadTravelTimes(
            load_network(osm), conditions=Conditions(weather=sky), max_snap_m=max_snap_m
        )
    pts = [GeoPoint(lat, lon) for lat, lon in coords]
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    ) as progress:
        progress.add_task(f"shortest paths between {len(pts)} points")
        try:
            result = source.matrix(pts, depart_at=when)
        except PointOutsideNetwork as exc:
            for i, d in zip(exc.indices[:MAX_REPORTED], exc.distances_m, strict=False):
                console.print(
                    f"[red]{points}:{lines[i]}: columns 'lat','lon': {d:,.0f} m from any "
                    f"road (limit {exc.limit_m:,.0f} m)[/red]"
                )
            raise typer.Exit(2) from exc
    snap = source.network.snap(pts)
    np.savez_compressed(
        out,
        durations_s=result.durations_s,
        distances_m=result.distances_m,
        ids=np.array(ids),
        lat=np.array([c[0] for c in coords]),
        lon=np.array([c[1] for c in coords]),
        snap_m=snap.distances_m,
    )
    console.print(
        f"wrote {out}: {len(pts)}x{len(pts)}, snapped within {snap.distances_m.max():,.0f} m, "
        f"network {source.network.name}"
    )
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    """Attach the geography commands to ``app``."""
    app.command(name="geocode")(geocode)
    app.command(name="matrix")(matrix)
