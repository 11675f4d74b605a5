"""The offline geocoder: address validation, then exact -> interpolated -> centroid answers.

Every answer carries a confidence and the method that produced it. Answers below the
review threshold are ``flagged`` so an operator looks at them before dispatch; nothing
low-confidence is silently routed. Confirmed delivery fixes override the gazetteer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np

from lastmile.domain.address import Geocode, GeocodeMethod
from lastmile.domain.geo import GeoPoint, haversine_m
from lastmile.geo.addresses import ParsedAddress, house_number_value, parse_address
from lastmile.geo.corrections import CorrectionStore, InMemoryCorrections, LearnedFix
from lastmile.geo.gazetteer import Gazetteer, Street
from lastmile.geo.matching import StreetMatch, match_streets, suggest_streets
from lastmile.geo.network import RoadNetwork
from lastmile.geo.osm import OsmExtract
from lastmile.geo.transposition import TRANSPOSITION_GAP_M, transpositions

DEFAULT_REVIEW_THRESHOLD = 0.6


class AddressStatus(StrEnum):
    VALID = "valid"
    FIXABLE = "fixable"
    INVALID = "invalid"


@dataclass(frozen=True)
class Validation:
    """Whether an address is usable as typed, usable after a correction, or not at all."""

    status: AddressStatus
    parsed: ParsedAddress
    corrected: str = ""
    reasons: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class GeocodeResult:
    """A geocoding answer: where, how sure, how found, and whether a human should look."""

    query: str
    validation: Validation
    geocode: Geocode | None
    status: str  # "ok" | "flagged" | "invalid"
    reason: str = ""
    matched: str = ""

    @property
    def needs_review(self) -> bool:
        return self.status != "ok"


@dataclass(frozen=True)
class FixOutcome:
    """What a confirmed delivery fix did to the stored position of an address."""

    accepted: bool
    key: str
    moved_m: float
    reason: str


class Geocoder:
    """Geocode and validate addresses against a gazetteer, offline.

    Parameters
    ----------
    gazetteer
        Streets, address points and ZIPs of the extract.
    review_threshold
        Answers with a lower confidence are ``flagged`` for review.
    corrections
        Learned delivery positions, consulted first and fed by ``confirm_delivery``.
    """

    def __init__(
        self,
        gazetteer: Gazetteer,
        *,
        review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
        corrections: CorrectionStore | None = None,
    ) -> None:
        if not 0.0 <= review_threshold <= 1.0:
            raise ValueError(f"review_threshold {review_threshold} outside [0, 1] not understood.")
        self.gazetteer = gazetteer
        self.review_threshold = review_threshold
        self.corrections: CorrectionStore = (
            corrections if corrections is not None else InMemoryCorrections()
        )

    @classmethod
    def from_extract(cls, extract: OsmExtract, **kwargs: object) -> Geocoder:
        """Build a geocoder from the streets and address points of an extract."""
        return cls(Gazetteer.from_extract(extract), **kwargs)  # type: ignore[arg-type]

    @classmethod
    def from_network(cls, network: RoadNetwork, **kwargs: object) -> Geocoder:
        """Build a geocoder from the extract a road network was read from."""
        return cls.from_extract(network.extract, **kwargs)

    # ---------------------------------------------------------------- validation
    def validate(self, raw: str) -> Validation:
        """Validate an address: valid, fixable (with the correction) or invalid (with why)."""
        parsed = parse_address(raw)
        return self._validate(parsed, match_streets(self.gazetteer, parsed))

    def _validate(self, parsed: ParsedAddress, matches: list[StreetMatch]) -> Validation:
        if not parsed.ok:
            return Validation(AddressStatus.INVALID, parsed, reasons=parsed.problems)
        if not matches:
            return Validation(
                AddressStatus.INVALID,
                parsed,
                reasons=(f"street {parsed.street.full!r} is not in the gazetteer",),
                suggestions=tuple(
                    f"{parsed.house_number} {s}" for s in suggest_streets(self.gazetteer, parsed)
                ),
            )
        best = matches[0]
        street = best.street
        reasons = list(best.corrections)
        number = house_number_value(parsed.house_number) or 0
        if street.numbers.size and number > 2 * int(street.numbers.max()) + 200:
            lo, hi = int(street.numbers.min()), int(street.numbers.max())
            return Validation(
                AddressStatus.INVALID,
                parsed,
                reasons=(f"house number {number} is implausible on {street.key} ({lo}-{hi})",),
                suggestions=tuple(f"{n} {street.key}" for n in _nearest(street, number)),
            )
        fixed = replace(parsed, street=street.name)
        zip_code = _zip_for(street, number)
        if parsed.zip and street.zips and parsed.zip not in street.zips:
            reasons.append(f"ZIP {parsed.zip} -> {zip_code or sorted(street.zips)[0]}")
            fixed = replace(fixed, zip=zip_code or sorted(street.zips)[0])
        elif not parsed.zip and zip_code:
            reasons.append(f"ZIP added: {zip_code}")
            fixed = replace(fixed, zip=zip_code)
        if not reasons:
            return Validation(AddressStatus.VALID, parsed, corrected=parsed.normalised())
        return Validation(
            AddressStatus.FIXABLE, parsed, corrected=fixed.normalised(), reasons=tuple(reasons)
        )

    # ---------------------------------------------------------------- geocoding
    def geocode(self, raw: str) -> GeocodeResult:
        """Geocode one address string; never raises on bad input.

        Returns
        -------
        GeocodeResult
            ``status`` is ``ok`` (confident), ``flagged`` (below the review threshold or
            ambiguous) or ``invalid`` (unusable; ``reason`` and suggestions say why).
        """
        parsed = parse_address(raw)
        matches = match_streets(self.gazetteer, parsed) if parsed.ok else []
        validation = self._validate(parsed, matches)
        if validation.status is AddressStatus.INVALID:
            geocode = self._zip_centroid(parsed) if parsed.ok else None
            return GeocodeResult(raw, validation, geocode, "invalid", "; ".join(validation.reasons))
        best = matches[0]
        key = building_key(parsed.house_number, best.street.key)
        learned = self.corrections.get(key)
        if learned is not None:
            conf = min(0.99, 0.9 + 0.02 * learned.deliveries)
            geocode = Geocode(GeoPoint(learned.lat, learned.lon), conf, GeocodeMethod.DELIVERY_FIX)
            reasons = ["position learned from confirmed deliveries"]
        else:
            geocode, reasons = self._locate(parsed, best)
            geocode, more = self._disambiguate(parsed, matches, geocode)
            reasons += more
            geocode, more = self._transposed(parsed, best, geocode)
            reasons += more
        reasons += list(validation.reasons)
        status = "ok" if geocode.confidence >= self.review_threshold else "flagged"
        if status == "flagged":
            reasons.append(f"confidence {geocode.confidence:.2f} below {self.review_threshold}")
        return GeocodeResult(raw, validation, geocode, status, "; ".join(reasons), key)

    def geocode_many(self, raws: Iterable[str]) -> list[GeocodeResult]:
        """Geocode a batch of address strings."""
        return [self.geocode(r) for r in raws]

    def _locate(self, parsed: ParsedAddress, match: StreetMatch) -> tuple[Geocode, list[str]]:
        street = match.street
        # Name typos cost little (the number pins the house); a contradicted direction,
        # suffix or ZIP costs more.
        trust = min(1.0, max(0.0, match.score / 100.0))
        fuzzy = match.name_score < 100
        number = house_number_value(parsed.house_number)
        reasons: list[str] = []
        if number is not None and street.numbers.size:
            exact = [
                i for i, raw in enumerate(street.raw_numbers) if raw == parsed.house_number
            ] or [int(i) for i in np.flatnonzero(street.numbers == number)]
            if exact:
                lat = float(street.lats[exact].mean())
                lon = float(street.lons[exact].mean())
                zips = {street.point_zips[i] for i in exact} - {""}
                conf = 0.97 * min(1.0, trust + 0.1)
                spread = max(
                    haversine_m(lat, lon, float(street.lats[i]), float(street.lons[i]))
                    for i in exact
                )
                if spread > 50:
                    # A complex (a mall, a campus): one number, several doors.
                    conf = min(conf, 0.75)
                    reasons.append(f"{len(exact)} places share this number, {spread:,.0f} m apart")
                if parsed.zip and zips and parsed.zip not in zips:
                    conf -= 0.3
                    reasons.append(f"ZIP {parsed.zip} differs from the address point's")
                return Geocode(GeoPoint(lat, lon), _clip(conf), GeocodeMethod.EXACT), reasons
            interpolated = _interpolate(street, number)
            if interpolated is not None:
                lat, lon, conf, zips = interpolated
                if parsed.zip and zips and parsed.zip not in zips:
                    # The number places it in another ZIP than the one typed: one is wrong.
                    conf -= 0.3
                    reasons.append(f"ZIP {parsed.zip} differs from the neighbours' ({min(zips)})")
                method = GeocodeMethod.FUZZY_INTERPOLATED if fuzzy else GeocodeMethod.INTERPOLATED
                reasons.append(f"interpolated between known numbers on {street.key}")
                return Geocode(GeoPoint(lat, lon), _clip(conf * trust), method), reasons
        lat, lon = street.centroid()
        extent = street.extent_m()
        conf = 0.5 if extent < 150 else 0.35 if extent < 500 else 0.2
        reasons.append(f"middle of {street.key} ({extent:,.0f} m long)")
        return (
            Geocode(GeoPoint(lat, lon), _clip(conf * trust), GeocodeMethod.STREET_CENTROID),
            reasons,
        )

    def _disambiguate(
        self, parsed: ParsedAddress, matches: list[StreetMatch], geocode: Geocode
    ) -> tuple[Geocode, list[str]]:
        """Lower confidence when another street fits about as well but lies elsewhere."""
        if len(matches) < 2 or matches[1].score < matches[0].score - 5:
            return geocode, []
        other, _ = self._locate(parsed, matches[1])
        gap = geocode.point.distance_m(other.point)
        if gap <= 100:
            return geocode, []
        conf = min(geocode.confidence, 0.45)
        reason = (
            f"ambiguous: {matches[0].street.key} or {matches[1].street.key} ({gap:,.0f} m apart)"
        )
        return Geocode(geocode.point, conf, geocode.method), [reason]

    def _transposed(
        self, parsed: ParsedAddress, match: StreetMatch, geocode: Geocode
    ) -> tuple[Geocode, list[str]]:
        """Lower confidence when swapping two digits of the number lands far away.

        The alternative counts only where the street knows it (an address point or a
        confident interpolation) and the typed ZIP, if any, does not rule it out.
        """
        number = house_number_value(parsed.house_number)
        street = match.street
        if number is None or not street.numbers.size:
            return geocode, []
        tail = parsed.house_number[len(str(number)) :]
        for other in transpositions(number):
            # Located ZIP-blind; the typed ZIP is weighed against the alternative's below.
            alt, _ = self._locate(replace(parsed, house_number=f"{other}{tail}", zip=""), match)
            if alt.method is GeocodeMethod.STREET_CENTROID:
                continue
            if alt.confidence < self.review_threshold:
                continue
            alt_zip = _zip_for(street, other)
            if parsed.zip and alt_zip and alt_zip != parsed.zip:
                continue
            gap = geocode.point.distance_m(alt.point)
            if gap > TRANSPOSITION_GAP_M:
                reason = (
                    f"{other} {street.key}, two digits apart from {number}, lies {gap:,.0f} m"
                    " away; confirm the house number"
                )
                return Geocode(geocode.point, min(geocode.confidence, 0.45), geocode.method), [
                    reason
                ]
        return geocode, []

    def _zip_centroid(self, parsed: ParsedAddress) -> Geocode | None:
        centre = self.gazetteer.zip_centroids.get(parsed.zip)
        if centre is None:
            return None
        return Geocode(GeoPoint(*centre), 0.1, GeocodeMethod.ZIP_CENTROID)

    # ---------------------------------------------------------------- learning
    def confirm_delivery(
        self, raw: str, fix: GeoPoint, *, max_shift_m: float = 250.0
    ) -> FixOutcome:
        """Learn from a delivery confirmed at ``fix``: move the address's position there.

        The fix is refused when it lies farther than ``max_shift_m`` from a confident
        geocode (a driver who confirmed at the depot, a GPS jump); for a street- or
        ZIP-level guess the bound widens to that street's length.
        """
        parsed = parse_address(raw)
        matches = match_streets(self.gazetteer, parsed) if parsed.ok else []
        if not matches or not parsed.house_number:
            return FixOutcome(False, "", 0.0, "address not usable; nothing learned")
        best = matches[0]
        key = building_key(parsed.house_number, best.street.key)
        base, _ = self._locate(parsed, best)
        bound = max_shift_m
        if base.method is GeocodeMethod.STREET_CENTROID:
            bound = max(bound, best.street.extent_m())
        gap = base.point.distance_m(fix)
        if gap > bound:
            return FixOutcome(
                False, key, 0.0, f"fix is {gap:,.0f} m from the geocode (> {bound:,.0f} m)"
            )
        current = self.corrections.get(key)
        learned = LearnedFix(fix.lat, fix.lon) if current is None else current.add(fix.lat, fix.lon)
        before = base.point if current is None else GeoPoint(current.lat, current.lon)
        self.corrections.put(key, learned)
        moved = haversine_m(before.lat, before.lon, learned.lat, learned.lon)
        return FixOutcome(True, key, moved, f"learned from {learned.deliveries} delivery(ies)")


def building_key(house_number: str, street_key: str) -> str:
    """Return the key of one building: number and normalised street."""
    return f"{house_number} {street_key}".strip()


def _clip(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


def _nearest(street: Street, number: int, k: int = 3) -> list[int]:
    order = np.argsort(np.abs(street.numbers - number))
    return sorted({int(street.numbers[i]) for i in order[:k]})


def _zip_for(street: Street, number: int) -> str:
    """Return the ZIP of the known address nearest in number on the street, else its only ZIP."""
    if street.numbers.size:
        zips = [z for z in street.point_zips if z]
        if zips:
            i = int(np.argmin(np.abs(street.numbers - number)))
            return street.point_zips[i] or zips[0]
    return next(iter(street.zips)) if len(street.zips) == 1 else ""


def _interpolate(street: Street, number: int) -> tuple[float, float, float, set[str]] | None:
    """Place ``number`` between its nearest known neighbours, same side of the street first.

    Returns (lat, lon, confidence, ZIPs of the neighbours used) or ``None`` when nothing
    close is known.
    """
    nums, lats, lons = street.numbers, street.lats, street.lons
    zips = np.array(street.point_zips, dtype=object)
    for side in (nums % 2 == number % 2, np.ones(nums.size, dtype=bool)):
        n, la, lo, zp = nums[side], lats[side], lons[side], zips[side]
        below = np.flatnonzero(n < number)
        above = np.flatnonzero(n > number)
        if below.size and above.size:
            i, j = below[-1], above[0]
            t = (number - n[i]) / (n[j] - n[i])
            lat = float(la[i] + t * (la[j] - la[i]))
            lon = float(lo[i] + t * (lo[j] - lo[i]))
            span = haversine_m(la[i], lo[i], la[j], lo[j])
            # Far-apart neighbours may bracket a bend or a gap in numbering.
            conf = 0.85 if span <= 150 else 0.7 if span <= 400 else 0.45
            if n[j] - n[i] > 200:
                # US numbering runs ~100 per block: neighbours more than two blocks apart
                # in number say little about where this one is.
                conf = min(conf, 0.55)
            return lat, lon, conf, {str(zp[i]), str(zp[j])} - {""}
        nearest = below[-1:] if below.size else above[:1]
        if nearest.size and abs(int(n[nearest[0]]) - number) <= 10:
            k = nearest[0]
            return float(la[k]), float(lo[k]), 0.55, {str(zp[k])} - {""}
    return None
