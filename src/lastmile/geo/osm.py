"""Read an OpenStreetMap extract into arrays: the drivable graph, street geometry, addresses.

Only pyosmium touches the file; everything downstream works on the plain numpy arrays
and dataclasses of an ``OsmExtract``, so a network can also be built by hand in tests.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import osmium
from numpy.typing import NDArray

from lastmile.domain.geo import EARTH_RADIUS_M

# Free-flow speeds (km/h) when a way has no usable maxspeed; US urban values, since the
# shipped network is Baltimore. Links are slower than their parent class (ramps, curves).
DEFAULT_SPEED_KMH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 55.0,
    "primary_link": 45.0,
    "secondary": 50.0,
    "secondary_link": 40.0,
    "tertiary": 45.0,
    "tertiary_link": 35.0,
    "unclassified": 40.0,
    "residential": 35.0,
    "living_street": 15.0,
    "service": 20.0,
}
ROAD_CLASSES: tuple[str, ...] = tuple(DEFAULT_SPEED_KMH)
_CLASS_INDEX = {c: i for i, c in enumerate(ROAD_CLASSES)}

# Ways that carry street names people write in addresses, drivable or not.
_NAMED_STREET_HIGHWAYS = frozenset(ROAD_CLASSES) | {"pedestrian", "road", "track"}
_FORWARD = frozenset({"yes", "true", "1"})
_BACKWARD = frozenset({"-1", "reverse"})
_NO_ACCESS = frozenset({"no", "agricultural", "forestry", "emergency"})
_MPH = 1.609344
_SPEED_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$", re.IGNORECASE)


def parse_maxspeed(value: str | None) -> float | None:
    """Return a ``maxspeed`` tag in km/h, or ``None`` when it is absent or symbolic.

    Handles plain numbers (km/h), ``"25 mph"``, ``"50 km/h"`` and lists such as
    ``"30;40"`` (the first value wins; lanes differ but the slowest usually binds).
    """
    if not value:
        return None
    first = value.split(";")[0]
    match = _SPEED_RE.match(first)
    if match is None:
        return None
    speed = float(match.group(1))
    if match.group(2) and match.group(2).lower() == "mph":
        speed *= _MPH
    return speed if speed > 0 else None


def oneway_direction(tags: dict[str, str]) -> int:
    """Return +1 (forward only), -1 (backward only) or 0 (both ways) for a highway's tags."""
    value = tags.get("oneway", "").strip().lower()
    if value in _FORWARD:
        return 1
    if value in _BACKWARD:
        return -1
    if value == "no":
        return 0
    # Motorways and roundabouts are one-way unless tagged otherwise.
    if tags.get("highway") in {"motorway", "motorway_link"} or tags.get("junction") in {
        "roundabout",
        "circular",
    }:
        return 1
    return 0


def is_drivable(tags: dict[str, str]) -> bool:
    """Tell whether a way with these tags is a road a delivery van may use."""
    if tags.get("highway") not in _CLASS_INDEX or tags.get("area") == "yes":
        return False
    if tags.get("oneway", "").lower() in {"reversible", "alternating"}:
        return False
    if tags.get("service") == "parking_aisle":
        return False
    return not any(
        tags.get(key, "").lower() in _NO_ACCESS for key in ("access", "motor_vehicle", "motorcar")
    )


@dataclass(frozen=True)
class StreetGeometry:
    """Every way carrying one street name: its polylines and the ZIP codes seen on it."""

    name: str
    lines: list[NDArray[np.float64]]  # each (k, 2) of (lat, lon)
    zips: frozenset[str]


@dataclass(frozen=True)
class AddressPoint:
    """An OSM object carrying ``addr:housenumber``, reduced to one position."""

    housenumber: str
    street: str
    unit: str
    city: str
    state: str
    postcode: str
    lat: float
    lon: float


@dataclass(frozen=True)
class OsmExtract:
    """The parts of an OSM extract lastmile uses, as arrays.

    Edge ``k`` goes from node ``edge_u[k]`` to ``edge_v[k]``; two-way streets give two
    edges. ``edge_class`` indexes ``ROAD_CLASSES``; ``edge_street`` indexes
    ``street_names`` (``-1`` for unnamed ways).
    """

    node_lat: NDArray[np.float64]
    node_lon: NDArray[np.float64]
    edge_u: NDArray[np.int64]
    edge_v: NDArray[np.int64]
    edge_length_m: NDArray[np.float64]
    edge_speed_kmh: NDArray[np.float64]
    edge_class: NDArray[np.int64]
    edge_street: NDArray[np.int64]
    street_names: list[str]
    streets: dict[str, StreetGeometry] = field(default_factory=dict)
    addresses: list[AddressPoint] = field(default_factory=list)
    source: str = ""


def segment_lengths_m(
    lat1: NDArray[np.float64],
    lon1: NDArray[np.float64],
    lat2: NDArray[np.float64],
    lon2: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Return great-circle lengths of many segments at once, in metres."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    result: NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return result


class _Collector:
    """Accumulates ways and address objects while the file streams past."""

    def __init__(self) -> None:
        self.node_index: dict[int, int] = {}
        self.lat: list[float] = []
        self.lon: list[float] = []
        self.u: list[int] = []
        self.v: list[int] = []
        self.speed: list[float] = []
        self.cls: list[int] = []
        self.street: list[int] = []
        self.street_ids: dict[str, int] = {}
        self.lines: dict[str, list[NDArray[np.float64]]] = defaultdict(list)
        self.zips: dict[str, set[str]] = defaultdict(set)
        self.addresses: list[AddressPoint] = []

    def _node(self, ref: int, lat: float, lon: float) -> int:
        idx = self.node_index.get(ref)
        if idx is None:
            idx = len(self.lat)
            self.node_index[ref] = idx
            self.lat.append(lat)
            self.lon.append(lon)
        return idx

    def way(self, tags: dict[str, str], coords: list[tuple[int, float, float]]) -> None:
        name = tags.get("name", "").strip()
        if name and tags.get("highway") in _NAMED_STREET_HIGHWAYS and len(coords) >= 2:
            self.lines[name].append(np.array([(la, lo) for _, la, lo in coords]))
            for key in ("addr:postcode", "postal_code", "tiger:zip_left", "tiger:zip_right"):
                for z in tags.get(key, "").replace(":", ";").split(";"):
                    if z.strip():
                        self.zips[name].add(z.strip()[:5])
        if not is_drivable(tags) or len(coords) < 2:
            return
        direction = oneway_direction(tags)
        highway = tags["highway"]
        speed = parse_maxspeed(tags.get("maxspeed")) or DEFAULT_SPEED_KMH[highway]
        street = -1
        if name:
            street = self.street_ids.setdefault(name, len(self.street_ids))
        ids = [self._node(ref, la, lo) for ref, la, lo in coords]
        for a, b in itertools.pairwise(ids):
            if a == b:
                continue
            pairs = (
                [(a, b)] if direction == 1 else [(b, a)] if direction == -1 else [(a, b), (b, a)]
            )
            for x, y in pairs:
                self.u.append(x)
                self.v.append(y)
                self.speed.append(speed)
                self.cls.append(_CLASS_INDEX[highway])
                self.street.append(street)

    def address(self, tags: dict[str, str], lat: float, lon: float) -> None:
        self.addresses.append(
            AddressPoint(
                housenumber=tags.get("addr:housenumber", "").strip(),
                street=tags.get("addr:street", "").strip(),
                unit=tags.get("addr:unit", "").strip(),
                city=tags.get("addr:city", "").strip(),
                state=tags.get("addr:state", "").strip(),
                postcode=tags.get("addr:postcode", "").strip()[:5],
                lat=lat,
                lon=lon,
            )
        )

    def extract(self, source: str) -> OsmExtract:
        lat = np.asarray(self.lat, dtype=np.float64)
        lon = np.asarray(self.lon, dtype=np.float64)
        u = np.asarray(self.u, dtype=np.int64)
        v = np.asarray(self.v, dtype=np.int64)
        streets = {
            name: StreetGeometry(name=name, lines=lines, zips=frozenset(self.zips[name]))
            for name, lines in self.lines.items()
        }
        return OsmExtract(
            node_lat=lat,
            node_lon=lon,
            edge_u=u,
            edge_v=v,
            edge_length_m=segment_lengths_m(lat[u], lon[u], lat[v], lon[v]),
            edge_speed_kmh=np.asarray(self.speed, dtype=np.float64),
            edge_class=np.asarray(self.cls, dtype=np.int64),
            edge_street=np.asarray(self.street, dtype=np.int64),
            street_names=list(self.street_ids),
            streets=streets,
            addresses=self.addresses,
            source=source,
        )


def read_osm(path: str | Path) -> OsmExtract:
    """Read an ``.osm.pbf`` (or ``.osm``) file into an ``OsmExtract``.

    Parameters
    ----------
    path
        Any OSM extract pyosmium can read.

    Returns
    -------
    OsmExtract
        The drivable directed graph (one-way streets respected, speeds from ``maxspeed``
        or a per-class default), named street geometry and address points.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        When the file holds no drivable road.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"OSM extract {path} not found")
    collector = _Collector()
    processor = osmium.FileProcessor(str(path)).with_locations()
    for obj in processor:
        if isinstance(obj, osmium.osm.Node):
            if "addr:housenumber" in obj.tags and obj.location.valid():
                collector.address(dict(obj.tags), obj.location.lat, obj.location.lon)
        elif isinstance(obj, osmium.osm.Way):
            tags = dict(obj.tags)
            if "highway" not in tags and "addr:housenumber" not in tags:
                continue
            coords = [(nd.ref, nd.lat, nd.lon) for nd in obj.nodes if nd.location.valid()]
            if "highway" in tags:
                collector.way(tags, coords)
            if "addr:housenumber" in tags and coords:
                # A building outline: its mean vertex is where the door most likely is.
                collector.address(
                    tags,
                    float(np.mean([c[1] for c in coords])),
                    float(np.mean([c[2] for c in coords])),
                )
    extract = collector.extract(str(path))
    if extract.edge_u.size == 0:
        raise ValueError(f"OSM extract {path} holds no drivable road")
    return extract
