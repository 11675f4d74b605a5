"""Places a scenario needs from an OSM extract: address points, industrial sites, roads.

One streaming pass over the ``.osm.pbf`` with pyosmium collects every object that carries
``addr:housenumber`` (ways reduced to the mean of their nodes, as in the shared data's
extraction), the centroids of industrial / port land use and warehouse buildings (where
a fulfillment warehouse plausibly stands), and the drivable ways (to refuse an extract
with no road network, and to place customers along named streets when an extract has
few tagged addresses).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import osmium

from lastmile.domain.errors import InvalidValue

# Highway classes a delivery van may drive on; the same set the road network uses.
DRIVABLE = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "road",
    }
)
_INDUSTRIAL_LANDUSE = frozenset({"industrial", "port", "commercial", "retail"})
_INDUSTRIAL_BUILDING = frozenset({"warehouse", "industrial"})


class NoDrivableNetwork(InvalidValue):
    """The OSM file has no way a van can drive on."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__("osm", f"{path} has no drivable road network ({detail})")
        self.path = path


@dataclass(frozen=True, slots=True)
class AddressPoint:
    """A real, geolocated postal address."""

    house_number: str
    street: str
    city: str
    state: str
    postcode: str
    lat: float
    lon: float
    synthetic: bool = False

    def text(self) -> str:
        """Return the address as a customer would type it."""
        tail = " ".join(p for p in (self.state, self.postcode) if p)
        parts = [f"{self.house_number} {self.street}".strip(), self.city, tail]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class IndustrialSite:
    """A centroid of industrial land use, a port or a warehouse building."""

    kind: str
    lat: float
    lon: float
    area_proxy: int


@dataclass(frozen=True)
class OsmPlaces:
    """What one pass over an extract found."""

    path: Path
    addresses: list[AddressPoint]
    industrial: list[IndustrialSite]
    drivable_ways: int
    # (lat, lon, street name) of nodes on named drivable ways, for synthetic addresses.
    street_nodes: list[tuple[float, float, str]]
    bounds: tuple[float, float, float, float]  # min_lat, min_lon, max_lat, max_lon


class _Collector(osmium.SimpleHandler):
    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[AddressPoint] = []
        self.industrial: list[IndustrialSite] = []
        self.drivable = 0
        self.street_nodes: list[tuple[float, float, str]] = []
        self.city_hint: dict[str, int] = {}
        self.min_lat = self.min_lon = 1e9
        self.max_lat = self.max_lon = -1e9

    def _address(self, tags: Any, lat: float, lon: float) -> None:
        number = tags.get("addr:housenumber")
        street = tags.get("addr:street")
        if not number or not street:
            return
        city = tags.get("addr:city", "")
        if city:
            self.city_hint[city] = self.city_hint.get(city, 0) + 1
        self.addresses.append(
            AddressPoint(
                number,
                street,
                city,
                tags.get("addr:state", ""),
                tags.get("addr:postcode", ""),
                lat,
                lon,
            )
        )

    def node(self, n: Any) -> None:
        if not n.location.valid():
            return
        lat, lon = n.location.lat, n.location.lon
        self.min_lat, self.max_lat = min(self.min_lat, lat), max(self.max_lat, lat)
        self.min_lon, self.max_lon = min(self.min_lon, lon), max(self.max_lon, lon)
        if "addr:housenumber" in n.tags:
            self._address(n.tags, lat, lon)

    def way(self, w: Any) -> None:
        tags = w.tags
        coords = [(nd.lat, nd.lon) for nd in w.nodes if nd.location.valid()]
        if not coords:
            return
        highway = tags.get("highway")
        if highway in DRIVABLE and tags.get("access") not in ("private", "no"):
            self.drivable += 1
            name = tags.get("name")
            if name and highway not in ("motorway", "motorway_link", "service"):
                self.street_nodes.extend((lat, lon, name) for lat, lon in coords)
        lat = sum(c[0] for c in coords) / len(coords)
        lon = sum(c[1] for c in coords) / len(coords)
        if "addr:housenumber" in tags:
            self._address(tags, lat, lon)
        landuse, building = tags.get("landuse"), tags.get("building")
        if landuse in _INDUSTRIAL_LANDUSE or building in _INDUSTRIAL_BUILDING:
            kind = landuse if landuse in _INDUSTRIAL_LANDUSE else f"building={building}"
            self.industrial.append(IndustrialSite(kind, lat, lon, len(coords)))


def read_places(path: Path) -> OsmPlaces:
    """Read address points, industrial sites and drivable ways from an OSM extract.

    Parameters
    ----------
    path
        An ``.osm.pbf`` (or any format pyosmium reads).

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    NoDrivableNetwork
        The file has no way with a drivable ``highway`` tag.
    """
    if not path.is_file():
        raise FileNotFoundError(f"OSM file {path} not found")
    collector = _Collector()
    try:
        collector.apply_file(str(path), locations=True)
    except RuntimeError as exc:
        raise InvalidValue("osm", f"{path} could not be read as OSM data: {exc}") from exc
    if collector.drivable == 0:
        raise NoDrivableNetwork(path, "no way tagged with a drivable highway class")
    # Many extracts tag the city on only some objects; fill the gap with the usual one.
    default_city = max(collector.city_hint, key=collector.city_hint.__getitem__, default="")
    addresses = [
        a
        if a.city
        else AddressPoint(a.house_number, a.street, default_city, a.state, a.postcode, a.lat, a.lon)
        for a in collector.addresses
    ]
    return OsmPlaces(
        path=path,
        addresses=addresses,
        industrial=collector.industrial,
        drivable_ways=collector.drivable,
        street_nodes=collector.street_nodes,
        bounds=(collector.min_lat, collector.min_lon, collector.max_lat, collector.max_lon),
    )
