"""The simulator's own offline geocoder over the extract's address points.

Used by intake when the geo capability's geocoder is not available: an exact
house-number-and-street match is trusted, a fuzzy street match (rapidfuzz) less so, a
street without the house number falls back to the street's centroid with a confidence
low enough to be held for review before dispatch.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from lastmile.domain import Address, Geocode, GeocodeMethod, GeoPoint
from lastmile.sim.osm_places import AddressPoint

_LINE = re.compile(
    r"^\s*(?P<number>\d+[A-Za-z]?)?\s*(?P<street>.*?)"
    r"(?:\s+(?:Apt|Unit|Suite|#)\s*(?P<unit>\S+))?\s*$"
)


def parse(raw: str) -> dict[str, str]:
    """Split ``"12 Main Street Apt 3, City, ST 12345"`` into usaddress-style parts."""
    chunks = [c.strip() for c in raw.split(",")]
    match = _LINE.match(chunks[0])
    parts: dict[str, str] = {}
    if match:
        parts.update({k: v for k, v in match.groupdict().items() if v})
    if "number" in parts:
        parts["house_number"] = parts.pop("number")
    if len(chunks) > 1:
        parts["city"] = chunks[1]
    if len(chunks) > 2:
        tail = chunks[2].split()
        if tail and tail[0].isalpha():
            parts["state"] = tail[0]
        if tail and tail[-1].isdigit():
            parts["zip"] = tail[-1]
    return parts


class Gazetteer:
    """Geocodes addresses against a list of known address points."""

    def __init__(self, points: Sequence[AddressPoint]) -> None:
        self._exact: dict[tuple[str, str], AddressPoint] = {}
        self._by_street: dict[str, list[AddressPoint]] = defaultdict(list)
        for p in points:
            key = p.street.lower()
            self._exact.setdefault((p.house_number.lower(), key), p)
            self._by_street[key].append(p)
        self._streets = list(self._by_street)

    def _street(self, street: str) -> tuple[str, float] | None:
        key = street.lower()
        if key in self._by_street:
            return key, 100.0
        found = process.extractOne(key, self._streets, scorer=fuzz.ratio, score_cutoff=85.0)
        return (found[0], float(found[1])) if found else None

    def geocode(self, raw: str) -> Address:
        """Return the address parsed and geocoded, with a confidence in [0, 1]."""
        parts = parse(raw)
        street = self._street(parts.get("street", ""))
        if street is None:
            return Address(raw, parts, Geocode(GeoPoint(0.0, 0.0), 0.0, GeocodeMethod.NONE))
        key, score = street
        number = parts.get("house_number", "").lower()
        hit = self._exact.get((number, key))
        if hit is not None:
            exact = score == 100.0
            return Address(
                raw,
                parts,
                Geocode(
                    GeoPoint(hit.lat, hit.lon),
                    0.98 if exact else 0.8,
                    GeocodeMethod.EXACT if exact else GeocodeMethod.FUZZY_INTERPOLATED,
                ),
            )
        on_street = self._by_street[key]
        if number.isdigit():
            # Nearest known house number on the street: a guess, so below the review bar.
            near = min(on_street, key=lambda p: abs(_num(p.house_number) - int(number)))
            return Address(
                raw, parts, Geocode(GeoPoint(near.lat, near.lon), 0.5, GeocodeMethod.INTERPOLATED)
            )
        lat = sum(p.lat for p in on_street) / len(on_street)
        lon = sum(p.lon for p in on_street) / len(on_street)
        return Address(raw, parts, Geocode(GeoPoint(lat, lon), 0.3, GeocodeMethod.STREET_CENTROID))


def _num(text: str) -> int:
    digits = "".join(ch for ch in text if ch.isdigit())
    return int(digits) if digits else 0
