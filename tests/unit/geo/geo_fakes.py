"""Small hand-built road networks and gazetteers for geo unit tests (no files)."""

from __future__ import annotations

import numpy as np

from lastmile.geo.gazetteer import Gazetteer
from lastmile.geo.osm import ROAD_CLASSES, AddressPoint, OsmExtract, segment_lengths_m

LAT0, LON0 = 39.28, -76.58
STEP = 0.001  # about 111 m north-south, 86 m east-west


def extract_from_arcs(
    lat: list[float],
    lon: list[float],
    arcs: list[tuple[int, int, float, str]],
    *,
    names: dict[int, str] | None = None,
) -> OsmExtract:
    """Build an extract from explicit arcs (u, v, speed km/h, road class)."""
    la, lo = np.array(lat), np.array(lon)
    u = np.array([a[0] for a in arcs], dtype=np.int64)
    v = np.array([a[1] for a in arcs], dtype=np.int64)
    names = names or {}
    street_names = sorted(set(names.values()))
    street = np.array(
        [street_names.index(names[k]) if k in names else -1 for k in range(len(arcs))],
        dtype=np.int64,
    )
    return OsmExtract(
        node_lat=la,
        node_lon=lo,
        edge_u=u,
        edge_v=v,
        edge_length_m=segment_lengths_m(la[u], lo[u], la[v], lo[v]),
        edge_speed_kmh=np.array([a[2] for a in arcs]),
        edge_class=np.array([ROAD_CLASSES.index(a[3]) for a in arcs], dtype=np.int64),
        edge_street=street,
        street_names=street_names,
        source="fake",
    )


def grid_extract(rows: int = 4, cols: int = 5, *, one_way_row: int | None = 1) -> OsmExtract:
    """A grid of two-way residential streets; one row is a one-way eastbound arterial.

    Node ``r * cols + c`` sits at row ``r``, column ``c``. Row ``one_way_row`` is
    named "Main Street" and faster (primary, 50 km/h) but only eastbound.
    """
    lat, lon = [], []
    for r in range(rows):
        for c in range(cols):
            lat.append(LAT0 + r * STEP)
            lon.append(LON0 + c * STEP)
    arcs: list[tuple[int, int, float, str]] = []
    names: dict[int, str] = {}
    for r in range(rows):
        for c in range(cols - 1):
            a, b = r * cols + c, r * cols + c + 1
            if r == one_way_row:
                names[len(arcs)] = "Main Street"
                arcs.append((a, b, 50.0, "primary"))
            else:
                arcs += [(a, b, 30.0, "residential"), (b, a, 30.0, "residential")]
    for r in range(rows - 1):
        for c in range(cols):
            a, b = r * cols + c, (r + 1) * cols + c
            arcs += [(a, b, 30.0, "residential"), (b, a, 30.0, "residential")]
    return extract_from_arcs(lat, lon, arcs, names=names)


def chain_extract() -> OsmExtract:
    """A two-way street bent through many shape points, with a one-way loop at its end.

    Exercises the contraction of pass-through nodes, including points that snap to the
    middle of a contracted street.
    """
    lat = [LAT0 + 0.0004 * i for i in range(8)] + [LAT0 + 0.0028, LAT0 + 0.0032]
    lon = [LON0 + (0.0002 if i % 2 else 0.0) for i in range(8)] + [LON0 + 0.001, LON0 + 0.001]
    arcs: list[tuple[int, int, float, str]] = []
    for i in range(7):
        arcs += [(i, i + 1, 30.0, "residential"), (i + 1, i, 30.0, "residential")]
    # One-way loop 7 -> 8 -> 9 -> 6, and a faster branch 0 -> 9 one way.
    arcs += [(7, 8, 40.0, "tertiary"), (8, 9, 40.0, "tertiary"), (9, 6, 40.0, "tertiary")]
    arcs += [(0, 9, 20.0, "service")]
    return extract_from_arcs(lat, lon, arcs)


def fake_gazetteer() -> Gazetteer:
    """Two parallel streets (E and W Fairmount Ave), Ann Street, and a few address points."""

    def line(lat: float, lon_from: float, lon_to: float) -> np.ndarray:
        return np.array([(lat, lon_from), (lat, (lon_from + lon_to) / 2), (lat, lon_to)])

    streets = {
        "East Fairmount Avenue": ([line(39.2930, -76.590, -76.580)], {"21231"}),
        "West Fairmount Avenue": ([line(39.2930, -76.630, -76.620)], {"21201"}),
        "South Ann Street": ([np.array([(39.280, -76.5915), (39.286, -76.5915)])], {"21231"}),
        "Key Highway": ([line(39.275, -76.600, -76.598)], {"21230"}),
    }
    points = []
    for i, number in enumerate(range(2100, 2140, 2)):
        lon = -76.5895 + i * 0.0004
        points.append(
            AddressPoint(
                str(number), "East Fairmount Avenue", "", "Baltimore", "MD", "21231", 39.2931, lon
            )
        )
        points.append(
            AddressPoint(
                str(number + 1),
                "East Fairmount Avenue",
                "",
                "Baltimore",
                "MD",
                "21231",
                39.2929,
                lon,
            )
        )
    points.append(
        AddressPoint(
            "2120", "West Fairmount Avenue", "", "Baltimore", "MD", "21201", 39.2931, -76.625
        )
    )
    for number, lat in ((700, 39.281), (710, 39.282), (720, 39.283), (750, 39.2855)):
        points.append(
            AddressPoint(
                str(number), "South Ann Street", "", "Baltimore", "MD", "21231", lat, -76.5914
            )
        )
    return Gazetteer(streets, points)
