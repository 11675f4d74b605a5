"""The gazetteer: streets, house numbers and ZIP codes known from an OSM extract.

Streets are keyed by their USPS-normalised name (``E FAIRMOUNT AVE``); each holds its
geometry, the address points seen on it (sorted by house number) and its ZIP codes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from lastmile.geo.addresses import StreetName, clean_token, house_number_value, normalise_street
from lastmile.geo.osm import AddressPoint, OsmExtract, segment_lengths_m


@dataclass
class Street:
    """One named street: where it runs and which numbers are known on it."""

    name: StreetName
    display: str
    lines: list[NDArray[np.float64]] = field(default_factory=list)
    zips: set[str] = field(default_factory=set)
    # Known address points: (house number value, lat, lon), and the raw numbers.
    numbers: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    lats: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    lons: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    raw_numbers: list[str] = field(default_factory=list)
    point_zips: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.name.full

    def centroid(self) -> tuple[float, float]:
        """Return the length-weighted middle of the street (address points if no geometry)."""
        if self.lines:
            pts = np.vstack(self.lines)
            mids, weights = [], []
            for line in self.lines:
                if len(line) < 2:
                    continue
                seg = segment_lengths_m(line[:-1, 0], line[:-1, 1], line[1:, 0], line[1:, 1])
                mids.append((line[:-1] + line[1:]) / 2)
                weights.append(seg)
            if mids and np.concatenate(weights).sum() > 0:
                m, w = np.vstack(mids), np.concatenate(weights)
                lat, lon = np.average(m, axis=0, weights=w)
                return float(lat), float(lon)
            return float(pts[:, 0].mean()), float(pts[:, 1].mean())
        return float(self.lats.mean()), float(self.lons.mean())

    def extent_m(self) -> float:
        """Return the diagonal of the street's bounding box, a bound on centroid error."""
        pts = np.vstack([*self.lines, np.column_stack([self.lats, self.lons])])
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        return float(segment_lengths_m(lo[:1], lo[1:], hi[:1], hi[1:])[0])


class Gazetteer:
    """Streets, address points and ZIP centroids of one extract.

    Parameters
    ----------
    streets
        Street geometry by OSM name.
    addresses
        Address points; only those with a street name and a numeric house number count.
    """

    def __init__(
        self,
        streets: Mapping[str, tuple[list[NDArray[np.float64]], Iterable[str]]],
        addresses: Iterable[AddressPoint],
    ) -> None:
        self.streets: dict[str, Street] = {}
        for display, (lines, zips) in streets.items():
            street = self._street(display)
            street.lines.extend(lines)
            street.zips.update(zips)
        per_street: dict[str, list[tuple[int, float, float, str, str]]] = defaultdict(list)
        zip_points: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self.cities: set[str] = set()
        for a in addresses:
            if a.postcode:
                zip_points[a.postcode].append((a.lat, a.lon))
            if a.city:
                self.cities.add(clean_token(a.city))
            number = house_number_value(a.housenumber)
            if not a.street or number is None:
                continue
            street = self._street(a.street)
            per_street[street.key].append(
                (number, a.lat, a.lon, clean_token(a.housenumber), a.postcode)
            )
            if a.postcode:
                street.zips.add(a.postcode)
        for key, rows in per_street.items():
            rows.sort()
            s = self.streets[key]
            s.numbers = np.array([r[0] for r in rows], dtype=np.int64)
            s.lats = np.array([r[1] for r in rows])
            s.lons = np.array([r[2] for r in rows])
            s.raw_numbers = [r[3] for r in rows]
            s.point_zips = [r[4] for r in rows]
        self.zip_centroids: dict[str, tuple[float, float]] = {
            z: (float(np.mean([p[0] for p in pts])), float(np.mean([p[1] for p in pts])))
            for z, pts in zip_points.items()
        }
        # ZIPs known only from street tags: the middle of their streets.
        street_zip: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for s in self.streets.values():
            if s.lines:
                for z in s.zips:
                    street_zip[z].append(s.centroid())
        for z, pts in street_zip.items():
            if z not in self.zip_centroids:
                self.zip_centroids[z] = (
                    float(np.mean([p[0] for p in pts])),
                    float(np.mean([p[1] for p in pts])),
                )
        self.by_core: dict[str, list[Street]] = defaultdict(list)
        for s in self.streets.values():
            self.by_core[s.name.core].append(s)
        self.cores: list[str] = sorted(self.by_core)

    def _street(self, display: str) -> Street:
        name = normalise_street(display)
        street = self.streets.get(name.full)
        if street is None:
            street = Street(name=name, display=display)
            self.streets[name.full] = street
        return street

    @classmethod
    def from_extract(
        cls, extract: OsmExtract, *, addresses: Iterable[AddressPoint] | None = None
    ) -> Gazetteer:
        """Build from an extract; ``addresses`` overrides its address points (e.g. a hold-out)."""
        streets = {name: (g.lines, g.zips) for name, g in extract.streets.items()}
        return cls(streets, extract.addresses if addresses is None else addresses)

    def __len__(self) -> int:
        return len(self.streets)
